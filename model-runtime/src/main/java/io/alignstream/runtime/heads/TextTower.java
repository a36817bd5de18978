package io.alignstream.runtime.heads;

import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.text.TextEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The text head: captions to embeddings through the bundle's tokenizer and text model, on the
 * same engine and device as every other head. The manifest says how the model's output becomes
 * an embedding: already pooled, or the mean over the attention mask, the first token or the
 * last attended token (CLIP's end-of-text), then L2-normalised.
 *
 * <p>Threading: as {@link VisionTower}: one thread at a time per instance. The tokenizer is
 * shared by the runtime's towers and guarded here.
 */
public final class TextTower implements TextEncoder, AutoCloseable {

    private static final int MAX_BATCH = 64;
    /**
     * A batch is cut where padding to its longest text would compute more than this many times
     * its real tokens: mixing 6-token web captions with 32-token sub-captions in one padded batch
     * made batching no faster than one text per call (docs/performance.md, topology benchmark).
     */
    private static final double MAX_PADDING_RATIO = 1.25;

    private final HeadSession session;
    private final BundleManifest.Head head;
    private final BundleManifest.Pooling pooling;
    private final HuggingFaceTokenizer tokenizer;
    private final int dimension;
    private final boolean masked;

    /** A tower over the loaded text model and the runtime's tokenizer (both stay the caller's). */
    public TextTower(Model model, BundleManifest manifest, HuggingFaceTokenizer tokenizer) {
        this.head = manifest.head(BundleManifest.TEXT);
        this.session = new HeadSession(BundleManifest.TEXT, model, head);
        this.pooling = head.text().orElseThrow().pooling();
        this.tokenizer = tokenizer;
        this.dimension = manifest.dims().embedding();
        this.masked = head.inputs().containsKey(head.tensor("attention_mask"));
    }

    /** Width of every embedding this tower returns. */
    public int dimension() {
        return dimension;
    }

    /** Tokens of a text without special tokens (the sub-caption rule counts these). */
    @Override
    public int count(String text) {
        return tokenIds(text).length;
    }

    /** The token ids of a text, without special tokens (for vocabulary look-ups). */
    public long[] tokenIds(String text) {
        synchronized (tokenizer) {
            return tokenizer.encode(text, false, false).getIds();
        }
    }

    /** One text's embedding. */
    public float[] embed(String text) {
        return embedAll(List.of(text))[0];
    }

    /**
     * Embeddings of many texts, in input order. Texts are sorted by length and batched (at most
     * 64 per call) so that padding adds at most a quarter to the tokens computed; padding is
     * masked out of attention and pooling (a head without an attention mask gets batches of one
     * length only), so results match {@link #embed(String)} to float rounding.
     */
    @Override
    public synchronized float[][] embedAll(List<String> texts) {
        float[][] out = new float[texts.size()][];
        Encoding[] encodings = new Encoding[texts.size()];
        synchronized (tokenizer) {
            for (int i = 0; i < texts.size(); i++) {
                encodings[i] = tokenizer.encode(texts.get(i));
            }
        }
        Integer[] order = IntStream.range(0, texts.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(i -> encodings[i].getIds().length));
        int start = 0;
        while (start < order.length) {
            List<Integer> batch = new ArrayList<>();
            long tokens = 0;
            for (int i = start; i < order.length && batch.size() < MAX_BATCH; i++) {
                int length = encodings[order[i]].getIds().length;
                // Sorted ascending, so this text sets the batch's padded length: stop before
                // padding would make the batch compute much more than its real tokens.
                if (!batch.isEmpty() && (long) (batch.size() + 1) * length > MAX_PADDING_RATIO * (tokens + length)) {
                    break;
                }
                // Without an attention mask a bidirectional model attends to padding: batch only
                // texts of one length, so a caption's embedding never depends on its batch.
                if (!masked && !batch.isEmpty() && length != encodings[batch.get(0)].getIds().length) {
                    break;
                }
                batch.add(order[i]);
                tokens += length;
            }
            float[][] pooled = embedBatch(batch.stream().map(i -> encodings[i]).toList());
            for (int i = 0; i < batch.size(); i++) {
                out[batch.get(i)] = pooled[i];
            }
            start += batch.size();
        }
        return out;
    }

    private float[][] embedBatch(List<Encoding> batch) {
        int rows = batch.size();
        int length = Math.max(1, batch.stream().mapToInt(e -> e.getIds().length).max().orElse(0));
        long[] ids = new long[rows * length];
        long[] mask = new long[rows * length];
        for (int r = 0; r < rows; r++) {
            long[] rowIds = batch.get(r).getIds();
            System.arraycopy(rowIds, 0, ids, r * length, rowIds.length);
            Arrays.fill(mask, r * length, r * length + rowIds.length, 1L);
        }
        List<HeadSession.Input> inputs = new ArrayList<>();
        inputs.add(new HeadSession.Input(head.tensor("input_ids"), ids, rows, length));
        if (head.inputs().containsKey(head.tensor("attention_mask"))) {
            inputs.add(new HeadSession.Input(head.tensor("attention_mask"), mask, rows, length));
        }
        if (head.inputs().containsKey(head.tensor("token_type_ids"))) {
            inputs.add(new HeadSession.Input(head.tensor("token_type_ids"), new long[rows * length], rows, length));
        }
        float[] output = session.run(inputs.toArray(HeadSession.Input[]::new)).floats(head.tensor("embedding"));
        float[][] pooled = new float[rows][];
        for (int r = 0; r < rows; r++) {
            pooled[r] = pool(output, mask, r, length);
            if (head.normalise()) {
                HeadSession.normaliseInPlace(pooled[r]);
            }
        }
        return pooled;
    }

    private float[] pool(float[] output, long[] mask, int row, int length) {
        float[] out = new float[dimension];
        int attended = 0;
        for (int t = 0; t < length; t++) {
            attended += (int) mask[row * length + t];
        }
        switch (pooling) {
            case NONE -> System.arraycopy(output, row * dimension, out, 0, dimension);
            case FIRST -> System.arraycopy(output, row * length * dimension, out, 0, dimension);
            case EOS -> System.arraycopy(output, (row * length + Math.max(attended - 1, 0)) * dimension, out, 0, dimension);
            case MEAN -> {
                double[] sum = new double[dimension];
                for (int t = 0; t < attended; t++) {
                    int base = (row * length + t) * dimension;
                    for (int d = 0; d < dimension; d++) {
                        sum[d] += output[base + d];
                    }
                }
                for (int d = 0; d < dimension; d++) {
                    out[d] = (float) (sum[d] / Math.max(attended, 1));
                }
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        session.close();
    }
}
