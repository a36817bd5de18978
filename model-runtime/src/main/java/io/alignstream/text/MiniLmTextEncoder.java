package io.alignstream.text;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The frozen text tower: the real pretrained all-MiniLM-L6-v2, run by ONNX Runtime through
 * DJL, with its HuggingFace WordPiece tokenizer. A caption's embedding is the mean of the last
 * hidden states over the attention mask, L2-normalised (the sentence-transformers recipe).
 * Both files are read from the classpath: they ship inside the langchain4j MiniLM artifact.
 *
 * <p>Not thread-safe: one encoder per thread, or guard it.
 */
public final class MiniLmTextEncoder implements TokenCounter, AutoCloseable {

    /** Classpath resource of the ONNX model inside the MiniLM artifact. */
    public static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";
    /** Classpath resource of the tokenizer inside the MiniLM artifact. */
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    /** Width of MiniLM's hidden states and of every embedding in the bundle. */
    public static final int DIMENSION = 384;
    /** Longest input in tokens, special tokens included (the tokenizer file's own limit). */
    public static final int MAX_LENGTH = 128;

    private static final int DEFAULT_BATCH = 64;
    /**
     * A batch is cut where padding to its longest text would compute more than this many times
     * its real tokens: mixing 6-token web captions with 32-token sub-captions in one padded batch
     * made batching no faster than one text per call (docs/performance.md, topology benchmark).
     */
    private static final double MAX_PADDING_RATIO = 1.25;

    private final HuggingFaceTokenizer tokenizer;
    private final Model model;
    private final Predictor<NDList, NDList> predictor;
    private final NDManager manager;
    private final OrtSession.SessionOptions sessionOptions;

