package io.alignstream.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourcesTest {

    private static final Map<String, String> ADDRESSES = Map.of(
            "ALIGNSTREAM_KAFKA_BOOTSTRAP_SERVERS", "broker-1:9092",
            "ALIGNSTREAM_KAFKA_SCHEMA_REGISTRY_URL", "http://registry:8081");

    private static Map<String, String> environment(String... extra) {
        Map<String, String> environment = new HashMap<>(ADDRESSES);
        for (int i = 0; i < extra.length; i += 2) {
            environment.put(extra[i], extra[i + 1]);
        }
        return environment;
    }

    @Nested
    class EnvironmentMapping {
        @Test
        void kafkaVariablesBecomePassThroughKeys() {
            // given the documented examples
            // when the variables are mapped
            Map<String, String> keys = ConfigSources.fromEnvironment(environment(
                    "ALIGNSTREAM_KAFKA_SASL_JAAS_CONFIG", "jaas",
                    "ALIGNSTREAM_KAFKA_PRODUCER_TRANSACTION_TIMEOUT_MS", "30000"));

            // then each becomes its lower-case, dotted key
            assertThat(keys).containsOnly(
                    Map.entry("bootstrap.servers", "broker-1:9092"),
                    Map.entry("schema.registry.url", "http://registry:8081"),
                    Map.entry("sasl.jaas.config", "jaas"),
                    Map.entry("producer.transaction.timeout.ms", "30000"));
        }

        @Test
        void ourVariablesBecomeOurKeys() {
            // given variables for keys of ours
            // when they are mapped
            Map<String, String> keys = ConfigSources.fromEnvironment(Map.of(
                    "ALIGNSTREAM_BATCH_MAX_SIZE", "8",
                    "ALIGNSTREAM_TOPIC_DEAD_LETTERS", "team.dlq"));

            // then they become alignstream.* keys
            assertThat(keys).containsOnly(Map.entry("alignstream.batch.max.size", "8"),
                    Map.entry("alignstream.topic.dead.letters", "team.dlq"));
        }

        @Test
        void aDoubleUnderscoreBecomesAHyphen() {
            // given a name with a double underscore
            // when it is mapped
            // then the double underscore is a hyphen, single ones are dots
            assertThat(ConfigSources.configKey("ALIGNSTREAM_KAFKA_CLIENT__RACK_ID")).isEqualTo("client-rack.id");
            assertThat(ConfigSources.environmentVariable("client-rack.id")).isEqualTo("ALIGNSTREAM_KAFKA_CLIENT__RACK_ID");
        }

        @Test
        void everyKeyOfOursHasAVariableThatMapsBackToIt() {
            // given each declared key
            for (String key : AlignstreamConfig.CONFIG.names()) {
                // when its variable is derived and mapped back
                String variable = ConfigSources.environmentVariable(key);
                // then it is the same key
                assertThat(ConfigSources.configKey(variable)).isEqualTo(key);
            }
            assertThat(ConfigSources.environmentVariable("alignstream.batch.max.size"))
                    .isEqualTo("ALIGNSTREAM_BATCH_MAX_SIZE");
        }

        @Test
        void aMisspeltVariableIsAnErrorNamingItAndTheClosestKey() {
            // given a variable of ours with a typo
            // when the configuration is loaded
            // then it fails, naming the variable, the closest key and that key's variable
            assertThatThrownBy(() -> ConfigSources.load(Optional.empty(),
                    environment("ALIGNSTREAM_BATCH_MAX_SIZ", "8"), Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("ALIGNSTREAM_BATCH_MAX_SIZ ")
                    .hasMessageContaining("alignstream.batch.max.size (ALIGNSTREAM_BATCH_MAX_SIZE)");
        }

        @Test
        void aKafkaKeyWithoutThePrefixIsAnErrorPointingToTheKafkaPrefix() {
            // given bootstrap.servers set under our prefix instead of the Kafka one
            // when it is mapped
            // then the message says how pass-through keys are spelt
            assertThatThrownBy(() -> ConfigSources.configKey("ALIGNSTREAM_BOOTSTRAP_SERVERS"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("ALIGNSTREAM_BOOTSTRAP_SERVERS")
                    .hasMessageContaining("ALIGNSTREAM_KAFKA_");
        }

        @Test
        void otherVariablesAndTheNonConfigOnesAreIgnored() {
            // given the process's other variables, and ours that are not configuration
            Map<String, String> keys = ConfigSources.fromEnvironment(Map.of(
                    "PATH", "/usr/bin",
                    "alignstream_batch_max_size", "8",
                    "ALIGNSTREAM_CONFIG_FILE", "/etc/alignstream.properties",
                    "ALIGNSTREAM_JAVA_OPTS", "-Xmx2g",
                    "ALIGNSTREAM_PYTHON", "/usr/bin/python3"));
            // then none becomes a key
            assertThat(keys).isEmpty();
        }
    }

    @Nested
    class Precedence {
        @TempDir
        Path directory;

        private Path file(String... lines) throws IOException {
            Path file = directory.resolve("alignstream.properties");
            Files.write(file, java.util.List.of(lines), StandardCharsets.UTF_8);
            return file;
        }

        @Test
        void overridesBeatTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws IOException {
            // given the same key in a file, the environment and the overrides
            Path file = file("alignstream.batch.max.size=8", "alignstream.topics.partitions=3");
            Map<String, String> environment = environment("ALIGNSTREAM_BATCH_MAX_SIZE", "16",
                    "ALIGNSTREAM_HTTP_PORT", "0");
            Map<String, String> overrides = Map.of("alignstream.batch.max.size", "24");

            // when loaded with every source, then without the higher ones
            // then the highest source that sets a key wins
            AlignstreamConfig all = ConfigSources.load(Optional.of(file), environment, overrides);
            assertThat(all.batchMaxSize()).isEqualTo(24);
            assertThat(all.topicsPartitions()).isEqualTo(3);
            assertThat(all.httpPort()).isZero();
            assertThat(all.captionMaxSubCaptions()).isEqualTo(32);
            assertThat(ConfigSources.load(Optional.of(file), environment, Map.of()).batchMaxSize()).isEqualTo(16);
            assertThat(ConfigSources.load(Optional.of(file), ADDRESSES, Map.of()).batchMaxSize()).isEqualTo(8);
            assertThat(ConfigSources.load(Optional.empty(), ADDRESSES, Map.of()).batchMaxSize()).isEqualTo(64);
        }

        @Test
        void theFileCanHoldEverythingIncludingPassThroughKeys() throws IOException {
            // given a file with the addresses and a SASL setting, and an empty environment
            Path file = file("bootstrap.servers=broker-1:9093", "schema.registry.url=http://registry:8081",
                    "security.protocol=SASL_SSL", "alignstream.model.device=auto");

            // when loaded
            AlignstreamConfig config = ConfigSources.load(Optional.of(file), Map.of(), Map.of());

            // then our keys are parsed and the others reach Kafka Streams
            assertThat(config.modelDevice().toString()).isEqualTo("auto");
            assertThat(config.streamsProperties()).containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("bootstrap.servers", "broker-1:9093");
        }

        @Test
        void theFileCanBeNamedByTheEnvironmentAndAnExplicitPathWins() throws IOException {
            // given a file named by ALIGNSTREAM_CONFIG_FILE, and another given explicitly
            Path named = file("alignstream.batch.max.size=8");
            Path explicit = directory.resolve("explicit.properties");
            Files.writeString(explicit, "alignstream.batch.max.size=12\n");
            Map<String, String> environment = environment("ALIGNSTREAM_CONFIG_FILE", named.toString());

            // then the named file is read when no path is given, and the explicit one when it is
            assertThat(ConfigSources.load(Optional.empty(), environment, Map.of()).batchMaxSize()).isEqualTo(8);
            assertThat(ConfigSources.load(Optional.of(explicit), environment, Map.of()).batchMaxSize()).isEqualTo(12);
        }

        @Test
        void aMissingFileIsAClearError() {
            // given a path where no file is
            Path missing = directory.resolve("nope.properties");
            // when loaded
            // then the error names the file and says it does not exist
            assertThatThrownBy(() -> ConfigSources.load(Optional.of(missing), ADDRESSES, Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(missing.toAbsolutePath().toString())
                    .hasMessageContaining("no such file");
        }

        @Test
        void aMissingFileNamedByTheEnvironmentSaysSo() {
            // given ALIGNSTREAM_CONFIG_FILE naming a file that is not there
            Path missing = directory.resolve("nope.properties");
            // then the error names the variable too
            assertThatThrownBy(() -> ConfigSources.load(Optional.empty(),
                    environment("ALIGNSTREAM_CONFIG_FILE", missing.toString()), Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(missing.toString())
                    .hasMessageContaining("ALIGNSTREAM_CONFIG_FILE");
        }

        @Test
        void aDirectoryIsNotAPropertiesFile() {
            assertThatThrownBy(() -> ConfigSources.load(Optional.of(directory), ADDRESSES, Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("is a directory");
        }

        @Test
        void aMisspeltKeyInTheFileIsAnErrorToo() throws IOException {
            // given a typo in a file
            Path file = file("alignstream.caption.grace=1000");
            // then loading fails with the closest key
            assertThatThrownBy(() -> ConfigSources.load(Optional.of(file), ADDRESSES, Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("Did you mean alignstream.caption.grace.ms?");
        }
    }

    @Nested
    class Masking {
        private static final String SECRET = "s3cret-value";

        @Test
        void theRenderedConfigurationHidesEverySecretAndShowsTheRest() {
            // given secrets under every kind of secret key, and a URL with credentials
            AlignstreamConfig config = ConfigSources.load(Optional.empty(), environment(
                    "ALIGNSTREAM_KAFKA_SASL_JAAS_CONFIG", "PlainLoginModule required password=\"" + SECRET + "\";",
                    "ALIGNSTREAM_KAFKA_SSL_TRUSTSTORE_PASSWORD", SECRET,
                    "ALIGNSTREAM_KAFKA_SSL_KEY_PASSWORD", SECRET,
                    "ALIGNSTREAM_KAFKA_BASIC_AUTH_USER_INFO", "svc:" + SECRET,
                    "ALIGNSTREAM_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL", "https://idp/" + SECRET,
                    "ALIGNSTREAM_KAFKA_CLIENT_SECRET", SECRET,
                    "ALIGNSTREAM_KAFKA_SCHEMA_REGISTRY_URL", "https://svc:" + SECRET + "@registry:8081"),
                    Map.of());

            // when it is rendered for the log
            String rendered = ConfigSources.render(config);

            // then no secret appears, the secret keys say [hidden], and the rest is shown
            assertThat(rendered).doesNotContain(SECRET)
                    .contains("sasl.jaas.config = [hidden]\n")
                    .contains("ssl.truststore.password = [hidden]\n")
                    .contains("basic.auth.user.info = [hidden]\n")
                    .contains("client.secret = [hidden]\n")
                    .contains("sasl.oauthbearer.token.endpoint.url = [hidden]\n")
                    .contains("schema.registry.url = https://[hidden]@registry:8081\n")
                    .contains("bootstrap.servers = broker-1:9092\n")
                    .contains("alignstream.batch.max.size = 64\n")
                    .contains("alignstream.image.fetch.max.bytes = 20971520\n")
                    .contains("application.id = alignstream\n")
                    .contains("processing.guarantee = exactly_once_v2\n");
        }

        @Test
        void secretKeysAreRecognisedByName() {
            assertThat(ConfigSources.isSecret("sasl.jaas.config")).isTrue();
            assertThat(ConfigSources.isSecret("producer.ssl.keystore.password")).isTrue();
            assertThat(ConfigSources.isSecret("schema.registry.basic.auth.user.info")).isTrue();
            assertThat(ConfigSources.isSecret("bootstrap.servers")).isFalse();
            assertThat(ConfigSources.mask("bootstrap.servers", "b:9092")).isEqualTo("b:9092");
        }
    }
}
