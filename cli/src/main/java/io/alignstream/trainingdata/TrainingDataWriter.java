package io.alignstream.trainingdata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.ingest.SourceCaption;
import io.alignstream.ingest.SourceImage;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.bundle.TokenizerVocabulary;
import io.alignstream.runtime.heads.TextTower;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.heads.VisionTower;
import io.alignstream.runtime.image.ImageLimits;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.runtime.image.ImageRejectedException;
import io.alignstream.runtime.onnx.Initializer;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.text.CaptionRejectedException;
import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.text.SubCaptionSplitter;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the training-data directory (docs/bundle-format-2.md) from a user's images and
 * captions: every embedding is computed here, in Java, through the bundle's own heads and the
 * service's caption rule, so the trainer learns on exactly the numbers the service will feed
 * its heads. Images are split by a hash of their id (all captions of an image share its split).
 * Labels, when given, are copied for evaluation only.
 */
public final class TrainingDataWriter {

    /** Images per vision call. */
    private static final int BATCH = 32;
    /** Captions embedded and written per block: a dataset's captions are never all in memory. */
    private static final int CAPTION_BLOCK = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param patchImages  at most this many images keep their patch tokens (they are large)
     * @param goldenImages test images whose inputs and outputs become the bundle's golden file
     * @param validation   share of images in the validation split
     * @param test         share of images in the test split
     * @param seed         seeds the split
     */
    public record Options(int patchImages, int goldenImages, double validation, double test, long seed) {
        public static Options defaults() {
            return new Options(4000, 4, 0.1, 0.1, 7);
        }
    }

    /**
     * What was written; the images that could not be read and the captions the service would
     * refuse (both skipped, with why).
     */
    public record Summary(int images, int captions, Map<String, Integer> splits, List<String> skipped,
                          List<String> skippedCaptions) {
    }

    private TrainingDataWriter() {
    }

