package io.alignstream.cli;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.events.VocabularyWeight;
import io.alignstream.produce.SyntheticEventFactory;
import io.alignstream.produce.SyntheticEventFactory.SceneEvents;
import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import io.alignstream.registry.compatibility.CompatibilityLevel;
import io.alignstream.registry.serde.SpecificAvroSerde;
import io.alignstream.schemas.EventTopic;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default end to end on one machine: a real KRaft broker, the embedded Schema
 * Registry, the service itself (exactly-once, the default model bundle on ONNX Runtime CPU),
 * synthetic scenes produced as a producing team would, and the embeddings read back as an
 * indexing feed would (read_committed).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs alignstream end to end on this machine: a real single-node KRaft",
                "broker, the embedded Schema Registry, the embedding service (exactly-once,",
                "default model bundle on CPU), synthetic scenes in, TEVI and AlignVLM",
                "embeddings and a dead letter out."})
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--scenes", defaultValue = "4", description = "Synthetic scenes to send (default: ${DEFAULT-VALUE}).")
    int scenes;

    @Option(names = "--seed", defaultValue = "42", description = "Synthetic world seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--http-port", defaultValue = "9464",
            description = "Port for /metrics and /health (0 = any free port; default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--timeout", defaultValue = "PT120S",
            description = "How long to wait for every embedding (ISO-8601 duration; default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--keep-running", description = "Keep the broker, registry and service up until Ctrl-C.")
    boolean keepRunning;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        Path state = Files.createTempDirectory("alignstream-demo-state");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().start()) {
            step(started, "Kafka broker (KRaft, 4.3.1) up at " + kafka.bootstrapServers());
            try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder()
                    .bootstrapServers(kafka.bootstrapServers())
                    .defaultCompatibility(CompatibilityLevel.BACKWARD_TRANSITIVE)
                    .start()) {
                step(started, "Schema Registry (Confluent-compatible) up at " + registry.url());
                registerSchemas(registry.url());
                List<SceneEvents> sceneEvents = scenes();
                int pairs = sceneEvents.stream().mapToInt(scene -> scene.captions().size()).sum();
                AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), Map.of(
                        "bootstrap.servers", kafka.bootstrapServers(),
                        "schema.registry.url", registry.url(),
                        "state.dir", state.toString(),
                        AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "3",
                        // One quality window over exactly the demo's pairs, so the demo can show it.
                        AlignstreamConfig.MONITOR_WINDOW_PAIRS_CONFIG, Integer.toString(Math.max(2, pairs)),
                        AlignstreamConfig.HTTP_HOST_CONFIG, "127.0.0.1",
                        AlignstreamConfig.HTTP_PORT_CONFIG, Integer.toString(httpPort)));
                try (AlignstreamApp app = AlignstreamApp.start(config)) {
                    step(started, "Topics: " + app.topics().summary());
                    if (!app.awaitRunning(Duration.ofSeconds(60))) {
                        out.println("The service did not reach RUNNING (state " + app.state() + ")");
                        return 1;
                    }
                    step(started, "Service RUNNING (exactly_once_v2); live view at http://127.0.0.1:" + app.httpPort()
                            + "/ (also /metrics, /health)");
                    Expected expected = produce(config, registry.url(), sceneEvents);
                    step(started, "Produced " + expected.images.size() + " images, " + expected.pairs
                            + " captions, and 1 undeserialisable record");
                    boolean ok = readAndReport(config, registry.url(), expected, started);
                    if (keepRunning) {
                        out.println("Running until Ctrl-C: bootstrap.servers=" + kafka.bootstrapServers()
                                + " schema.registry.url=" + registry.url());
                        awaitCtrlC();
                    }
                    return ok ? 0 : 1;
                }
            }
        }
    }

    private void registerSchemas(String registryUrl) {
        try (SchemaRegistryClient client = SchemaRegistryClientFactory.create(Map.of("schema.registry.url", registryUrl))) {
            out.printf("  %-50s %s%n", "subject", "schema id");
            for (EventTopic topic : EventTopic.values()) {
                out.printf("  %-50s %d%n", topic.defaultValueSubject(),
                        client.register(topic.defaultValueSubject(), topic.valueSchema()));
            }
        }
    }

    private record Expected(Map<String, ImageEvent> images, int pairs) {
    }

    private List<SceneEvents> scenes() {
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
        List<SceneEvents> out = new ArrayList<>();
        for (int i = 0; i < scenes; i++) {
            out.add(events.scene(i, Instant.now()));
        }
        return out;
    }

    /** Scenes as a producing team sends them: keyed by image id, some captions before their image. */
    private Expected produce(AlignstreamConfig config, String registryUrl, List<SceneEvents> sceneEvents) {
        Map<String, ImageEvent> images = new LinkedHashMap<>();
        int pairs = 0;
        try (SpecificAvroSerde<SpecificRecord> values = new SpecificAvroSerde<>();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                     Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.streamsProperties().get("bootstrap.servers")),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            values.configure(Map.of("schema.registry.url", registryUrl), false);
            String imageTopic = config.topicNames().images();
            String captionTopic = config.topicNames().captions();
            for (int i = 0; i < sceneEvents.size(); i++) {
                SceneEvents scene = sceneEvents.get(i);
                byte[] key = scene.image().getImageId().getBytes(StandardCharsets.UTF_8);
                images.put(scene.image().getImageId(), scene.image());
                pairs += scene.captions().size();
                ProducerRecord<byte[], byte[]> image = new ProducerRecord<>(imageTopic, key,
                        values.serializer().serialize(imageTopic, scene.image()));
                if (i % 2 == 0) {
                    producer.send(image);
                }
                scene.captions().forEach(caption -> producer.send(new ProducerRecord<>(captionTopic, key,
                        values.serializer().serialize(captionTopic, caption))));
                if (i % 2 == 1) {
                    producer.send(image); // this scene's captions came first: they wait for it
                }
            }
            producer.send(new ProducerRecord<>(imageTopic, null, "not an Avro record".getBytes(StandardCharsets.UTF_8)));
            producer.flush();
        }
        return new Expected(images, pairs);
    }

    private boolean readAndReport(AlignstreamConfig config, String registryUrl, Expected expected, long started) {
        List<TeviEmbedding> tevi = new ArrayList<>();
        List<AlignVlmEmbedding> align = new ArrayList<>();
        List<DeadLetter> letters = new ArrayList<>();
        List<RetrievalQualityReport> reports = new ArrayList<>();
        Map<String, Object> consumerConfig = new HashMap<>();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.streamsProperties().get("bootstrap.servers"));
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "alignstream-demo-reader");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (SpecificAvroSerde<SpecificRecord> values = new SpecificAvroSerde<>()) {
            values.configure(Map.of("schema.registry.url", registryUrl), false);
            try (KafkaConsumer<String, SpecificRecord> consumer =
                         new KafkaConsumer<>(consumerConfig, new StringDeserializer(), values.deserializer())) {
                consumer.subscribe(List.of(config.topicNames().tevi(), config.topicNames().alignVlm(),
                        config.topicNames().deadLetters(), config.topicNames().retrievalQuality()));
                long deadline = System.nanoTime() + timeout.toNanos();
                while ((tevi.size() < expected.pairs || align.size() < expected.images.size() || letters.isEmpty()
                        || reports.isEmpty()) && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(record -> {
                        if (record.value() instanceof TeviEmbedding t) {
                            tevi.add(t);
                        } else if (record.value() instanceof AlignVlmEmbedding a) {
                            align.add(a);
                        } else if (record.value() instanceof DeadLetter d) {
                            letters.add(d);
                        } else if (record.value() instanceof RetrievalQualityReport q) {
                            reports.add(q);
                        }
                    });
                }
            }
        }
        step(started, "Read back (read_committed): " + align.size() + " of " + expected.images.size()
                + " AlignVLM embeddings, " + tevi.size() + " of " + expected.pairs + " TEVI embeddings, "
                + letters.size() + " dead letter(s), " + reports.size() + " retrieval-quality report(s)");
        out.println();
        out.println("AlignVLM: each image's top words in MiniLM's vocabulary, next to what the image shows");
        for (AlignVlmEmbedding a : align) {
            ImageEvent image = expected.images.get(a.getImageId());
            String words = a.getTopWords().stream().limit(6).map(VocabularyWeight::getWord).collect(Collectors.joining(" "));
            out.printf("  %-28s shows %-44s top words: %s%n", a.getImageId(),
                    image == null ? "?" : new java.util.TreeMap<>(image.getAttributes()).toString(), words);
        }
        out.println();
        out.println("TEVI: cosine of caption and image embedding, raw -> TEVI-aligned (first 8 captions)");
        tevi.stream().limit(8).forEach(t -> out.printf("  %-36s raw %.3f -> tevi %.3f  (%d active latents, mask keeps %.0f%%)%n",
                t.getCaptionId(), t.getScores().getRaw(), t.getScores().getTevi(), t.getCodes().getIndices().size(),
                100 * t.getMask().getActiveKept()));
        out.println();
        letters.forEach(d -> out.printf("Dead letter: %s from %s-%d@%d: %s%n", d.getReason(), d.getSourceTopic(),
                d.getPartition(), d.getOffset(), d.getMessage()));
        for (RetrievalQualityReport report : reports) {
            Map<String, Double> m = report.getMetrics();
            out.printf("Retrieval quality (%s window of %d pairs, %d dead letters): text->image Recall@1 raw %.2f, "
                            + "TEVI %.2f; Recall@5 raw %.2f, TEVI %.2f; true-pair cosine raw %.3f vs random %.3f%n",
                    report.getWindowKind(), report.getPairCount(), report.getDeadLetterCount(),
                    m.getOrDefault("raw.t2i.recall_at_1", Double.NaN), m.getOrDefault("tevi.t2i.recall_at_1", Double.NaN),
                    m.getOrDefault("raw.t2i.recall_at_5", Double.NaN), m.getOrDefault("tevi.t2i.recall_at_5", Double.NaN),
                    m.getOrDefault("alignment.raw.true_pair_cosine", Double.NaN),
                    m.getOrDefault("alignment.raw.random_pair_cosine", Double.NaN));
        }
        boolean complete = tevi.size() == expected.pairs && align.size() == expected.images.size() && letters.size() == 1;
        out.println(complete ? "Demo complete: every embedding arrived exactly once."
                : "Demo INCOMPLETE: some embeddings did not arrive within " + timeout);
        return complete;
    }

    private void step(long started, String what) {
        out.printf("[%5.1f s] %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    private static void awaitCtrlC() throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "demo-stop"));
        stop.await();
    }
}
