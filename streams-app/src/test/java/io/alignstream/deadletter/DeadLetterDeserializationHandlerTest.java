package io.alignstream.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.registry.client.SchemaRegistryUnavailableException;
import io.alignstream.registry.serde.SpecificAvroSerde;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.Response;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.Result;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A record that cannot be read because of the record (an id the registry does not know, bytes
 * that are not the wire format) is dead-lettered; one that cannot be read because the registry is
 * unreachable or failing is not: the registry client retries it (max.retries), then the handler
 * fails the stream thread, so the record is read again once the registry is back.
 *
 * <p>The deserializer is the service's, talking HTTP to a loopback stand-in for the registry.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeadLetterDeserializationHandlerTest {
    private static final String IMAGES = "alignstream.images";
    private static final String DEAD_LETTERS = "alignstream.dead-letters";
    /** The schema id the test records carry (any id: the stand-in registry decides whether it exists). */
    private static final int SCHEMA_ID = 42;
    /** Retries of the registry client for these tests; its requests go to one URL, so 1 + this many are sent. */
    private static final int MAX_RETRIES = 2;
    /** Short waits and time-outs so an outage is declared in well under a second. */
    private static final Map<String, Object> FAST_CLIENT = Map.of("max.retries", MAX_RETRIES, "retries.wait.ms", 10,
            "http.connect.timeout.ms", 500, "http.read.timeout.ms", 500);

    private final Map<String, Object> handlerConfigs = Map.of("schema.registry.url", "mock://deserialization-handler-" + UUID.randomUUID(),
            DeadLetterDeserializationHandler.TOPIC_CONFIG, DEAD_LETTERS);
    private final DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
    private final List<String> registryRequests = new CopyOnWriteArrayList<>();
    private HttpServer registry;
    private SpecificAvroSerde<DeadLetter> letters;

    @BeforeEach
    void start() throws IOException {
        handler.configure(handlerConfigs);
        letters = SpecificAvroSerde.forValues(DeadLetter.class, handlerConfigs);
        registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        registry.start();
    }

    @AfterEach
    void stop() {
        letters.close();
        registry.stop(0);
    }

    /** The registry stand-in answers every request with {@code status} and a Confluent error body. */
    private String registryAnswering(int status, int errorCode, String message) {
        registry.createContext("/", exchange -> {
            try (exchange) {
                registryRequests.add(exchange.getRequestURI().getPath());
                byte[] body = ("{\"error_code\":" + errorCode + ",\"message\":\"" + message + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        return "http://127.0.0.1:" + registry.getAddress().getPort();
    }

    /** Reads {@code value} as the images topic's deserializer would, and hands what it throws to the handler. */
    private Response deserializeAndHandle(String registryUrl, byte[] value) {
        Map<String, Object> configs = new java.util.HashMap<>(FAST_CLIENT);
        configs.put("schema.registry.url", registryUrl);
        Exception thrown;
        try (SpecificAvroSerde<ImageEvent> images = SpecificAvroSerde.forValues(ImageEvent.class, configs)) {
            images.deserializer().deserialize(IMAGES, value);
            throw new AssertionError("the deserializer read a record it could not have read");
        } catch (RuntimeException e) {
            thrown = e;
        }
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(IMAGES, 3, 17L,
                "key".getBytes(StandardCharsets.UTF_8), value);
        return handler.handleError(context(), record, thrown);
    }

    /** The Confluent wire format: magic byte 0, the schema id, then (here meaningless) Avro bytes. */
    private static byte[] wireFormat(int schemaId) {
        return ByteBuffer.allocate(1 + 4 + 3).put((byte) 0).putInt(schemaId).put(new byte[] {1, 2, 3}).array();
    }

    @Test
    void givenARegistryAnswering503_whenARecordIsRead_thenItIsRetriedAndTheStreamThreadFailsWithoutADeadLetter() {
        // given a registry that is up but failing
        String url = registryAnswering(503, 50301, "Service Unavailable");

        // when a record naming a schema id is read
        Response response = deserializeAndHandle(url, wireFormat(SCHEMA_ID));

        // then the client asked 1 + max.retries times, and the handler fails the thread: no dead letter
        assertThat(registryRequests).hasSize(1 + MAX_RETRIES).allMatch(path -> path.equals("/schemas/ids/" + SCHEMA_ID));
        assertThat(response.result()).isEqualTo(Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void givenARegistryRefusingConnections_whenARecordIsRead_thenTheStreamThreadFailsWithoutADeadLetter() throws IOException {
        // given a registry address with nothing listening (a port taken, then freed)
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        // when a record is read
        Response response = deserializeAndHandle("http://127.0.0.1:" + closedPort, wireFormat(SCHEMA_ID));

        // then the thread fails: the record is read again once the registry is back
        assertThat(response.result()).isEqualTo(Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void givenTheUnavailableExceptionWrappedByKafka_whenHandled_thenItStillFailsTheThread() {
        // given the outage as a cause inside another exception (as a wrapping layer would pass it)
        SchemaRegistryUnavailableException outage = new SchemaRegistryUnavailableException("no registry answered",
                List.of("http://registry:8081"), 1 + MAX_RETRIES, 1 + MAX_RETRIES, java.time.Duration.ZERO, 503, 50301,
                "Service Unavailable", null);
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(IMAGES, 0, 0L, null, wireFormat(SCHEMA_ID));

        // when handled, then the thread fails
        Response response = handler.handleError(context(), record,
                new org.apache.kafka.common.errors.SerializationException("reading failed", outage));
        assertThat(response.result()).isEqualTo(Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void givenASchemaIdTheRegistryDoesNotKnow_whenARecordIsRead_thenItIsDeadLetteredAsUnknownSchemaIdAtOnce() {
        // given a registry that answers 404 / 40403 for the id: the record's own fault
        String url = registryAnswering(404, 40403, "Schema " + SCHEMA_ID + " not found");

        // when a record naming that id is read
        Response response = deserializeAndHandle(url, wireFormat(SCHEMA_ID));

        // then one request (4xx are never retried), and the stream resumes with an UNKNOWN_SCHEMA_ID dead letter
        assertThat(registryRequests).hasSize(1);
        assertThat(response.result()).isEqualTo(Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(out -> {
            assertThat(out.topic()).isEqualTo(DEAD_LETTERS);
            DeadLetter letter = letters.deserializer().deserialize(DEAD_LETTERS, out.value());
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA_ID);
            assertThat(letter.getSourceTopic()).isEqualTo(IMAGES);
            assertThat(letter.getPartition()).isEqualTo(3);
            assertThat(letter.getOffset()).isEqualTo(17L);
        });
    }

    @Test
    void givenBytesThatAreNotTheWireFormat_whenARecordIsRead_thenItIsDeadLetteredWithoutAskingTheRegistry() {
        // given a registry that would answer, and a value whose first byte is not the magic byte 0
        String url = registryAnswering(503, 50301, "Service Unavailable");
        byte[] notWireFormat = "{\"image_id\":\"img-1\"}".getBytes(StandardCharsets.UTF_8);

        // when it is read
        Response response = deserializeAndHandle(url, notWireFormat);

        // then it is dead-lettered DESERIALIZATION_FAILED, the registry never asked
        assertThat(registryRequests).isEmpty();
        assertThat(response.result()).isEqualTo(Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(out -> assertThat(
                letters.deserializer().deserialize(DEAD_LETTERS, out.value()).getReason())
                .isEqualTo(DeadLetterReason.DESERIALIZATION_FAILED));
    }

    private static ErrorHandlerContext context() {
        return HandlerContexts.at(IMAGES, 3, 17L, "images", null, null);
    }
}
