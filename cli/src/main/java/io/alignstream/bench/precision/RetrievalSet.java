package io.alignstream.bench.precision;

import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.runtime.image.ImageRejectedException;
import io.alignstream.text.CaptionLength;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.text.CaptionRejectedException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The images and captions retrieval is measured on, fixed once so both precisions see the same
 * set: images the preprocessor accepts that keep at least one caption the service accepts
 * (labelfree_eval's RetrievalSet keeps only images with captions), and those captions as the
 * service prepares them. A caption's hits are its own image and every image with a caption of
 * byte-identical (prepared) text.
 */
final class RetrievalSet {

    /** A kept caption: its image's position in the set, its prepared text and sub-captions. */
    record Caption(int image, String text, List<String> subCaptions, int textId) {
        CaptionLength length() {
            return CaptionLength.of(subCaptions.size());
        }
    }

    private final List<BenchSource.Item> images;
    private final List<Caption> captions;
    /** Per image, the text ids of its own captions, sorted. */
    private final int[][] imageTexts;
    private final int rejectedImages;
    private final int refusedCaptions;
    private final List<String> problems;

    private RetrievalSet(List<BenchSource.Item> images, List<Caption> captions, int rejectedImages,
                         int refusedCaptions, List<String> problems) {
        this.images = List.copyOf(images);
        this.captions = List.copyOf(captions);
        this.rejectedImages = rejectedImages;
        this.refusedCaptions = refusedCaptions;
        this.problems = List.copyOf(problems);
        this.imageTexts = new int[images.size()][];
        List<List<Integer>> texts = new ArrayList<>();
        images.forEach(i -> texts.add(new ArrayList<>()));
        captions.forEach(c -> texts.get(c.image()).add(c.textId()));
        for (int i = 0; i < imageTexts.length; i++) {
            imageTexts[i] = texts.get(i).stream().mapToInt(Integer::intValue).distinct().sorted().toArray();
        }
    }

    /** The set as the service would take the source in: rejected images and refused captions left out. */
    static RetrievalSet of(BenchSource source, ImagePreprocessor preprocessor, CaptionPreparer preparer) {
        List<BenchSource.Item> kept = new ArrayList<>();
        List<List<CaptionPreparer.PreparedCaption>> captions = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int rejected = 0;
        int refused = 0;
        for (BenchSource.Item item : source.items()) {
            try {
                preprocessor.preprocess(item.bytes().read());
            } catch (ImageRejectedException | IOException e) {
                rejected++;
                problems.add(item.imageId() + ": " + e.getMessage());
                continue;
            }
            List<CaptionPreparer.PreparedCaption> own = new ArrayList<>();
            for (String raw : item.captions()) {
                try {
                    own.add(preparer.prepare(raw));
                } catch (CaptionRejectedException e) {
                    refused++;
                    problems.add(item.imageId() + ": caption refused: " + e.getMessage());
                }
            }
            if (!own.isEmpty()) {
                kept.add(item);
                captions.add(own);
            }
        }
        return of(kept, captions, rejected, refused, problems);
    }

    /**
     * The set of images whose prepared captions are given, image by image; captions of the same
     * text get the same text id, so they are each other's images' hits.
     */
    static RetrievalSet of(List<BenchSource.Item> images, List<List<CaptionPreparer.PreparedCaption>> captionsByImage,
                           int rejected, int refused, List<String> problems) {
        Map<String, Integer> textIds = new HashMap<>();
        List<Caption> captions = new ArrayList<>();
        for (int image = 0; image < images.size(); image++) {
            for (CaptionPreparer.PreparedCaption prepared : captionsByImage.get(image)) {
                int id = textIds.computeIfAbsent(prepared.text(), t -> textIds.size());
                captions.add(new Caption(image, prepared.text(), prepared.subCaptions(), id));
            }
        }
        return new RetrievalSet(images, captions, rejected, refused, problems);
    }

    int imageCount() {
        return images.size();
    }

    BenchSource.Item image(int index) {
        return images.get(index);
    }

    List<Caption> captions() {
        return captions;
    }

    int rejectedImages() {
        return rejectedImages;
    }

    int refusedCaptions() {
        return refusedCaptions;
    }

    List<String> problems() {
        return problems;
    }

    /** Whether image {@code image} is a hit for caption {@code caption} (and so the reverse). */
    boolean hit(int caption, int image) {
        return Arrays.binarySearch(imageTexts[image], captions.get(caption).textId()) >= 0;
    }

    /** The positions of the captions of one length. */
    int[] captionsOf(CaptionLength length) {
        return IntStream.range(0, captions.size()).filter(c -> captions.get(c).length() == length).toArray();
    }

    /**
     * Text->image recall for the captions of one length: each caption against every image.
     *
     * @param scores [caption][image]
     */
    Recall.Result textToImage(float[][] scores, CaptionLength length, int... ks) {
        int[] queries = captionsOf(length);
        return Recall.of(new Recall.Matrix() {
            @Override
            public int queries() {
                return queries.length;
            }

            @Override
            public int candidates() {
                return images.size();
            }

            @Override
            public double score(int query, int candidate) {
                return scores[queries[query]][candidate];
            }

            @Override
            public boolean hit(int query, int candidate) {
                return RetrievalSet.this.hit(queries[query], candidate);
            }
        }, ks);
    }

    /**
     * Image->text recall among the captions of one length: each image against those captions;
     * an image none of them hits is skipped.
     *
     * @param scores [caption][image]
     */
    Recall.Result imageToText(float[][] scores, CaptionLength length, int... ks) {
        int[] candidates = captionsOf(length);
        return Recall.of(new Recall.Matrix() {
            @Override
            public int queries() {
                return images.size();
            }

            @Override
            public int candidates() {
                return candidates.length;
            }

            @Override
            public double score(int query, int candidate) {
                return scores[candidates[candidate]][query];
            }

            @Override
            public boolean hit(int query, int candidate) {
                return RetrievalSet.this.hit(candidates[candidate], query);
            }
        }, ks);
    }
}
