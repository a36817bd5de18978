package io.alignstream.bench.precision;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.text.CaptionLength;
import io.alignstream.text.CaptionPreparer.PreparedCaption;
import io.alignstream.text.SubCaptionSplitter;
import io.alignstream.world.Caption;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which images are a caption's hits, and what the retrieval rows count, on synthetic-world scenes. */
class RetrievalSetTest {

    private static final SyntheticWorld WORLD = new SyntheticWorld(7);
    private static final int FIRST = 40_000;
    private static final double FULL = 100;

    @Test
    void aCaptionByteIdenticalToAnotherImagesCaptionHasThatImageAsAHit() {
        // given two scenes, the second also carrying a copy of the first one's first web caption
        WorldSample a = WORLD.sample(Split.TRAIN, FIRST);
        WorldSample b = WORLD.sample(Split.TRAIN, FIRST + 1);
        List<PreparedCaption> ofA = web(a);
        List<PreparedCaption> ofB = new ArrayList<>(web(b));
        ofB.add(ofA.get(0));
        RetrievalSet withCopy = set(ofA, ofB);
        RetrievalSet withoutCopy = set(ofA, web(b));

        // and scores that rank every caption's own image first, except the first caption, which
        // ranks the second image first
        int second = 1;
        float[][] scores = ownImageFirst(withCopy);
        scores[0][second] = scores[0][0] + 1;

        // then that caption's best image is a hit, and text->image R@1 is full
        assertThat(withCopy.hit(0, second)).isTrue();
        assertThat(withCopy.textToImage(scores, CaptionLength.SHORT, 1).points(1)).isEqualTo(FULL);
        // while without the copy the same ranking is a miss for that one caption
        int captions = withoutCopy.captions().size();
        float[][] same = ownImageFirst(withoutCopy);
        same[0][second] = same[0][0] + 1;
        assertThat(withoutCopy.hit(0, second)).isFalse();
        assertThat(withoutCopy.textToImage(same, CaptionLength.SHORT, 1).points(1))
                .isEqualTo(FULL * (captions - 1) / captions);
    }

    @Test
    void imageToTextAmongLongCaptionsSkipsAnImageWithoutOne() {
        // given one scene with its web captions and its long caption, and one with web captions only
        WorldSample a = WORLD.sample(Split.TRAIN, FIRST);
        WorldSample b = WORLD.sample(Split.TRAIN, FIRST + 1);
        List<PreparedCaption> ofA = new ArrayList<>(web(a));
        ofA.add(longCaption(a));
        RetrievalSet set = set(ofA, web(b));

        // when image->text recall among long captions is computed
        Recall.Result result = set.imageToText(ownImageFirst(set), CaptionLength.LONG, 1);

        // then the image without a long caption is skipped, not counted as a miss
        assertThat(set.captionsOf(CaptionLength.LONG)).hasSize(1);
        assertThat(result.counted()).isEqualTo(1);
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.points(1)).isEqualTo(FULL);
    }

    private static RetrievalSet set(List<PreparedCaption> first, List<PreparedCaption> second) {
        List<BenchSource.Item> images = List.of(item(FIRST), item(FIRST + 1));
        return RetrievalSet.of(images, List.of(first, second), 0, 0, List.of());
    }

    private static BenchSource.Item item(int index) {
        byte[] png = WORLD.sample(Split.TRAIN, index).image().toPng();
        return new BenchSource.Item(Integer.toString(index + 1), () -> png, List.of());
    }

    /** Web captions are one sentence each: one sub-caption, short. */
    private static List<PreparedCaption> web(WorldSample sample) {
        return sample.webCaptions().stream().map(Caption::text).map(t -> new PreparedCaption(t, List.of(t))).toList();
    }

    /** The long caption as its sentences: several sub-captions, long. */
    private static PreparedCaption longCaption(WorldSample sample) {
        String text = sample.longCaption().text();
        PreparedCaption prepared = new PreparedCaption(text, SubCaptionSplitter.sentences(text));
        assertThat(prepared.length()).isEqualTo(CaptionLength.LONG);
        return prepared;
    }

    /** [caption][image]: 1 for the caption's own image, 0 elsewhere. */
    private static float[][] ownImageFirst(RetrievalSet set) {
        float[][] scores = new float[set.captions().size()][set.imageCount()];
        for (int c = 0; c < scores.length; c++) {
            scores[c][set.captions().get(c).image()] = 1;
        }
        return scores;
    }
}
