package io.alignstream.world;

import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.text.MiniLmTextEncoder;
import io.alignstream.text.SubCaptionSplitter;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Writes a training/evaluation dataset of the synthetic world to a folder, including every
 * caption's MiniLM embedding computed here with ONNX Runtime, so Python training reads exactly
 * the text embeddings the Java runtime will compute.
 *
 * <p>Files (all little-endian):
 * <ul>
 *   <li>{@code meta.json}: seed, sizes, attribute vocabularies, held-out pairs;</li>
 *   <li>{@code <split>_images.u8}: uint8 [n, 64, 64, 3], HWC, RGB;</li>
 *   <li>{@code <split>_labels.tsv}: one row per image, one column per attribute family;</li>
 *   <li>{@code <split>_captions.tsv}: image, kind (web, long, single, sub, trunc), family
 *       (single captions only), text id, named attributes;</li>
 *   <li>{@code texts.tsv} and {@code text_embeddings.f32} [n_texts, 384]: each distinct text
 *       once (captions repeat), embedded by {@link LongCaptionEncoder}'s rule.</li>
 * </ul>
 * Usage: {@code DatasetWriter <out-dir> [seed] [train-count] [test-count] [sub-captions]}.
 */
public final class DatasetWriter {

    private final SyntheticWorld world;
    private final int subCaptionsPerImage;
    private final Map<String, Integer> textIds = new LinkedHashMap<>();

    public DatasetWriter(SyntheticWorld world, int subCaptionsPerImage) {
        this.world = world;
        this.subCaptionsPerImage = subCaptionsPerImage;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: DatasetWriter <out-dir> [seed] [train] [test] [sub-captions]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 7L;
        int train = args.length > 2 ? Integer.parseInt(args[2]) : 6000;
        int test = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        int subCaptions = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        try (MiniLmTextEncoder encoder = MiniLmTextEncoder.load()) {
            new DatasetWriter(new SyntheticWorld(seed), subCaptions).write(out, train, test, encoder);
        }
    }

    public void write(Path out, int trainCount, int testCount, MiniLmTextEncoder encoder) throws IOException {
        Files.createDirectories(out);
        long started = System.nanoTime();
        LongCaptionEncoder longEncoder = new LongCaptionEncoder(encoder);
        SubCaptionSplitter splitter = longEncoder.splitter();
        writeSplit(out, Split.TRAIN, trainCount, splitter);
        writeSplit(out, Split.TEST, testCount, splitter);
        log("wrote images and captions: %d distinct texts (%.1fs)", textIds.size(), seconds(started));
        writeTexts(out, longEncoder);
        log("embedded all texts (%.1fs)", seconds(started));
        writeMeta(out, trainCount, testCount);
    }

    private void writeSplit(Path out, Split split, int count, SubCaptionSplitter splitter) throws IOException {
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
                    captionRow(captions, i, "sub", "-", splitter.sample(longCaption.text(), subRandom), "-");
                }
                // The ablation's baseline: the long caption cut to the first 32 tokens.
                captionRow(captions, i, "trunc", "-", splitter.truncate(longCaption.text()), "-");
            }
        }
    }

    private void captionRow(Writer out, int image, String kind, String family, String text, String named)
            throws IOException {
        int id = textIds.computeIfAbsent(text, t -> textIds.size());
        out.write(image + "\t" + kind + "\t" + family + "\t" + id + "\t" + (named.isEmpty() ? "-" : named) + "\n");
    }

    private void writeTexts(Path out, LongCaptionEncoder longEncoder) throws IOException {
        List<String> texts = new ArrayList<>(textIds.keySet());
        // Every distinct chunk is embedded once; a text's embedding is the mean of its chunks'.
        Map<String, Integer> chunkIds = new HashMap<>();
        List<String> chunkTexts = new ArrayList<>();
        List<int[]> textChunks = new ArrayList<>(texts.size());
        for (String text : texts) {
            List<String> chunks = longEncoder.chunks(text);
            textChunks.add(chunks.stream().mapToInt(c -> chunkIds.computeIfAbsent(c, k -> {
                chunkTexts.add(k);
                return chunkTexts.size() - 1;
            })).toArray());
        }
        log("embedding %d distinct chunks for %d texts", chunkTexts.size(), texts.size());
        float[][] chunkEmbeddings = longEncoder.encoder().embedAll(chunkTexts);
        try (Writer textsOut = Files.newBufferedWriter(out.resolve("texts.tsv"), StandardCharsets.UTF_8);
             OutputStream embeddings = new BufferedOutputStream(Files.newOutputStream(out.resolve("text_embeddings.f32")))) {
            textsOut.write("id\ttext\n");
            ByteBuffer row = ByteBuffer.allocate(MiniLmTextEncoder.DIMENSION * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int id = 0; id < texts.size(); id++) {
                textsOut.write(id + "\t" + texts.get(id) + "\n");
                int[] chunks = textChunks.get(id);
                float[][] parts = new float[chunks.length][];
                for (int c = 0; c < chunks.length; c++) {
                    parts[c] = chunkEmbeddings[chunks[c]];
                }
                float[] embedding = chunks.length == 1 ? parts[0] : LongCaptionEncoder.meanOfNormalised(parts);
                row.clear();
                row.asFloatBuffer().put(embedding);
                embeddings.write(row.array());
            }
        }
    }

    private void writeMeta(Path out, int trainCount, int testCount) throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"seed\": ").append(world.seed()).append(",\n");
        json.append("  \"image_size\": ").append(SyntheticWorld.IMAGE_SIZE).append(",\n");
        json.append("  \"train_images\": ").append(trainCount).append(",\n");
        json.append("  \"test_images\": ").append(testCount).append(",\n");
        json.append("  \"web_captions_per_image\": ").append(SyntheticWorld.WEB_CAPTIONS_PER_IMAGE).append(",\n");
        json.append("  \"sub_captions_per_image\": ").append(subCaptionsPerImage).append(",\n");
        json.append("  \"sub_caption_max_tokens\": ").append(SubCaptionSplitter.DEFAULT_MAX_TOKENS).append(",\n");
        json.append("  \"embedding_dim\": ").append(MiniLmTextEncoder.DIMENSION).append(",\n");
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
