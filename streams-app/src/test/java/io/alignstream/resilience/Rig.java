package io.alignstream.resilience;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.schemas.TopicNames;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the resilience tests share: the service's settings, its JVM options, and where reports go. */
final class Rig {
    /** Partitions of every topic the service creates: the number of tasks per sub-topology. */
    static final int PARTITIONS = 4;
    /**
     * Serial GC (fewer GC threads fighting the model for two cores) and the C1 compiler only: the
     * model runs in native ONNX Runtime, and each restart re-compiles the Java side; measured here,
     * restart to RUNNING fell from 11-13 s to 6-8 s and the run through all disruptions from 153 s
     * to 119 s.
     */
    static final List<String> CHILD_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private Rig() {
    }

    /**
     * The child's configuration: the platform's addresses, its own application id, topics
     * (prefixed with the application id) and state directory (kept across restarts), no HTTP endpoints, {@value #PARTITIONS} partitions, and a
     * consumer session timeout of 6 s (the broker's minimum) instead of 45 s, so a SIGKILLed
     * member leaves the group in seconds; and batches that wait up to 200 ms to fill (instead of
     * 20 ms) so that on two busy cores inference runs in fuller batches (about twice the
     * throughput measured here). Everything else is the service's default, including
     * {@code processing.guarantee=exactly_once_v2} and its 100 ms commit interval.
     */
    static Map<String, String> settings(EmbeddedKafkaAndRegistry platform, String applicationId, Path stateDir,
                                        String clientId) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bootstrap.servers", platform.bootstrapServers());
        settings.put("schema.registry.url", platform.registryUrl());
        settings.put("application.id", applicationId);
        settings.put("client.id", clientId);
        // Topics of its own, so several tests can share one broker.
        settings.put(AlignstreamConfig.TOPIC_IMAGES_CONFIG, applicationId + ".images");
        settings.put(AlignstreamConfig.TOPIC_CAPTIONS_CONFIG, applicationId + ".captions");
        settings.put(AlignstreamConfig.TOPIC_TEVI_CONFIG, applicationId + ".tevi");
        settings.put(AlignstreamConfig.TOPIC_ALIGNVLM_CONFIG, applicationId + ".alignvlm");
        settings.put(AlignstreamConfig.TOPIC_DEAD_LETTERS_CONFIG, applicationId + ".dead-letters");
        settings.put(AlignstreamConfig.TOPIC_RETRIEVAL_QUALITY_CONFIG, applicationId + ".retrieval-quality");
        settings.put("state.dir", stateDir.toString());
        settings.put(AlignstreamConfig.HTTP_PORT_CONFIG, "-1");
        settings.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, Integer.toString(PARTITIONS));
        settings.put(AlignstreamConfig.BATCH_MAX_WAIT_MS_CONFIG, "200");
        settings.put("session.timeout.ms", "6000");
        settings.put("heartbeat.interval.ms", "1500");
        return settings;
    }

    static TopicNames topics(Map<String, String> settings) {
        return ConfigSources.load(Optional.empty(), Map.of(), settings).topicNames();
    }

    /** Where the tests write their reports and the services' logs: {@code streams-app/target/resilience/}. */
    static Path reportDir() throws IOException {
        return Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "resilience"));
    }

    /** An emptied folder for one test's service logs, kept after the test for a post-mortem. */
    static Path logDir(String test) throws IOException {
        Path dir = Files.createDirectories(reportDir().resolve(test + "-logs"));
        try (var logs = Files.list(dir)) {
            for (Path log : logs.toList()) {
                Files.deleteIfExists(log);
            }
        }
        return dir;
    }

    /** A timestamped progress line on standard output (surefire keeps it in the test's output file). */
    static void progress(long testStartNanos, String what) {
        System.out.println("[resilience +" + seconds(System.nanoTime() - testStartNanos) + "] " + what);
    }

    static Path writeReport(String fileName, String markdown) throws IOException {
        Path file = reportDir().resolve(fileName);
        Files.writeString(file, markdown, StandardCharsets.UTF_8);
        return file;
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    static String seconds(long nanos) {
        return seconds(Duration.ofNanos(nanos));
    }
}
