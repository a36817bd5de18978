package io.alignstream.topology.embedding;

import io.alignstream.events.TensorDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Packs a float tensor into the bytes an {@code AlignVlmEmbedding} carries (little-endian). */
public final class TensorEncoding {
    private TensorEncoding() {
    }

    public static ByteBuffer encode(float[] values, TensorDType dtype) {
        ByteBuffer out = ByteBuffer.allocate(values.length * (dtype == TensorDType.FLOAT16_LE ? 2 : 4))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            if (dtype == TensorDType.FLOAT16_LE) {
                out.putShort(toHalf(value));
            } else {
                out.putFloat(value);
            }
        }
        return out.flip();
    }

    public static float[] decode(ByteBuffer bytes, TensorDType dtype) {
        ByteBuffer in = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[in.remaining() / (dtype == TensorDType.FLOAT16_LE ? 2 : 4)];
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype == TensorDType.FLOAT16_LE ? fromHalf(in.getShort()) : in.getFloat();
        }
        return out;
    }

    /** IEEE 754 binary16, round to nearest even; overflow to infinity, NaN kept (Java 17 lacks Float.floatToFloat16). */
    static short toHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            if (halfExponent < -10) {
                return (short) sign;
            }
            int full = mantissa | 0x800000;
            int shift = 14 - halfExponent;
            int half = full >> shift;
            int remainder = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (remainder > halfway || (remainder == halfway && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (halfExponent << 10) | (mantissa >> 13);
        int remainder = mantissa & 0x1fff;
        if (remainder > 0x1000 || (remainder == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is the correct rounding (up to infinity)
        }
        return (short) (sign | half);
    }

    static float fromHalf(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa / 16777216f; // mantissa * 2^-24
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
