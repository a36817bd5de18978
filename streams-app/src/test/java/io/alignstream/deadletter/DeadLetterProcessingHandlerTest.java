package io.alignstream.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.faults.BatchFailedException;
import io.alignstream.faults.ServiceFaultException;
import io.alignstream.registry.serde.SpecificAvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Result;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A record is dead-lettered only for its own fault: the service's faults (a failed batch, a fault
 * past its retry budget, a state store that fails) fail the stream thread so the record is
 * processed again from the last commit.
 */
class DeadLetterProcessingHandlerTest {
    private static final String DEAD_LETTERS = "shop.dead-letters";

    private final Map<String, Object> configs = Map.of("schema.registry.url", "mock://processing-handler-" + UUID.randomUUID(),
            DeadLetterDeserializationHandler.TOPIC_CONFIG, DEAD_LETTERS,
            DeadLetterDeserializationHandler.MAX_PAYLOAD_BYTES_CONFIG, 4096);
    private final DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
    private final Record<String, String> record = new Record<>("image-1", "an event", 0L);
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
    void aServiceFaultFailsTheThreadAndDeadLettersNothing() {
        // given faults that are no record's, as the processor throws them (wrapped or not)
        List<Exception> faults = List.of(
                new BatchFailedException("a batch of 8 inputs failed", new IllegalStateException("tokenizer crashed")),
                new ServiceFaultException("the vision model failed on a known-good input", 5, Duration.ofSeconds(4), null),
                new StreamsException(new ProcessorStateException("Error while putting key into store image-embeddings")),
                new InvalidStateStoreException("store pending-captions is closed"));
        for (Exception fault : faults) {
            // when the handler sees it
            Response response = handler.handleError(context(), record, fault);

            // then the thread fails and the record is not dead-lettered
            assertThat(response.result()).as(fault.toString()).isEqualTo(Result.FAIL);
            assertThat(response.deadLetterQueueRecords()).as(fault.toString()).isEmpty();
        }
    }

    @Test
    void aRecordsOwnFaultIsDeadLetteredWithItsReason() {
        // given a record the keying stage rejects
        Response response = handler.handleError(context(), record,
                new RejectedRecordException(DeadLetterReason.INVALID_EVENT, "imageId is empty"));

        // then it is dead-lettered with that reason and the stream goes on
        assertThat(response.result()).isEqualTo(Result.RESUME);
        DeadLetter letter = letters.deserializer().deserialize(DEAD_LETTERS, response.deadLetterQueueRecords().get(0).value());
        assertThat(letter.getReason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
        assertThat(letter.getMessage()).isEqualTo("imageId is empty");
    }

    @Test
    void anUnexpectedErrorOnOneRecordIsDeadLetteredAsOtherSoThePartitionGoesOn() {
        // given a bug that this record's content triggers
        Response response = handler.handleError(context(), record, new IllegalArgumentException("index 9 out of bounds"));

        // then it is dead-lettered OTHER, naming the error
        assertThat(response.result()).isEqualTo(Result.RESUME);
        DeadLetter letter = letters.deserializer().deserialize(DEAD_LETTERS, response.deadLetterQueueRecords().get(0).value());
        assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OTHER);
        assertThat(letter.getMessage()).contains("index 9 out of bounds");
    }

    /** What Kafka Streams passes while a source record is processed. */
    private static ErrorHandlerContext context() {
        return HandlerContexts.at("alignstream.images", 0, 7L, "embed", "image-1".getBytes(StandardCharsets.UTF_8),
                "an event".getBytes(StandardCharsets.UTF_8));
    }
}
