package io.alignstream.runtime.heads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.text.SubCaptionSplitter;
import io.alignstream.world.Background;
import io.alignstream.world.Colour;
import io.alignstream.world.Position;
import io.alignstream.world.Shape;
import io.alignstream.world.Size;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The default bundle's text head: the pretrained all-MiniLM-L6-v2, through the runtime's engine. */
class TextTowerTest {

    private static ModelRuntime runtime;
    private static TextTower encoder;

    @BeforeAll
    static void loadOnce() {
        runtime = ModelRuntime.openDefault();
        encoder = runtime.newTextTower();
    }

    @AfterAll
    static void close() {
        encoder.close();
        runtime.close();
    }

    @Test
    void embeddingsAreUnitLength384Vectors() {
        // when a caption is embedded
        float[] embedding = encoder.embed("a red circle on a striped background");

        // then it is L2-normalised in MiniLM's 384-d space
        assertThat(embedding).hasSize(runtime.bundle().dims().embedding());
        assertThat(norm(embedding)).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void batchedEmbeddingsMatchOneByOne() {
        // given captions of different lengths from the synthetic world
        WorldSample sample = new SyntheticWorld(7).sample(Split.TEST, 1);
        List<String> texts = new ArrayList<>();
        sample.webCaptions().forEach(c -> texts.add(c.text()));
        texts.add(sample.longCaption().text());

        // when they are embedded as one padded batch
        float[][] batched = encoder.embedAll(texts);

        // then padding changes nothing beyond float rounding
        for (int i = 0; i < texts.size(); i++) {
            float[] single = encoder.embed(texts.get(i));
            for (int d = 0; d < single.length; d++) {
                assertThat(batched[i][d]).isCloseTo(single[d], within(1e-4f));
            }
        }
    }

    @Test
    void paraphrasesAreCloserThanDifferentScenes() {
        // when related and unrelated captions are embedded
        float[] query = encoder.embed("a red circle");
        float[] paraphrase = encoder.embed("photo of a red circle");
        float[] different = encoder.embed("a blue square on a striped background");

        // then the pretrained encoder ranks them sensibly
        assertThat(dot(query, paraphrase)).isGreaterThan(dot(query, different));
    }

    @Test
    void everyAttributeWordIsOneWordPieceSoAlignVlmCanNameIt() {
        // given every attribute value word of the synthetic world
        Stream<String> words = Stream.of(
                Stream.of(Shape.values()).map(Shape::word),
                Stream.of(Colour.values()).map(Colour::word),
                Stream.of(Size.values()).map(Size::word),
                Stream.of(Position.values()).map(Position::word),
                Stream.of(Background.values()).map(Background::word)).flatMap(s -> s);

        // then each is a single token of MiniLM's vocabulary
        words.forEach(word -> assertThat(encoder.tokenIds(word)).as(word).hasSize(1));
    }

    @Test
    void longCaptionEmbeddingIsTheMeanOfItsChunks() {
        // given a long caption and the long-caption rule
        String caption = new SyntheticWorld(7).sample(Split.TRAIN, 9).longCaption().text();
        LongCaptionEncoder longEncoder = new LongCaptionEncoder(encoder);

        // when it is embedded
        List<String> chunks = longEncoder.chunks(caption);
        float[] embedding = longEncoder.embed(caption);

        // then its chunks fit the 32-token budget and the embedding is their normalised mean
        assertThat(chunks).allMatch(c -> encoder.count(c) <= SubCaptionSplitter.DEFAULT_MAX_TOKENS);
        float[] expected = LongCaptionEncoder.meanOfNormalised(encoder.embedAll(chunks));
        assertThat(dot(embedding, expected)).isCloseTo(1.0, within(1e-5));
    }

    private static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
