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
 * @param timestamp           the caption record's timestamp
 * @param heldSinceMs         wall-clock time it started waiting
 * @param heldAtStreamTimeMs  the task's stream time when it started waiting: what its grace in
 *                            stream time counts from
 */
public record PendingCaption(CaptionEvent caption, float[] captionEmbedding, SourceCoordinates source,
                             long timestamp, long heldSinceMs, long heldAtStreamTimeMs) {
    /** Format 1 had no stream time; such a caption counts its stream-time grace from its record timestamp. */
    private static final byte FORMAT_WITHOUT_STREAM_TIME = 1;
    private static final byte FORMAT = 2;
    private static final EventCodec<CaptionEvent> CAPTIONS = new EventCodec<>(CaptionEvent.class);

    public PendingCaption {
        Objects.requireNonNull(caption, "caption");
        Objects.requireNonNull(captionEmbedding, "captionEmbedding");
        Objects.requireNonNull(source, "source");
    }

    public static Serde<PendingCaption> serde() {
        return Serdes.serdeFrom((topic, pending) -> pending == null ? null : pending.encode(),
                (topic, data) -> decode(data));
    }

    byte[] encode() {
        return BinaryFormat.encode(FORMAT, out -> {
            BinaryFormat.writeBytes(out, CAPTIONS.encode(caption));
            BinaryFormat.writeFloats(out, captionEmbedding);
            BufferedInput.writeSource(out, source);
            out.writeLong(timestamp);
            out.writeLong(heldSinceMs);
            out.writeLong(heldAtStreamTimeMs);
        });
    }

    static PendingCaption decode(byte[] data) {
        if (data != null && data.length > 0 && data[0] == FORMAT_WITHOUT_STREAM_TIME) {
            // Written before the grace ran on stream time (restored from an older changelog).
            return BinaryFormat.decode(data, FORMAT_WITHOUT_STREAM_TIME, "pending caption", in -> {
                CaptionEvent caption = CAPTIONS.decode(BinaryFormat.readBytes(in));
                float[] embedding = BinaryFormat.readFloats(in);
                SourceCoordinates source = BufferedInput.readSource(in);
                long timestamp = in.readLong();
                return new PendingCaption(caption, embedding, source, timestamp, in.readLong(), timestamp);
            });
        }
        return BinaryFormat.decode(data, FORMAT, "pending caption", in -> new PendingCaption(
                CAPTIONS.decode(BinaryFormat.readBytes(in)), BinaryFormat.readFloats(in),
                BufferedInput.readSource(in), in.readLong(), in.readLong(), in.readLong()));
    }
}
