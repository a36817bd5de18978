package io.alignstream.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.registry.client.FakeRegistry.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("RestSchemaRegistryClient")
class RestSchemaRegistryClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema CAPTION = CaptionEvent.getClassSchema();
    private static final String CAPTIONS_VALUE = "alignstream.captions-value";

    private final FakeRegistry registry = FakeRegistry.start();

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    private RestSchemaRegistryClient client() {
        return new RestSchemaRegistryClient(FakeRegistry.fastRetrySettings(registry.url()));
    }

    @Nested
    @DisplayName("speaks the Confluent REST API")
    class Api {

        @Test
        @DisplayName("registers a schema by POSTing it as JSON with the registry's media type and returns its id")
        void registers() throws IOException {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.ok("{\"id\":7}"));

            try (RestSchemaRegistryClient client = client()) {
                int id = client.register(CAPTIONS_VALUE, CAPTION);

                assertThat(id).isEqualTo(7);
            }
            FakeRegistry.Request request = registry.requests().get(0);
            assertThat(request.header("Content-Type")).isEqualTo("application/vnd.schemaregistry.v1+json");
            assertThat(request.header("Accept")).startsWith("application/vnd.schemaregistry.v1+json");
            JsonNode body = JSON.readTree(request.body());
            assertThat(new Schema.Parser().parse(body.get("schema").asText())).isEqualTo(CAPTION);
            assertThat(body.has("schemaType")).as("Avro is the default schemaType and is left out").isFalse();
        }

        @Test
        @DisplayName("looks a schema up without registering it, by POSTing to /subjects/{subject}")
        void looksUp() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE, Reply.ok(
                    "{\"subject\":\"" + CAPTIONS_VALUE + "\",\"id\":3,\"version\":1,\"schema\":\"\\\"string\\\"\"}"));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.getId(CAPTIONS_VALUE, CAPTION)).isEqualTo(3);
            }
        }

        @Test
        @DisplayName("fetches a schema by id")
        void fetchesById() {
            registry.on("GET", "/schemas/ids/5", Reply.ok(schemaJson(CAPTION)));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.getSchemaById(5)).isEqualTo(CAPTION);
            }
        }

        @Test
        @DisplayName("reads versions, subjects and the latest version's metadata")
        void readsMetadata() {
            registry.on("GET", "/subjects/" + CAPTIONS_VALUE + "/versions/latest", Reply.ok(
                    "{\"subject\":\"" + CAPTIONS_VALUE + "\",\"id\":9,\"version\":2,\"schema\":"
                            + JSON.valueToTree(CAPTION.toString()) + "}"));
            registry.on("GET", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.ok("[1,2]"));
            registry.on("GET", "/subjects", Reply.ok("[\"" + CAPTIONS_VALUE + "\",\"alignstream.images-value\"]"));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.getLatestSchemaMetadata(CAPTIONS_VALUE))
                        .isEqualTo(new SchemaMetadata(9, 2, CAPTIONS_VALUE, CAPTION.toString()));
                assertThat(client.getAllVersions(CAPTIONS_VALUE)).containsExactly(1, 2);
                assertThat(client.getAllSubjects()).containsExactly(CAPTIONS_VALUE, "alignstream.images-value");
            }
        }

        @Test
        @DisplayName("returns the registry's own reasons when a schema is incompatible")
        void testsCompatibilityVerbosely() {
            registry.on("POST", "/compatibility/subjects/" + CAPTIONS_VALUE + "/versions/latest", Reply.ok(
                    "{\"is_compatible\":false,\"messages\":[\"READER_FIELD_MISSING_DEFAULT_VALUE at /fields/6\"]}"));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.testCompatibilityVerbose(CAPTIONS_VALUE, CAPTION))
                        .containsExactly("READER_FIELD_MISSING_DEFAULT_VALUE at /fields/6");
                assertThat(client.testCompatibility(CAPTIONS_VALUE, CAPTION)).isFalse();
            }
            assertThat(registry.requests().get(0).query()).isEqualTo("verbose=true");
        }

        @Test
        @DisplayName("treats a subject without versions as compatible with anything")
        void compatibleWithNothing() {
            registry.on("POST", "/compatibility/subjects/" + CAPTIONS_VALUE + "/versions/latest",
                    Reply.error(404, 40401, "Subject 'alignstream.captions-value' not found."));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.testCompatibility(CAPTIONS_VALUE, CAPTION)).isTrue();
            }
        }

        @Test
        @DisplayName("reads a subject's compatibility level, falling back to the global level when it has none")
        void readsCompatibility() {
            registry.on("GET", "/config/" + CAPTIONS_VALUE,
                    Reply.error(404, 40408, "Subject 'alignstream.captions-value' does not have subject-level "
                            + "compatibility configured"));
            registry.on("GET", "/config", Reply.ok("{\"compatibilityLevel\":\"BACKWARD_TRANSITIVE\"}"));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.getCompatibility(CAPTIONS_VALUE)).isEqualTo("BACKWARD_TRANSITIVE");
            }
            assertThat(registry.requests().get(0).query()).isEqualTo("defaultToGlobal=true");
        }

        @Test
        @DisplayName("sets a subject's compatibility level with PUT /config/{subject}")
        void setsCompatibility() throws IOException {
            registry.on("PUT", "/config/" + CAPTIONS_VALUE, Reply.ok("{\"compatibility\":\"FULL\"}"));

            try (RestSchemaRegistryClient client = client()) {
                client.updateCompatibility(CAPTIONS_VALUE, "FULL");
            }
            assertThat(JSON.readTree(registry.requests().get(0).body()).get("compatibility").asText())
                    .isEqualTo("FULL");
        }

        @Test
        @DisplayName("escapes subjects in the path")
        void escapesSubjects() {
            registry.on("GET", "/subjects/odd%20subject%2Fname/versions", Reply.ok("[1]"));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.getAllVersions("odd subject/name")).containsExactly(1);
            }
        }
    }

    @Nested
    @DisplayName("caches what never changes")
    class Caching {

        @Test
        @DisplayName("a second registration of the same schema makes no HTTP call")
        void registrationIsCached() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.ok("{\"id\":7}"));

            try (RestSchemaRegistryClient client = client()) {
                client.register(CAPTIONS_VALUE, CAPTION);
                int again = client.register(CAPTIONS_VALUE, CaptionEvent.getClassSchema());

                assertThat(again).isEqualTo(7);
                assertThat(registry.requestCount()).isEqualTo(1);
            }
        }

        @Test
        @DisplayName("a second fetch of the same id makes no HTTP call, nor does fetching an id just registered")
        void schemasByIdAreCached() {
            registry.on("GET", "/schemas/ids/5", Reply.ok(schemaJson(CAPTION)));
            registry.on("POST", "/subjects/alignstream.images-value/versions", Reply.ok("{\"id\":6}"));

            try (RestSchemaRegistryClient client = client()) {
                client.getSchemaById(5);
                client.getSchemaById(5);
                int id = client.register("alignstream.images-value", ImageEvent.getClassSchema());
                Schema registered = client.getSchemaById(id);

                assertThat(registered).isEqualTo(ImageEvent.getClassSchema());
                assertThat(registry.requestCount()).isEqualTo(2);
            }
        }

        @Test
        @DisplayName("the cache of a subject holds at most max.schemas.per.subject schemas")
        void cacheIsBounded() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.ok("{\"id\":7}"));
            Map<String, Object> settings = FakeRegistry.fastRetrySettings(registry.url());
            settings.put("max.schemas.per.subject", 1);

            try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings)) {
                client.register(CAPTIONS_VALUE, CAPTION);
                client.register(CAPTIONS_VALUE, EvolvedSchemas.captionWithDefaultedField());
                client.register(CAPTIONS_VALUE, CAPTION);
            }
            assertThat(registry.requestCount()).as("the first schema was evicted by the second").isEqualTo(3);
        }

        @Test
        @DisplayName("a successful lookup is cached too")
        void lookupIsCached() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE, Reply.ok("{\"id\":3,\"version\":1}"));

            try (RestSchemaRegistryClient client = client()) {
                client.getId(CAPTIONS_VALUE, CAPTION);
                client.getId(CAPTIONS_VALUE, CAPTION);
            }
            assertThat(registry.requestCount()).isEqualTo(1);
        }

        @Test
        @DisplayName("a closed client forgets what it cached and asks nothing more")
        void closedClientForgets() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.ok("{\"id\":7}"));
            RestSchemaRegistryClient client = client();
            client.register(CAPTIONS_VALUE, CAPTION);

            client.close();

            assertThatThrownBy(() -> client.register(CAPTIONS_VALUE, CAPTION))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            assertThat(registry.requestCount()).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("reports registry errors as they were given")
    class Errors {

        @Test
        @DisplayName("409: an incompatible schema fails at once, with the registry's message verbatim")
        void incompatible() {
            String said = "Schema being registered is incompatible with an earlier schema for subject "
                    + "\\\"alignstream.captions-value\\\", details: [READER_FIELD_MISSING_DEFAULT_VALUE]";
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.error(409, 409, said));

            try (RestSchemaRegistryClient client = client()) {
                IncompatibleSchemaException e = catchThrowableOfType(IncompatibleSchemaException.class,
                        () -> client.register(CAPTIONS_VALUE, CAPTION));

                assertThat(e.httpStatus()).isEqualTo(409);
                assertThat(e.errorCode()).isEqualTo(409);
                assertThat(e.registryMessage()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");
                assertThat(e.getMessage())
                        .contains("Registering schema io.alignstream.events.CaptionEvent under subject "
                                + "'alignstream.captions-value'")
                        .contains(registry.url())
                        .contains("is incompatible with an earlier schema for subject \"alignstream.captions-value\"");
            }
            assertThat(registry.requestCount()).as("4xx is never retried").isEqualTo(1);
        }

        @Test
        @DisplayName("40401, 40402, 40403 become SubjectNotFound, VersionNotFound, SchemaNotFound")
        void notFound() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE,
                    Reply.error(404, 40401, "Subject 'alignstream.captions-value' not found."));
            registry.on("GET", "/subjects/" + CAPTIONS_VALUE + "/versions/4",
                    Reply.error(404, 40402, "Version 4 not found."));
            registry.on("GET", "/schemas/ids/99", Reply.error(404, 40403, "Schema 99 not found"));

            try (RestSchemaRegistryClient client = client()) {
                assertThatThrownBy(() -> client.getId(CAPTIONS_VALUE, CAPTION))
                        .isInstanceOf(SubjectNotFoundException.class).hasMessageContaining("(error_code 40401)");
                assertThatThrownBy(() -> client.getSchemaMetadata(CAPTIONS_VALUE, 4))
                        .isInstanceOf(VersionNotFoundException.class).hasMessageContaining("Version 4 not found.");
                assertThatThrownBy(() -> client.getSchemaById(99))
                        .isInstanceOf(SchemaNotFoundException.class).hasMessageContaining("Schema 99 not found");
            }
            assertThat(registry.requestCount()).isEqualTo(3);
        }
    }

    @Nested
    @DisplayName("remembers ids the registry does not know, briefly, and nothing transient")
    class MissingIds {
        private final AtomicLong nanos = new AtomicLong();

        private RestSchemaRegistryClient client(Map<String, Object> settings) {
            return new RestSchemaRegistryClient(new SchemaRegistryClientConfig(settings), nanos::get);
        }

        @Test
        @DisplayName("a stream of records with one unknown id costs one request per missing.id.cache.ttl.sec")
        void unknownIdCostsOneRequestPerTtl() {
            // given a registry that does not know id 99 until it is registered later
            registry.on("GET", "/schemas/ids/99", Reply.error(404, 40403, "Schema 99 not found"),
                    Reply.ok(schemaJson(CAPTION)));
            Map<String, Object> settings = FakeRegistry.fastRetrySettings(registry.url());

            try (RestSchemaRegistryClient client = client(settings)) {
                // when 1000 records carrying it are read within the default 30 s
                for (int i = 0; i < 1000; i++) {
                    assertThatThrownBy(() -> client.getSchemaById(99)).isInstanceOf(SchemaNotFoundException.class)
                            .hasMessageContaining("Schema 99 not found");
                    nanos.addAndGet(Duration.ofMillis(29).toNanos());
                }
                // then the registry was asked once
                assertThat(registry.requestCount()).isEqualTo(1);

                // and once the 30 s are over it is asked again, and an id registered since is found
                nanos.addAndGet(Duration.ofSeconds(1).toNanos());
                assertThat(client.getSchemaById(99)).isEqualTo(CAPTION);
                assertThat(registry.requestCount()).isEqualTo(2);
            }
        }

        @Test
        @DisplayName("an unreachable or failing registry (5xx) is asked again for the next record")
        void transientFailuresAreNotRemembered() {
            // given a registry that fails once with 503, then answers
            registry.on("GET", "/schemas/ids/5", Reply.error(503, 50301, "Service unavailable"),
                    Reply.ok(schemaJson(CAPTION)));
            Map<String, Object> settings = FakeRegistry.fastRetrySettings(registry.url());
            settings.put("max.retries", 0);

            try (RestSchemaRegistryClient client = client(settings)) {
                // when the id is fetched twice, at the same instant
                assertThatThrownBy(() -> client.getSchemaById(5)).isInstanceOf(SchemaRegistryUnavailableException.class);

                // then the second fetch asks again and gets the schema
                assertThat(client.getSchemaById(5)).isEqualTo(CAPTION);
                assertThat(registry.requestCount()).isEqualTo(2);
            }
        }

        @Test
        @DisplayName("missing.id.cache.ttl.sec=0 remembers nothing")
        void zeroTtlRemembersNothing() {
            // given the cache turned off
            registry.on("GET", "/schemas/ids/99", Reply.error(404, 40403, "Schema 99 not found"));
            Map<String, Object> settings = FakeRegistry.fastRetrySettings(registry.url());
            settings.put(SchemaRegistryClientConfig.MISSING_ID_CACHE_TTL_SEC_CONFIG, 0);

            try (RestSchemaRegistryClient client = client(settings)) {
                // when the unknown id is fetched three times
                for (int i = 0; i < 3; i++) {
                    assertThatThrownBy(() -> client.getSchemaById(99)).isInstanceOf(SchemaNotFoundException.class);
                }
            }
            // then each was a request
            assertThat(registry.requestCount()).isEqualTo(3);
        }
    }

    private static String schemaJson(Schema schema) {
        return "{\"schema\":" + JSON.valueToTree(schema.toString()) + "}";
    }
}