    /**
     * Embeds {@code images} through {@code runtime}'s heads into {@code out} (created; must be
     * absent or empty). {@code labels}: optional JSON Lines of {@code image_id} and attributes.
     */
    public static Summary write(List<SourceImage> images, Path labels, ModelRuntime runtime, Path out,
                                Options options) throws IOException {
        if (Files.isDirectory(out)) {
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(out + " is not empty: give a new directory");
                }
            }
        }
        ModelBundle bundle = runtime.bundle();
        String wordEmbeddings = bundle.manifest().head(BundleManifest.TEXT).text().orElseThrow().wordEmbeddings();
        if (wordEmbeddings.isEmpty()) {    // checked before hours of embedding, not after
            throw new IOException(bundle + ": heads.text.word_embeddings is not set: AlignVLM needs the text head's"
                    + " word-embedding initializer (model import --word-embeddings NAME)");
        }
        Files.createDirectories(out);
        BundleManifest manifest = bundle.manifest();
        int size = manifest.preprocessing().imageSize();
        ImagePreprocessor preprocessor = new ImagePreprocessor(size, size, ImageLimits.defaults());

        // Streamed in batches (a real model's inputs are large): an unreadable image is skipped;
        // the first test images become the golden ones; patch tokens are kept for the first
        // images up to the bound, and for the golden ones.
        List<SourceImage> kept = new ArrayList<>();
        List<String> splits = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Map<Integer, Integer> patchRows = new LinkedHashMap<>();
        List<float[]> goldenPixels = new ArrayList<>();
        List<String> skippedCaptions = new ArrayList<>();
        int captions = 0;
        try (TextTower text = runtime.newTextTower();
             VisionTower vision = runtime.newVisionTower();
             OutputStream embeddings = floats(out.resolve("image_embeddings.f32"));
             OutputStream patches = floats(out.resolve("patch_tokens.f32"));
             BufferedWriter captionLines = Files.newBufferedWriter(out.resolve("captions.jsonl"), StandardCharsets.UTF_8);
             OutputStream captionOut = floats(out.resolve("caption_embeddings.f32"))) {
            // The service's caption rule: cleaned, refused where the service refuses, chunked.
            CaptionPreparer preparer = new CaptionPreparer(new SubCaptionSplitter(text, SubCaptionSplitter.DEFAULT_MAX_TOKENS));
            LongCaptionEncoder encoder = new LongCaptionEncoder(text);
            CaptionBlock block = new CaptionBlock();
            for (int start = 0; start < images.size(); start += BATCH) {
                List<float[]> batch = new ArrayList<>();
                List<Integer> indices = new ArrayList<>();
                for (SourceImage image : images.subList(start, Math.min(images.size(), start + BATCH))) {
                    try {
                        batch.add(preprocessor.preprocess(Files.readAllBytes(image.file())));
                    } catch (ImageRejectedException | IOException e) {
                        skipped.add(image.imageId() + ": " + e.getMessage());
                        continue;
                    }
                    indices.add(kept.size());
                    kept.add(image);
                    splits.add(split(image.imageId(), options));
                }
                if (batch.isEmpty()) {
                    continue;
                }
                List<VisionEmbedding> embedded = vision.embed(batch);
                for (int b = 0; b < batch.size(); b++) {
                    int i = indices.get(b);
                    write(embeddings, embedded.get(b).embedding());
                    int before = block.size();
                    for (SourceCaption caption : kept.get(i).captions()) {
                        try {
                            CaptionPreparer.PreparedCaption prepared = preparer.prepare(caption.text());
                            block.add(i, prepared, text.tokenIds(prepared.text()));
                        } catch (CaptionRejectedException e) {
                            skippedCaptions.add(kept.get(i).imageId() + "/" + caption.captionId() + ": " + e.getMessage());
                        }
                    }
                    boolean hasCaption = block.size() > before;
                    if (block.size() >= CAPTION_BLOCK) {
                        captions += block.flush(encoder, captionLines, captionOut);
                    }
                    // A golden image needs a caption: its caption's embedding is a golden input.
                    boolean golden = hasCaption && splits.get(i).equals("test") && goldenPixels.size() < options.goldenImages();
                    if (golden) {
                        goldenPixels.add(batch.get(b));
                    }
                    if (golden || patchRows.size() < options.patchImages()) {
                        patchRows.put(i, patchRows.size());
                        write(patches, embedded.get(b).patchTokens());
                    }
                }
            }
            captions += block.flush(encoder, captionLines, captionOut);
        }
        try (OutputStream goldenOut = new BufferedOutputStream(Files.newOutputStream(out.resolve("golden_images.u8")))) {
            for (float[] image : goldenPixels) {
                for (float v : image) {
                    goldenOut.write(Math.round(v));
                }
            }
        }

        Map<String, Integer> splitCounts = new LinkedHashMap<>();
        try (BufferedWriter imageLines = Files.newBufferedWriter(out.resolve("images.jsonl"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < kept.size(); i++) {
                ObjectNode line = JSON.createObjectNode().put("image_id", kept.get(i).imageId()).put("split", splits.get(i));
                if (patchRows.containsKey(i)) {
                    line.put("patches", patchRows.get(i));
                }
                imageLines.write(JSON.writeValueAsString(line));
                imageLines.newLine();
                splitCounts.merge(splits.get(i), 1, Integer::sum);
            }
        }

        int wordWidth = writeWordEmbeddings(bundle, out);
        TokenizerVocabulary vocabulary = bundle.vocabulary();
        List<String> words = new ArrayList<>(vocabulary.size());
        for (int id = 0; id < vocabulary.size(); id++) {
            words.add(vocabulary.word(id));
        }
        JSON.writeValue(out.resolve("vocabulary.json").toFile(), words);
        if (labels != null) {
            copyLabels(labels, kept, out.resolve("labels.jsonl"));
        }

        ObjectNode dataset = JSON.createObjectNode()
                .put("images", kept.size()).put("captions", captions)
                .put("embedding", manifest.dims().embedding())
                .put("patch_tokens", manifest.dims().patchTokens()).put("patch_dim", manifest.dims().patchDim())
                .put("patch_images", patchRows.size())
                .put("word_embedding", wordWidth).put("text_vocabulary", vocabulary.size())
                .put("image_size", size).put("golden_images", goldenPixels.size())
                .put("source", bundle.toString());
        dataset.putObject("split").put("validation", options.validation()).put("test", options.test())
                .put("seed", options.seed());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("dataset.json").toFile(), dataset);
        return new Summary(kept.size(), captions, splitCounts, skipped, skippedCaptions);
    }

    /** The split of an image, from a hash of its id: stable when images are added or reordered. */
    static String split(String imageId, Options options) {
        long h = options.seed() * 0x9E3779B97F4A7C15L;
        for (byte b : imageId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001B3L;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        double u = (h >>> 11) * 0x1.0p-53;
        return u < options.test() ? "test" : u < options.test() + options.validation() ? "validation" : "train";
    }

    private static int writeWordEmbeddings(ModelBundle bundle, Path out) throws IOException {
        String name = bundle.manifest().head(BundleManifest.TEXT).text().orElseThrow().wordEmbeddings();
        Initializer matrix = bundle.graph(BundleManifest.TEXT).initializer(name).orElseThrow();
        try (OutputStream words = floats(out.resolve("word_embeddings.f32"))) {
            write(words, matrix.floats());
        }
        return (int) matrix.dims()[1];
    }

    private static void copyLabels(Path labels, List<SourceImage> kept, Path out) throws IOException {
        Map<String, JsonNode> byId = new HashMap<>();
        for (String line : Files.readAllLines(labels, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode node = JSON.readTree(line);
                byId.put(node.path("image_id").asText(), node);
            }
        }
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (SourceImage image : kept) {
                JsonNode label = byId.get(image.imageId());
                ObjectNode line = label == null ? JSON.createObjectNode() : ((ObjectNode) label).deepCopy();
                line.remove("image_id");
                writer.write(JSON.writeValueAsString(line));
                writer.newLine();
            }
        }
    }

    private static OutputStream floats(Path file) throws IOException {
        return new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    }

    private static void write(OutputStream out, float[] values) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        out.write(buffer.array());
    }

    /** Prepared captions waiting to be embedded and written together (a chunk shared within a block embeds once). */
    private static final class CaptionBlock {
        private final List<Integer> owners = new ArrayList<>();
        private final List<CaptionPreparer.PreparedCaption> prepared = new ArrayList<>();
        private final List<long[]> tokens = new ArrayList<>();

        void add(int image, CaptionPreparer.PreparedCaption caption, long[] tokenIds) {
            owners.add(image);
            prepared.add(caption);
            tokens.add(tokenIds);
        }

        int size() {
            return prepared.size();
        }

        int flush(LongCaptionEncoder encoder, BufferedWriter lines, OutputStream embeddings) throws IOException {
            if (prepared.isEmpty()) {
                return 0;
            }
            float[][] vectors = encoder.embedPrepared(prepared.stream().map(CaptionPreparer.PreparedCaption::subCaptions).toList());
            for (int j = 0; j < prepared.size(); j++) {
                ObjectNode line = JSON.createObjectNode().put("image", owners.get(j)).put("text", prepared.get(j).text());
                ArrayNode ids = line.putArray("tokens");
                for (long id : tokens.get(j)) {
                    ids.add(id);
                }
                lines.write(JSON.writeValueAsString(line));
                lines.newLine();
                write(embeddings, vectors[j]);
            }
            int written = prepared.size();
            owners.clear();
            prepared.clear();
            tokens.clear();
            return written;
        }
    }
}
