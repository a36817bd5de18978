package io.alignstream.topology.state;

import io.alignstream.deadletter.SourceCoordinates;
import io.alignstream.events.CaptionEvent;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A caption that arrived before its image, with its embedding already computed, held until the
 * image comes or the grace period ends.
 *
 * @param captionEmbedding the caption's MiniLM embedding (sub-caption rule applied)
 * @param timestamp        the caption record's timestamp
 * @param heldSinceMs      wall-clock time it started waiting
 */
public record PendingCaption(CaptionEvent caption, float[] captionEmbedding, SourceCoordinates source,
                             long timestamp, long heldSinceMs) {
    private static final byte FORMAT = 1;
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
        });
    }

    static PendingCaption decode(byte[] data) {
        return BinaryFormat.decode(data, FORMAT, "pending caption", in -> new PendingCaption(
                CAPTIONS.decode(BinaryFormat.readBytes(in)), BinaryFormat.readFloats(in),
                BufferedInput.readSource(in), in.readLong(), in.readLong()));
    }
}
