package io.alignstream.topology.embedding;

import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.MaskStatistics;
import io.alignstream.events.ModelRef;
import io.alignstream.events.SimilarityScores;
import io.alignstream.events.SparseCode;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.events.TensorDType;
import io.alignstream.events.VocabularyWeight;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds the published records from model outputs. */
public final class EmbeddingRecords {
    private final ModelRef model;
    private final TensorDType dtype;
    private final boolean includeRawEmbedding;
    private final int dictionarySize;
    private final boolean captionAdapter;

    /**
     * @param captionAdapter whether the bundle's TEVI head has a caption adapter: TEVI records
     *                       then carry the query embedding q the alignment was made with
     */
    public EmbeddingRecords(ModelRef model, TensorDType dtype, boolean includeRawEmbedding, int dictionarySize,
                            boolean captionAdapter) {
        this.model = model;
        this.dtype = dtype;
        this.includeRawEmbedding = includeRawEmbedding;
        this.dictionarySize = dictionarySize;
        this.captionAdapter = captionAdapter;
    }

    public AlignVlmEmbedding alignVlm(ImageEvent image, VisionEmbedding vision, AlignVlmProjection projection,
                                      Instant now) {
        List<VocabularyWeight> words = projection.topWords().stream()
                .map(word -> VocabularyWeight.newBuilder().setTokenId((int) word.id()).setWord(word.word())
                        .setWeight(word.weight()).build())
                .toList();
        int tokens = vision.tokens();
        return AlignVlmEmbedding.newBuilder()
                .setImageId(image.getImageId())
                .setModel(model)
                .setTokenCount(tokens)
                .setTokenWidth(projection.projectedTokens().length / tokens)
                .setDtype(dtype)
                .setTokens(TensorEncoding.encode(projection.projectedTokens(), dtype))
                .setPooled(boxed(projection.pooled()))
                .setTopWords(words)
                .setEventTime(image.getEventTime())
                .setProcessingTime(now)
                .build();
    }

    /**
     * A TEVI record for one (image, caption) pair. Its event time is the later of the two
     * events' times: the moment the pair was complete. {@code embedded} holds the text head's t
     * and the caption's sub-caption count (published as {@code subCaptions}, null when unknown);
     * the TEVI score is against the alignment's query q (t without an adapter).
     */
    public TeviEmbedding tevi(CaptionEvent caption, EmbeddedCaption embedded, float[] imageEmbedding,
                              Instant imageEventTime, TeviAlignment alignment, Instant now) {
        float[] captionEmbedding = embedded.embedding();
        Instant eventTime = caption.getEventTime().isAfter(imageEventTime) ? caption.getEventTime() : imageEventTime;
        return TeviEmbedding.newBuilder()
                .setImageId(caption.getImageId())
                .setCaptionId(caption.getCaptionId())
                .setModel(model)
                .setCaptionEmbedding(boxed(captionEmbedding))
                .setAlignedEmbedding(boxed(alignment.alignedEmbedding()))
                .setQueryEmbedding(captionAdapter ? boxed(alignment.query()) : null)
                .setSubCaptions(embedded.subCaptions() > 0 ? embedded.subCaptions() : null)
                .setRawImageEmbedding(includeRawEmbedding ? boxed(imageEmbedding) : null)
                .setCodes(SparseCode.newBuilder()
                        .setDictionarySize(dictionarySize)
                        .setIndices(boxedInts(alignment.code().indices()))
                        .setValues(boxed(alignment.code().values()))
                        .build())
                .setMask(MaskStatistics.newBuilder()
                        .setMean((float) alignment.mask().mean())
                        .setDensity((float) alignment.mask().density())
                        .setActiveKept((float) alignment.mask().keptMass())
                        .build())
                .setScores(SimilarityScores.newBuilder()
                        .setRaw((float) cosine(imageEmbedding, captionEmbedding))
                        .setTevi((float) cosine(alignment.alignedEmbedding(), alignment.query()))
                        .build())
                .setEventTime(eventTime)
                .setProcessingTime(now)
                .build();
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static List<Float> boxed(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    private static List<Integer> boxedInts(int[] values) {
        List<Integer> out = new ArrayList<>(values.length);
        for (int v : values) {
            out.add(v);
        }
        return out;
    }
}
