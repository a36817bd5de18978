package io.alignstream.bench.runtime;

import ai.djl.Model;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.runtime.engine.InferenceEngine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Measures what this machine's matrix multiply delivers through the same engine the model uses:
 * ONNX Runtime, via DJL, with the same thread settings. The model is one node written here in
 * ONNX's protobuf encoding (no protobuf library needed for five messages), so the benchmark can
 * state what share of that throughput each head reaches, in the precision the head runs:
 * <ul>
 *   <li>{@link Precision#FP32}: {@code MatMul}, float32 x float32 to float32;</li>
 *   <li>{@link Precision#INT8}: {@code MatMulInteger}, uint8 activations x int8 weights to
 *       int32: the kernel ONNX Runtime's dynamically quantized MatMuls run (activations
 *       quantized to uint8 per batch, weights int8).</li>
 * </ul>
 * Both count 2 m n k operations per product, so their rates compare directly.
 */
public final class MatmulProbe implements AutoCloseable {
    private final Precision precision;
    private final Model model;
    private final Predictor<NDList, NDList> predictor;

    /** A float32 probe in a session of its own with the given DJL load options. */
    public MatmulProbe(Map<String, ?> loadOptions) {
        this(Precision.FP32, loadOptions);
    }

    /** A probe of {@code precision} in a session of its own with the given DJL load options. */
    public MatmulProbe(Precision precision, Map<String, ?> loadOptions) {
        this(precision, load(precision, loadOptions));
    }

    private MatmulProbe(Precision precision, Model model) {
        this.precision = precision;
        this.model = model;
        this.predictor = model.newPredictor(new NoopTranslator());
    }

    /**
     * A probe of {@code precision} loaded through {@code engine}: the device and session options
     * (threads, spinning) the heads get. The engine must stay open while the probe is used.
     */
    public static MatmulProbe on(InferenceEngine engine, Precision precision) {
        return new MatmulProbe(precision, engine.load("matmul-probe-" + precision, model(precision)));
    }

    private static Model load(Precision precision, Map<String, ?> loadOptions) {
        Model model = Model.newInstance("matmul-probe-" + precision, "OnnxRuntime");
        try {
            model.load(new ByteArrayInputStream(model(precision)), loadOptions);
            return model;
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException(e);
        } catch (MalformedModelException e) {
            model.close();
            throw new IllegalStateException("ONNX Runtime refused the " + precision + " probe model", e);
        }
    }

    public Precision precision() {
        return precision;
    }

    /** C = A x B for row-major float matrices (a float32 probe only). */
    public float[] multiply(float[] a, float[] b, int m, int k, int n) {
        require(Precision.FP32);
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDList out = predictor.predict(new NDList(named(scope.create(a, new Shape(m, k)), "a"),
                    named(scope.create(b, new Shape(k, n)), "b")));
            float[] c = out.get(0).toFloatArray();
            out.close();
            return c;
        } catch (TranslateException e) {
            throw new IllegalStateException("MatMul probe failed", e);
        }
    }

    /**
     * C = A x B in int32 (an int8 probe only), for row-major A of uint8 values (each byte read as
     * 0..255) and B of int8 values (-128..127), no zero points.
     */
    public int[] multiplyInteger(byte[] aUint8, byte[] bInt8, int m, int k, int n) {
        require(Precision.INT8);
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDList out = predictor.predict(new NDList(
                    named(scope.create(ByteBuffer.wrap(aUint8), new Shape(m, k), DataType.UINT8), "a"),
                    named(scope.create(ByteBuffer.wrap(bInt8), new Shape(k, n), DataType.INT8), "b")));
            int[] c = out.get(0).toIntArray();
            out.close();
            return c;
        } catch (TranslateException e) {
            throw new IllegalStateException("MatMulInteger probe failed", e);
        }
    }

    /**
     * Best-of giga-operations per second (2 m n k per product) of a square {@code size} multiply
     * in this probe's precision, repeated for about {@code seconds}; inputs stay in Java arrays as
     * a model's inputs do, so the copy in and out is counted, as it is for the model.
     */
    public double measureGigaOps(int size, double seconds) {
        SplittableRandom random = new SplittableRandom(17);
        Runnable product;
        if (precision == Precision.FP32) {
            float[] a = new float[size * size];
            float[] b = new float[size * size];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextDouble(-1, 1);
                b[i] = (float) random.nextDouble(-1, 1);
            }
            product = () -> multiply(a, b, size, size, size);
        } else {
            byte[] a = new byte[size * size];
            byte[] b = new byte[size * size];
            random.nextBytes(a);
            random.nextBytes(b);
            product = () -> multiplyInteger(a, b, size, size, size);
        }
        product.run(); // warm-up: session and allocator
        double best = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            long start = System.nanoTime();
            product.run();
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

    private void require(Precision expected) {
        if (precision != expected) {
            throw new IllegalStateException("this is the " + precision + " probe, not the " + expected + " one");
        }
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    /** The probe model of {@code precision}. */
    static byte[] model(Precision precision) {
        return precision == Precision.FP32 ? matmulModel() : matmulIntegerModel();
    }

    /** ONNX ModelProto: graph(a[M,K], b[K,N]) -> MatMul -> c[M,N], opset 17, float32. */
    static byte[] matmulModel() {
        return singleNodeModel("MatMul", FLOAT, FLOAT, FLOAT);
    }

    /** ONNX ModelProto: graph(a[M,K] uint8, b[K,N] int8) -> MatMulInteger -> c[M,N] int32, opset 17. */
    static byte[] matmulIntegerModel() {
        return singleNodeModel("MatMulInteger", UINT8, INT8, INT32);
    }

    // TensorProto.DataType values
    private static final int FLOAT = 1;
    private static final int UINT8 = 2;
    private static final int INT8 = 3;
    private static final int INT32 = 6;

    private static byte[] singleNodeModel(String op, int aType, int bType, int cType) {
        byte[] node = new Proto().string(1, "a").string(1, "b").string(2, "c").string(3, "product")
                .string(4, op).bytes();
        byte[] graph = new Proto().message(1, node).string(2, "matmul-probe")
                .message(11, valueInfo("a", aType, "M", "K"))
                .message(11, valueInfo("b", bType, "K", "N"))
                .message(12, valueInfo("c", cType, "M", "N")).bytes();
        byte[] opset = new Proto().string(1, "").varint(2, 17).bytes();
        return new Proto().varint(1, 8).string(2, "alignstream").message(7, graph).message(8, opset).bytes();
    }

    /** ValueInfoProto of a matrix of {@code elementType} with symbolic dimensions. */
    private static byte[] valueInfo(String name, int elementType, String rows, String columns) {
        byte[] shape = new Proto().message(1, new Proto().string(2, rows).bytes())
                .message(1, new Proto().string(2, columns).bytes()).bytes();
        byte[] tensorType = new Proto().varint(1, elementType).message(2, shape).bytes();
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
