package io.alignstream.runtime.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stand-in encoders behave as a CLIP export does in ONNX Runtime: the runtime pads captions
 * per batch, so a text's embedding must not change with padding (attention mask and end-of-text
 * pooling at work), and different inputs must give different embeddings.
 */
class StandInEncodersTest {

    private static Path standIn;

    @BeforeAll
    static void buildStandIn() {
        standIn = StandIn.build("optimum");
    }

    @Test
    void aTextsEmbeddingIsTheSameWhetherOrNotItsRowIsPadded() throws IOException {
        // given the token ids of a 5-token text, alone and right-padded to 8 beside a longer text
        var vocab = new com.fasterxml.jackson.databind.ObjectMapper().readTree(standIn.resolve("tokenizer.json").toFile())
                .path("model").path("vocab");
        long start = vocab.path("<|startoftext|>").asLong();
        long end = vocab.path("<|endoftext|>").asLong();
        long[] shortText = {start, 0, 2, 3, end};
        long[] longText = {start, 0, 2, 3, 4, 5, 6, end};
        long[] padded = {start, 0, 2, 3, end, end, end, end};
        long[] paddedMask = {1, 1, 1, 1, 1, 0, 0, 0};

        // when each batch is run
        float[] alone = text(new long[][]{shortText}, new long[][]{{1, 1, 1, 1, 1}});
        float[] batched = text(new long[][]{padded, longText}, new long[][]{paddedMask, {1, 1, 1, 1, 1, 1, 1, 1}});

        // then the padded row's embedding is the unpadded one, and the other text's differs
        for (int i = 0; i < StandIn.EMBEDDING; i++) {
            assertThat(batched[i]).isCloseTo(alone[i], within(1e-5f));
        }
        assertThat(maxDifference(batched, StandIn.EMBEDDING)).isGreaterThan(1e-3f);
    }

    @Test
    void differentImagesGiveDifferentEmbeddings() throws IOException {
        // given a batch of a black and a white image
        int s = StandIn.IMAGE_SIZE;
        float[] pixels = new float[2 * 3 * s * s];
        java.util.Arrays.fill(pixels, 3 * s * s, pixels.length, 1.5f);

        // when run
        Map<String, TrialRun.Output> out = TrialRun.run("vision_model.onnx",
                Files.readAllBytes(standIn.resolve("vision_model.onnx")), List.of("image_embeds", "last_hidden_state"),
                List.of(new TrialRun.Feed("pixel_values", pixels, 2, 3, s, s)));

        // then their embeddings differ
        assertThat(out.get("image_embeds").shape()).containsExactly(2, StandIn.EMBEDDING);
        assertThat(maxDifference(out.get("image_embeds").floats(), StandIn.EMBEDDING)).isGreaterThan(1e-3f);
    }

    private static float[] text(long[][] ids, long[][] mask) throws IOException {
        int n = ids[0].length;
        long[] flatIds = new long[ids.length * n];
        long[] flatMask = new long[ids.length * n];
        for (int b = 0; b < ids.length; b++) {
            System.arraycopy(ids[b], 0, flatIds, b * n, n);
            System.arraycopy(mask[b], 0, flatMask, b * n, n);
        }
        return TrialRun.run("text_model.onnx", Files.readAllBytes(standIn.resolve("text_model.onnx")),
                List.of("text_embeds", "last_hidden_state"),
                List.of(new TrialRun.Feed("input_ids", flatIds, ids.length, n),
                        new TrialRun.Feed("attention_mask", flatMask, ids.length, n)))
                .get("text_embeds").floats();
    }

    /** The largest difference between the first row and the second. */
    private static float maxDifference(float[] twoRows, int width) {
        float max = 0;
        for (int i = 0; i < width; i++) {
            max = Math.max(max, Math.abs(twoRows[i] - twoRows[width + i]));
        }
        return max;
    }
}
