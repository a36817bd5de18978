package io.alignstream.runtime.imports;

import java.util.Objects;

/**
 * What {@code model import} is told: the bundle's identity and the file's own tensor names where
 * they differ from Optimum's (hand exports of OpenCLIP or OpenAI CLIP name their own).
 *
 * @param modelId        the bundle's {@code model_id}
 * @param version        the bundle's {@code version}
 * @param visionInput    the vision model's image input
 * @param imageEmbeds    the vision model's embedding output [batch, d]
 * @param visionTokens   the vision model's token output [batch, T, dp]
 * @param textInput      the text model's token-id input
 * @param attentionMask  the text model's mask input (optional in the file)
 * @param textEmbeds     the text model's embedding output
 * @param textPooling    {@code none} when {@code textEmbeds} is [batch, d]; {@code eos}, {@code mean}
 *                       or {@code first} when it is [batch, sequence, d]
 * @param wordEmbeddings the word-embedding initializer's name, or null to find it from the graph
 * @param maxLength      the text head's max_length, or null to read the position-embedding count
 */
public record ImportOptions(String modelId, String version, String visionInput, String imageEmbeds,
                            String visionTokens, String textInput, String attentionMask, String textEmbeds,
                            String textPooling, String wordEmbeddings, Integer maxLength) {

    public ImportOptions {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(visionInput, "visionInput");
        Objects.requireNonNull(imageEmbeds, "imageEmbeds");
        Objects.requireNonNull(visionTokens, "visionTokens");
        Objects.requireNonNull(textInput, "textInput");
        Objects.requireNonNull(attentionMask, "attentionMask");
        Objects.requireNonNull(textEmbeds, "textEmbeds");
        Objects.requireNonNull(textPooling, "textPooling");
    }

    /** Optimum's names, version 0.1.0. */
    public static ImportOptions defaults(String modelId) {
        return new ImportOptions(modelId, "0.1.0", "pixel_values", "image_embeds", "last_hidden_state",
                "input_ids", "attention_mask", "text_embeds", "none", null, null);
    }

    public ImportOptions withVersion(String value) {
        return new ImportOptions(modelId, value, visionInput, imageEmbeds, visionTokens, textInput, attentionMask,
                textEmbeds, textPooling, wordEmbeddings, maxLength);
    }

    public ImportOptions withVisionInput(String value) {
        return new ImportOptions(modelId, version, value, imageEmbeds, visionTokens, textInput, attentionMask,
                textEmbeds, textPooling, wordEmbeddings, maxLength);
    }

    public ImportOptions withImageEmbeds(String value) {
        return new ImportOptions(modelId, version, visionInput, value, visionTokens, textInput, attentionMask,
                textEmbeds, textPooling, wordEmbeddings, maxLength);
    }

    public ImportOptions withVisionTokens(String value) {
        return new ImportOptions(modelId, version, visionInput, imageEmbeds, value, textInput, attentionMask,
                textEmbeds, textPooling, wordEmbeddings, maxLength);
    }

    public ImportOptions withTextInput(String value) {
        return new ImportOptions(modelId, version, visionInput, imageEmbeds, visionTokens, value, attentionMask,
                textEmbeds, textPooling, wordEmbeddings, maxLength);
    }

    public ImportOptions withAttentionMask(String value) {
        return new ImportOptions(modelId, version, visionInput, imageEmbeds, visionTokens, textInput, value,
                textEmbeds, textPooling, wordEmbeddings, maxLength);
    }

    public ImportOptions withTextEmbeds(String value) {
        return new ImportOptions(modelId, version, visionInput, imageEmbeds, visionTokens, textInput, attentionMask,
                value, textPooling, wordEmbeddings, maxLength);
    }

    public ImportOptions withTextPooling(String value) {
        return new ImportOptions(modelId, version, visionInput, imageEmbeds, visionTokens, textInput, attentionMask,
                textEmbeds, value, wordEmbeddings, maxLength);
    }

    public ImportOptions withWordEmbeddings(String value) {
        return new ImportOptions(modelId, version, visionInput, imageEmbeds, visionTokens, textInput, attentionMask,
                textEmbeds, textPooling, value, maxLength);
    }

    public ImportOptions withMaxLength(Integer value) {
        return new ImportOptions(modelId, version, visionInput, imageEmbeds, visionTokens, textInput, attentionMask,
                textEmbeds, textPooling, wordEmbeddings, value);
    }
}
