package io.alignstream.topology.state;

import io.alignstream.runtime.heads.SparseCode;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The image table's value: what captions are joined with, computed once per image.
 *
 * @param fingerprint  of the image content (bytes or reference), to tell a re-sent image from a changed one
 * @param embedding    the vision tower's raw embedding
 * @param code         the TEVI sparse code of the embedding
 * @param eventTimeMs  the image event's time
 */
public record StoredImage(long fingerprint, float[] embedding, SparseCode code, long eventTimeMs) {
    private static final byte FORMAT = 1;

    public StoredImage {
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(code, "code");
    }

    public static Serde<StoredImage> serde() {
        return Serdes.serdeFrom((topic, image) -> image == null ? null : image.encode(),
                (topic, data) -> decode(data));
    }

    byte[] encode() {
        return BinaryFormat.encode(FORMAT, out -> {
            out.writeLong(fingerprint);
            BinaryFormat.writeFloats(out, embedding);
            BinaryFormat.writeInts(out, code.indices());
            BinaryFormat.writeFloats(out, code.values());
            out.writeLong(eventTimeMs);
        });
    }

    static StoredImage decode(byte[] data) {
        return BinaryFormat.decode(data, FORMAT, "stored image", in -> new StoredImage(in.readLong(),
                BinaryFormat.readFloats(in), new SparseCode(BinaryFormat.readInts(in), BinaryFormat.readFloats(in)),
                in.readLong()));
    }
}
