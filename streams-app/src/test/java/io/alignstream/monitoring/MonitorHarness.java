package io.alignstream.monitoring;

import io.alignstream.schemas.TopicNames;
import io.alignstream.deadletter.DeadLetterDeserializationHandler;
import io.alignstream.deadletter.DeadLetterProcessingHandler;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.inference.InferenceModels;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.monitoring.quality.WindowEvaluator;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.topology.AlignstreamTopology;
import io.alignstream.topology.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The service's topologies in a {@link TopologyTestDriver} over the real models, with a private
 * in-memory registry: the embedding topology, the monitor, or both on one builder as
 * {@code AlignstreamApp} wires them (the monitor then reads the TEVI, AlignVLM and dead-letter
 * records the embedding topology publishes). Pipe events or published records in, advance the
 * wall clock, read the outputs.
 */
final class MonitorHarness implements AutoCloseable {
    static final Instant START = Instant.parse("2026-11-22T12:00:00Z");
    static final TopicNames TOPICS = TopicNames.defaults();

    final TopologyTestDriver driver;
    private final Map<String, Object> serdeConfig;
    private final KafkaAvroSerializer serializer = new KafkaAvroSerializer();
    private final TestInputTopic<String, ImageEvent> images;
    private final TestInputTopic<String, CaptionEvent> captions;
    private final TestInputTopic<String, TeviEmbedding> tevi;
    private final TestInputTopic<String, AlignVlmEmbedding> alignVlm;
    private final TestInputTopic<byte[], DeadLetter> deadLetters;
    private final TestOutputTopic<String, Object> teviOut;
    private final TestOutputTopic<String, Object> alignVlmOut;
    private final TestOutputTopic<byte[], Object> deadLettersOut;
    private final TestOutputTopic<String, Object> reports;

    /**
     * @param embedding the embedding topology's settings, or null for the monitor alone
     * @param monitor   the monitor's windows, or null for the embedding topology alone
     */
    MonitorHarness(TopologySettings embedding, MonitorSettings monitor, InferenceModels models, WindowEvaluator evaluator,
                   QualityExport export, ReferenceControl referenceControl) {
        this.serdeConfig = Map.of("schema.registry.url", "mock://monitor-" + UUID.randomUUID());
        StreamsBuilder builder = new StreamsBuilder();
        if (embedding != null) {
            AlignstreamTopology.define(builder, embedding.toBuilder().topics(TOPICS).build(), serdeConfig, models, PipelineMetrics.noop());
        }
        if (monitor != null) {
            MonitoringTopology.define(builder, TOPICS, monitor, serdeConfig, models, evaluator, export, referenceControl);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "alignstream-monitor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.putAll(serdeConfig);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        props.put(DeadLetterDeserializationHandler.TOPIC_CONFIG, TOPICS.deadLetters());
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/alignstream-monitor-" + UUID.randomUUID());
        driver = new TopologyTestDriver(builder.build(), props, START);
        serializer.configure(serdeConfig, false);
        images = driver.createInputTopic(TOPICS.images(), new StringSerializer(), typed(), START, Duration.ZERO);
        captions = driver.createInputTopic(TOPICS.captions(), new StringSerializer(), typed(), START, Duration.ZERO);
        tevi = driver.createInputTopic(TOPICS.tevi(), new StringSerializer(), typed(), START, Duration.ZERO);
        alignVlm = driver.createInputTopic(TOPICS.alignVlm(), new StringSerializer(), typed(), START, Duration.ZERO);
        deadLetters = driver.createInputTopic(TOPICS.deadLetters(), new ByteArraySerializer(), typed(), START, Duration.ZERO);
        teviOut = driver.createOutputTopic(TOPICS.tevi(), new StringDeserializer(), deserializer());
        alignVlmOut = driver.createOutputTopic(TOPICS.alignVlm(), new StringDeserializer(), deserializer());
        deadLettersOut = driver.createOutputTopic(TOPICS.deadLetters(), new ByteArrayDeserializer(), deserializer());
        reports = driver.createOutputTopic(TOPICS.retrievalQuality(), new StringDeserializer(), deserializer());
    }

    @SuppressWarnings("unchecked")
    private <T> Serializer<T> typed() {
        return (topic, value) -> serializer.serialize(topic, value);
    }

    private Deserializer<Object> deserializer() {
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
        deserializer.configure(Map.of("schema.registry.url", serdeConfig.get("schema.registry.url"),
                "specific.avro.reader", true), false);
        return deserializer;
    }

    void send(ImageEvent image) {
        images.pipeInput(image.getImageId(), image);
    }

    void send(CaptionEvent caption) {
        captions.pipeInput(caption.getImageId(), caption);
    }

    /** A published TEVI record, as the monitor would read it from the TEVI topic. */
    void publish(TeviEmbedding record) {
        tevi.pipeInput(record.getImageId(), record);
    }

    void publish(AlignVlmEmbedding record) {
        alignVlm.pipeInput(record.getImageId(), record);
    }

    void publish(DeadLetter letter) {
        deadLetters.pipeInput((byte[]) null, letter);
    }

    /** A block of published records: its AlignVLM images first, then its TEVI pairs. */
    void publish(PublishedScenes.Block block) {
        block.alignVlm().forEach(this::publish);
        block.tevi().forEach(this::publish);
    }

    void advance(Duration duration) {
        driver.advanceWallClockTime(duration);
    }

    List<TeviEmbedding> tevi() {
        return teviOut.readValuesToList().stream().map(TeviEmbedding.class::cast).toList();
    }

    List<AlignVlmEmbedding> alignVlm() {
        return alignVlmOut.readValuesToList().stream().map(AlignVlmEmbedding.class::cast).toList();
    }

    List<DeadLetter> deadLetters() {
        return deadLettersOut.readValuesToList().stream().map(DeadLetter.class::cast).toList();
    }

    /** The reports published on the retrieval-quality topic since the last call. */
    List<RetrievalQualityReport> reports() {
        return reports.readValuesToList().stream().map(RetrievalQualityReport.class::cast).toList();
    }

    @Override
    public void close() {
        driver.close();
        serializer.close();
    }
}
