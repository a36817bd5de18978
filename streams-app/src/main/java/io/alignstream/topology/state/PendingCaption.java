package io.alignstream.topology.state;

import io.alignstream.deadletter.SourceCoordinates;
import io.alignstream.events.CaptionEvent;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A caption that arrived before its image, with its embedding already computed, held until the
 * image comes or the grace period ends (on either of two clocks: docs/topology.md, "Captions
 * before images").
 *
 * @param captionEmbedding    the caption's MiniLM embedding (sub-caption rule applied)
 * @param subCaptions         how many sub-captions it was embedded as (what makes it short or long);
 *                            0 for a caption held by a version that did not keep the count (format 1 or 2)
 * @param timestamp           the caption record's timestamp
 * @param heldSinceMs         wall-clock time it started waiting
 * @param heldAtStreamTimeMs  the task's stream time when it started waiting: what its grace in
 *                            stream time counts from
 */
public record PendingCaption(CaptionEvent caption, float[] captionEmbedding, int subCaptions, SourceCoordinates source,
                             long timestamp, long heldSinceMs, long heldAtStreamTimeMs) {
    /** Format 1 had no stream time; such a caption counts its stream-time grace from its record timestamp. */
    private static final byte FORMAT_WITHOUT_STREAM_TIME = 1;
    /** Format 2 had no sub-caption count; such a caption's is 0 (unknown) and recounted from its text when it pairs. */
    private static final byte FORMAT_WITHOUT_SUB_CAPTIONS = 2;
    private static final byte FORMAT = 3;
    private static final EventCodec<CaptionEvent> CAPTIONS = new EventCodec<>(CaptionEvent.class);

    public PendingCaption {
        Objects.requireNonNull(caption, "caption");
        Objects.requireNonNull(captionEmbedding, "captionEmbedding");
        Objects.requireNonNull(source, "source");
        if (subCaptions < 0) {
            throw new IllegalArgumentException("subCaptions must not be negative: " + subCaptions);
        }
    }

    public static Serde<PendingCaption> serde() {
        return Serdes.serdeFrom((topic, pending) -> pending == null ? null : pending.encode(),
                (topic, data) -> decode(data));
    }

    byte[] encode() {
        return BinaryFormat.encode(FORMAT, out -> {
            BinaryFormat.writeBytes(out, CAPTIONS.encode(caption));
            BinaryFormat.writeFloats(out, captionEmbedding);
            out.writeInt(subCaptions);
            BufferedInput.writeSource(out, source);
            out.writeLong(timestamp);
            out.writeLong(heldSinceMs);
            out.writeLong(heldAtStreamTimeMs);
        });
    }

    static PendingCaption decode(byte[] data) {
        // Changelogs written by older versions hold older formats: 1 had no stream time (its grace
        // counts from the record timestamp), 2 no sub-caption count (0: recounted from the text when
        // it pairs). One reader, each field read where its format has it.
        byte format = data != null && data.length > 0 && data[0] >= FORMAT_WITHOUT_STREAM_TIME && data[0] < FORMAT
                ? data[0] : FORMAT;
        return BinaryFormat.decode(data, format, "pending caption", in -> {
            CaptionEvent caption = CAPTIONS.decode(BinaryFormat.readBytes(in));
            float[] embedding = BinaryFormat.readFloats(in);
            int subCaptions = format > FORMAT_WITHOUT_SUB_CAPTIONS ? in.readInt() : 0;
            SourceCoordinates source = BufferedInput.readSource(in);
            long timestamp = in.readLong();
            long heldSinceMs = in.readLong();
            long heldAtStreamTimeMs = format > FORMAT_WITHOUT_STREAM_TIME ? in.readLong() : timestamp;
            return new PendingCaption(caption, embedding, subCaptions, source, timestamp, heldSinceMs, heldAtStreamTimeMs);
        });
    }
}
