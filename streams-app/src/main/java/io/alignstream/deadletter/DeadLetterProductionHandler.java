package io.alignstream.deadletter;

import io.alignstream.events.DeadLetterReason;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record the producer or the broker refuses as too large ({@link RecordTooLargeException},
 * {@link RecordBatchTooLargeException}) is the input's fault: it becomes an {@code OVER_LIMIT}
 * dead letter (payload cut to a prefix, the refused size in the message, the source coordinates
 * from the record's headers) and the stream goes on. Every other production error is not the
 * input's fault and fails as Kafka's default handler does.
 *
 * <p>Under exactly-once the producer also marks the transaction abortable for such an error, so
 * Kafka Streams aborts and re-reads the input; the keying stage's size check (docs/dead-letters.md,
 * "Size limits") is what keeps an oversized input from reaching the producer there.
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    private DeadLetterEncoder encoder;

    @Override
    public void configure(Map<String, ?> configs) {
        encoder = DeadLetterEncoder.configure(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        // The refusal itself, not a later error caused by it: a send after it fails with "the
        // transactional producer is in an error state" caused by the same RecordTooLargeException,
        // and that record (say, our dead letter) was not too large.
        if (!(exception instanceof RecordTooLargeException) && !(exception instanceof RecordBatchTooLargeException)) {
            log.error("cannot write to {}: not a fault of the record; failing the stream thread", record.topic(), exception);
            return Response.fail();
        }
        SourceCoordinates source = sourceOf(context, record);
        int size = sizeOf(record);
        boolean isDeadLetter = record.topic().equals(encoder.topic());
        String message = "a record of " + size + " bytes (key, value and headers) written to " + record.topic()
                + " was refused as too large: " + DeadLetters.describe(exception);
        // A dead letter refused as too large must not come back as the same dead letter: the
        // second one keeps neither payload nor key, so it always fits.
        byte[] payload = isDeadLetter ? null : record.value();
        if (isDeadLetter) {
            message = "the dead letter itself was too large and is written without payload or key; " + message;
            source = new SourceCoordinates(source.topic(), source.partition(), source.offset(), null);
        }
        log.warn("dead-lettering {} (OVER_LIMIT): {}", source, message);
        return Response.resume(encoder.encode(source, DeadLetterReason.OVER_LIMIT, message, payload));
    }

    /** The record's own coordinates headers, else the current input's, else the refused topic with no offset. */
    private static SourceCoordinates sourceOf(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record) {
        SourceCoordinates fallback = context != null && context.topic() != null
                ? new SourceCoordinates(context.topic(), context.partition(), context.offset(), context.sourceRawKey())
                : new SourceCoordinates(record.topic(), record.partition() == null ? -1 : record.partition(), -1L, record.key());
        if (context != null && context.headers() != null) {
            fallback = SourceCoordinates.readFrom(context.headers(), fallback);
        }
        return record.headers() == null ? fallback : SourceCoordinates.readFrom(record.headers(), fallback);
    }

    private static int sizeOf(ProducerRecord<byte[], byte[]> record) {
        long size = (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        Headers headers = record.headers();
        if (headers != null) {
            for (var header : headers) {
                size += header.key().length() + (header.value() == null ? 0 : header.value().length);
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }
}
