package io.alignstream.demo;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import io.alignstream.registry.compatibility.CompatibilityLevel;
import io.alignstream.schemas.EventTopic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the demo runs on, on this machine: a real KRaft broker, the embedded Schema
 * Registry with every subject registered, and the service itself (exactly-once, the default
 * model bundle on CPU). Closing stops them in reverse order.
 */
final class DemoStack implements AutoCloseable {
    /** The caption grace the demo runs with, so that an orphan caption is dead-lettered soon. */
    static final long CAPTION_GRACE_MS = 3000;

    private final EmbeddedKafkaBroker kafka;
    private final EmbeddedSchemaRegistry registry;
    private final AlignstreamConfig config;
    private final AlignstreamApp app;
    private final DemoConsole console;

    private DemoStack(EmbeddedKafkaBroker kafka, EmbeddedSchemaRegistry registry, AlignstreamConfig config,
                      AlignstreamApp app, DemoConsole console) {
        this.kafka = kafka;
        this.registry = registry;
        this.config = config;
        this.app = app;
        this.console = console;
    }

    /**
     * Starts broker, registry and service, each step printed.
     *
     * @param windowPairs the quality monitor's count window
     * @param httpPort    for /metrics, /health and the live page (0: any free port)
     */
    static DemoStack start(DemoConsole console, int windowPairs, int httpPort) throws IOException {
        Path state = Files.createTempDirectory("alignstream-demo-state");
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().start();
        EmbeddedSchemaRegistry registry = null;
        AlignstreamApp app = null;
        try {
            console.step("Kafka broker (KRaft, 4.3.1) up at " + kafka.bootstrapServers());
            registry = EmbeddedSchemaRegistry.builder().bootstrapServers(kafka.bootstrapServers())
                    .defaultCompatibility(CompatibilityLevel.BACKWARD_TRANSITIVE).start();
            console.step("Schema Registry (Confluent-compatible) up at " + registry.url());
            registerSchemas(console, registry.url());
            AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), Map.of(
                    "bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", registry.url(),
                    "state.dir", state.toString(),
                    AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "3",
                    AlignstreamConfig.CAPTION_GRACE_MS_CONFIG, Long.toString(CAPTION_GRACE_MS),
                    AlignstreamConfig.MONITOR_WINDOW_PAIRS_CONFIG, Integer.toString(windowPairs),
                    AlignstreamConfig.HTTP_HOST_CONFIG, "127.0.0.1",
                    AlignstreamConfig.HTTP_PORT_CONFIG, Integer.toString(httpPort)));
            app = AlignstreamApp.start(config);
            console.step("Topics: " + app.topics().summary());
            return new DemoStack(kafka, registry, config, app, console);
        } catch (RuntimeException | Error e) {
            closeAll(app, registry, kafka);
            throw e;
        }
    }

    private static void registerSchemas(DemoConsole console, String registryUrl) {
        try (SchemaRegistryClient client = SchemaRegistryClientFactory.create(Map.of("schema.registry.url", registryUrl))) {
            console.out().printf("  %-50s %s%n", "subject", "schema id");
            for (EventTopic topic : EventTopic.values()) {
                console.out().printf("  %-50s %d%n", topic.defaultValueSubject(),
                        client.register(topic.defaultValueSubject(), topic.valueSchema()));
            }
        }
    }

    /** Waits for the service to run; says so either way. */
    boolean awaitRunning() throws InterruptedException {
        if (!app.awaitRunning(Duration.ofSeconds(60))) {
            console.out().println("The service did not reach RUNNING (state " + app.state() + ")");
            return false;
        }
        console.step("Service RUNNING (exactly_once_v2, caption grace " + CAPTION_GRACE_MS
                + " ms); live view at http://127.0.0.1:" + app.httpPort() + "/ (also /metrics, /health)");
        return true;
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    String registryUrl() {
        return registry.url();
    }

    AlignstreamConfig config() {
        return config;
    }

    AlignstreamApp app() {
        return app;
    }

    @Override
    public void close() {
        closeAll(app, registry, kafka);
    }

    private static void closeAll(AlignstreamApp app, EmbeddedSchemaRegistry registry, EmbeddedKafkaBroker kafka) {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            try {
                if (registry != null) {
                    registry.close();
                }
            } finally {
                kafka.close();
            }
        }
    }
}
