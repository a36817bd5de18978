package io.alignstream.testing;

import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real KRaft broker and one embedded Schema Registry for a whole test class, started before
 * its first test and stopped after its last (a broker start costs seconds on two cores, so
 * classes share one). Register as {@code @RegisterExtension static final EmbeddedKafkaAndRegistry
 * PLATFORM = new EmbeddedKafkaAndRegistry();}.
 */
public final class EmbeddedKafkaAndRegistry implements BeforeAllCallback, AfterAllCallback {
    private EmbeddedKafkaBroker kafka;
    private EmbeddedSchemaRegistry registry;

    @Override
    public void beforeAll(ExtensionContext context) {
        kafka = EmbeddedKafkaBroker.builder().start();
        registry = EmbeddedSchemaRegistry.builder().bootstrapServers(kafka.bootstrapServers()).start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    public EmbeddedKafkaBroker kafka() {
        return kafka;
    }

    public EmbeddedSchemaRegistry registry() {
        return registry;
    }

    /** The broker's bootstrap servers. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The registry's URL, for {@code schema.registry.url}. */
    public String registryUrl() {
        return registry.url();
    }
}
