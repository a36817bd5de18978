package io.alignstream.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Specification of the {@code server.properties} the embedded broker writes. */
class SingleNodeBrokerConfigTest {

    private static final Path LOGS = Path.of("kraft-logs");

    @Test
    void byDefaultTheClientListenerIsOpenPlaintext() {
        // when the settings are made without SASL users
        Map<String, String> settings = SingleNodeBrokerConfig.settings(9092, 9093, LOGS, Map.of());

        // then they are what every existing user of the broker connects to: PLAINTEXT, no SASL
        assertThat(settings)
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
                .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:9092")
                .containsEntry("inter.broker.listener.name", "PLAINTEXT")
                .containsEntry("listener.security.protocol.map",
                        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        assertThat(settings.keySet())
                .noneMatch(key -> key.startsWith("sasl.") || key.startsWith("listener.name."));
    }

    @Test
    void withSaslPlainUsersTheClientListenerRequiresThemAndTheBrokerLogsInItself() {
        // given two users and the broker's own
        SaslPlainUsers users = new SaslPlainUsers("embedded-broker", "broker-secret",
                Map.of("alice", "alice-secret", "bob", "bob-secret"));

        // when the settings are made with them
        Map<String, String> settings = SingleNodeBrokerConfig.settings(9092, 9093, LOGS,
                Optional.of(users), Map.of());

        // then the client (and inter-broker) listener is SASL_PLAINTEXT/PLAIN, the controller's
        // stays PLAINTEXT, and the listener's JAAS config lists every user and the broker's login
        assertThat(settings)
                .containsEntry("listeners",
                        "SASL_PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
                .containsEntry("advertised.listeners", "SASL_PLAINTEXT://127.0.0.1:9092")
                .containsEntry("inter.broker.listener.name", "SASL_PLAINTEXT")
                .containsEntry("listener.security.protocol.map",
                        "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT")
                .containsEntry("sasl.enabled.mechanisms", "PLAIN")
                .containsEntry("sasl.mechanism.inter.broker.protocol", "PLAIN")
                .containsEntry("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " username=\"embedded-broker\" password=\"broker-secret\""
                                + " user_embedded-broker=\"broker-secret\""
                                + " user_alice=\"alice-secret\" user_bob=\"bob-secret\";");
    }

    @Test
    void usersTheJaasSyntaxCannotCarryAreRefusedWhenTheBrokerIsBuilt() {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();

        assertThatThrownBy(() -> builder.saslPlainUser("alice smith", "secret"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alice smith");
        assertThatThrownBy(() -> builder.saslPlainUser("alice", "say \"hi\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quotes");
        assertThatThrownBy(() -> builder.saslPlainUser("alice", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty");
        assertThatThrownBy(() -> builder.saslPlainUser("embedded-broker", "secret"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broker's own");
    }
}
