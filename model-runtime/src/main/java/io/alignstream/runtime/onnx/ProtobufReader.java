package io.alignstream.runtime.onnx;

import java.nio.charset.StandardCharsets;

/**
 * A cursor over protocol buffer wire format (varint, 64-bit, length-delimited, 32-bit fields).
 * Just enough to walk an ONNX file without a protobuf dependency or generated classes; every
 * read is bounds-checked so a truncated or corrupt file is an {@link OnnxFormatException}, not
 * an index error deep inside the runtime.
 */
final class ProtobufReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] buffer;
    private final int end;
    private int position;
    private int tag;

    ProtobufReader(byte[] buffer, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buffer.length) {
            throw new OnnxFormatException("slice " + offset + "+" + length + " outside " + buffer.length + " bytes");
        }
        this.buffer = buffer;
        this.position = offset;
        this.end = offset + length;
    }

    /** Advances to the next field; false at the end of this message. */
    boolean next() {
        if (position >= end) {
            return false;
        }
        long key = readVarint();
        tag = (int) key;
        if (fieldNumber() == 0) {
            throw new OnnxFormatException("field number 0 at byte " + position);
        }
        return true;
    }

    /** True while bytes remain (for packed repeated fields, which have no tags inside). */
    boolean hasRemaining() {
        return position < end;
    }

    int fieldNumber() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            require(1);
            byte b = buffer[position++];
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new OnnxFormatException("varint longer than 10 bytes at byte " + position);
    }

    /** The current length-delimited field as a nested reader; the cursor moves past it. */
    ProtobufReader readMessage() {
        int length = readLength();
        ProtobufReader nested = new ProtobufReader(buffer, position, length);
        position += length;
        return nested;
    }

    String readString() {
        int length = readLength();
        String value = new String(buffer, position, length, StandardCharsets.UTF_8);
        position += length;
        return value;
    }

    /** Offset and length of the current length-delimited field's bytes, without copying. */
    Slice readSlice() {
        int length = readLength();
        Slice slice = new Slice(buffer, position, length);
        position += length;
        return slice;
    }

    int readFixed32() {
        require(4);
        int value = (buffer[position] & 0xFF) | (buffer[position + 1] & 0xFF) << 8
                | (buffer[position + 2] & 0xFF) << 16 | (buffer[position + 3] & 0xFF) << 24;
        position += 4;
        return value;
    }

    void skip() {
        switch (wireType()) {
            case VARINT -> readVarint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> advance(readLength());
            case FIXED32 -> advance(4);
            default -> throw new OnnxFormatException("unsupported wire type " + wireType()
                    + " for field " + fieldNumber() + " at byte " + position);
        }
    }

    private int readLength() {
        long length = readVarint();
        if (length < 0 || length > end - position) {
            throw new OnnxFormatException("field " + fieldNumber() + " declares " + length
                    + " bytes but only " + (end - position) + " remain");
        }
        return (int) length;
    }

    private void advance(int bytes) {
        require(bytes);
        position += bytes;
    }

    private void require(int bytes) {
        if (end - position < bytes) {
            throw new OnnxFormatException("truncated: need " + bytes + " bytes at byte " + position);
        }
    }

    /** A view of bytes inside the file. */
    record Slice(byte[] buffer, int offset, int length) {
        ProtobufReader reader() {
            return new ProtobufReader(buffer, offset, length);
        }
    }
}
