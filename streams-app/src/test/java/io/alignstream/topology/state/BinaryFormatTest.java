package io.alignstream.topology.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.world.SceneRenderer;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The state stores' array encoding: fast, and byte for byte what earlier versions wrote. */
class BinaryFormatTest {
    private static final byte FORMAT = 7;

    @Test
    void arraysReadBackExactlyAndAreWrittenAsDataOutputStreamWroteThem() throws IOException {
        // given values from the synthetic world: a scene's rendered pixels as floats, and their bit patterns as ints
        float[] floats = pixels();
        int[] ints = toIntArray(floats);

        // when they are encoded
        byte[] encoded = BinaryFormat.encode(FORMAT, out -> {
            BinaryFormat.writeFloats(out, floats);
            BinaryFormat.writeInts(out, ints);
        });

        // then the bytes are those of DataOutputStream's writeInt/writeFloat (stored state stays readable)
        ByteArrayOutputStream legacy = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(legacy)) {
            out.writeByte(FORMAT);
            out.writeInt(floats.length);
            for (float v : floats) {
                out.writeFloat(v);
            }
            out.writeInt(ints.length);
            for (int v : ints) {
                out.writeInt(v);
            }
        }
        assertThat(encoded).isEqualTo(legacy.toByteArray());

        // and they read back exactly
        float[][] floatsBack = new float[1][];
        int[] intsBack = BinaryFormat.decode(encoded, FORMAT, "test", in -> {
            floatsBack[0] = BinaryFormat.readFloats(in);
            return BinaryFormat.readInts(in);
        });
        assertThat(floatsBack[0]).containsExactly(floats);
        assertThat(intsBack).containsExactly(ints);
    }

    @Test
    void aTruncatedArrayIsACorruptRecordNotAShortOne() {
        // given an encoded array missing its last byte
        byte[] encoded = BinaryFormat.encode(FORMAT, out -> BinaryFormat.writeFloats(out, pixels()));
        byte[] truncated = Arrays.copyOf(encoded, encoded.length - 1);

        // then reading it fails as a corrupt state record
        assertThatThrownBy(() -> BinaryFormat.decode(truncated, FORMAT, "test", BinaryFormat::readFloats))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated or corrupt");
    }

    /** A synthetic scene's rendered RGB bytes, scaled to [0, 1]. */
    private static float[] pixels() {
        byte[] rgb = new SceneRenderer().render(new SyntheticWorld(11).scene(Split.TEST, 0)).pixels();
        float[] values = new float[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            values[i] = (rgb[i] & 0xff) / 255f;
        }
        return values;
    }

    private static int[] toIntArray(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
