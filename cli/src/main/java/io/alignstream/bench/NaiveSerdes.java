package io.alignstream.bench;

import io.alignstream.events.CaptionEvent;
import io.alignstream.topology.embedding.EmbeddedCaption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** The baseline's intermediate values and their plain binary serdes (for its repartition and join topics). */
final class NaiveSerdes {
    private NaiveSerdes() {
    }

    /** An image's raw embedding and event time: what its captions' TEVI calls need. */
    record ImageVector(float[] embedding, long eventTimeMs) { }

    /** A caption, its embedding and its sub-caption count (what its TEVI record says of its length). */
    record CaptionVector(CaptionEvent caption, float[] embedding, int subCaptions) {
        EmbeddedCaption embedded() {
            return new EmbeddedCaption(embedding, subCaptions);
        }
    }

    static Serde<ImageVector> imageVector() {
        return Serdes.serdeFrom((topic, v) -> {
            ByteBuffer out = ByteBuffer.allocate(8 + 4 + 4 * v.embedding().length);
            out.putLong(v.eventTimeMs());
            putFloats(out, v.embedding());
            return out.array();
        }, (topic, bytes) -> {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            long time = in.getLong();
            return new ImageVector(getFloats(in), time);
        });
    }

    static Serde<CaptionVector> captionVector() {
        return Serdes.serdeFrom((topic, v) -> {
            ByteBuffer caption;
            try {
                caption = v.caption().toByteBuffer();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ByteBuffer out = ByteBuffer.allocate(4 + caption.remaining() + 4 + 4 * v.embedding().length + 4);
            out.putInt(caption.remaining()).put(caption);
            putFloats(out, v.embedding());
            out.putInt(v.subCaptions());
            return out.array();
        }, (topic, bytes) -> {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int length = in.getInt();
            ByteBuffer caption = in.slice(in.position(), length);
            in.position(in.position() + length);
            try {
                return new CaptionVector(CaptionEvent.fromByteBuffer(caption), getFloats(in), in.getInt());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static void putFloats(ByteBuffer out, float[] values) {
        out.putInt(values.length);
        for (float value : values) {
            out.putFloat(value);
        }
    }

    private static float[] getFloats(ByteBuffer in) {
        float[] values = new float[in.getInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.getFloat();
        }
        return values;
    }
}
