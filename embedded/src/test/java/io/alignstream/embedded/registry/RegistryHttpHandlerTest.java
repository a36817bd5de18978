package io.alignstream.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.registry.compatibility.CompatibilityLevel;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Specification of what {@link RegistryHttpHandler} accepts before it reads a request's body:
 * the Host, the body's size and its media type. No server and no broker: each request is a
 * {@link FakeExchange} and the schemas live in memory.
 */
class RegistryHttpHandlerTest {

    private static final int PORT = 18081;
    private static final String OWN_HOST = "127.0.0.1:" + PORT;
    /** Small, so a limit test needs no megabytes; a registration body of USER fits easily. */
    private static final int LIMIT = 4096;
    private static final String REGISTER = "/subjects/users-value/versions";
    private static final String USER = "{\"type\": \"record\", \"name\": \"User\", \"namespace\": \"test\","
            + " \"fields\": [{\"name\": \"name\", \"type\": \"string\"}]}";
    private static final String V1_JSON = "application/vnd.schemaregistry.v1+json";

    private RegistryHttpHandler handler;

    @BeforeEach
    void handlerOverAnEmptyStore() {
        SchemaStore store = new SchemaStore(new MemoryLog(), CompatibilityLevel.BACKWARD);
        store.load();
        handler = new RegistryHttpHandler(store,
                new RequestGuard(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT), LIMIT));
    }

    @Nested
    class CheckingTheHost {

        @ParameterizedTest
        @ValueSource(strings = {"127.0.0.1:" + PORT, "localhost:" + PORT, "LocalHost:" + PORT,
                "[::1]:" + PORT, "[0:0:0:0:0:0:0:1]:" + PORT})
        void aClientOfTheLoopbackAddressIsServed(String host) {
            // when
            FakeExchange reply = handle(FakeExchange.get("/subjects").header("Host", host));

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.responseBody()).isEqualTo("[]");
        }

        @ParameterizedTest
        @ValueSource(strings = {"attacker.example:" + PORT, "attacker.example", "localhost.:" + PORT,
                "127.0.0.2:" + PORT, "0.0.0.0:" + PORT, "[::2]:" + PORT, "[localhost]:" + PORT,
                "localhost:" + (PORT + 1), "localhost", "[::1]", "localhost:" + PORT + ":1",
                "localhost:-" + PORT, ""})
        void aHostNotNamingTheRegistryIsRefusedWith421(String host) {
            // given a page that rebound its own name to 127.0.0.1: the browser sends that name
            FakeExchange request = FakeExchange.get("/subjects").header("Host", host);

            // when
            FakeExchange reply = handle(request);

            // then
            assertThat(reply.status()).isEqualTo(421);
            assertThat(errorOf(reply).path("error_code").asInt()).isEqualTo(421);
            assertThat(errorOf(reply).path("message").asText()).contains("Host", "port " + PORT);
        }

        @Test
        void aRequestWithoutAHostOrWithTwoIsRefused() {
            assertThat(handle(FakeExchange.get("/subjects")).status()).isEqualTo(421);
            assertThat(handle(FakeExchange.get("/subjects").header("Host", OWN_HOST)
                    .header("Host", "attacker.example:" + PORT)).status()).isEqualTo(421);
        }

        @Test
        void aRefusedHostChangesNothingAndItsBodyIsNotRead() {
            // when a registration comes with a foreign Host
            FakeExchange reply = handle(registration(RegistryHttp.schemaBody(USER))
                    .header("Host", "attacker.example:" + PORT).header("Content-Type", V1_JSON));

            // then
            assertThat(reply.status()).isEqualTo(421);
            assertThat(reply.bodyBytesRead()).isZero();
            assertThat(subjects()).isEqualTo("[]");
        }
    }

    @Nested
    class LimitingTheBody {

        @Test
        void aBodyOfExactlyTheLimitIsAccepted() {
            // given a registration padded with JSON whitespace to the limit
            String body = RegistryHttp.schemaBody(USER);
            body = body + " ".repeat(LIMIT - body.length());

            // when
            FakeExchange reply = handle(registration(body).header("Host", OWN_HOST).header("Content-Type", V1_JSON));

            // then
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.bodyBytesRead()).isEqualTo(LIMIT);
            assertThat(subjects()).isEqualTo("[\"users-value\"]");
        }

        @Test
        void aDeclaredLengthAboveTheLimitIsRefusedWith413BeforeReading() {
            // given one byte more than the limit
            String body = RegistryHttp.schemaBody(USER);
            body = body + " ".repeat(LIMIT + 1 - body.length());

            // when
            FakeExchange reply = handle(registration(body).header("Host", OWN_HOST).header("Content-Type", V1_JSON));

            // then
            assertThat(reply.status()).isEqualTo(413);
            assertThat(errorOf(reply).path("error_code").asInt()).isEqualTo(413);
            assertThat(errorOf(reply).path("message").asText()).contains(String.valueOf(LIMIT));
            assertThat(reply.bodyBytesRead()).isZero();
            assertThat(subjects()).isEqualTo("[]");
        }

        @Test
        void aChunkedBodyIsReadNoFurtherThanTheLimit() {
            // given a body with no declared length, far larger than the limit
            FakeExchange request = FakeExchange.chunked("POST", REGISTER, 64L * 1024 * 1024)
                    .header("Host", OWN_HOST).header("Content-Type", V1_JSON);

            // when
            FakeExchange reply = handle(request);

            // then refused, having read at most one byte past the limit
            assertThat(reply.status()).isEqualTo(413);
            assertThat(reply.bodyBytesRead()).isBetween((long) LIMIT, LIMIT + 1L);
        }

        @Test
        void theDefaultLimitIsAHundredTimesEveryEventSchemasRegistration() {
            for (Schema schema : List.of(ImageEvent.getClassSchema(), CaptionEvent.getClassSchema(),
                    AlignVlmEmbedding.getClassSchema(), TeviEmbedding.getClassSchema(),
                    DeadLetter.getClassSchema(), RetrievalQualityReport.getClassSchema())) {
                assertThat(RegistryHttp.schemaBody(schema.toString()).length() * 100L).as(schema.getFullName())
                        .isLessThan(EmbeddedSchemaRegistry.DEFAULT_MAX_REQUEST_BYTES);
            }
        }

        @Test
        void theLimitMustBePositive() {
            assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().maxRequestBytes(0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class AcceptingOnlyJson {

        @ParameterizedTest
        @ValueSource(strings = {V1_JSON, "application/vnd.schemaregistry+json", "application/json",
                "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\"",
                "application/vnd.schemaregistry.v1+json; charset=UTF8"})
        void aRegistrationInJsonIsServed(String contentType) {
            FakeExchange reply = handle(registration(RegistryHttp.schemaBody(USER))
                    .header("Host", OWN_HOST).header("Content-Type", contentType));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(subjects()).isEqualTo("[\"users-value\"]");
        }

        @ParameterizedTest
        @ValueSource(strings = {"text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/json; charset=iso-8859-1",
                "application/json; charset=nonsense!", "application/json; version=2", "application/jsonp",
                "application/vnd.schemaregistry.v2+json", ""})
        void anyOtherMediaTypeIsRefusedWith415Unread(String contentType) {
            // given a body a browser form could send without a preflight
            FakeExchange request = registration(RegistryHttp.schemaBody(USER))
                    .header("Host", OWN_HOST).header("Content-Type", contentType);

            // when
            FakeExchange reply = handle(request);

            // then
            assertThat(reply.status()).isEqualTo(415);
            assertThat(errorOf(reply).path("error_code").asInt()).isEqualTo(415);
            assertThat(errorOf(reply).path("message").asText()).contains("application/vnd.schemaregistry.v1+json");
            assertThat(reply.bodyBytesRead()).isZero();
            assertThat(subjects()).isEqualTo("[]");
        }

        @Test
        void aBodyWithoutAContentTypeIsRefused() {
            FakeExchange reply = handle(registration(RegistryHttp.schemaBody(USER)).header("Host", OWN_HOST));

            assertThat(reply.status()).isEqualTo(415);
            assertThat(subjects()).isEqualTo("[]");
        }

        @Test
        void aRequestWithoutABodyNeedsNoContentType() {
            // GET and an empty DELETE, whatever Content-Type they carry, are served
            assertThat(handle(FakeExchange.get("/config").header("Host", OWN_HOST)).status()).isEqualTo(200);
            FakeExchange emptyDelete = FakeExchange.withBody("DELETE", "/config", "")
                    .header("Host", OWN_HOST).header("Content-Type", "text/plain");
            assertThat(handle(emptyDelete).status()).isEqualTo(200);
        }
    }

    // ------------------------------------------------------------------------------------------

    private static FakeExchange registration(String body) {
        return FakeExchange.withBody("POST", REGISTER, body);
    }

    private FakeExchange handle(FakeExchange exchange) {
        try {
            handler.handle(exchange);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(exchange.getResponseHeaders().getFirst("Content-Type")).isEqualTo(RegistryHttpHandler.CONTENT_TYPE);
        return exchange;
    }

    private String subjects() {
        return handle(FakeExchange.get("/subjects").header("Host", OWN_HOST)).responseBody();
    }

    private static JsonNode errorOf(FakeExchange reply) {
        try {
            return RegistryHttp.JSON.readTree(reply.responseBody());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The registry's log in memory: what a broker would keep, for tests without one. */
    private static final class MemoryLog implements SchemaLog {
        private final List<SchemaLogRecord> records = new ArrayList<>();

        @Override
        public void replay(Consumer<SchemaLogRecord> sink) {
            records.forEach(sink);
        }

        @Override
        public void append(SchemaLogRecord record) {
            records.add(record);
        }

        @Override
        public void close() {
        }
    }
}
