package io.alignstream.monitoring.window;

import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.events.VocabularyWeight;
import java.util.List;

/** What the monitor observes of each published record. */
public final class Observations {
    private Observations() {
    }

    /**
     * A TEVI record as a pair, or null when it lacks the raw image embedding the monitor compares
     * against. A record without {@code subCaptions} (before TeviEmbedding v3) is a pair of unknown
     * caption length: it counts in every figure but the short/long ones.
     */
    public static Observation.Pair of(TeviEmbedding tevi) {
        if (tevi == null || tevi.getRawImageEmbedding() == null) {
            return null;
        }
        List<Integer> indices = tevi.getCodes().getIndices();
        int[] codeIndices = new int[indices.size()];
        for (int i = 0; i < codeIndices.length; i++) {
            codeIndices[i] = indices.get(i);
        }
        return new Observation.Pair(tevi.getImageId(), tevi.getCaptionId(), floats(tevi.getRawImageEmbedding()),
                codeIndices, floats(tevi.getCodes().getValues()), floats(tevi.getCaptionEmbedding()),
                floats(tevi.getAlignedEmbedding()), tevi.getEventTime().toEpochMilli(),
                tevi.getSubCaptions() == null ? 0 : Math.max(0, tevi.getSubCaptions()));
    }

    public static Observation.Image of(AlignVlmEmbedding align) {
        if (align == null) {
            return null;
        }
        List<VocabularyWeight> words = align.getTopWords();
        float[] weights = new float[words.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = words.get(i).getWeight();
        }
        return new Observation.Image(align.getImageId(), words.stream().map(VocabularyWeight::getWord).toList(), weights);
    }

    public static Observation.DeadLetter of(DeadLetter letter) {
        return letter == null ? null : new Observation.DeadLetter(letter.getReason().name());
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
