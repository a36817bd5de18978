package io.alignstream.topology.keying;

import io.alignstream.deadletter.RejectedRecordException;
import io.alignstream.deadletter.SourceCoordinates;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.metrics.PipelineMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Counts an input event, validates it with its {@link EventRules}, and forwards it keyed by its
 * image id with its original coordinates in headers. A rejected event is thrown to Kafka's
 * processing exception handler, which dead-letters the exact bytes that were read. So is an
 * event too large to write to the re-keying topic (OVER_LIMIT): a producer may send it
 * compressed, but the service's producer would refuse it, and under exactly-once that failure
 * would abort and re-read the same record for ever.
 */
public final class InputKeyer<V> implements Processor<byte[], V, String, V> {
    /**
     * Room left under {@code max.request.size} for what the producer adds around key, value and
     * headers: the record batch header (61 bytes) and the record's varint fields.
     */
    public static final int FRAMING_BYTES = 1024;
    /** The Confluent wire format's magic byte and schema id before the Avro body. */
    static final int WIRE_PREFIX_BYTES = 5;

    private final EventRules<V> rules;
    private final PipelineMetrics metrics;
    private final long maxWritableBytes;
    private ProcessorContext<String, V> context;
    private SpecificDatumWriter<Object> writer;
    private Schema writerSchema;

    /**
     * @param maxRecordBytes the producer's {@code max.request.size}; an event whose re-keyed record
     *                       (key, value as written, headers) would not fit in it, less
     *                       {@link #FRAMING_BYTES}, is dead-lettered here
     */
    public InputKeyer(EventRules<V> rules, PipelineMetrics metrics, int maxRecordBytes) {
        this.rules = rules;
        this.metrics = metrics;
        this.maxWritableBytes = (long) maxRecordBytes - FRAMING_BYTES;
    }

    @Override
    public void init(ProcessorContext<String, V> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], V> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow(
                () -> new IllegalStateException("an input keyer must be fed by a source topic"));
        metrics.eventIn(source.topic());
        // A null value is a tombstone: it carries its image id in the key (images) or is refused (captions).
        String imageId = record.value() == null ? rules.imageIdOfTombstone(record.key()) : rules.imageIdOf(record.value());
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        new SourceCoordinates(source.topic(), source.partition(), source.offset(), record.key()).writeTo(headers);
        long size = imageId.getBytes(StandardCharsets.UTF_8).length + headerBytes(headers)
                + WIRE_PREFIX_BYTES + valueBytes(record.value());
        if (size > maxWritableBytes) {
            throw new RejectedRecordException(DeadLetterReason.OVER_LIMIT, "the event re-keyed by image id "
                    + "is " + size + " bytes (key, value as written, headers); the service writes at most "
                    + maxWritableBytes + " (producer max.request.size " + (maxWritableBytes + FRAMING_BYTES)
                    + " less " + FRAMING_BYTES + " for framing)");
        }
        context.forward(record.withKey(imageId).withHeaders(headers));
    }

    private static long headerBytes(Headers headers) {
        long bytes = 0;
        for (Header header : headers) {
            bytes += header.key().getBytes(StandardCharsets.UTF_8).length + (header.value() == null ? 0 : header.value().length);
        }
        return bytes;
    }

    /**
     * The Avro body's length, counted without keeping the bytes (the event is already in memory;
     * this adds no copy of it).
     */
    private long valueBytes(V value) {
        if (!(value instanceof SpecificRecord specific)) {
            return 0;
        }
        if (writer == null || writerSchema != specific.getSchema()) {
            writerSchema = specific.getSchema();
            writer = new SpecificDatumWriter<>(writerSchema);
        }
        CountingSink sink = new CountingSink();
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(sink, null);
            writer.write(specific, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.count;
    }

    /** Counts what is written and discards it. */
    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
