package io.alignstream.monitoring;

import static io.alignstream.registry.serde.SpecificAvroSerde.forValues;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.inference.InferenceModels;
import io.alignstream.monitoring.quality.WindowEvaluator;
import io.alignstream.monitoring.window.Observation;
import io.alignstream.monitoring.window.Observations;
import io.alignstream.monitoring.window.QualityWindowProcessor;
import io.alignstream.registry.serde.SpecificAvroSerde;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The retrieval-quality monitor, added to the service's {@link StreamsBuilder}: it reads the
 * published TEVI and AlignVLM embeddings and dead letters like any downstream consumer would
 * (read_committed under exactly-once), keeps what it needs of each ({@link Observation}),
 * gathers them on one partition, and closes count and time windows into
 * {@code RetrievalQualityReport}s on the retrieval-quality topic and into gauges.
 *
 * <pre>
 * embeddings.tevi     --observe--\
 * embeddings.alignvlm --observe---merge--> quality-observations (1 partition) --> windows --> monitoring.retrieval-quality
 * dead-letters        --observe--/
 * </pre>
 *
 * TEVI records must carry the raw image embedding ({@code alignstream.output.include.raw.embedding});
 * records without it are not observed.
 */
public final class MonitoringTopology {
    static final String OBSERVATIONS = "quality-observations";

    private MonitoringTopology() {
    }

    public static void define(StreamsBuilder builder, TopicNames topics, MonitorSettings settings,
                              Map<String, ?> serdeConfig, InferenceModels models, WindowEvaluator evaluator,
                              QualityExport export, ReferenceControl referenceControl) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(QualityWindowProcessor.COUNT_WINDOW_STORE), Serdes.Long(), Observation.serde())
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(QualityWindowProcessor.TIME_WINDOW_STORE), Serdes.Long(), Observation.serde())
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(QualityWindowProcessor.REFERENCE_STORE), Serdes.Long(), Observation.serde())
                .withCachingDisabled());

        KStream<String, Observation> pairs = builder
                .stream(topics.tevi(), Consumed.with(Serdes.String(), forValues(TeviEmbedding.class, serdeConfig))
                        .withName("quality-tevi"))
                .mapValues(tevi -> (Observation) Observations.of(tevi), Named.as("observe-pair"));
        KStream<String, Observation> images = builder
                .stream(topics.alignVlm(), Consumed.with(Serdes.String(), forValues(AlignVlmEmbedding.class, serdeConfig))
                        .withName("quality-alignvlm"))
                .mapValues(align -> (Observation) Observations.of(align), Named.as("observe-image"));
        KStream<String, Observation> letters = builder
                .stream(topics.deadLetters(), Consumed.with(Serdes.ByteArray(), forValues(DeadLetter.class, serdeConfig))
                        .withName("quality-dead-letters"))
                .selectKey((key, letter) -> "", Named.as("dead-letter-key"))
                .mapValues(letter -> (Observation) Observations.of(letter), Named.as("observe-dead-letter"));

        pairs.merge(images, Named.as("observed-embeddings")).merge(letters, Named.as("observations"))
                .filter((key, observation) -> observation != null, Named.as("observed"))
                // One task sees every observation: retrieval is ranked across the whole window.
                .selectKey((key, observation) -> "window", Named.as("one-window"))
                .repartition(Repartitioned.with(Serdes.String(), Observation.serde())
                        .withName(OBSERVATIONS).withNumberOfPartitions(1))
                .process(() -> new QualityWindowProcessor(settings, models::openSession, evaluator, models.modelRef(),
                                export, referenceControl), Named.as("quality-windows"),
                        QualityWindowProcessor.COUNT_WINDOW_STORE, QualityWindowProcessor.TIME_WINDOW_STORE,
                        QualityWindowProcessor.REFERENCE_STORE)
                .to(topics.retrievalQuality(), Produced.with(Serdes.String(),
                        forValues(RetrievalQualityReport.class, serdeConfig)).withName("quality-reports"));
    }

}
