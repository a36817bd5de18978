package io.alignstream.bench;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.schemas.TopicNames;
import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.schemas.EventTopic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The embedded broker and registry the Kafka measurements run on, the input topics with the
 * backlog, and per round a fresh set of output topics, application id and state directory, so
 * that rounds do not see each other's outputs or state.
 */
final class BenchPlatform implements AutoCloseable {
    private final EmbeddedKafkaBroker kafka;
    private final EmbeddedSchemaRegistry registry;
    private final int partitions;
    private final Path stateRoot;
    private final Map<String, String> settings;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);

    private BenchPlatform(EmbeddedKafkaBroker kafka, EmbeddedSchemaRegistry registry, int partitions,
                          Map<String, String> settings, Path stateRoot) {
        this.kafka = kafka;
        this.registry = registry;
        this.partitions = partitions;
        this.settings = settings;
        this.stateRoot = stateRoot;
    }

    /** Keys every round's configuration sets itself (connections, topics, ids, ports). */
    private static final Set<String> RESERVED_KEYS = Set.of("bootstrap.servers", "schema.registry.url",
            "application.id", "state.dir", AlignstreamConfig.TOPICS_PARTITIONS_CONFIG,
            AlignstreamConfig.TOPIC_TEVI_CONFIG, AlignstreamConfig.TOPIC_ALIGNVLM_CONFIG,
            AlignstreamConfig.TOPIC_DEAD_LETTERS_CONFIG, AlignstreamConfig.TOPIC_RETRIEVAL_QUALITY_CONFIG,
            AlignstreamConfig.HTTP_HOST_CONFIG, AlignstreamConfig.HTTP_PORT_CONFIG);

    static void requireNoReservedKeys(Set<String> keys) {
        List<String> reserved = keys.stream().filter(RESERVED_KEYS::contains).sorted().toList();
        if (!reserved.isEmpty()) {
            throw new IllegalArgumentException("the benchmark sets " + reserved + " itself; use --partitions for"
                    + " the partition count");
        }
    }

    /**
     * Starts the broker and registry and creates the input topics with {@code partitions} each;
     * {@code settings} go into every round's configuration.
     */
    static BenchPlatform start(int partitions, Map<String, String> settings) {
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().optimisingCompiler().start();
        try {
            EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder()
                    .bootstrapServers(kafka.bootstrapServers()).start();
            kafka.createTopics(List.of(new NewTopic(EventTopic.IMAGES.defaultName(), partitions, (short) 1),
                    new NewTopic(EventTopic.CAPTIONS.defaultName(), partitions, (short) 1)));
            return new BenchPlatform(kafka, registry, partitions, settings, Files.createTempDirectory("alignstream-bench-"));
        } catch (IOException e) {
            kafka.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    /** Produces the workload's events to the input topics. */
    void produce(BenchWorkload workload) {
        workload.produce(kafka.bootstrapServers(), registry.url(), TopicNames.defaults());
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    int partitions() {
        return partitions;
    }

    /**
     * A configuration for one round named {@code name}: the default input topics, output topics
     * of its own (created now, so a consumer can be assigned before the application starts), a
     * fresh application id and state directory, the quality monitor off, the benchmark's
     * {@code --set} keys, and everything else at alignstream's defaults (exactly_once_v2, batching).
     */
    AlignstreamConfig roundConfig(String name) {
        return roundConfig(name, Map.of());
    }

    /** As {@link #roundConfig(String)}, with {@code extra} keys (the precision under test) over the {@code --set} ones. */
    AlignstreamConfig roundConfig(String name, Map<String, String> extra) {
        String prefix = "bench." + runId + "." + name + ".";
        TopicNames defaults = TopicNames.defaults();
        TopicNames topics = new TopicNames(defaults.images(), defaults.captions(), prefix + "tevi", prefix + "alignvlm",
                prefix + "dead-letters", prefix + "retrieval-quality");
        kafka.createTopics(List.of(new NewTopic(topics.tevi(), partitions, (short) 1),
                new NewTopic(topics.alignVlm(), partitions, (short) 1),
                new NewTopic(topics.deadLetters(), partitions, (short) 1),
                new NewTopic(topics.retrievalQuality(), partitions, (short) 1)));
        Map<String, String> overrides = new HashMap<>();
        // The measurement is of the embedding topology (issue 5); the quality monitor is a second
        // sub-topology over its outputs, measured with --set alignstream.monitor.enabled=true.
        overrides.put(AlignstreamConfig.MONITOR_ENABLED_CONFIG, "false");
        overrides.putAll(settings);
        overrides.putAll(extra);
        overrides.put("bootstrap.servers", kafka.bootstrapServers());
        overrides.put("schema.registry.url", registry.url());
        overrides.put("application.id", "alignstream-bench-" + runId + "-" + name);
        overrides.put("state.dir", stateRoot.resolve(name).toString());
        overrides.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, Integer.toString(partitions));
        overrides.put(AlignstreamConfig.TOPIC_TEVI_CONFIG, topics.tevi());
        overrides.put(AlignstreamConfig.TOPIC_ALIGNVLM_CONFIG, topics.alignVlm());
        overrides.put(AlignstreamConfig.TOPIC_DEAD_LETTERS_CONFIG, topics.deadLetters());
        overrides.put(AlignstreamConfig.TOPIC_RETRIEVAL_QUALITY_CONFIG, topics.retrievalQuality());
        overrides.put(AlignstreamConfig.HTTP_HOST_CONFIG, "127.0.0.1");
        overrides.put(AlignstreamConfig.HTTP_PORT_CONFIG, "0");
        return ConfigSources.load(Optional.empty(), Map.of(), overrides);
    }

    /** A watcher of {@code config}'s output topics expecting the workload's outputs. */
    CommittedOutputWatcher watcher(AlignstreamConfig config, BenchWorkload workload) {
        TopicNames topics = config.topicNames();
        return new CommittedOutputWatcher(kafka.bootstrapServers(), registry.url(),
                Map.of(topics.tevi(), (long) workload.pairs(), topics.alignVlm(), (long) workload.scenes()),
                topics.deadLetters());
    }

    @Override
    public void close() {
        try {
            registry.close();
        } finally {
            kafka.close();
            try (Stream<Path> files = Files.walk(stateRoot)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // leave a temporary directory behind rather than fail the report
            }
        }
    }
}
