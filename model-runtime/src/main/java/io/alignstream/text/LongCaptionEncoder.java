package io.alignstream.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeds captions of any length with a short-context encoder: a caption that fits in
 * {@link SubCaptionSplitter#DEFAULT_MAX_TOKENS} tokens is embedded as is; a longer one is
 * split into consecutive sentence chunks of at most that many tokens, and its embedding is the
 * L2-normalised mean of the chunk embeddings. Training and the runtime both use this rule.
 */
public final class LongCaptionEncoder {

    private final TextEncoder encoder;
    private final SubCaptionSplitter splitter;

    public LongCaptionEncoder(TextEncoder encoder) {
        this.encoder = encoder;
        this.splitter = new SubCaptionSplitter(encoder, SubCaptionSplitter.DEFAULT_MAX_TOKENS);
    }

    public TextEncoder encoder() {
        return encoder;
    }

    public SubCaptionSplitter splitter() {
        return splitter;
    }

    /** The chunks a caption is embedded as (one chunk when it is short). */
    public List<String> chunks(String caption) {
        return splitter.chunks(caption);
    }

    public float[] embed(String caption) {
        return meanOfNormalised(encoder.embedAll(chunks(caption)));
    }

    /**
     * Every caption's embedding by this rule, with each distinct chunk embedded once (captions of
     * a dataset share many sentences). A one-chunk caption's embedding is its chunk's, as is.
     */
    public float[][] embedAll(List<String> captions) {
        return embedChunked(captions.stream().map(this::chunks).toList(), false);
    }

    /**
     * The service's rule for prepared captions ({@link CaptionPreparer}): each caption's chunks
     * embedded (each distinct chunk once) and combined by {@link #meanOfNormalised}, one chunk
     * included, exactly as the service's caption stage does.
     */
    public float[][] embedPrepared(List<List<String>> chunkLists) {
        return embedChunked(chunkLists, true);
    }

    private float[][] embedChunked(List<List<String>> chunkLists, boolean alwaysCombine) {
        Map<String, Integer> chunkIds = new HashMap<>();
        List<String> chunkTexts = new ArrayList<>();
        List<int[]> captionChunks = new ArrayList<>(chunkLists.size());
        for (List<String> chunks : chunkLists) {
            captionChunks.add(chunks.stream().mapToInt(c -> chunkIds.computeIfAbsent(c, k -> {
                chunkTexts.add(k);
                return chunkTexts.size() - 1;
            })).toArray());
        }
        float[][] chunkEmbeddings = encoder.embedAll(chunkTexts);
        float[][] out = new float[chunkLists.size()][];
        for (int i = 0; i < out.length; i++) {
            int[] ids = captionChunks.get(i);
            float[][] parts = new float[ids.length][];
            for (int c = 0; c < ids.length; c++) {
                parts[c] = chunkEmbeddings[ids[c]];
            }
            out[i] = ids.length == 1 && !alwaysCombine ? parts[0] : meanOfNormalised(parts);
        }
        return out;
    }

    /** The L2-normalised mean of already computed chunk embeddings. */
    public static float[] meanOfNormalised(float[][] chunkEmbeddings) {
        int dimension = chunkEmbeddings[0].length;
        double[] mean = new double[dimension];
        for (float[] chunk : chunkEmbeddings) {
            for (int d = 0; d < dimension; d++) {
                mean[d] += chunk[d];
            }
        }
        double norm = 0;
        for (double v : mean) {
            norm += v * v;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        float[] out = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            out[d] = (float) (mean[d] / norm);
        }
        return out;
    }
}
