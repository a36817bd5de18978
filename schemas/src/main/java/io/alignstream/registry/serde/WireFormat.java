package io.alignstream.registry.serde;

import java.nio.ByteBuffer;

/**
 * Confluent's wire format: one magic byte {@code 0}, the schema id as 4 bytes big-endian, then the
 * Avro binary encoding of the datum. Consumers of any Confluent-compatible client can read what
 * we write, and the other way round.
 */
public final class WireFormat {

    public static final byte MAGIC_BYTE = 0x0;
    public static final int ID_SIZE = 4;
    /** Bytes before the Avro payload. */
    public static final int HEADER_SIZE = 1 + ID_SIZE;

    private WireFormat() {
    }

    /** The 5 header bytes for {@code schemaId}. */
    public static byte[] header(int schemaId) {
        return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(schemaId).array();
    }

    /**
     * The schema id of a payload, checking that it is in the wire format.
     *
     * @param topic for the error message only
     * @throws PayloadTooShortException  when there are fewer than {@link #HEADER_SIZE} bytes
     * @throws UnknownMagicByteException when the first byte is not {@link #MAGIC_BYTE}
     */
    public static int schemaId(byte[] payload, String topic) {
        if (payload.length > 0 && payload[0] != MAGIC_BYTE) {
            throw new UnknownMagicByteException(payload, topic);
        }
        if (payload.length < HEADER_SIZE) {
            throw new PayloadTooShortException(payload.length, topic);
        }
        return ByteBuffer.wrap(payload, 1, ID_SIZE).getInt();
    }

    /** Up to the first {@code max} bytes as hex, for error messages. */
    static String hexPrefix(byte[] payload, int max) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(max, payload.length); i++) {
            text.append(i == 0 ? "" : " ").append(String.format("%02x", payload[i] & 0xff));
        }
        return payload.length > max ? text + " ..." : text.toString();
    }
}
