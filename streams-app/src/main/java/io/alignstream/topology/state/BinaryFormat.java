package io.alignstream.topology.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The primitives alignstream's internal encodings (state stores, the monitor's topic) are
 * written with: a format byte, then length-prefixed arrays over Data streams.
 */
public final class BinaryFormat {
    private BinaryFormat() {
    }

    public interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    public interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    public static byte[] encode(byte format, Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(format);
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static <T> T decode(byte[] data, byte format, String what, Reader<T> reader) {
        if (data == null) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte found = in.readByte();
            if (found != format) {
                throw new SerializationException(what + ": unknown format " + found + " (expected " + format + ")");
            }
            return reader.read(in);
        } catch (IOException e) {
            throw new SerializationException(what + ": truncated or corrupt state record", e);
        }
    }

    // Arrays go through one big-endian ByteBuffer each, byte for byte what DataOutputStream's
    // writeFloat/writeInt wrote (stores written before stay readable): reading 384 floats one
    // readFloat at a time was four synchronized ByteArrayInputStream.read() calls per float, the
    // stream thread's largest cost outside the models (docs/performance.md).

    public static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES);
        buffer.asFloatBuffer().put(values);
        out.write(buffer.array());
    }

    public static float[] readFloats(DataInputStream in) throws IOException {
        float[] values = new float[checkedLength(in.readInt(), Float.BYTES)];
        ByteBuffer.wrap(readFully(in, values.length * Float.BYTES)).asFloatBuffer().get(values);
        return values;
    }

    public static void writeInts(DataOutputStream out, int[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Integer.BYTES);
        buffer.asIntBuffer().put(values);
        out.write(buffer.array());
    }

    public static int[] readInts(DataInputStream in) throws IOException {
        int[] values = new int[checkedLength(in.readInt(), Integer.BYTES)];
        ByteBuffer.wrap(readFully(in, values.length * Integer.BYTES)).asIntBuffer().get(values);
        return values;
    }

    private static byte[] readFully(DataInputStream in, int length) throws IOException {
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    /** Bytes that may be absent: length -1 for null. */
    public static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(value.length);
        out.write(value);
    }

    public static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        byte[] value = new byte[checkedLength(length)];
        in.readFully(value);
        return value;
    }

    private static int checkedLength(int length) throws IOException {
        return checkedLength(length, 1);
    }

    /** A length read from the data, refused when its array would exceed 256 MiB (corrupt data). */
    private static int checkedLength(int length, int bytesPerElement) throws IOException {
        if (length < 0 || length > (1 << 28) / bytesPerElement) {
            throw new IOException("implausible length " + length);
        }
        return length;
    }
}
