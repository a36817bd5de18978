package io.alignstream.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class DeadLetterEncoderTest {
    private static final String REGISTRY = "mock://dead-letter-encoder-test";

    @Test
    void theHandlersWriteToTheTopicTheApplicationPasses() {
        // given the Streams configuration with the topic under the handlers' key
        Map<String, Object> configs = Map.of("schema.registry.url", REGISTRY,
                DeadLetterDeserializationHandler.TOPIC_CONFIG, "shop.dead-letters");

        // when an encoder is configured from it
        try (DeadLetterEncoder encoder = DeadLetterEncoder.configure(configs)) {
            // then it writes there
            assertThat(encoder.topic()).isEqualTo("shop.dead-letters");
        }
    }

    @Test
    void withoutATopicTheHandlersRefuseToStartRatherThanGuessOne() {
        // given a Streams configuration that does not pass the dead-letter topic
        Map<String, Object> configs = Map.of("schema.registry.url", REGISTRY);

        // when an encoder is configured from it, then it is refused, naming the key
        assertThatThrownBy(() -> DeadLetterEncoder.configure(configs))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(DeadLetterDeserializationHandler.TOPIC_CONFIG);
    }
}
