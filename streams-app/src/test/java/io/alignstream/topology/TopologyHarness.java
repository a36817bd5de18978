package io.alignstream.topology;

import io.alignstream.deadletter.DeadLetterDeserializationHandler;
import io.alignstream.deadletter.DeadLetterProcessingHandler;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.inference.InferenceModels;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * The topology in a {@link TopologyTestDriver} over the real model bundle, with a private
 * in-memory registry: pipe events in, advance the wall clock, read each output topic.
 */
final class TopologyHarness implements AutoCloseable {
    static final Instant START = Instant.parse("2026-11-22T12:00:00Z");

    final TopologySettings settings;
    final TopologyTestDriver driver;
    final Map<String, Object> serdeConfig;
    private final TestInputTopic<String, ImageEvent> images;
    private final TestInputTopic<String, CaptionEvent> captions;
    private final TestInputTopic<byte[], byte[]> rawImages;
    private final TestInputTopic<byte[], byte[]> rawCaptions;
    private final TestOutputTopic<String, Object> tevi;
    private final TestOutputTopic<String, Object> alignVlm;
    private final TestOutputTopic<byte[], Object> deadLetters;
    private final KafkaAvroSerializer eventSerializer = new KafkaAvroSerializer();

    TopologyHarness(TopologySettings settings, InferenceModels models) {
        this(settings, models, PipelineMetrics.noop());
    }

    TopologyHarness(TopologySettings settings, InferenceModels models, PipelineMetrics metrics) {
        this.settings = settings;
        this.serdeConfig = Map.of("schema.registry.url", "mock://topology-" + UUID.randomUUID());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "alignstream-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.putAll(serdeConfig);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        props.put(DeadLetterDeserializationHandler.TOPIC_CONFIG, settings.topics().deadLetters());
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/alignstream-ttd-" + UUID.randomUUID());
        driver = new TopologyTestDriver(AlignstreamTopology.build(new StreamsBuilder(), settings, serdeConfig, models, metrics),
                props, START);
        eventSerializer.configure(serdeConfig, false);
        images = driver.createInputTopic(settings.topics().images(), new StringSerializer(), typed(), START, Duration.ZERO);
        captions = driver.createInputTopic(settings.topics().captions(), new StringSerializer(), typed(), START, Duration.ZERO);
        rawImages = driver.createInputTopic(settings.topics().images(), new ByteArraySerializer(), new ByteArraySerializer(),
                START, Duration.ZERO);
        rawCaptions = driver.createInputTopic(settings.topics().captions(), new ByteArraySerializer(),
                new ByteArraySerializer(), START, Duration.ZERO);
        tevi = driver.createOutputTopic(settings.topics().tevi(), new StringDeserializer(), deserializer());
        alignVlm = driver.createOutputTopic(settings.topics().alignVlm(), new StringDeserializer(), deserializer());
        deadLetters = driver.createOutputTopic(settings.topics().deadLetters(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), deserializer());
    }

    @SuppressWarnings("unchecked")
    private <T> org.apache.kafka.common.serialization.Serializer<T> typed() {
        return (topic, value) -> eventSerializer.serialize(topic, value);
    }

    private Deserializer<Object> deserializer() {
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
        deserializer.configure(Map.of("schema.registry.url", serdeConfig.get("schema.registry.url"),
                "specific.avro.reader", true), false);
        return deserializer;
    }

    /** The wire-format bytes a producer would send for {@code event} on {@code topic}. */
    byte[] encode(String topic, SpecificRecord event) {
        return eventSerializer.serialize(topic, event);
    }

    void send(ImageEvent image) {
        images.pipeInput(image.getImageId(), image);
    }

    void send(CaptionEvent caption) {
        captions.pipeInput(caption.getImageId(), caption);
    }

    void sendRawImage(byte[] key, byte[] value) {
        rawImages.pipeInput(key, value);
    }

    /** An image event in a record with this timestamp (which moves stream time). */
    void send(ImageEvent image, Instant timestamp) {
        images.pipeInput(image.getImageId(), image, timestamp);
    }

    /** A tombstone (null value) on the images topic, keyed by the image id in UTF-8, as EventProducer keys images. */
    void deleteImage(String imageId) {
        rawImages.pipeInput(imageId.getBytes(StandardCharsets.UTF_8), (byte[]) null);
    }

    void sendRawCaption(byte[] key, byte[] value) {
        rawCaptions.pipeInput(key, value);
    }

    /** AlignVLM records as (key, value); a tombstone's value is null. */
    List<KeyValue<String, Object>> alignVlmRecords() {
        return alignVlm.readKeyValuesToList();
    }

    /** TEVI records as (key, value); a tombstone's value is null. */
    List<KeyValue<String, Object>> teviRecords() {
        return tevi.readKeyValuesToList();
    }

    /** The keys in one of the topology's key-value stores (StoreNames). */
    <K> List<K> storeKeys(String store) {
        List<K> keys = new java.util.ArrayList<>();
        try (KeyValueIterator<K, Object> it = driver.<K, Object>getKeyValueStore(store).all()) {
            it.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

    /** Lets the wall clock run, which runs waiting batches and ends grace periods. */
    void advance(Duration duration) {
        driver.advanceWallClockTime(duration);
    }

    /**
     * The input pauses and the maximum wait passes, so any waiting batch runs (not enough time
     * to end a caption's grace): one tick sees no new input, the next finds the wait over.
     */
    void flushBatches() {
        advance(settings.batchMaxWait().plusMillis(1));
        advance(settings.batchMaxWait().plusMillis(1));
    }

    List<TeviEmbedding> tevi() {
        return tevi.readValuesToList().stream().map(TeviEmbedding.class::cast).toList();
    }

    List<AlignVlmEmbedding> alignVlm() {
        return alignVlm.readValuesToList().stream().map(AlignVlmEmbedding.class::cast).toList();
    }

    List<DeadLetter> deadLetters() {
        return deadLetters.readValuesToList().stream().map(DeadLetter.class::cast).toList();
    }

    @Override
    public void close() {
        driver.close();
        eventSerializer.close();
    }
}
