package io.alignstream.runtime.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One constant tensor of an ONNX graph ({@code TensorProto}): name, element type, dims, and its
 * values, which are decoded only when asked for (the file's bytes are viewed, not copied).
 */
public final class Initializer {

    /** ONNX {@code TensorProto.DataType} codes the runtime meets. */
    public static final int FLOAT = 1;
    public static final int INT64 = 7;

    private static final int DIMS = 1;
    private static final int DATA_TYPE = 2;
    private static final int FLOAT_DATA = 4;
    private static final int INT64_DATA = 7;
    private static final int NAME = 8;
    private static final int RAW_DATA = 9;
    private static final int EXTERNAL_DATA = 13;

    private final String name;
    private final int dataType;
    private final long[] dims;
    private final ProtobufReader.Slice raw;
    private final List<ProtobufReader.Slice> packedFloats;
    private final float[] unpackedFloats;
    private final long[] int64Data;
    private final boolean external;

    private Initializer(String name, int dataType, long[] dims, ProtobufReader.Slice raw,
                        List<ProtobufReader.Slice> packedFloats, float[] unpackedFloats, long[] int64Data,
                        boolean external) {
        this.name = name;
        this.dataType = dataType;
        this.dims = dims;
        this.raw = raw;
        this.packedFloats = packedFloats;
        this.unpackedFloats = unpackedFloats;
        this.int64Data = int64Data;
        this.external = external;
    }

    static Initializer parse(ProtobufReader reader) {
        String name = "";
        int dataType = 0;
        List<Long> dims = new ArrayList<>();
        ProtobufReader.Slice raw = null;
        List<ProtobufReader.Slice> packed = new ArrayList<>();
        List<Float> unpacked = new ArrayList<>();
        List<Long> int64 = new ArrayList<>();
        boolean external = false;
        while (reader.next()) {
            int field = reader.fieldNumber();
            int wire = reader.wireType();
            if (field == DIMS && wire == ProtobufReader.VARINT) {
                dims.add(reader.readVarint());
            } else if (field == DIMS && wire == ProtobufReader.LENGTH_DELIMITED) {
                ProtobufReader packedDims = reader.readMessage();
                // Packed repeated varints carry no tags: read values until the field ends.
                while (packedDims.hasRemaining()) {
                    dims.add(packedDims.readVarint());
                }
            } else if (field == DATA_TYPE && wire == ProtobufReader.VARINT) {
                dataType = (int) reader.readVarint();
            } else if (field == FLOAT_DATA && wire == ProtobufReader.LENGTH_DELIMITED) {
                packed.add(reader.readSlice());
            } else if (field == FLOAT_DATA && wire == ProtobufReader.FIXED32) {
                unpacked.add(Float.intBitsToFloat(reader.readFixed32()));
            } else if (field == INT64_DATA && wire == ProtobufReader.VARINT) {
                int64.add(reader.readVarint());
            } else if (field == INT64_DATA && wire == ProtobufReader.LENGTH_DELIMITED) {
                ProtobufReader packedLongs = reader.readMessage();
                while (packedLongs.hasRemaining()) {
                    int64.add(packedLongs.readVarint());
                }
            } else if (field == NAME && wire == ProtobufReader.LENGTH_DELIMITED) {
                name = reader.readString();
            } else if (field == RAW_DATA && wire == ProtobufReader.LENGTH_DELIMITED) {
                raw = reader.readSlice();
            } else if (field == EXTERNAL_DATA) {
                external = true;
                reader.skip();
            } else {
                reader.skip();
            }
        }
        float[] loose = new float[unpacked.size()];
        for (int i = 0; i < loose.length; i++) {
            loose[i] = unpacked.get(i);
        }
        return new Initializer(name, dataType, dims.stream().mapToLong(Long::longValue).toArray(), raw,
                List.copyOf(packed), loose, int64.stream().mapToLong(Long::longValue).toArray(), external);
    }

    public String name() {
        return name;
    }

    public int dataType() {
        return dataType;
    }

    public long[] dims() {
        return dims.clone();
    }

    public long elementCount() {
        return Arrays.stream(dims).reduce(1, Math::multiplyExact);
    }

    /**
     * The values of a float tensor, row-major in {@link #dims()} order.
     *
     * @throws OnnxFormatException if the tensor is not float32, is stored outside the file, or
     *                             holds a different number of values than its dims say
     */
    public float[] floats() {
        if (dataType != FLOAT) {
            throw new OnnxFormatException(name + ": data_type " + dataType + " is not FLOAT (1)");
        }
        if (external) {
            throw new OnnxFormatException(name + ": stored in an external data file, which is not supported");
        }
        long count = elementCount();
        if (count > Integer.MAX_VALUE) {
            throw new OnnxFormatException(name + ": " + count + " values do not fit one array");
        }
        float[] values = new float[(int) count];
        int filled;
        if (raw != null) {
            filled = copyLittleEndian(raw, values, 0);
        } else if (!packedFloats.isEmpty()) {
            filled = 0;
            for (ProtobufReader.Slice slice : packedFloats) {
                filled = copyLittleEndian(slice, values, filled);
            }
        } else {
            filled = Math.min(unpackedFloats.length, values.length);
            System.arraycopy(unpackedFloats, 0, values, 0, filled);
            filled = unpackedFloats.length;
        }
        if (filled != count) {
            throw new OnnxFormatException(name + ": dims " + Arrays.toString(dims) + " need " + count
                    + " floats but the tensor holds " + filled);
        }
        return values;
    }

    /** The values of an int64 tensor (raw little-endian bytes or int64_data). */
    public long[] longs() {
        if (dataType != INT64) {
            throw new OnnxFormatException(name + ": data_type " + dataType + " is not INT64 (7)");
        }
        if (raw == null) {
            return int64Data.clone();
        }
        if (raw.length() % Long.BYTES != 0) {
            throw new OnnxFormatException(name + ": " + raw.length() + " data bytes is not a whole number of int64s");
        }
        long[] values = new long[raw.length() / Long.BYTES];
        ByteBuffer.wrap(raw.buffer(), raw.offset(), raw.length()).order(ByteOrder.LITTLE_ENDIAN)
                .asLongBuffer().get(values);
        return values;
    }

    private int copyLittleEndian(ProtobufReader.Slice slice, float[] into, int from) {
        if (slice.length() % Float.BYTES != 0) {
            throw new OnnxFormatException(name + ": " + slice.length() + " data bytes is not a whole number of floats");
        }
        int count = slice.length() / Float.BYTES;
        if (from + count > into.length) {
            return from + count;    // reported as a size mismatch by the caller
        }
        ByteBuffer.wrap(slice.buffer(), slice.offset(), slice.length()).order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer().get(into, from, count);
        return from + count;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(dims);
    }
}
