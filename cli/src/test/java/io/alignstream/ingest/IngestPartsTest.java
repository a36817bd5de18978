package io.alignstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.config.AlignstreamConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parts of the producer: content types, the client settings (the rate limiter is the clients module's). */
class IngestPartsTest {

    @Test
    void contentTypeComesFromTheExtensionWhateverItsCase() {
        assertThat(ContentTypes.of(Path.of("a/b.PNG"))).isEqualTo("image/png");
        assertThat(ContentTypes.of(Path.of("b.jpeg"))).isEqualTo("image/jpeg");
        assertThat(ContentTypes.of(Path.of("b.JPG"))).isEqualTo("image/jpeg");
        assertThat(ContentTypes.of(Path.of("b.webp"))).isEqualTo("image/webp");
        assertThat(ContentTypes.of(Path.of("README"))).isEqualTo(ContentTypes.UNKNOWN);
    }

    @Test
    void clientSettingsKeepBootstrapSecurityAndPrefixedKeysButNotStreamsOrRegistryKeys() {
        // given a service configuration with security, streams-only, registry and prefixed keys
        AlignstreamConfig config = new AlignstreamConfig(Map.of(
                "bootstrap.servers", "broker:9093",
                "schema.registry.url", "http://registry:8081",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN",
                "num.stream.threads", "4",
                "producer.linger.ms", "25",
                "consumer.max.poll.records", "50"));

        // when the plain clients' settings are taken
        Map<String, Object> producer = ClientSettings.producer(config);
        Map<String, Object> consumer = ClientSettings.consumer(config);

        // then each gets the connection and security keys and its own prefixed keys, unprefixed
        assertThat(producer).containsEntry("bootstrap.servers", "broker:9093")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("linger.ms", "25")
                .doesNotContainKeys("schema.registry.url", "num.stream.threads", "max.poll.records");
        assertThat(consumer).containsEntry("bootstrap.servers", "broker:9093")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("max.poll.records", "50")
                .doesNotContainKeys("schema.registry.url", "linger.ms");
    }
}
