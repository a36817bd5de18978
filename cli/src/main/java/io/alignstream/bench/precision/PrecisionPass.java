package io.alignstream.bench.precision;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.AlignVlmProjector;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.TeviAligner;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VisionTower;
import io.alignstream.runtime.heads.VocabularyWord;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.runtime.image.ImageRejectedException;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;
import io.alignstream.text.CaptionLength;
import io.alignstream.text.LongCaptionEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Everything one precision computes on the set, through one opened runtime: every image through
 * the vision tower, TEVI's code and AlignVLM (batches of {@value #BATCH}), every caption through
 * the service's caption rule and TEVI's query side, and retrieval recall from those. Each
 * precision runs its own chain (an int8 vision tower feeds its own codes and projections), as the
 * service would.
 */
final class PrecisionPass {

    static final int BATCH = 64;
    static final int[] KS = {1, 5};

    enum Direction {
        TEXT_TO_IMAGE("text->image"), IMAGE_TO_TEXT("image->text");

        final String label;

        Direction(String label) {
            this.label = label;
        }
    }

    enum Kind {
        RAW("raw"), TEVI("TEVI");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    record RetrievalKey(CaptionLength length, Direction direction, Kind kind) {
    }

    /** What the comparison needs of a pass once its runtime is closed (all of it small). */
    record Result(Map<String, Precision> precisions, float[][] imageEmbeddings, float[][] captionEmbeddings,
                  float[][] queries, float[][] pooled, long[][] topIds, Map<RetrievalKey, Recall.Result> recall,
                  double embedSeconds, double scoreSeconds) {
    }

    /** Receives each image batch's patch tokens and projected tokens, which are not kept. */
    interface TokenStage {
        void accept(List<float[]> patchTokens, List<float[]> projectedTokens);
    }

    private PrecisionPass() {
    }

