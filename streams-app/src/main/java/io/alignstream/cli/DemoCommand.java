package io.alignstream.cli;

import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.produce.SyntheticEventFactory;
import io.alignstream.produce.SyntheticEventFactory.SceneEvents;
import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import io.alignstream.registry.serde.SpecificAvroSerde;
import io.alignstream.schemas.EventTopic;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default, as far as it is built: a real KRaft broker and the embedded Schema
 * Registry, the topics, the event schemas registered, and synthetic-world events round-tripped
 * through the Avro Serde over the broker. The embedding pipeline is not built yet, and this
 * command says so rather than pretending.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs alignstream's embedded default on this machine: a real",
                "single-node KRaft broker, the embedded Schema Registry, the event topics",
                "and schemas, and synthetic events round-tripped through the Avro Serde.",
                "(The embedding pipeline is not built yet.)"})
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    private static final int PARTITIONS = 3;

    @Option(names = "--scenes", defaultValue = "3", description = "Synthetic scenes to send (default: ${DEFAULT-VALUE}).")
    int scenes;

    @Option(names = "--seed", defaultValue = "42", description = "Synthetic world seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--keep-running", description = "Keep the broker and registry up until Ctrl-C.")
    boolean keepRunning;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().start()) {
            step(started, "Kafka broker (KRaft, 4.3.1) up at " + kafka.bootstrapServers());
            try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder()
                    .bootstrapServers(kafka.bootstrapServers())
                    .defaultCompatibility(io.alignstream.registry.compatibility.CompatibilityLevel.BACKWARD_TRANSITIVE)
                    .start()) {
                step(started, "Schema Registry (Confluent-compatible) up at " + registry.url());
                createTopics(kafka);
                step(started, "Topics created: " + EventTopic.values().length + " x " + PARTITIONS + " partitions");
                registerSchemas(registry.url());
                boolean ok = roundTrip(kafka.bootstrapServers(), registry.url());
                step(started, ok ? "Round trip through the Avro Serde over the broker: OK"
                        : "Round trip through the Avro Serde over the broker: MISMATCH");
                out.println();
                out.println("Not built yet: the model bundle and runtime, the embedding topology, monitoring,");
                out.println("and the full demo; this command shows the foundation they stand on.");
                if (keepRunning) {
                    out.println("Running until Ctrl-C: bootstrap.servers=" + kafka.bootstrapServers()
                            + " schema.registry.url=" + registry.url());
                    awaitCtrlC();
                }
                return ok ? 0 : 1;
            }
        }
    }

    private static void createTopics(EmbeddedKafkaBroker kafka) {
        List<NewTopic> topics = new ArrayList<>();
        for (EventTopic topic : EventTopic.values()) {
            topics.add(new NewTopic(topic.defaultName(), PARTITIONS, (short) 1));
        }
        kafka.createTopics(topics);
    }

    private void registerSchemas(String registryUrl) {
        try (SchemaRegistryClient client = SchemaRegistryClientFactory.create(Map.of("schema.registry.url", registryUrl))) {
            out.printf("  %-50s %s%n", "subject", "schema id");
            for (EventTopic topic : EventTopic.values()) {
                int id = client.register(topic.defaultValueSubject(), topic.valueSchema());
                out.printf("  %-50s %d%n", topic.defaultValueSubject(), id);
            }
        }
    }

    /** Sends synthetic images and captions through the Serde and reads them back. */
    private boolean roundTrip(String bootstrap, String registryUrl) {
        SyntheticEventFactory events = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TRAIN);
        List<SpecificRecord> sent = new ArrayList<>();
        Map<String, Object> serde = Map.of("schema.registry.url", registryUrl, "specific.avro.reader", true);
        try (SpecificAvroSerde<SpecificRecord> values = new SpecificAvroSerde<>()) {
            values.configure(serde, false);
            Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            try (KafkaProducer<String, SpecificRecord> producer =
                         new KafkaProducer<>(producerConfig, new StringSerializer(), values.serializer())) {
                for (int i = 0; i < scenes; i++) {
                    SceneEvents scene = events.scene(i, Instant.now());
                    producer.send(new ProducerRecord<>(EventTopic.IMAGES.defaultName(), scene.image().getImageId(), scene.image()));
                    sent.add(scene.image());
                    for (var caption : scene.captions()) {
                        producer.send(new ProducerRecord<>(EventTopic.CAPTIONS.defaultName(), caption.getImageId(), caption));
                        sent.add(caption);
                    }
                }
                producer.flush();
            }
            List<SpecificRecord> received = new ArrayList<>();
            Map<String, Object> consumerConfig = new HashMap<>();
            consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "alignstream-demo-roundtrip");
            consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, SpecificRecord> consumer =
                         new KafkaConsumer<>(consumerConfig, new StringDeserializer(), values.deserializer())) {
                consumer.subscribe(List.of(EventTopic.IMAGES.defaultName(), EventTopic.CAPTIONS.defaultName()));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (received.size() < sent.size() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
                }
            }
            long images = sent.stream().filter(r -> r.getSchema().equals(EventTopic.IMAGES.valueSchema())).count();
            boolean identical = received.size() == sent.size() && received.containsAll(sent);
            out.printf("  sent %d image and %d caption events, read back %d; identical: %s%n",
                    images, sent.size() - images, received.size(), identical);
            return identical;
        }
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
