package io.alignstream.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.alignstream.events.CaptionEvent;
import io.alignstream.registry.client.FakeRegistry.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The HTTP side of the REST client, asked directly: what any request gets, whatever the operation. */
@DisplayName("RegistryHttpTransport")
class RegistryHttpTransportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CAPTIONS_VALUE = "alignstream.captions-value";
    private static final JsonNode CAPTION_BODY =
            JSON.createObjectNode().put("schema", CaptionEvent.getClassSchema().toString());

    private final FakeRegistry registry = FakeRegistry.start();

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    private RegistryHttpTransport transport() {
        return transport(FakeRegistry.fastRetrySettings(registry.url()));
    }

    private static RegistryHttpTransport transport(Map<String, Object> settings) {
        return new RegistryHttpTransport(new SchemaRegistryClientConfig(settings));
    }

    private static JsonNode listSubjects(RegistryHttpTransport transport) {
        return transport.send("Listing subjects", "GET", "/subjects", null);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Nested
    @DisplayName("sends JSON and returns the answer")
    class Requests {

        @Test
        @DisplayName("keeps the path of a base URL, with or without a trailing slash")
        void keepsTheBasePath() {
            registry.on("GET", "/registry/subjects", Reply.ok("[\"a\"]"));

            try (RegistryHttpTransport transport = transport(FakeRegistry.fastRetrySettings(registry.url() + "/registry/"))) {
                JsonNode answer = listSubjects(transport);

                assertThat(answer).isEqualTo(json("[\"a\"]"));
                assertThat(transport.urls()).containsExactly(registry.url() + "/registry");
            }
        }

        @Test
        @DisplayName("an empty 2xx answer is JSON null")
        void emptyAnswer() {
            registry.on("PUT", "/config", Reply.ok(""));

            try (RegistryHttpTransport transport = transport()) {
                JsonNode answer = transport.send("Setting the global compatibility level to FULL", "PUT", "/config",
                        JSON.createObjectNode().put("compatibility", "FULL"));

                assertThat(answer).isEqualTo(NullNode.getInstance());
            }
        }

        @Test
        @DisplayName("a 2xx answer that is not JSON fails at once, asking whether the URL is a Schema Registry")
        void notJson() {
            registry.on("GET", "/subjects", Reply.text(200, "<html>Welcome to nginx!</html>"));

            try (RegistryHttpTransport transport = transport()) {
                assertThatThrownBy(() -> listSubjects(transport))
                        .isExactlyInstanceOf(SchemaRegistryException.class)
                        .hasMessageContaining("Listing subjects failed: " + registry.url() + " answered HTTP 200")
                        .hasMessageContaining("is it a Schema Registry?")
                        .hasMessageContaining("<html>Welcome to nginx!</html>");
            }
            assertThat(registry.requestCount()).isEqualTo(1);
        }

        @Test
        @DisplayName("once closed, it refuses to send")
        void closed() {
            RegistryHttpTransport transport = transport();

            transport.close();

            assertThatThrownBy(() -> listSubjects(transport))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            assertThat(registry.requestCount()).isZero();
        }
    }

    @Nested
    @DisplayName("maps error answers to exceptions")
    class Errors {

        @Test
        @DisplayName("401 is not retried and says which settings hold the credentials")
        void unauthorized() {
            registry.on("GET", "/subjects", Reply.error(401, 401, "Unauthorized"));

            try (RegistryHttpTransport transport = transport()) {
                assertThatThrownBy(() -> listSubjects(transport))
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

            try (RegistryHttpTransport transport = transport()) {
                assertThatThrownBy(() -> listSubjects(transport))
                        .hasMessageContaining("<html>Not Found</html>")
                        .hasMessageContaining("Is schema.registry.url the base URL of a Schema Registry?");
            }
        }

        @Test
        @DisplayName("a 409 without a Confluent error code is still an incompatible schema, named by operation and URL")
        void conflictWithoutCode() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions", Reply.text(409, ""));

            try (RegistryHttpTransport transport = transport()) {
                IncompatibleSchemaException e = catchThrowableOfType(IncompatibleSchemaException.class,
                        () -> transport.send("Registering a caption schema", "POST",
                                "/subjects/" + CAPTIONS_VALUE + "/versions", CAPTION_BODY));

                assertThat(e.httpStatus()).isEqualTo(409);
                assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.NO_ERROR_CODE);
                assertThat(e.getMessage())
                        .startsWith("Registering a caption schema failed: the Schema Registry at " + registry.url())
                        .contains("(no message)");
            }
            assertThat(registry.requestCount()).as("4xx is never retried").isEqualTo(1);
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

            try (RegistryHttpTransport transport = transport()) {
                assertThat(listSubjects(transport)).isEqualTo(json("[\"a\"]"));
            }
            assertThat(registry.requestCount()).isEqualTo(3);
        }

        @Test
        @DisplayName("429 is retried")
        void retriesRateLimits() {
            registry.on("GET", "/subjects", Reply.error(429, 42901, "Rate limit exceeded"), Reply.ok("[]"));

            try (RegistryHttpTransport transport = transport()) {
                assertThat(listSubjects(transport)).isEmpty();
            }
            assertThat(registry.requestCount()).isEqualTo(2);
        }

        @Test
        @DisplayName("422 is not retried")
        void doesNotRetryClientErrors() {
            registry.on("POST", "/subjects/" + CAPTIONS_VALUE + "/versions",
                    Reply.error(422, 42201, "Invalid schema"), Reply.ok("{\"id\":1}"));

            try (RegistryHttpTransport transport = transport()) {
                assertThatThrownBy(() -> transport.send("Registering a caption schema", "POST",
                        "/subjects/" + CAPTIONS_VALUE + "/versions", CAPTION_BODY))
                        .isInstanceOf(InvalidSchemaException.class);
            }
            assertThat(registry.requestCount()).isEqualTo(1);
        }

        @Test
        @DisplayName("a lasting 5xx gives up after max.retries with the last answer of the registry")
        void givesUpOnLastingServerErrors() {
            registry.on("GET", "/subjects", Reply.error(500, 50001, "Error in the backend datastore"));

            try (RegistryHttpTransport transport = transport()) {
                SchemaRegistryUnavailableException e = catchThrowableOfType(SchemaRegistryUnavailableException.class,
                        () -> listSubjects(transport));

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
            try (RegistryHttpTransport transport = transport(FakeRegistry.fastRetrySettings(nowhere))) {
                long started = System.nanoTime();
                SchemaRegistryUnavailableException e = catchThrowableOfType(SchemaRegistryUnavailableException.class,
                        () -> transport.send("Fetching schema id 1", "GET", "/schemas/ids/1", null));
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                assertThat(took).isLessThanOrEqualTo(transport.maxBlockTime().plusMillis(500));
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
                Map<String, Object> settings = FakeRegistry.fastRetrySettings("http://127.0.0.1:" + blackHole.getLocalPort());
                settings.put("http.read.timeout.ms", 150);
                settings.put("max.retries", 1);
                try (RegistryHttpTransport transport = transport(settings)) {
                    long started = System.nanoTime();
                    SchemaRegistryUnavailableException e = catchThrowableOfType(
                            SchemaRegistryUnavailableException.class, () -> listSubjects(transport));
                    Duration took = Duration.ofNanos(System.nanoTime() - started);

                    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300))
                            .isLessThanOrEqualTo(transport.maxBlockTime().plusMillis(500));
                    assertThat(e.getMessage()).containsIgnoringCase("timed out");
                }
            }
        }

        @Test
        @DisplayName("the bound is (max.retries + 1) x URLs x (connect + read timeout) plus the capped backoffs")
        void boundFollowsTheSettings() {
            Map<String, Object> settings = FakeRegistry.fastRetrySettings(registry.url() + "," + FakeRegistry.refusingUrl());
            settings.put("max.retries", 3);
            settings.put("retries.wait.ms", 100);
            settings.put("retries.max.wait.ms", 250);
            settings.put("http.connect.timeout.ms", 200);
            settings.put("http.read.timeout.ms", 300);

            try (RegistryHttpTransport transport = transport(settings)) {
                assertThat(transport.maxBlockTime()).isEqualTo(Duration.ofMillis(4 * 2 * 500 + 100 + 200 + 250));
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

            try (RegistryHttpTransport transport = transport(FakeRegistry.fastRetrySettings(down + "," + registry.url()))) {
                assertThat(listSubjects(transport)).isEqualTo(json("[\"a\"]"));
                assertThat(listSubjects(transport)).isEqualTo(json("[\"a\"]"));
            }
            assertThat(registry.requestCount()).isEqualTo(2);
        }

        @Test
        @DisplayName("moves away from a URL answering 503 without waiting for a retry")
        void failsOverOnServerErrors() {
            try (FakeRegistry sick = FakeRegistry.start()) {
                sick.on("GET", "/subjects", Reply.error(503, 50003, "Error while forwarding the request"));
                registry.on("GET", "/subjects", Reply.ok("[]"));
                Map<String, Object> settings = FakeRegistry.fastRetrySettings(sick.url() + "," + registry.url());
                settings.put("retries.wait.ms", 5000);
                settings.put("retries.max.wait.ms", 5000);

                try (RegistryHttpTransport transport = transport(settings)) {
                    long started = System.nanoTime();
                    listSubjects(transport);
                    listSubjects(transport);

                    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
                }
                assertThat(sick.requestCount()).isEqualTo(1);
                assertThat(registry.requestCount()).isEqualTo(2);
            }
        }

        @Test
        @DisplayName("a 4xx is an answer: the URL that gave it is asked first next time")
        void aClientErrorIsAnAnswer() {
            try (FakeRegistry first = FakeRegistry.start()) {
                first.on("GET", "/schemas/ids/99", Reply.error(503, 50003, "Error while forwarding the request"));
                first.on("GET", "/subjects", Reply.ok("[]"));
                registry.on("GET", "/schemas/ids/99", Reply.error(404, 40403, "Schema 99 not found"));
                registry.on("GET", "/subjects", Reply.ok("[]"));

                try (RegistryHttpTransport transport = transport(FakeRegistry.fastRetrySettings(first.url() + "," + registry.url()))) {
                    assertThatThrownBy(() -> transport.send("Fetching schema id 99", "GET", "/schemas/ids/99", null))
                            .isInstanceOf(SchemaNotFoundException.class);
                    listSubjects(transport);
                }
                assertThat(first.requestCount()).as("only the 503").isEqualTo(1);
                assertThat(registry.requestCount()).as("the 404, then the listing").isEqualTo(2);
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
            Map<String, Object> settings = FakeRegistry.fastRetrySettings(registry.url());
            settings.put("basic.auth.credentials.source", "USER_INFO");
            settings.put("basic.auth.user.info", "svc-align:s3cr3t");

            try (RegistryHttpTransport transport = transport(settings)) {
                listSubjects(transport);
            }
            assertThat(registry.requests().get(0).header("Authorization"))
                    .isEqualTo("Basic " + base64("svc-align:s3cr3t"));
        }

        @Test
        @DisplayName("URL (the default) takes the credentials from the URL and does not show them in messages")
        void fromUrl() {
            registry.on("GET", "/subjects", Reply.ok("[]"), Reply.error(500, 50001, "down"));
            String withCredentials = registry.url().replace("http://", "http://svc-align:s3cr3t@");
            Map<String, Object> settings = FakeRegistry.fastRetrySettings(withCredentials);
            settings.put("max.retries", 0);

            try (RegistryHttpTransport transport = transport(settings)) {
                listSubjects(transport);
                assertThatThrownBy(() -> listSubjects(transport)).message().doesNotContain("s3cr3t");
                assertThat(transport.urls()).containsExactly(registry.url());
            }
            assertThat(registry.requests().get(0).header("Authorization"))
                    .isEqualTo("Basic " + base64("svc-align:s3cr3t"));
        }

        @Test
        @DisplayName("sends no credentials when none are configured")
        void none() {
            registry.on("GET", "/subjects", Reply.ok("[]"));

            try (RegistryHttpTransport transport = transport()) {
                listSubjects(transport);
            }
            assertThat(registry.requests().get(0).header("Authorization")).isNull();
        }

        @Test
        @DisplayName("USER_INFO without basic.auth.user.info is a configuration error naming the key")
        void userInfoMissing() {
            Map<String, Object> settings = FakeRegistry.fastRetrySettings(registry.url());
            settings.put("basic.auth.credentials.source", "USER_INFO");

            assertThatThrownBy(() -> transport(settings))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("basic.auth.user.info is empty");
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