    static Result run(ModelRuntime runtime, RetrievalSet set, TeviRetrievalScorer scorer, TokenStage tokens,
                      Consumer<String> progress) {
        String name = runtime.precisions().containsValue(Precision.INT8) ? "int8" : "fp32";
        long started = System.nanoTime();
        int images = set.imageCount();
        int captions = set.captions().size();
        float[][] x = new float[images][];
        float[][] pooled = new float[images][];
        long[][] topIds = new long[images][];
        List<SparseCode> codes = new ArrayList<>(images);
        float[][] t;
        float[][] q = runtime.bundle().manifest().hasCaptionAdapter() ? new float[captions][] : null;
        float[][] tevi = new float[captions][];
        int size = runtime.bundle().manifest().preprocessing().imageSize();
        ImagePreprocessor preprocessor = new ImagePreprocessor(size, size);
        long scoringNanos = 0;
        try (VisionTower vision = runtime.newVisionTower();
             TextTower text = runtime.newTextTower();
             TeviAligner aligner = runtime.newTeviAligner();
             AlignVlmProjector projector = runtime.newAlignVlmProjector()) {
            for (int start = 0; start < images; start += BATCH) {
                int end = Math.min(images, start + BATCH);
                List<VisionEmbedding> embedded = vision.embed(pixels(set, preprocessor, start, end));
                List<float[]> embeddings = embedded.stream().map(VisionEmbedding::embedding).toList();
                List<float[]> patches = embedded.stream().map(VisionEmbedding::patchTokens).toList();
                codes.addAll(aligner.codes(embeddings));
                List<AlignVlmProjection> projected = projector.project(patches);
                tokens.accept(patches, projected.stream().map(AlignVlmProjection::projectedTokens).toList());
                for (int i = start; i < end; i++) {
                    x[i] = embeddings.get(i - start);
                    pooled[i] = projected.get(i - start).pooled();
                    topIds[i] = projected.get(i - start).topWords().stream().mapToLong(VocabularyWord::id).toArray();
                }
                if ((end / BATCH) % 8 == 0 || end == images) {
                    progress.accept(String.format("%s: %d/%d images embedded", name, end, images));
                }
            }
            // The service's rule: every caption's sub-captions embedded, then their normalised mean.
            t = new LongCaptionEncoder(text).embedPrepared(set.captions().stream().map(RetrievalSet.Caption::subCaptions).toList());
            progress.accept(String.format("%s: %d captions embedded", name, captions));
            for (int start = 0; start < captions; start += BATCH) {
                int end = Math.min(captions, start + BATCH);
                List<CaptionQuery> queries = aligner.queries(Arrays.asList(t).subList(start, end));
                long scoring = System.nanoTime();
                int first = start;
                // Exact TEVI cosines of each caption with every image, from the sparse codes.
                IntStream.range(start, end).parallel().forEach(c -> {
                    CaptionQuery query = queries.get(c - first);
                    TeviRetrievalScorer.Query weights = scorer.query(query.query(), query.mask());
                    float[] row = new float[images];
                    for (int j = 0; j < images; j++) {
                        row[j] = (float) scorer.score(weights, codes.get(j));
                    }
                    tevi[c] = row;
                });
                scoringNanos += System.nanoTime() - scoring;
                if (q != null) {
                    for (int c = start; c < end; c++) {
                        q[c] = queries.get(c - start).query();
                    }
                }
                if ((end / BATCH) % 32 == 0 || end == captions) {
                    progress.accept(String.format("%s: %d/%d captions scored by TEVI", name, end, captions));
                }
            }
        }
        long scoring = System.nanoTime();
        float[][] raw = rawScores(t, x);
        Map<RetrievalKey, Recall.Result> recall = new LinkedHashMap<>();
        Map<Kind, float[][]> scores = new EnumMap<>(Map.of(Kind.RAW, raw, Kind.TEVI, tevi));
        for (CaptionLength length : CaptionLength.values()) {
            for (Direction direction : Direction.values()) {
                for (Kind kind : Kind.values()) {
                    float[][] s = scores.get(kind);
                    recall.put(new RetrievalKey(length, direction, kind), direction == Direction.TEXT_TO_IMAGE
                            ? set.textToImage(s, length, KS) : set.imageToText(s, length, KS));
                }
            }
        }
        scoringNanos += System.nanoTime() - scoring;
        double total = (System.nanoTime() - started) / 1e9;
        return new Result(runtime.precisions(), x, t, q, pooled, topIds, recall,
                total - scoringNanos / 1e9, scoringNanos / 1e9);
    }

    /** cos(image embedding, caption embedding t), [caption][image]. */
    private static float[][] rawScores(float[][] t, float[][] x) {
        // Norms divided out: a bundle's vision head need not normalise its embeddings.
        double[] imageNorms = Arrays.stream(x).mapToDouble(PrecisionPass::norm).toArray();
        float[][] out = new float[t.length][];
        IntStream.range(0, t.length).parallel().forEach(c -> {
            double captionNorm = norm(t[c]);
            float[] row = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                double dot = 0;
                for (int d = 0; d < t[c].length; d++) {
                    dot += (double) t[c][d] * x[j][d];
                }
                row[j] = (float) (dot / Math.max(captionNorm * imageNorms[j], 1e-24));
            }
            out[c] = row;
        });
        return out;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float value : v) {
            sum += (double) value * value;
        }
        return Math.sqrt(sum);
    }

    private static List<float[]> pixels(RetrievalSet set, ImagePreprocessor preprocessor, int start, int end) {
        List<float[]> out = new ArrayList<>(end - start);
        for (int i = start; i < end; i++) {
            BenchSource.Item item = set.image(i);
            try {
                out.add(preprocessor.preprocess(item.bytes().read()));
            } catch (ImageRejectedException | IOException e) {
                // The set kept only images that decoded; one that no longer does changed on disk.
                throw new UncheckedIOException(new IOException("image " + item.imageId() + " decoded for the set"
                        + " but not now: " + e.getMessage(), e));
            }
        }
        return out;
    }
}
