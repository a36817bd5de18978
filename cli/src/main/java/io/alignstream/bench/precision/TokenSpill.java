package io.alignstream.bench.precision;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The fp32 pass's patch tokens and projected tokens, written to a temporary file batch by batch
 * and read back in the same order by the int8 pass: the two runtimes are open one after the
 * other, and both arrays over all images would not fit comfortably in memory (2,000 images of
 * the default bundle: 65 MB of patch tokens, 197 MB of projected tokens; a real tower's are far
 * larger).
 */
final class TokenSpill implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;

    TokenSpill() {
        try {
            this.file = Files.createTempFile("alignstream-precision-", ".f32");
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends rows in order. */
    void write(List<float[]> rows) {
        try {
            for (float[] row : rows) {
                ByteBuffer bytes = ByteBuffer.allocate(row.length * Float.BYTES).order(ByteOrder.nativeOrder());
                bytes.asFloatBuffer().put(row);
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts reading from the beginning. */
    void rewind() {
        try {
            channel.force(false);
            channel.position(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next row, as long as the given one (rows are read in the order they were written). */
    float[] read(int length) {
        try {
            ByteBuffer bytes = ByteBuffer.allocate(length * Float.BYTES).order(ByteOrder.nativeOrder());
            while (bytes.hasRemaining()) {
                if (channel.read(bytes) < 0) {
                    throw new IOException("the spilled fp32 tokens end early: the passes saw different images");
                }
            }
            bytes.flip();
            float[] row = new float[length];
            bytes.asFloatBuffer().get(row);
            return row;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
