package io.alignstream.topology;

import static io.alignstream.registry.serde.SpecificAvroSerde.forValues;

import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.inference.InferenceModels;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.registry.serde.SpecificAvroSerde;
import io.alignstream.topology.batching.EmbeddingProcessor;
import io.alignstream.topology.batching.OutputTombstone;
import io.alignstream.topology.batching.PayloadEncoder;
import io.alignstream.topology.keying.EventRules;
import io.alignstream.topology.keying.InputKeyer;
import io.alignstream.topology.state.BufferedInput;
import io.alignstream.topology.state.EmittedCaption;
import io.alignstream.topology.state.PendingCaption;
import io.alignstream.topology.state.StoredImage;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * alignstream's topology, built by a plain function from a {@link StreamsBuilder} (configuration
 * and {@code main} live elsewhere):
 *
 * <pre>
 * images   --keyer(validate, key by imageId)--> images-by-id   --\
 *                                                                  merge --> embed (batched, stateful) --+--> TEVI embeddings
 * captions --keyer(validate, key by imageId)--> captions-by-id --/                                       +--> AlignVLM embeddings
 *                                                                                                         +--> dead letters
 * </pre>
 *
 * The two re-keying topics have the same partition count, so an image and its captions meet in
 * one task. docs/topology.md walks through it.
 */
public final class AlignstreamTopology {
    static final String IMAGES_BY_ID = "images-by-id";
    static final String CAPTIONS_BY_ID = "captions-by-id";

    private AlignstreamTopology() {
    }

    /** Defines the topology on {@code builder} and builds it (see {@link #define}). */
    public static Topology build(StreamsBuilder builder, TopologySettings settings, Map<String, ?> serdeConfig,
                                 InferenceModels models, PipelineMetrics metrics) {
        define(builder, settings, serdeConfig, models, metrics);
        return builder.build();
    }

    /**
     * Defines the embedding topology on {@code builder}, which may hold more (the monitor).
     *
     * @param serdeConfig the Schema Registry serde configuration (schema.registry.url and friends)
     * @param models      opened by the caller, who closes them after the Kafka Streams instance
     */
    public static void define(StreamsBuilder builder, TopologySettings settings, Map<String, ?> serdeConfig,
                              InferenceModels models, PipelineMetrics metrics) {
        define(builder, settings, serdeConfig, models, metrics, UnaryOperator.identity());
    }

