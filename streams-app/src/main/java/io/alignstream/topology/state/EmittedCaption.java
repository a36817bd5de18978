package io.alignstream.topology.state;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What is kept of a published (image, caption) pair: enough to tell a re-sent caption (same
 * text: skipped) from a corrected one, and when to forget it.
 *
 * @param textFingerprint {@link Fingerprints#of(String)} of the caption text that was published
 * @param eventTimeMs     the caption event's time, which retention counts from; {@link #UNKNOWN_TIME}
 *                        for an entry written before event times were kept
 */
public record EmittedCaption(long textFingerprint, long eventTimeMs) {
    private static final byte FORMAT = 1;
    /** The first store format held only the fingerprint, as Kafka's 8-byte long, with no format byte. */
    private static final int LEGACY_LENGTH = Long.BYTES;
    public static final long UNKNOWN_TIME = Long.MIN_VALUE;

    public static Serde<EmittedCaption> serde() {
        return Serdes.serdeFrom((topic, emitted) -> emitted == null ? null : emitted.encode(),
                (topic, data) -> decode(data));
    }

    byte[] encode() {
        return BinaryFormat.encode(FORMAT, out -> {
            out.writeLong(textFingerprint);
            out.writeLong(eventTimeMs);
        });
    }

    static EmittedCaption decode(byte[] data) {
        if (data != null && data.length == LEGACY_LENGTH) {
            return new EmittedCaption(Serdes.Long().deserializer().deserialize(null, data), UNKNOWN_TIME);
        }
        return BinaryFormat.decode(data, FORMAT, "emitted caption", in -> new EmittedCaption(in.readLong(), in.readLong()));
    }
}
