package io.alignstream.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SchemaRegistryClientConfig and SchemaRegistryClientFactory")
class SchemaRegistryClientConfigTest {

    @AfterEach
    void dropScopes() {
        MockSchemaRegistry.dropScope("config-test");
        MockSchemaRegistry.dropScope("config-test-other");
    }

    @Test
    @DisplayName("defaults are Confluent's")
    void confluentDefaults() {
        SchemaRegistryClientConfig config = new SchemaRegistryClientConfig(Map.of());

        assertThat(config.basicAuthCredentialsSource()).isEqualTo("URL");
        assertThat(config.userInfo()).isNull();
        assertThat(config.maxSchemasPerSubject()).isEqualTo(1000);
        assertThat(config.httpConnectTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.httpReadTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxRetries()).isEqualTo(3);
        assertThat(config.retriesWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.retriesMaxWait()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.getString("schema.registry.ssl.truststore.type")).isEqualTo("JKS");
        assertThat(config.getString("schema.registry.ssl.endpoint.identification.algorithm")).isEqualTo("https");
    }

    @Test
    @DisplayName("accepts values as strings, the way properties files give them")
    void parsesStrings() {
        SchemaRegistryClientConfig config = new SchemaRegistryClientConfig(Map.of(
                "schema.registry.url", "http://a:8081, http://b:8081",
                "max.retries", "5",
                "basic.auth.credentials.source", "user_info",
                "schema.registry.basic.auth.user.info", "old:style"));

        assertThat(config.urls()).containsExactly("http://a:8081", "http://b:8081");
        assertThat(config.maxRetries()).isEqualTo(5);
        assertThat(config.basicAuthCredentialsSource()).isEqualTo("USER_INFO");
        assertThat(config.userInfo()).as("the deprecated key still works").isEqualTo("old:style");
    }

    @Test
    @DisplayName("an error about a URL never shows the password in it")
    void urlErrorsHideTheUserInfo() {
        // given registry URLs whose user info holds a password with '@' and '/' in it
        String password = "p@ss/w0rd";
        // when each is refused: a bad scheme, an unparseable URL, a mock URL among others
        for (String urls : new String[] {"ftp://user:" + password + "@registry:8081",
                "http://user:" + password + "@registry:8081/a b",
                "mock://x,http://user:" + password + "@registry:8081"}) {
            // then the message names the key and the host, and no part of the password
            assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of("schema.registry.url", urls)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("schema.registry.url")
                    .hasMessageContaining("registry:8081")
                    .hasMessageNotContaining("p@ss").hasMessageNotContaining("w0rd");
        }
    }

    @Test
    @DisplayName("rejects what it does not support, naming the key")
    void rejectsUnsupported() {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of("basic.auth.credentials.source", "SASL_INHERIT")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("basic.auth.credentials.source")
                .hasMessageContaining("SASL_INHERIT is not supported");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of("schema.registry.url", "localhost:8081")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("expected an http:// or https:// URL");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(
                Map.of("schema.registry.url", "mock://x,http://registry:8081")))
                .hasMessageContaining("a mock:// URL must be the only URL");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of("max.retries", -1)))
                .hasMessageContaining("max.retries");
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of("schema.registry.ssl.truststore.type", "PEM")))
                .hasMessageContaining("schema.registry.ssl.truststore.type");
    }

    @Test
    @DisplayName("declares every key with documentation")
    void documented() {
        assertThat(SchemaRegistryClientConfig.configDef().configKeys().values())
                .allSatisfy(key -> assertThat(key.documentation).isNotBlank());
        assertThat(SchemaRegistryClientConfig.configDef().names()).contains("schema.registry.url",
                "basic.auth.credentials.source", "basic.auth.user.info", "max.schemas.per.subject",
                "http.connect.timeout.ms", "http.read.timeout.ms", "max.retries", "retries.wait.ms",
                "retries.max.wait.ms", "schema.registry.ssl.truststore.location",
                "schema.registry.ssl.keystore.location", "schema.registry.ssl.endpoint.identification.algorithm");
    }

    @Test
    @DisplayName("the factory gives every client of one mock:// scope the same in-memory registry")
    void mockScopes() {
        SchemaRegistryClient first = SchemaRegistryClientFactory.create(Map.of("schema.registry.url", "mock://config-test"));
        SchemaRegistryClient second = SchemaRegistryClientFactory.create(Map.of("schema.registry.url", "mock://config-test"));
        SchemaRegistryClient other = SchemaRegistryClientFactory.create(
                Map.of("schema.registry.url", "mock://config-test-other"));

        assertThat(first).isInstanceOf(InMemorySchemaRegistryClient.class).isSameAs(second).isNotSameAs(other);
        assertThat(first.describe()).contains("mock://config-test");
    }

    @Test
    @DisplayName("a dropped scope starts empty")
    void droppedScope() {
        SchemaRegistryClient before = MockSchemaRegistry.clientForScope("config-test");
        before.register("s", org.apache.avro.Schema.create(org.apache.avro.Schema.Type.STRING));

        MockSchemaRegistry.dropScope("config-test");

        assertThat(MockSchemaRegistry.clientForScope("config-test").getAllSubjects()).isEmpty();
    }

    @Test
    @DisplayName("the factory builds a REST client for http URLs, and refuses to guess a missing URL")
    void restOrNothing() {
        try (SchemaRegistryClient client = SchemaRegistryClientFactory.create(
                Map.of("schema.registry.url", "http://registry.invalid:8081"))) {
            assertThat(client).isInstanceOf(RestSchemaRegistryClient.class);
            assertThat(client.describe()).isEqualTo("the Schema Registry at http://registry.invalid:8081");
        }
        assertThatThrownBy(() -> SchemaRegistryClientFactory.create(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url is not set");
    }
}
