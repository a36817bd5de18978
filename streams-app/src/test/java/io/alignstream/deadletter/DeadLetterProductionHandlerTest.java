package io.alignstream.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.registry.serde.SpecificAvroSerde;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.Split;
import io.alignstream.world.events.SyntheticEventFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A record refused as too large becomes an OVER_LIMIT dead letter; any other production error still fails. */
class DeadLetterProductionHandlerTest {
    private static final String DEAD_LETTERS = "shop.dead-letters";
    private static final String REPARTITION = "alignstream-captions-by-id-repartition";
    private static final int MAX_PAYLOAD = 4096;

    private final Map<String, Object> configs = Map.of("schema.registry.url", "mock://production-handler-" + UUID.randomUUID(),
            DeadLetterDeserializationHandler.TOPIC_CONFIG, DEAD_LETTERS,
            DeadLetterDeserializationHandler.MAX_PAYLOAD_BYTES_CONFIG, MAX_PAYLOAD);
    private final DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
    private SpecificAvroSerde<DeadLetter> letters;

    @BeforeEach
    void configure() {
        handler.configure(configs);
        letters = SpecificAvroSerde.forValues(DeadLetter.class, configs);
    }

    @AfterEach
    void close() {
        letters.close();
    }

    @Test
    void aRecordTheProducerRefusesAsTooLargeIsDeadLetteredAsOverLimitWithItsSourceAndACutPayload() {
        // given a synthetic caption grown to 300 KB, re-keyed with its source coordinates in headers
        CaptionEvent caption = new SyntheticEventFactory(new SyntheticWorld(11), Split.TEST).scene(3, java.time.Instant.parse("2026-01-01T00:00:00Z")).captions().get(0);
        byte[] value = (caption.getText() + " ".repeat(300_000)).getBytes(StandardCharsets.UTF_8);
        byte[] originalKey = "caption-key".getBytes(StandardCharsets.UTF_8);
        Headers headers = new RecordHeaders();
        new SourceCoordinates("alignstream.captions", 2, 41L, originalKey).writeTo(headers);
        ProducerRecord<byte[], byte[]> refused = new ProducerRecord<>(REPARTITION, null,
                caption.getImageId().getBytes(StandardCharsets.UTF_8), value, headers);

        // when the producer refuses it
        Response response = handler.handleError(context(REPARTITION), refused,
                new RecordTooLargeException("The message is 300123 bytes when serialized which is larger than 262144"));

        // then the stream resumes with exactly one OVER_LIMIT dead letter: source from the headers, size stated, payload a prefix
        assertThat(response.result()).isEqualTo(Result.RESUME);
        List<ProducerRecord<byte[], byte[]>> out = response.deadLetterQueueRecords();
        assertThat(out).singleElement().satisfies(record -> assertThat(record.topic()).isEqualTo(DEAD_LETTERS));
        DeadLetter letter = letters.deserializer().deserialize(DEAD_LETTERS, out.get(0).value());
        assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OVER_LIMIT);
        assertThat(letter.getSourceTopic()).isEqualTo("alignstream.captions");
        assertThat(letter.getPartition()).isEqualTo(2);
        assertThat(letter.getOffset()).isEqualTo(41L);
        assertThat(bytes(letter.getKey())).isEqualTo(originalKey);
        int recordSize = refused.key().length + value.length + sizeOf(headers);
        assertThat(letter.getMessage()).contains("a record of " + recordSize + " bytes")
                .contains("first " + MAX_PAYLOAD + " of " + value.length + " bytes").contains(REPARTITION);
        assertThat(bytes(letter.getPayload())).isEqualTo(Arrays.copyOf(value, MAX_PAYLOAD));
    }

    @Test
    void theBrokersRefusalOfABatchTooLargeIsDeadLetteredToo() {
        // given a record the broker refused (its topic's max.message.bytes)
        ProducerRecord<byte[], byte[]> refused = new ProducerRecord<>("alignstream.embeddings.tevi", new byte[10], new byte[100]);

        // when the handler sees it, then it is an OVER_LIMIT dead letter and the stream resumes
        Response response = handler.handleError(context("alignstream.captions"), refused,
                new RecordBatchTooLargeException("batch too large"));

        assertThat(response.result()).isEqualTo(Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).hasSize(1);
        assertThat(letters.deserializer().deserialize(DEAD_LETTERS, response.deadLetterQueueRecords().get(0).value())
                .getReason()).isEqualTo(DeadLetterReason.OVER_LIMIT);
    }

    @Test
    void aDeadLetterRefusedAsTooLargeComesBackOnceWithoutPayloadOrKey() {
        // given a dead letter with a huge key that the producer refused
        ProducerRecord<byte[], byte[]> refused = new ProducerRecord<>(DEAD_LETTERS, new byte[2_000_000], new byte[100]);

        // when the handler sees it
        Response response = handler.handleError(context(REPARTITION), refused, new RecordTooLargeException("too large"));

        // then its dead letter carries neither, so it cannot be refused the same way again
        DeadLetter letter = letters.deserializer().deserialize(DEAD_LETTERS, response.deadLetterQueueRecords().get(0).value());
        assertThat(letter.getPayload()).isNull();
        assertThat(letter.getKey()).isNull();
        assertThat(response.deadLetterQueueRecords().get(0).key()).isNull();
        assertThat(letter.getMessage()).startsWith("the dead letter itself was too large");
    }

    @Test
    void anyOtherProductionErrorFailsAsBeforeWithoutADeadLetter() {
        // given a record and errors that are not the record's fault
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(REPARTITION, new byte[1], new byte[1]);

        // (including the error state a transactional producer is in after another record's refusal)
        for (Exception error : List.of(new TimeoutException("broker slow"), new TopicAuthorizationException("denied"),
                new KafkaException("Cannot execute transactional method because we are in an error state",
                        new RecordTooLargeException("another record was too large")))) {
            // when the handler sees each, then the thread fails and no good record is dead-lettered
            Response response = handler.handleError(context(REPARTITION), record, error);
            assertThat(response.result()).isEqualTo(Result.FAIL);
            assertThat(response.deadLetterQueueRecords()).isEmpty();
        }
    }

    private static int sizeOf(Headers headers) {
        int size = 0;
        for (var header : headers) {
            size += header.key().length() + header.value().length;
        }
        return size;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }

    /** What Kafka Streams passes after a send: the current input's coordinates, its raw record already freed. */
    private static ErrorHandlerContext context(String topic) {
        return HandlerContexts.at(topic, 0, 7L, "node", null, null);
    }
}