    /**
     * {@link #define(StreamsBuilder, TopologySettings, Map, InferenceModels, PipelineMetrics)}, with
     * each state store's supplier seen through {@code stores} (the fault-injection tests' seam).
     */
    public static void define(StreamsBuilder builder, TopologySettings settings, Map<String, ?> serdeConfig,
                              InferenceModels models, PipelineMetrics metrics,
                              UnaryOperator<KeyValueBytesStoreSupplier> stores) {
        SpecificAvroSerde<ImageEvent> imageSerde = forValues(ImageEvent.class, serdeConfig);
        SpecificAvroSerde<CaptionEvent> captionSerde = forValues(CaptionEvent.class, serdeConfig);
        // Internal topics must be writable even where producers may not register schemas.
        Map<String, Object> internalConfig = new HashMap<>(serdeConfig);
        internalConfig.put("auto.register.schemas", true);
        internalConfig.put("use.latest.version", false);
        SpecificAvroSerde<ImageEvent> internalImageSerde = forValues(ImageEvent.class, internalConfig);
        SpecificAvroSerde<CaptionEvent> internalCaptionSerde = forValues(CaptionEvent.class, internalConfig);

        builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(Stores.inMemoryKeyValueStore(StoreNames.INFERENCE_BUFFER)),
                Serdes.Long(), BufferedInput.serde()).withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(Stores.persistentKeyValueStore(StoreNames.IMAGE_EMBEDDINGS)),
                Serdes.String(), StoredImage.serde()).withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(Stores.persistentKeyValueStore(StoreNames.PENDING_CAPTIONS)),
                Serdes.String(), PendingCaption.serde()).withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(Stores.persistentKeyValueStore(StoreNames.EMITTED_CAPTIONS)),
                Serdes.String(), EmittedCaption.serde()).withCachingDisabled());
        // Time indexes of the two stores above, for retention (TimeIndexedStore); changelogged like them.
        for (String index : new String[] {StoreNames.IMAGE_EMBEDDINGS_BY_TIME, StoreNames.EMITTED_CAPTIONS_BY_TIME}) {
            builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(Stores.persistentKeyValueStore(index)),
                    Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled());
        }

        KStream<String, SpecificRecordBase> images = builder
                .stream(settings.topics().images(), Consumed.with(Serdes.ByteArray(), imageSerde).withName("images"))
                .process(() -> new InputKeyer<>(EventRules.IMAGES, metrics, settings.maxRecordBytes()), Named.as("image-keyer"))
                .repartition(Repartitioned.with(Serdes.String(), internalImageSerde)
                        .withName(IMAGES_BY_ID).withNumberOfPartitions(settings.partitions()))
                .mapValues(image -> (SpecificRecordBase) image, Named.as("image-input"));
        KStream<String, SpecificRecordBase> captions = builder
                .stream(settings.topics().captions(), Consumed.with(Serdes.ByteArray(), captionSerde).withName("captions"))
                .process(() -> new InputKeyer<>(EventRules.CAPTIONS, metrics, settings.maxRecordBytes()), Named.as("caption-keyer"))
                .repartition(Repartitioned.with(Serdes.String(), internalCaptionSerde)
                        .withName(CAPTIONS_BY_ID).withNumberOfPartitions(settings.partitions()))
                .mapValues(caption -> (SpecificRecordBase) caption, Named.as("caption-input"));

        PayloadEncoder payloads = payloadEncoder(serdeConfig);
        KStream<String, Object> outputs = images.merge(captions, Named.as("inputs"))
                .process(() -> new EmbeddingProcessor(settings, models, metrics, payloads), Named.as("embed"),
                        StoreNames.INFERENCE_BUFFER, StoreNames.IMAGE_EMBEDDINGS, StoreNames.PENDING_CAPTIONS,
                        StoreNames.EMITTED_CAPTIONS, StoreNames.IMAGE_EMBEDDINGS_BY_TIME,
                        StoreNames.EMITTED_CAPTIONS_BY_TIME);

        // Outputs are routed by type; an OutputTombstone goes to its topic as a null value (a deleted image).
        outputs.split(Named.as("output-"))
                .branch((imageId, value) -> value instanceof TeviEmbedding || value == OutputTombstone.TEVI,
                        Branched.withConsumer(tevi -> tevi
                        .mapValues(value -> value instanceof TeviEmbedding embedding ? embedding : null)
                        .to(settings.topics().tevi(), Produced.with(Serdes.String(), forValues(TeviEmbedding.class,
                                serdeConfig)).withName("tevi-embeddings")), "tevi"))
                .branch((imageId, value) -> value instanceof AlignVlmEmbedding || value == OutputTombstone.ALIGNVLM,
                        Branched.withConsumer(align -> align
                        .mapValues(value -> value instanceof AlignVlmEmbedding embedding ? embedding : null)
                        .to(settings.topics().alignVlm(), Produced.with(Serdes.String(),
                                forValues(AlignVlmEmbedding.class, serdeConfig)).withName("alignvlm-embeddings")), "alignvlm"))
                .defaultBranch(Branched.withConsumer(letters -> letters
                        .mapValues(value -> (DeadLetter) value)
                        .to(settings.topics().deadLetters(), Produced.with(Serdes.String(),
                                forValues(DeadLetter.class, serdeConfig)).withName("dead-letters")), "dead-letters"));
    }


    private static PayloadEncoder payloadEncoder(Map<String, ?> serdeConfig) {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(serdeConfig, false);
        return serializer::serialize;
    }
}
