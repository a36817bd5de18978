package io.alignstream.runtime.heads;

import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.Agreement;
import io.alignstream.runtime.bundle.BundleManifest;
import io.alignstream.runtime.bundle.GoldenOutputs;
import io.alignstream.runtime.bundle.InvalidBundleException;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.text.LongCaptionEncoder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Runs every head of a loaded runtime on its bundle's golden inputs and compares each output with
 * the golden outputs of the precision the head runs in: the worst cosine and max |diff| over the
 * golden items, per output. Each head gets the golden (fp32) inputs, not the previous head's
 * outputs, so a mismatch is pinned to one head. The text head is checked through the caption rule
 * the service uses: the golden captions' texts must give the golden caption embeddings that the
 * other heads were fed. A TEVI head with a caption adapter is checked on its
 * {@code caption_aligned} output too, so its golden.json must have it.
 *
 * <p>fp32 heads are held to PyTorch's outputs ({@link Agreement#withinParity()}, AlignVLM's top
 * word ids exactly). int8 heads are held to the int8 outputs ONNX Runtime gave when their files
 * were made ({@link #int8Outputs}), within {@link Agreement#withinInt8Parity()} and
 * {@link #INT8_MIN_TOP_ID_OVERLAP} of the top ids: int8 kernels round differently on CPUs with
 * and without VNNI, so exact agreement cannot be asked across machines.
 */
public final class GoldenCheck {

    /** Least share of AlignVLM's top word ids an int8 head must give as its golden int8 run did. */
    public static final double INT8_MIN_TOP_ID_OVERLAP = 0.8;

    private GoldenCheck() {
    }

    /**
     * One compared output.
     *
     * @param head      vision, text, tevi or align
     * @param output    the output's name in the manifest
     * @param precision the precision the head ran in, whose golden rows it was compared with
     * @param agreement worst over the golden items (for top_ids: cosine = the share of ids
     *                  found in the golden ids, diff = 1 - that share)
     */
    public record Result(String head, String output, Precision precision, Agreement agreement) {
        public boolean passed() {
            if (precision == Precision.FP32) {
                return agreement.withinParity();
            }
            return output.equals(TOP_IDS) ? agreement.cosine() >= INT8_MIN_TOP_ID_OVERLAP : agreement.withinInt8Parity();
        }
    }

    private static final String TOP_IDS = "top_ids";

    /**
     * What the runtime's heads give on the golden inputs: per head, per output, one row per golden
     * item (top ids as whole numbers in floats); the text head's caption embeddings as
     * {@code text.embedding}.
     */
    private static Map<String, Map<String, List<float[]>>> compute(ModelRuntime runtime, GoldenOutputs golden) {
        int n = golden.count();
        int latents = runtime.bundle().dims().saeLatents();
        Map<String, Map<String, List<float[]>>> out = new LinkedHashMap<>();
        try (VisionTower tower = runtime.newVisionTower();
             TextTower text = runtime.newTextTower();
             TeviAligner aligner = runtime.newTeviAligner();
             AlignVlmProjector projector = runtime.newAlignVlmProjector()) {
            List<float[]> images = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                images.add(toFloats(golden.imageBytes(i)));
            }
            List<float[]> captions = golden.captionEmbeddings();
            List<VisionEmbedding> vision = tower.embed(images);
            Map<String, List<float[]>> visionRows = out.computeIfAbsent(BundleManifest.VISION, h -> new LinkedHashMap<>());
            visionRows.put("embedding", vision.stream().map(VisionEmbedding::embedding).toList());
            visionRows.put("patch_tokens", vision.stream().map(VisionEmbedding::patchTokens).toList());

            float[][] embedded = new LongCaptionEncoder(text).embedAll(IntStream.range(0, n).mapToObj(golden::captionText).toList());
            out.computeIfAbsent(BundleManifest.TEXT, h -> new LinkedHashMap<>()).put("embedding", List.of(embedded));

            List<TeviAlignment> tevi = aligner.align(golden.outputs("vision", "embedding"), captions);
            List<CaptionQuery> queries = aligner.queries(captions);
            Map<String, List<float[]>> teviRows = out.computeIfAbsent(BundleManifest.TEVI, h -> new LinkedHashMap<>());
            teviRows.put("aligned_embedding", tevi.stream().map(TeviAlignment::alignedEmbedding).toList());
            teviRows.put("sparse_codes", tevi.stream().map(t -> t.code().toDense(latents)).toList());
            teviRows.put("mask", queries.stream().map(CaptionQuery::mask).toList());
            if (runtime.bundle().manifest().hasCaptionAdapter()) {
                teviRows.put(BundleManifest.CAPTION_ALIGNED, tevi.stream().map(TeviAlignment::query).toList());
            }

            List<AlignVlmProjection> align = projector.project(golden.outputs("vision", "patch_tokens"));
            Map<String, List<float[]>> alignRows = out.computeIfAbsent(BundleManifest.ALIGN, h -> new LinkedHashMap<>());
            alignRows.put("projected_tokens", align.stream().map(AlignVlmProjection::projectedTokens).toList());
            alignRows.put("pooled", align.stream().map(AlignVlmProjection::pooled).toList());
            alignRows.put(TOP_IDS, align.stream().map(a -> topIds(a)).toList());
            alignRows.put("top_weights", align.stream().map(GoldenCheck::weights).toList());
        }
        return out;
    }

    /**
     * Every output of every head, in manifest order.
     *
     * @throws InvalidBundleException when golden.json lacks rows a head needs: {@code
     *                                tevi.caption_aligned} for a caption adapter, or the int8 rows of
     *                                a head running int8
     */
    public static List<Result> run(ModelRuntime runtime) {
        GoldenOutputs golden = GoldenOutputs.of(runtime.bundle());
        int n = golden.count();
        BundleManifest manifest = runtime.bundle().manifest();
        if (manifest.hasCaptionAdapter() && !golden.has(BundleManifest.TEVI, BundleManifest.CAPTION_ALIGNED)) {
            throw new InvalidBundleException(runtime.bundle().toString(), List.of(manifest.golden() + ": tevi."
                    + BundleManifest.CAPTION_ALIGNED + " is missing or has not one row per golden item (" + n
                    + "), but manifest.json heads.tevi.outputs declares " + BundleManifest.CAPTION_ALIGNED
                    + ": the caption adapter cannot be checked"));
        }
        Map<String, Map<String, List<float[]>>> computed = compute(runtime, golden);
        List<String> missing = new ArrayList<>();
        // Rows written from another int8 file would hold a re-quantized file to the old file's numbers.
        computed.keySet().stream().filter(head -> runtime.precision(head) == Precision.INT8).forEach(head -> {
            String current = manifest.sha256(head, Precision.INT8);
            golden.int8File(head).filter(recorded -> !recorded.equals(current)).ifPresent(recorded -> missing.add(
                    manifest.golden() + ": the " + head + " head's int8 rows were written from another file (sha256 "
                            + recorded + ", " + manifest.head(head).file(Precision.INT8) + " is " + current
                            + "); write them again with"
                            + " `alignstream model golden`"));
        });
        computed.forEach((head, outputs) -> outputs.keySet().forEach(output -> {
            Precision precision = runtime.precision(head);
            if (precision == Precision.INT8 && !golden.has(precision, head, output)) {
                missing.add(manifest.golden() + ": " + GoldenOutputs.INT8 + "." + head + "." + output + " is missing or has"
                        + " not one row per golden item (" + n + "), but the " + head + " head runs its int8 file;"
                        + " write them with `alignstream model golden`");
            }
        }));
        if (!missing.isEmpty()) {
            throw new InvalidBundleException(runtime.bundle().toString(), missing);
        }
        List<Result> results = new ArrayList<>();
        computed.forEach((head, outputs) -> outputs.forEach((output, rows) -> {
            Precision precision = runtime.precision(head);
            IntFunction<float[]> expected = i -> golden.expected(precision, head, output, i);
            IntFunction<Agreement> perItem = output.equals(TOP_IDS)
                    ? i -> idAgreement(rows.get(i), expected.apply(i), precision)
                    : i -> Agreement.of(rows.get(i), expected.apply(i));
            results.add(worst(head, output, precision, n, perItem));
        }));
        return results;
    }

    /**
     * The outputs of the runtime's int8 heads on the golden inputs, per head and output (text:
     * {@code embedding}), for golden.json's {@code int8} section. Top ids are whole numbers.
     */
    public static Map<String, Map<String, List<float[]>>> int8Outputs(ModelRuntime runtime) {
        Map<String, Map<String, List<float[]>>> computed = compute(runtime, GoldenOutputs.of(runtime.bundle()));
        computed.keySet().removeIf(head -> runtime.precision(head) != Precision.INT8);
        return computed;
    }

    /** fp32: every id as golden's, in order; int8: the share of ids golden has too. */
    private static Agreement idAgreement(float[] actual, float[] expected, Precision precision) {
        if (precision == Precision.FP32) {
            return java.util.Arrays.equals(actual, expected) ? new Agreement(1, 0) : new Agreement(0, 1);
        }
        Set<Float> golden = new HashSet<>();
        for (float id : expected) {
            golden.add(id);
        }
        long shared = IntStream.range(0, actual.length).filter(i -> golden.contains(actual[i])).count();
        double share = actual.length == 0 ? 1 : (double) shared / actual.length;
        return new Agreement(share, 1 - share);
    }

    private static Result worst(String head, String output, Precision precision, int n, IntFunction<Agreement> perItem) {
        Agreement worst = new Agreement(1, 0);
        for (int i = 0; i < n; i++) {
            worst = worst.worst(perItem.apply(i));
        }
        return new Result(head, output, precision, worst);
    }

    private static float[] topIds(AlignVlmProjection projection) {
        float[] out = new float[projection.topWords().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = projection.topWords().get(i).id();
        }
        return out;
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
