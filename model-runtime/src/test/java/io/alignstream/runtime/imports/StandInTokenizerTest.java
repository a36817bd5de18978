package io.alignstream.runtime.imports;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.WorldSample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stand-in's tokenizer.json is a real Hugging Face tokenizers file: the Rust library the
 * runtime uses (through DJL) loads it and tokenises the synthetic world's captions as CLIP's
 * tokenizer would frame them.
 */
class StandInTokenizerTest {

    private static Path standIn;

    @BeforeAll
    static void buildStandIn() {
        standIn = StandIn.build("optimum");
    }

    @Test
    void theTokenizerLowercasesSplitsPunctuationAndFramesTheTextWithStartAndEndTokens() throws IOException {
        // given the stand-in's tokenizer, loaded as the runtime loads one (no padding)
        try (HuggingFaceTokenizer tokenizer = load(Map.of("padding", "false"))) {
            // when a caption with capitals and punctuation is tokenised
            Encoding encoding = tokenizer.encode("A Large RED circle on the left. #art");

            // then the words are lowercased, punctuation is its own token, and CLIP's specials frame it
            assertThat(encoding.getTokens()).containsExactly("<|startoftext|>", "a", "large", "red", "circle", "on",
                    "the", "left", ".", "#", "art", "<|endoftext|>");
            // and an unknown word becomes the unknown token, not an error
            assertThat(tokenizer.encode("a zebra").getTokens()).containsExactly("<|startoftext|>", "a", "<|unk|>",
                    "<|endoftext|>");
        }
    }

    @Test
    void truncationKeepsTheEndOfTextTokenLast() throws IOException {
        // given the tokenizer truncating to 6 tokens, as the runtime does to max_length
        try (HuggingFaceTokenizer tokenizer = load(Map.of("padding", "false", "truncation", "true", "maxLength", "6"))) {
            // when a long caption is tokenised
            String[] tokens = tokenizer.encode("The image shows a small red circle on the left.").getTokens();

            // then it is cut to 6 with the end-of-text token last (where eos pooling reads)
            assertThat(tokens).hasSize(6);
            assertThat(tokens[5]).isEqualTo("<|endoftext|>");
        }
    }

    @Test
    void theVocabularyIsDenseAndMatchesTheTextModelsEmbeddingRows() throws IOException {
        // when the vocabulary is read from the file
        JsonNode vocab = new ObjectMapper().readTree(standIn.resolve("tokenizer.json").toFile()).path("model").path("vocab");
        TreeSet<Integer> ids = new TreeSet<>();
        vocab.elements().forEachRemaining(id -> ids.add(id.asInt()));

        // then its ids run 0..V-1 without gaps
        assertThat(ids.first()).isZero();
        assertThat(ids.last()).isEqualTo(ids.size() - 1);
        // and the text model's token embedding has exactly V rows, found by its Optimum name
        var graph = io.alignstream.runtime.onnx.OnnxGraph.parse(Files.readAllBytes(standIn.resolve("text_model.onnx")));
        assertThat(graph.initializer("text_model.embeddings.token_embedding.weight").orElseThrow().dims())
                .containsExactly(ids.size(), StandIn.WORD_EMBEDDING);
    }

    @Test
    void everyCaptionOfTheSyntheticWorldTokenisesWithoutUnknownWords() throws IOException {
        // given captions of all kinds from 300 scenes of the synthetic world
        SyntheticWorld world = new SyntheticWorld(7);
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            WorldSample sample = world.sample(i % 2 == 0 ? Split.TRAIN : Split.TEST, i);
            sample.webCaptions().forEach(c -> captions.add(c.text()));
            sample.singleCaptions().forEach(c -> captions.add(c.text()));
            captions.add(sample.longCaption().text());
        }
        try (HuggingFaceTokenizer tokenizer = load(Map.of("padding", "false"))) {
            // when each is tokenised, then none has an unknown token
            for (String caption : captions) {
                assertThat(tokenizer.encode(caption).getTokens()).as(caption).doesNotContain("<|unk|>");
            }
        }
        assertThat(captions).hasSizeGreaterThan(2000);
    }

    private static HuggingFaceTokenizer load(Map<String, String> options) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        try (InputStream in = Files.newInputStream(standIn.resolve("tokenizer.json"))) {
            return HuggingFaceTokenizer.newInstance(in, options);
        }
    }
}
