package io.alignstream.runtime.retrieval;

import io.alignstream.runtime.onnx.Initializer;
import io.alignstream.runtime.onnx.OnnxFormatException;
import io.alignstream.runtime.onnx.OnnxGraph;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The TEVI sparse autoencoder's decoder, x = W_dec z + b_dec, read from {@code tevi.onnx}'s
 * initializers. Exporters rename folded weights ({@code onnx::MatMul_48}), so the decoder is
 * found by the graph's structure, not by name: the MatMul applied to {@code sparse_codes * mask}
 * holds W_dec (transposed, [m, d], or as Transpose of a [d, m] initializer), and the Add after
 * it holds b_dec [d].
 */
public final class TeviDecoder {

    private final int dimension;
    private final int latents;
    /** Row i is dictionary atom i (column i of W_dec), length {@link #dimension}. */
    private final float[] atoms;
    private final float[] bias;

    private TeviDecoder(int dimension, int latents, float[] atoms, float[] bias) {
        this.dimension = dimension;
        this.latents = latents;
        this.atoms = atoms;
        this.bias = bias;
    }

    /**
     * Locates and reads the decoder of a TEVI head graph.
     *
     * @param codesOutput the graph output holding z ({@code sparse_codes})
     * @param maskOutput  the graph output holding the caption mask ({@code mask})
     * @throws OnnxFormatException naming what was not found
     */
    public static TeviDecoder read(OnnxGraph graph, String codesOutput, String maskOutput) {
        OnnxGraph.Node gate = graph.nodes().stream()
                .filter(n -> n.opType().equals("Mul") && n.inputs().containsAll(List.of(codesOutput, maskOutput)))
                .findFirst()
                .orElseThrow(() -> new OnnxFormatException("no Mul(" + codesOutput + ", " + maskOutput
                        + ") node: cannot locate the decoder"));
        String gated = gate.outputs().get(0);
        OnnxGraph.Node matMul = graph.consumersOf(gated).stream()
                .filter(n -> n.opType().equals("MatMul") && n.inputs().get(0).equals(gated))
                .findFirst()
                .orElseThrow(() -> new OnnxFormatException("no MatMul reads " + gated + ": cannot locate W_dec"));
        float[] atoms;
        long[] dims;
        String weight = matMul.inputs().get(1);
        Optional<Initializer> direct = graph.initializer(weight);
        if (direct.isPresent()) {
            dims = direct.get().dims();
            atoms = direct.get().floats();    // already [m, d]: atom-major
        } else {
            OnnxGraph.Node transpose = graph.producerOf(weight).filter(n -> n.opType().equals("Transpose"))
                    .orElseThrow(() -> new OnnxFormatException("W_dec input " + weight
                            + " of the decoder MatMul is neither an initializer nor a transposed one"));
            Initializer original = graph.initializer(transpose.inputs().get(0))
                    .orElseThrow(() -> new OnnxFormatException("Transpose input " + transpose.inputs().get(0)
                            + " is not an initializer"));
            long[] dm = original.dims();
            if (dm.length != 2) {
                throw new OnnxFormatException(original.name() + " has dims " + Arrays.toString(dm) + ", expected [d, m]");
            }
            dims = new long[] {dm[1], dm[0]};
            atoms = transpose2d(original.floats(), (int) dm[0], (int) dm[1]);
        }
        if (dims.length != 2) {
            throw new OnnxFormatException("W_dec has dims " + Arrays.toString(dims) + ", expected [m, d]");
        }
        int latents = (int) dims[0];
        int dimension = (int) dims[1];
        String decoded = matMul.outputs().get(0);
        float[] bias = graph.consumersOf(decoded).stream()
                .filter(n -> n.opType().equals("Add"))
                .flatMap(n -> n.inputs().stream())
                .filter(name -> !name.equals(decoded))
                .map(graph::initializer)
                .flatMap(Optional::stream)
                .filter(i -> Arrays.equals(i.dims(), new long[] {dimension}))
                .findFirst()
                .orElseThrow(() -> new OnnxFormatException("no Add of a [" + dimension + "] initializer after "
                        + decoded + ": cannot locate b_dec"))
                .floats();
        return new TeviDecoder(dimension, latents, atoms, bias);
    }

    private static float[] transpose2d(float[] values, int rows, int columns) {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                out[c * rows + r] = values[r * columns + c];
            }
        }
        return out;
    }

    /** d: the width of decoded embeddings. */
    public int dimension() {
        return dimension;
    }

    /** m: the dictionary size. */
    public int latents() {
        return latents;
    }

    /** W_dec[d, i]: component d of dictionary atom i. */
    float atom(int latent, int component) {
        return atoms[latent * dimension + component];
    }

    /** The dot product of atom i with a d-vector, in double. */
    double atomDot(int latent, float[] vector) {
        double sum = 0;
        int base = latent * dimension;
        for (int d = 0; d < dimension; d++) {
            sum += (double) atoms[base + d] * vector[d];
        }
        return sum;
    }

    /** G[i, j] = atom i . atom j, one entry of the Gram matrix W_dec^T W_dec. */
    double gram(int i, int j) {
        // Four independent sums: the JIT cannot reorder one floating-point chain, and the
        // Gram matrix is m^2 / 2 of these, so instruction-level parallelism matters.
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int a = i * dimension;
        int b = j * dimension;
        int d = 0;
        for (; d + 3 < dimension; d += 4) {
            s0 += (double) atoms[a + d] * atoms[b + d];
            s1 += (double) atoms[a + d + 1] * atoms[b + d + 1];
            s2 += (double) atoms[a + d + 2] * atoms[b + d + 2];
            s3 += (double) atoms[a + d + 3] * atoms[b + d + 3];
        }
        for (; d < dimension; d++) {
            s0 += (double) atoms[a + d] * atoms[b + d];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** A copy of b_dec. */
    public float[] bias() {
        return bias.clone();
    }

    float[] biasView() {
        return bias;
    }
}
