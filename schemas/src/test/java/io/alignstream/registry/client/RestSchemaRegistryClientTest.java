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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
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

    /** Fast retries so that failure paths take milliseconds. */
    private static Map<String, Object> settings(String urls) {
        Map<String, Object> settings = new HashMap<>();
        settings.put("schema.registry.url", urls);
        settings.put("max.retries", 2);
        settings.put("retries.wait.ms", 10);
        settings.put("retries.max.wait.ms", 20);
        settings.put("http.connect.timeout.ms", 1000);
        settings.put("http.read.timeout.ms", 1000);
        return settings;
    }

    private RestSchemaRegistryClient client() {
        return new RestSchemaRegistryClient(settings(registry.url()));
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
            Map<String, Object> settings = settings(registry.url());
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

        @Test
        @DisplayName("401 is not retried and says which settings hold the credentials")
        void unauthorized() {
            registry.on("GET", "/subjects", Reply.error(401, 401, "Unauthorized"));

            try (RestSchemaRegistryClient client = client()) {
                assertThatThrownBy(client::getAllSubjects)
                        .isExactlyInstanceOf(SchemaRegistryException.class)
                        .hasMessageContaining("HTTP 401")
                        .hasMessageContaining("basic.auth.credentials.source")
                        .hasMessageContaining("basic.auth.user.info");
            }
            assertThat(registry.requestCount()).isEqualTo(1);
        }

        @Test
        @DisplayName("a 404 without a Confluent body asks whether the URL is a Schema Registry")
        void notARegistry() {
            registry.on("GET", "/subjects", Reply.text(404, "<html>Not Found</html>"));

            try (RestSchemaRegistryClient client = client()) {
                assertThatThrownBy(client::getAllSubjects)
                        .hasMessageContaining("<html>Not Found</html>")
                        .hasMessageContaining("Is schema.registry.url the base URL of a Schema Registry?");
            }
        }
    }

    @Nested
    @DisplayName("retries only what may pass")
    class Retries {

        @Test
        @DisplayName("503 then 500 then success: retried with backoff, and the answer is returned")
        void retriesServerErrors() {
            registry.on("GET", "/subjects", Reply.error(503, 50003, "Error while forwarding the request"),
                    Reply.error(500, 50001, "Error in the backend datastore"), Reply.ok("[\"a\"]"));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.getAllSubjects()).containsExactly("a");
            }
            assertThat(registry.requestCount()).isEqualTo(3);
        }

        @Test
        @DisplayName("429 is retried")
        void retriesRateLimits() {
            registry.on("GET", "/subjects", Reply.error(429, 42901, "Rate limit exceeded"), Reply.ok("[]"));

            try (RestSchemaRegistryClient client = client()) {
                assertThat(client.getAllSubjects()).isEmpty();
            }
            assertThat(registry.requestCount()).isEqualTo(2);
        }

        @Test
        @DisplayName("422 is not retried")
        void doesNotRetryClientErrors() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions",
                    Reply.error(422, 42201, "Invalid schema"), Reply.ok("{\"id\":1}"));

            try (RestSchemaRegistryClient client = client()) {
                assertThatThrownBy(() -> client.register(CAPTIONS_VALUE, CAPTION))
                        .isInstanceOf(InvalidSchemaException.class);
            }
            assertThat(registry.requestCount()).isEqualTo(1);
        }

        @Test
        @DisplayName("a lasting 5xx gives up after max.retries with the last answer of the registry")
        void givesUpOnLastingServerErrors() {
            registry.on("GET", "/subjects", Reply.error(500, 50001, "Error in the backend datastore"));

            try (RestSchemaRegistryClient client = client()) {
                SchemaRegistryUnavailableException e = catchThrowableOfType(SchemaRegistryUnavailableException.class,
                        client::getAllSubjects);

                assertThat(e.attempts()).isEqualTo(3);
                assertThat(e.httpStatus()).isEqualTo(500);
                assertThat(e.errorCode()).isEqualTo(50001);
                assertThat(e.getMessage()).contains("after 3 attempts").contains("Error in the backend datastore");
            }
            assertThat(registry.requestCount()).isEqualTo(3);
        }

        @Test
        @DisplayName("an unreachable registry fails with SchemaRegistryUnavailable within the time the settings allow")
        void unreachable() {
            String nowhere = FakeRegistry.refusingUrl();
            try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings(nowhere))) {
                long started = System.nanoTime();
                SchemaRegistryUnavailableException e = catchThrowableOfType(SchemaRegistryUnavailableException.class,
                        () -> client.getSchemaById(1));
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                assertThat(took).isLessThanOrEqualTo(client.maxBlockTime().plusMillis(500));
                assertThat(e.urls()).containsExactly(nowhere);
                assertThat(e.attempts()).isEqualTo(3);
                assertThat(e.getMessage())
                        .contains("Fetching schema id 1 failed: no Schema Registry answered at [" + nowhere + "]")
                        .contains("after 3 attempts (3 requests)")
                        .contains("ConnectException")
                        .contains("max.retries=2");
            }
        }

        @Test
        @DisplayName("a registry that accepts connections but never answers is abandoned after the timeouts")
        void unresponsive() throws IOException {
            try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                Map<String, Object> settings = settings("http://127.0.0.1:" + blackHole.getLocalPort());
                settings.put("http.read.timeout.ms", 150);
                settings.put("max.retries", 1);
                try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings)) {
                    long started = System.nanoTime();
                    SchemaRegistryUnavailableException e = catchThrowableOfType(
                            SchemaRegistryUnavailableException.class, client::getAllSubjects);
                    Duration took = Duration.ofNanos(System.nanoTime() - started);

                    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300))
                            .isLessThanOrEqualTo(client.maxBlockTime().plusMillis(500));
                    assertThat(e.getMessage()).containsIgnoringCase("timed out");
                }
            }
        }

        @Test
        @DisplayName("the bound is (max.retries + 1) x URLs x (connect + read timeout) plus the capped backoffs")
        void boundFollowsTheSettings() {
            Map<String, Object> settings = settings(registry.url() + "," + FakeRegistry.refusingUrl());
            settings.put("max.retries", 3);
            settings.put("retries.wait.ms", 100);
            settings.put("retries.max.wait.ms", 250);
            settings.put("http.connect.timeout.ms", 200);
            settings.put("http.read.timeout.ms", 300);

            try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings)) {
                assertThat(client.maxBlockTime()).isEqualTo(Duration.ofMillis(4 * 2 * 500 + 100 + 200 + 250));
            }
        }
    }

    @Nested
    @DisplayName("fails over between URLs")
    class Failover {

        @Test
        @DisplayName("goes on to the second URL when the first is down, and stays there")
        void failsOver() {
            registry.on("GET", "/subjects", Reply.ok("[\"a\"]"));
            String down = FakeRegistry.refusingUrl();

            try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings(down + "," + registry.url()))) {
                assertThat(client.getAllSubjects()).containsExactly("a");
                assertThat(client.getAllSubjects()).containsExactly("a");
            }
            assertThat(registry.requestCount()).isEqualTo(2);
        }

        @Test
        @DisplayName("moves away from a URL answering 503 without waiting for a retry")
        void failsOverOnServerErrors() {
            try (FakeRegistry sick = FakeRegistry.start()) {
                sick.on("GET", "/subjects", Reply.error(503, 50003, "Error while forwarding the request"));
                registry.on("GET", "/subjects", Reply.ok("[]"));
                Map<String, Object> settings = settings(sick.url() + "," + registry.url());
                settings.put("retries.wait.ms", 5000);
                settings.put("retries.max.wait.ms", 5000);

                try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings)) {
                    long started = System.nanoTime();
                    client.getAllSubjects();
                    client.getAllSubjects();

                    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
                }
                assertThat(sick.requestCount()).isEqualTo(1);
                assertThat(registry.requestCount()).isEqualTo(2);
            }
        }
    }

    @Nested
    @DisplayName("authenticates with basic auth")
    class BasicAuth {

        @Test
        @DisplayName("USER_INFO sends basic.auth.user.info as an Authorization header")
        void userInfo() {
            registry.on("GET", "/subjects", Reply.ok("[]"));
            Map<String, Object> settings = settings(registry.url());
            settings.put("basic.auth.credentials.source", "USER_INFO");
            settings.put("basic.auth.user.info", "svc-align:s3cr3t");

            try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings)) {
                client.getAllSubjects();
            }
            assertThat(registry.requests().get(0).header("Authorization"))
                    .isEqualTo("Basic " + base64("svc-align:s3cr3t"));
        }

        @Test
        @DisplayName("URL (the default) takes the credentials from the URL and does not show them in messages")
        void fromUrl() {
            registry.on("GET", "/subjects", Reply.ok("[]"), Reply.error(500, 50001, "down"));
            String withCredentials = registry.url().replace("http://", "http://svc-align:s3cr3t@");
            Map<String, Object> settings = settings(withCredentials);
            settings.put("max.retries", 0);

            try (RestSchemaRegistryClient client = new RestSchemaRegistryClient(settings)) {
                client.getAllSubjects();
                assertThatThrownBy(client::getAllSubjects).message().doesNotContain("s3cr3t");
                assertThat(client.urls()).containsExactly(registry.url());
            }
            assertThat(registry.requests().get(0).header("Authorization"))
                    .isEqualTo("Basic " + base64("svc-align:s3cr3t"));
        }

        @Test
        @DisplayName("sends no credentials when none are configured")
        void none() {
            registry.on("GET", "/subjects", Reply.ok("[]"));

            try (RestSchemaRegistryClient client = client()) {
                client.getAllSubjects();
            }
            assertThat(registry.requests().get(0).header("Authorization")).isNull();
        }

        @Test
        @DisplayName("USER_INFO without basic.auth.user.info is a configuration error naming the key")
        void userInfoMissing() {
            Map<String, Object> settings = settings(registry.url());
            settings.put("basic.auth.credentials.source", "USER_INFO");

            assertThatThrownBy(() -> new RestSchemaRegistryClient(settings))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("basic.auth.user.info is empty");
        }
    }

    private static String schemaJson(Schema schema) {
        return "{\"schema\":" + JSON.valueToTree(schema.toString()) + "}";
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
