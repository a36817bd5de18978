package io.alignstream.runtime.heads;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.Agreement;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.GoldenOutputs;
import io.alignstream.runtime.bundle.InvalidBundleException;
import io.alignstream.text.LongCaptionEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Runs every head of a loaded runtime on its bundle's golden inputs and compares each output with
 * the golden (PyTorch) outputs: the worst cosine and max |diff| over the golden items, per output
 * (criterion: {@link Agreement#withinParity()}), and AlignVLM's top word ids exactly. Each head
 * gets the golden inputs, not the previous head's outputs, so a mismatch is pinned to one head.
 * The text head is checked through the caption rule the service uses: the golden captions'
 * texts must give the golden caption embeddings that the other heads were fed. A TEVI head with
 * a caption adapter is checked on its {@code caption_aligned} output too, so its golden.json
 * must have it.
 */
public final class GoldenCheck {

    private GoldenCheck() {
    }

    /**
     * One compared output.
     *
     * @param head      vision, text, tevi or align
     * @param output    the output's name in the manifest
     * @param agreement worst over the golden items (for top_ids: cosine 1 and diff 0 when every
     *                  id matches, else cosine 0 and diff 1)
     */
    public record Result(String head, String output, Agreement agreement) {
        public boolean passed() {
            return agreement.withinParity();
        }
    }

    /**
     * Every output of every head, in manifest order.
     *
     * @throws InvalidBundleException when the TEVI head has a caption adapter but golden.json has
     *                                no {@code tevi.caption_aligned} rows to check it against
     */
    public static List<Result> run(ModelRuntime runtime) {
        GoldenOutputs golden = GoldenOutputs.of(runtime.bundle());
        int n = golden.count();
        BundleManifest manifest = runtime.bundle().manifest();
        boolean adapter = manifest.hasCaptionAdapter();
        if (adapter && !golden.has(BundleManifest.TEVI, BundleManifest.CAPTION_ALIGNED)) {
            throw new InvalidBundleException(runtime.bundle().toString(), List.of(manifest.golden() + ": tevi."
                    + BundleManifest.CAPTION_ALIGNED + " is missing or has not one row per golden item (" + n
                    + "), but manifest.json heads.tevi.outputs declares " + BundleManifest.CAPTION_ALIGNED
                    + ": the caption adapter cannot be checked"));
        }
        List<Result> results = new ArrayList<>();
        try (VisionTower tower = runtime.newVisionTower();
             TextTower text = runtime.newTextTower();
             TeviAligner aligner = runtime.newTeviAligner();
             AlignVlmProjector projector = runtime.newAlignVlmProjector()) {
            List<float[]> images = new ArrayList<>();
            List<float[]> captions = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                images.add(toFloats(golden.imageBytes(i)));
                captions.add(golden.captionEmbedding(i));
            }
            List<VisionEmbedding> vision = tower.embed(images);
            results.add(worst("vision", "embedding", n, i -> Agreement.of(vision.get(i).embedding(),
                    golden.output("vision", "embedding", i))));
            results.add(worst("vision", "patch_tokens", n, i -> Agreement.of(vision.get(i).patchTokens(),
                    golden.output("vision", "patch_tokens", i))));

            float[][] embedded = new LongCaptionEncoder(text).embedAll(
                    java.util.stream.IntStream.range(0, n).mapToObj(golden::captionText).toList());
            results.add(worst("text", "embedding", n, i -> Agreement.of(embedded[i], captions.get(i))));

            List<TeviAlignment> tevi = aligner.align(golden.outputs("vision", "embedding"), captions);
            List<CaptionQuery> queries = aligner.queries(captions);
            int latents = runtime.bundle().dims().saeLatents();
            results.add(worst("tevi", "aligned_embedding", n, i -> Agreement.of(tevi.get(i).alignedEmbedding(),
                    golden.output("tevi", "aligned_embedding", i))));
            results.add(worst("tevi", "sparse_codes", n, i -> Agreement.of(tevi.get(i).code().toDense(latents),
                    golden.output("tevi", "sparse_codes", i))));
            results.add(worst("tevi", "mask", n, i -> Agreement.of(queries.get(i).mask(), golden.output("tevi", "mask", i))));
            if (adapter) {
                results.add(worst("tevi", BundleManifest.CAPTION_ALIGNED, n, i -> Agreement.of(tevi.get(i).query(),
                        golden.output("tevi", BundleManifest.CAPTION_ALIGNED, i))));
            }

            List<AlignVlmProjection> align = projector.project(golden.outputs("vision", "patch_tokens"));
            results.add(worst("align", "projected_tokens", n, i -> Agreement.of(align.get(i).projectedTokens(),
                    golden.output("align", "projected_tokens", i))));
            results.add(worst("align", "pooled", n, i -> Agreement.of(align.get(i).pooled(),
                    golden.output("align", "pooled", i))));
            results.add(worst("align", "top_ids", n, i -> Arrays.equals(
                    align.get(i).topWords().stream().mapToLong(VocabularyWord::id).toArray(),
                    golden.longs("align", "top_ids", i)) ? new Agreement(1, 0) : new Agreement(0, 1)));
            results.add(worst("align", "top_weights", n, i -> Agreement.of(weights(align.get(i)),
                    golden.output("align", "top_weights", i))));
        }
        return results;
    }

    private static Result worst(String head, String output, int n, IntFunction<Agreement> perItem) {
        Agreement worst = new Agreement(1, 0);
        for (int i = 0; i < n; i++) {
            worst = worst.worst(perItem.apply(i));
        }
        return new Result(head, output, worst);
    }

    private static float[] weights(AlignVlmProjection projection) {
        float[] out = new float[projection.topWords().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = projection.topWords().get(i).weight();
        }
        return out;
    }

    /** HWC RGB bytes as the vision tower's float input (raw 0..255 values, per the manifest). */
    private static float[] toFloats(byte[] hwc) {
        float[] out = new float[hwc.length];
        for (int i = 0; i < hwc.length; i++) {
            out[i] = hwc[i] & 0xFF;
        }
        return out;
    }
}
