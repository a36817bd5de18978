package io.alignstream.bench.runtime;

import ai.djl.Model;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Measures what this machine's matrix multiply delivers through the same engine the model uses:
 * ONNX Runtime, via DJL, with the same thread settings. The model is one {@code MatMul} node
 * written here in ONNX's protobuf encoding (no protobuf library needed for five messages), so
 * the benchmark can state what fraction of that throughput the vision tower reaches.
 */
public final class MatmulProbe implements AutoCloseable {
    private final Model model;
    private final Predictor<NDList, NDList> predictor;

    public MatmulProbe(Map<String, ?> loadOptions) {
        model = Model.newInstance("matmul-probe", "OnnxRuntime");
        try {
            model.load(new ByteArrayInputStream(matmulModel()), loadOptions);
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException(e);
        } catch (MalformedModelException e) {
            model.close();
            throw new IllegalStateException("ONNX Runtime refused the MatMul probe model", e);
        }
        predictor = model.newPredictor(new NoopTranslator());
    }

    /** C = A x B for row-major float matrices. */
    public float[] multiply(float[] a, float[] b, int m, int k, int n) {
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray left = scope.create(a, new Shape(m, k));
            left.setName("a");
            NDArray right = scope.create(b, new Shape(k, n));
            right.setName("b");
            NDList out = predictor.predict(new NDList(left, right));
            float[] c = out.get(0).toFloatArray();
            out.close();
            return c;
        } catch (TranslateException e) {
            throw new IllegalStateException("MatMul probe failed", e);
        }
    }

    /**
     * Best-of GFLOP/s (2 m n k per product) of a square {@code size} multiply, repeated for
     * about {@code seconds}; inputs stay in Java arrays as a model's inputs do, so the copy in and
     * out is counted, as it is for the model.
     */
    public double measureGflops(int size, double seconds) {
        SplittableRandom random = new SplittableRandom(17);
        float[] a = new float[size * size];
        float[] b = new float[size * size];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble(-1, 1);
            b[i] = (float) random.nextDouble(-1, 1);
        }
        multiply(a, b, size, size, size); // warm-up: session and allocator
        double best = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            long start = System.nanoTime();
            multiply(a, b, size, size, size);
            double elapsed = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, 2.0 * size * size * size / elapsed / 1e9);
        } while (System.nanoTime() < end);
        return best;
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }

    /** ONNX ModelProto: graph(a[M,K], b[K,N]) -> MatMul -> c[M,N], opset 17, float32. */
    static byte[] matmulModel() {
        byte[] node = new Proto().string(1, "a").string(1, "b").string(2, "c").string(3, "matmul")
                .string(4, "MatMul").bytes();
        byte[] graph = new Proto().message(1, node).string(2, "matmul-probe")
                .message(11, valueInfo("a", "M", "K"))
                .message(11, valueInfo("b", "K", "N"))
                .message(12, valueInfo("c", "M", "N")).bytes();
        byte[] opset = new Proto().string(1, "").varint(2, 17).bytes();
        return new Proto().varint(1, 8).string(2, "alignstream").message(7, graph).message(8, opset).bytes();
    }

    /** ValueInfoProto of a float32 matrix with symbolic dimensions. */
    private static byte[] valueInfo(String name, String rows, String columns) {
        byte[] shape = new Proto().message(1, new Proto().string(2, rows).bytes())
                .message(1, new Proto().string(2, columns).bytes()).bytes();
        byte[] tensorType = new Proto().varint(1, 1).message(2, shape).bytes();
        byte[] type = new Proto().message(1, tensorType).bytes();
        return new Proto().string(1, name).message(2, type).bytes();
    }

    /** Just enough of protobuf's wire format to write messages: varints and length-delimited fields. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            writeVarint(((long) field << 3));
            writeVarint(value);
            return this;
        }

        Proto string(int field, String value) {
            return message(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, byte[] value) {
            writeVarint(((long) field << 3) | 2);
            writeVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void writeVarint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
