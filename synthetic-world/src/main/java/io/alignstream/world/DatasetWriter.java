package io.alignstream.world;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Writes a training/evaluation dataset of the synthetic world to a folder, including every
 * caption's embedding computed by the runtime's own caption rule and encoder (a
 * {@link CaptionEncoding}), so Python training reads exactly the text embeddings the Java runtime
 * will compute. The world knows no model: the command line's {@code alignstream model dataset}
 * supplies the runtime's encoding.
 *
 * <p>Files (all little-endian):
 * <ul>
 *   <li>{@code meta.json}: seed, sizes, attribute vocabularies, held-out pairs;</li>
 *   <li>{@code <split>_images.u8}: uint8 [n, 64, 64, 3], HWC, RGB;</li>
 *   <li>{@code <split>_labels.tsv}: one row per image, one column per attribute family;</li>
 *   <li>{@code <split>_captions.tsv}: image, kind (web, long, single, sub, trunc), family
 *       (single captions only), text id, named attributes;</li>
 *   <li>{@code texts.tsv} and {@code text_embeddings.f32} [n_texts, d]: each distinct text
 *       once (captions repeat), embedded by the encoding's long-caption rule.</li>
 * </ul>
 */
public final class DatasetWriter {

    private final SyntheticWorld world;
    private final int subCaptionsPerImage;
    private final Map<String, Integer> textIds = new LinkedHashMap<>();

    public DatasetWriter(SyntheticWorld world, int subCaptionsPerImage) {
        this.world = world;
        this.subCaptionsPerImage = subCaptionsPerImage;
    }

    public void write(Path out, int trainCount, int testCount, CaptionEncoding encoding) throws IOException {
        Files.createDirectories(out);
        long started = System.nanoTime();
        writeSplit(out, Split.TRAIN, trainCount, encoding);
        writeSplit(out, Split.TEST, testCount, encoding);
        log("wrote images and captions: %d distinct texts (%.1fs)", textIds.size(), seconds(started));
        writeTexts(out, encoding);
        log("embedded all texts (%.1fs)", seconds(started));
        writeMeta(out, trainCount, testCount, encoding);
    }

    private void writeSplit(Path out, Split split, int count, CaptionEncoding encoding) throws IOException {
        String prefix = split.key() + "_";
        try (OutputStream images = new BufferedOutputStream(Files.newOutputStream(out.resolve(prefix + "images.u8")));
             Writer labels = Files.newBufferedWriter(out.resolve(prefix + "labels.tsv"), StandardCharsets.UTF_8);
             Writer captions = Files.newBufferedWriter(out.resolve(prefix + "captions.tsv"), StandardCharsets.UTF_8)) {
            labels.write("image\t" + Arrays.stream(AttributeFamily.values())
                    .map(AttributeFamily::key).collect(Collectors.joining("\t")) + "\n");
            captions.write("image\tkind\tfamily\ttext\tnamed\n");
            for (int i = 0; i < count; i++) {
                WorldSample sample = world.sample(split, i);
                images.write(sample.image().pixels());
                labels.write(i + "\t" + String.join("\t", sample.scene().labels().values()) + "\n");
                for (Caption caption : sample.webCaptions()) {
                    captionRow(captions, i, caption.kind().key(), "-", caption.text(), caption.namedAsString());
                }
                Caption longCaption = sample.longCaption();
                captionRow(captions, i, "long", "-", longCaption.text(), longCaption.namedAsString());
                AttributeFamily[] families = AttributeFamily.primaryFamilies();
                for (int f = 0; f < families.length; f++) {
                    Caption single = sample.singleCaptions().get(f);
                    captionRow(captions, i, "single", families[f].key(), single.text(), single.namedAsString());
                }
                // CLIPS sub-captions, seeded per image so the dataset is reproducible.
                SplittableRandom subRandom = new SplittableRandom(world.seed() * 1_000_003L + i * 31L + split.ordinal());
                for (int s = 0; s < subCaptionsPerImage; s++) {
                    captionRow(captions, i, "sub", "-", encoding.subCaption(longCaption.text(), subRandom), "-");
                }
                // The ablation's baseline: the long caption cut to the first 32 tokens.
                captionRow(captions, i, "trunc", "-", encoding.truncated(longCaption.text()), "-");
            }
        }
    }

    private void captionRow(Writer out, int image, String kind, String family, String text, String named)
            throws IOException {
        int id = textIds.computeIfAbsent(text, t -> textIds.size());
        out.write(image + "\t" + kind + "\t" + family + "\t" + id + "\t" + (named.isEmpty() ? "-" : named) + "\n");
    }

    private void writeTexts(Path out, CaptionEncoding encoding) throws IOException {
        List<String> texts = new ArrayList<>(textIds.keySet());
        log("embedding %d distinct texts", texts.size());
        float[][] textEmbeddings = encoding.embedAll(texts);
        try (Writer textsOut = Files.newBufferedWriter(out.resolve("texts.tsv"), StandardCharsets.UTF_8);
             OutputStream embeddings = new BufferedOutputStream(Files.newOutputStream(out.resolve("text_embeddings.f32")))) {
            textsOut.write("id\ttext\n");
            ByteBuffer row = ByteBuffer.allocate(encoding.dimension() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int id = 0; id < texts.size(); id++) {
                textsOut.write(id + "\t" + texts.get(id) + "\n");
                row.clear();
                row.asFloatBuffer().put(textEmbeddings[id]);
                embeddings.write(row.array());
            }
        }
    }

    private void writeMeta(Path out, int trainCount, int testCount, CaptionEncoding encoding) throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"seed\": ").append(world.seed()).append(",\n");
        json.append("  \"image_size\": ").append(SyntheticWorld.IMAGE_SIZE).append(",\n");
        json.append("  \"train_images\": ").append(trainCount).append(",\n");
        json.append("  \"test_images\": ").append(testCount).append(",\n");
        json.append("  \"web_captions_per_image\": ").append(SyntheticWorld.WEB_CAPTIONS_PER_IMAGE).append(",\n");
        json.append("  \"sub_captions_per_image\": ").append(subCaptionsPerImage).append(",\n");
        json.append("  \"sub_caption_max_tokens\": ").append(encoding.maxTokens()).append(",\n");
        json.append("  \"embedding_dim\": ").append(encoding.dimension()).append(",\n");
        json.append("  \"texts\": ").append(textIds.size()).append(",\n");
        json.append("  \"values\": {\n");
        json.append("    \"shape\": ").append(words(Shape.values())).append(",\n");
        json.append("    \"colour\": ").append(words(Colour.values())).append(",\n");
        json.append("    \"size\": ").append(words(Size.values())).append(",\n");
        json.append("    \"position\": ").append(words(Position.values())).append(",\n");
        json.append("    \"background\": ").append(words(Background.values())).append("\n");
        json.append("  },\n");
        json.append("  \"held_out_colour_by_shape\": {");
        json.append(Arrays.stream(Shape.values())
                .map(s -> "\"" + s.word() + "\": \"" + HeldOutCombinations.heldOutColourFor(s).word() + "\"")
                .collect(Collectors.joining(", ")));
        json.append("}\n}\n");
        Files.writeString(out.resolve("meta.json"), json.toString(), StandardCharsets.UTF_8);
    }

    private static String words(Enum<?>[] values) {
        return Arrays.stream(values)
                .map(v -> "\"" + v.name().toLowerCase(java.util.Locale.ROOT) + "\"")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.err.printf(format + "%n", args);
    }
}