    private MiniLmTextEncoder(HuggingFaceTokenizer tokenizer, Model model, OrtSession.SessionOptions sessionOptions) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.sessionOptions = sessionOptions;
        this.predictor = model.newPredictor(new NoopTranslator());
        this.manager = model.getNDManager().newSubManager();
    }

    /** Loads model and tokenizer from the classpath (offline: nothing is downloaded). */
    public static MiniLmTextEncoder load() {
        System.setProperty("ai.djl.offline", "true");
        ClassLoader loader = MiniLmTextEncoder.class.getClassLoader();
        HuggingFaceTokenizer tokenizer;
        try (InputStream in = require(loader, TOKENIZER_RESOURCE)) {
            // Padding off: we pad per batch ourselves; the file itself pads every input to 128.
            tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of(
                    "padding", "false",
                    "truncation", "true",
                    "maxLength", Integer.toString(MAX_LENGTH)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Model model = Model.newInstance("all-minilm-l6-v2", "OnnxRuntime");
        OrtSession.SessionOptions options = null;
        try (InputStream in = require(loader, MODEL_RESOURCE)) {
            options = new OrtSession.SessionOptions();
            // Idle threads must not spin after a run: the service runs other models right after.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            model.load(in, Map.of("sessionOptions", options));
        } catch (IOException | OrtException e) {
            model.close();
            tokenizer.close();
            closeQuietly(options);
            throw e instanceof IOException io ? new UncheckedIOException(io) : new IllegalStateException(e);
        } catch (MalformedModelException e) {
            model.close();
            tokenizer.close();
            closeQuietly(options);
            throw new IllegalStateException("cannot load " + MODEL_RESOURCE, e);
        }
        return new MiniLmTextEncoder(tokenizer, model, options);
    }

    private static void closeQuietly(OrtSession.SessionOptions options) {
        if (options != null) {
            options.close();
        }
    }

    private static InputStream require(ClassLoader loader, String resource) throws IOException {
        InputStream in = loader.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException(resource + " is not on the classpath: add the langchain4j "
                    + "all-minilm-l6-v2 artifact");
        }
        return in;
    }

    /** Word-piece tokens of a text, without [CLS] and [SEP]. */
    @Override
    public int count(String text) {
        return tokenizer.encode(text, false, false).getIds().length;
    }

    /** The word-piece ids of a text, without special tokens (for vocabulary look-ups). */
    public long[] tokenIds(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /** One caption's L2-normalised embedding, length {@link #DIMENSION}. */
    public float[] embed(String text) {
        return embedAll(List.of(text))[0];
    }

    /**
     * Embeddings of many texts, in input order. Texts are sorted by length and batched (at most
     * 64 per call) so that padding adds at most a quarter to the tokens computed; padding is masked out of attention and pooling, so results match
     * {@link #embed(String)} to float rounding.
     */
    public float[][] embedAll(List<String> texts) {
        float[][] out = new float[texts.size()][];
        Integer[] order = IntStream.range(0, texts.size()).boxed().toArray(Integer[]::new);
        Encoding[] encodings = new Encoding[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            encodings[i] = tokenizer.encode(texts.get(i));
        }
        java.util.Arrays.sort(order, Comparator.comparingInt(i -> encodings[i].getIds().length));
        int start = 0;
        while (start < order.length) {
            List<Integer> batch = new ArrayList<>();
            long tokens = 0;
            for (int i = start; i < order.length && batch.size() < DEFAULT_BATCH; i++) {
                int length = encodings[order[i]].getIds().length;
                // Sorted ascending, so this text sets the batch's padded length: stop before
                // padding would make the batch compute much more than its real tokens.
                if (!batch.isEmpty() && (long) (batch.size() + 1) * length > MAX_PADDING_RATIO * (tokens + length)) {
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
        int length = batch.stream().mapToInt(e -> e.getIds().length).max().orElse(0);
        long[] ids = new long[rows * length];
        long[] mask = new long[rows * length];
        long[] types = new long[rows * length];
        for (int r = 0; r < rows; r++) {
            Encoding encoding = batch.get(r);
            long[] rowIds = encoding.getIds();
            long[] rowMask = encoding.getAttentionMask();
            long[] rowTypes = encoding.getTypeIds();
            System.arraycopy(rowIds, 0, ids, r * length, rowIds.length);
            System.arraycopy(rowMask, 0, mask, r * length, rowMask.length);
            System.arraycopy(rowTypes, 0, types, r * length, rowTypes.length);
        }
        try (NDManager scope = manager.newSubManager()) {
            Shape shape = new Shape(rows, length);
            NDArray inputIds = scope.create(ids, shape);
            inputIds.setName("input_ids");
            NDArray attentionMask = scope.create(mask, shape);
            attentionMask.setName("attention_mask");
            NDArray tokenTypes = scope.create(types, shape);
            tokenTypes.setName("token_type_ids");
            NDList output = predictor.predict(new NDList(inputIds, attentionMask, tokenTypes));
            float[] hidden = output.get(0).toFloatArray();
            output.close();
            return meanPoolAndNormalise(hidden, mask, rows, length);
        } catch (TranslateException e) {
            throw new IllegalStateException("MiniLM inference failed", e);
        }
    }

    private static float[][] meanPoolAndNormalise(float[] hidden, long[] mask, int rows, int length) {
        float[][] pooled = new float[rows][DIMENSION];
        for (int r = 0; r < rows; r++) {
            double[] sum = new double[DIMENSION];
            int tokens = 0;
            for (int t = 0; t < length; t++) {
                if (mask[r * length + t] == 0) {
                    continue;
                }
                tokens++;
                int base = (r * length + t) * DIMENSION;
                for (int d = 0; d < DIMENSION; d++) {
                    sum[d] += hidden[base + d];
                }
            }
            double norm = 0;
            for (int d = 0; d < DIMENSION; d++) {
                sum[d] /= Math.max(tokens, 1);
                norm += sum[d] * sum[d];
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            for (int d = 0; d < DIMENSION; d++) {
                pooled[r][d] = (float) (sum[d] / norm);
            }
        }
        return pooled;
    }

    @Override
    public void close() {
        manager.close();
        predictor.close();
        model.close();
        tokenizer.close();
        sessionOptions.close();
    }
}
