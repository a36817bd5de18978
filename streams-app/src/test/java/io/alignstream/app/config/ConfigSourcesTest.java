package io.alignstream.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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

        @Test
        void aConfigurationHoldingEveryKindOfSecretRendersNoneOfThemNorAnyFragment() {
            // given one secret of each kind: a PEM private key, a JAAS config with a password, registry
            // user info, a registry URL list whose password holds '@' and '/', the admin token, a
            // truststore password, a passphrase only Kafka's definitions call secret (behind a prefix),
            // and a pass-through key no definition knows that ends in "secret"
            String pemBody = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDXpemK3y";
            String pem = "-----BEGIN PRIVATE KEY-----\n" + pemBody + "\n" + pemBody.toLowerCase() + "\n"
                    + "-----END PRIVATE KEY-----";
            String jaasPassword = "J4asPw!x9q";
            String userInfoPassword = "B4sicPw!q7z";
            String urlPassword = "p@ss/w0rd";
            String token = "Adm1nT0ken-7f3e9c0d";
            String truststorePassword = "Tru5tPw!k2v";
            String passphrase = "Ph4sePhr!zm";
            String unknownSecret = "Unkn0wnS3cr3t!";
            Map<String, String> settings = new HashMap<>();
            settings.put("bootstrap.servers", "broker-1:9092");
            settings.put("ssl.keystore.type", "PEM");
            settings.put("ssl.keystore.key", pem);
            settings.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"alignstream\" password=\"" + jaasPassword + "\";");
            settings.put("basic.auth.credentials.source", "USER_INFO");
            settings.put("basic.auth.user.info", "registry-user:" + userInfoPassword);
            settings.put("schema.registry.url", "https://user:" + urlPassword + "@registry-1:8081,"
                    + "https://user:" + urlPassword + "@registry-2:8081");
            settings.put(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG, token);
            settings.put("ssl.truststore.password", truststorePassword);
            settings.put("main.consumer.sasl.oauthbearer.assertion.private.key.passphrase", passphrase);
            settings.put("acme.vault.secret", unknownSecret);
            AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), settings);

            // when it is rendered for the log
            String rendered = ConfigSources.render(config);

            // then no secret, and no four characters in a row of one, appear
            for (String secret : List.of(pemBody, jaasPassword, userInfoPassword, urlPassword, token,
                    truststorePassword, passphrase, unknownSecret)) {
                for (int i = 0; i + 4 <= secret.length(); i++) {
                    assertThat(rendered).as("a fragment of %s", secret).doesNotContain(secret.substring(i, i + 4));
                }
            }
            assertThat(rendered).doesNotContain("PRIVATE KEY")
                    // and each secret key says so, the registry URLs keep their hosts, the rest is shown
                    .contains("ssl.keystore.key = [hidden]\n")
                    .contains("sasl.jaas.config = [hidden]\n")
                    .contains("basic.auth.user.info = [hidden]\n")
                    .contains("alignstream.http.admin.token = [hidden]\n")
                    .contains("ssl.truststore.password = [hidden]\n")
                    .contains("main.consumer.sasl.oauthbearer.assertion.private.key.passphrase = [hidden]\n")
                    .contains("acme.vault.secret = [hidden]\n")
                    .contains("schema.registry.url = https://[hidden]@registry-1:8081,https://[hidden]@registry-2:8081\n")
                    .contains("ssl.keystore.type = PEM\n")
                    .contains("basic.auth.credentials.source = USER_INFO\n")
                    .contains("bootstrap.servers = broker-1:9092\n");
        }

        @ParameterizedTest
        @ValueSource(strings = {
                // Type.PASSWORD in Kafka's client definitions, also behind Kafka Streams' client prefixes
                "ssl.keystore.key", "producer.ssl.keystore.key", "ssl.keystore.certificate.chain",
                "ssl.truststore.certificates", "ssl.key.password", "admin.ssl.keystore.password",
                "sasl.oauthbearer.assertion.private.key.passphrase",
                "restore.consumer.sasl.oauthbearer.client.credentials.client.secret",
                // Type.PASSWORD in the registry client's definition and in ours
                "schema.registry.ssl.key.password", "basic.auth.user.info", "schema.registry.user.info",
                "alignstream.http.admin.token",
                // by name, in any case: keys no definition knows
                "acme.api.key", "ACME.Client.SECRET", "vault.Password", "custom.login.jaas.config",
                "other.user.info"})
        void aKeyIsSecretByItsDefinitionOrByItsName(String key) {
            assertThat(ConfigSources.isSecret(key)).isTrue();
            assertThat(ConfigSources.mask(key, "value")).isEqualTo(ConfigSources.HIDDEN);
        }

        @ParameterizedTest
        @ValueSource(strings = {"bootstrap.servers", "ssl.keystore.type", "ssl.keystore.location",
                "ssl.truststore.location", "key.serializer", "schema.registry.url", "sasl.mechanism",
                "security.protocol", "alignstream.http.host", "keystore"})
        void otherKeysAreShown(String key) {
            assertThat(ConfigSources.isSecret(key)).isFalse();
            assertThat(ConfigSources.mask(key, "value")).isEqualTo("value");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                // the user info ends at the last '@', even past a '/' in the password
                "https://user:p@ss/w0rd@registry:8081 | https://[hidden]@registry:8081",
                "https://user:p@ss?w0rd@registry:8081/path | https://[hidden]@registry:8081/path",
                // each URL of a list on its own, with or without user info
                "http://a:b@h1:8081,http://h2:8082,https://c:d@h3:8083 | http://[hidden]@h1:8081,http://h2:8082,https://[hidden]@h3:8083",
                // a '://' inside a password does not start another URL
                "https://u:x://z@registry:8081 | https://[hidden]@registry:8081",
                "http://registry:8081/subjects | http://registry:8081/subjects",
                "SASL_SSL://broker:9093 | SASL_SSL://broker:9093",
                "plain text with an @ sign | plain text with an @ sign"})
        void urlUserInfoIsHiddenUpToTheLastAt(String value, String shown) {
            assertThat(ConfigSources.mask("some.url", value)).isEqualTo(shown);
        }
    }
}
