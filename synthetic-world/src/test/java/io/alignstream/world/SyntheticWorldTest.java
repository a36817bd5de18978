package io.alignstream.world;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SyntheticWorldTest {

    private final SyntheticWorld world = new SyntheticWorld(7);

    @Test
    void sameSeedAndIndexGiveTheSameSampleEveryTime() {
        // given two worlds with the same seed
        SyntheticWorld again = new SyntheticWorld(7);

        // when the same scene is generated twice
        WorldSample first = world.sample(Split.TRAIN, 42);
        WorldSample second = again.sample(Split.TRAIN, 42);

        // then labels, pixels and captions are identical
        assertThat(second.scene()).isEqualTo(first.scene());
        assertThat(second.image().pixels()).isEqualTo(first.image().pixels());
        assertThat(second.webCaptions()).isEqualTo(first.webCaptions());
        assertThat(second.longCaption()).isEqualTo(first.longCaption());
    }

    @Test
    void differentSeedsGiveDifferentWorlds() {
        // given another seed
        SyntheticWorld other = new SyntheticWorld(8);

        // when the same index is drawn from both
        byte[] mine = world.sample(Split.TRAIN, 0).image().pixels();
        byte[] theirs = other.sample(Split.TRAIN, 0).image().pixels();

        // then the pixels differ
        assertThat(theirs).isNotEqualTo(mine);
    }

    @Test
    void heldOutColourShapePairsNeverAppearInTraining() {
        // when many training scenes are drawn
        boolean anyHeldOut = IntStream.range(0, 3000)
                .mapToObj(i -> world.scene(Split.TRAIN, i))
                .anyMatch(SyntheticWorldTest::containsHeldOutPair);

        // then none carries a held-out pair, on either object
        assertThat(anyHeldOut).isFalse();
    }

    @Test
    void testSplitCarriesHeldOutPairsForAboutHalfItsScenes() {
        // when test scenes are drawn
        long heldOut = IntStream.range(0, 1000)
                .mapToObj(i -> world.scene(Split.TEST, i))
                .filter(SyntheticWorldTest::containsHeldOutPair)
                .count();

        // then about half are held-out compositions
        assertThat(heldOut).isBetween(400L, 600L);
    }

    @Test
    void longCaptionNamesEveryAttributeByItsWord() {
        // given a sample with a second object
        WorldSample sample = IntStream.range(0, 100)
                .mapToObj(i -> world.sample(Split.TRAIN, i))
                .filter(s -> s.scene().second().isPresent())
                .findFirst().orElseThrow();

        // when its long caption is read
        Caption caption = sample.longCaption();

        // then it names every label and says so
        assertThat(caption.named()).isEqualTo(sample.scene().labels());
        assertThat(SubCaptionSplitterSentences.count(caption.text())).isGreaterThanOrEqualTo(4);
        sample.scene().labels().values()
                .forEach(word -> assertThat(caption.text()).containsIgnoringCase(word));
    }

    @Test
    void webCaptionsNameOneOrTwoTrueAttributesLiterally() {
        for (int i = 0; i < 200; i++) {
            // given a sample
            WorldSample sample = world.sample(Split.TRAIN, i);

            for (Caption caption : sample.webCaptions()) {
                // then each web caption names one or two attributes, all true, all in the text
                assertThat(caption.named()).hasSizeBetween(1, 2);
                assertThat(sample.scene().satisfies(caption.named())).isTrue();
                caption.named().values().forEach(word -> assertThat(caption.text()).contains(word));
            }
        }
    }

    @Test
    void singleAttributeCaptionsNameExactlyTheirFamily() {
        // given a sample
        WorldSample sample = world.sample(Split.TEST, 3);

        // then its probe captions come one per primary family, naming only that family
        AttributeFamily[] families = AttributeFamily.primaryFamilies();
        assertThat(sample.singleCaptions()).hasSize(families.length);
        for (int f = 0; f < families.length; f++) {
            Map<String, String> named = sample.singleCaptions().get(f).named();
            assertThat(named).containsOnlyKeys(families[f].key());
            assertThat(named.get(families[f].key())).isEqualTo(sample.scene().label(families[f]));
        }
    }

    private static boolean containsHeldOutPair(Scene scene) {
        boolean primary = HeldOutCombinations.isHeldOut(scene.primary().shape(), scene.primary().colour());
        boolean second = scene.second()
                .map(o -> HeldOutCombinations.isHeldOut(o.shape(), o.colour()))
                .orElse(false);
        return primary || second;
    }

    /** Sentence count without the text package: the world's captions end sentences with '.'. */
    private static final class SubCaptionSplitterSentences {
        static int count(String text) {
            return (int) text.chars().filter(c -> c == '.').count();
        }
    }
}
