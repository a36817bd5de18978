package io.alignstream.bench.precision;

import io.alignstream.bench.precision.PrecisionBenchmark.Comparison;
import io.alignstream.bench.precision.PrecisionPass.Direction;
import io.alignstream.bench.precision.PrecisionPass.Kind;
import io.alignstream.bench.precision.PrecisionPass.RetrievalKey;
import io.alignstream.runtime.bundle.Precision;
import io.alignstream.text.CaptionLength;
import java.util.Locale;
import java.util.Map;

/** The comparison as Markdown: heads, per-output agreement, retrieval recall, the verdict, the run. */
final class PrecisionReport {

    /** The most R@1 int8 may lose on any row, in points, for the verdict's "yes". */
    static final double TOLERANCE_POINTS = 0.5;
    static final String NOTHING = "no int8 head: nothing to compare";

    private PrecisionReport() {
    }

    static String markdown(Comparison c, String commandLine) {
        StringBuilder out = new StringBuilder();
        out.append("# int8 against fp32: the quality cost\n\n");
        out.append("- Bundle: ").append(c.bundle()).append('\n');
        out.append("- Data: ").append(c.source()).append('\n');
        out.append("- Runs: fp32, then alignstream.model.precision=").append(c.int8Setting()).append(" (the int8 run), on the CPU\n");
        if (c.nothingToCompare()) {
            out.append('\n').append(NOTHING).append(" (no head of the bundle has an int8 file).\n");
            run(out, c, commandLine);
            return out.toString();
        }
        out.append(String.format(Locale.ROOT, "- Set: %,d images, %,d short and %,d long captions (long: more than"
                        + " one sub-caption by the service's caption rule); %,d images rejected, %,d captions refused%n",
                c.images(), c.shortCaptions(), c.longCaptions(), c.rejectedImages(), c.refusedCaptions()));

        out.append("\n## Heads\n\n| head | fp32 run | int8 run |\n| --- | --- | --- |\n");
        c.int8Precisions().forEach((head, precision) -> out.append("| ").append(head).append(" | fp32 | ")
                .append(precision == Precision.INT8 ? "**int8**" : "fp32 (not run in int8: no int8 file, or not asked for)")
                .append(" |\n"));
        out.append("\nRan int8: ").append(String.join(", ", c.int8Heads())).append(".\n");

        out.append("\n## Outputs, int8 against fp32\n\n");
        out.append("Per item (image or caption), the cosine of the int8 run's output with the fp32 run's; for top ids\n"
                + "the share of the int8 run's ids the fp32 run gave too. Each run is its own chain: a head's\n"
                + "inputs come from the heads before it in the same precision.\n\n");
        out.append("| output | items | mean | 1st percentile | min |\n| --- | ---: | ---: | ---: | ---: |\n");
        c.cosines().forEach((output, values) -> out.append(String.format(Locale.ROOT, "| %s | %,d | %.6f | %.6f | %.6f |%n",
                output, values.count(), values.mean(), values.firstPercentile(), values.min())));

        out.append("\n## Retrieval\n\n");
        out.append("Recall in points. A hit is the caption's own image, or an image with a caption of byte-identical\n"
                + "text (labelfree_eval's definition); text->image ranks every image, image->text the captions of that\n"
                + "length; queries without a hit are skipped; a hit tied with a non-hit counts as ranked after it.\n"
                + "Raw: cos(image embedding, caption embedding t). TEVI: TeviRetrievalScorer's exact cosine from each\n"
                + "run's own q, mask and sparse codes; the scorer's decoder is read from the fp32 tevi graph\n");
        out.append(PrecisionBenchmark.teviInt8(c)
                ? "while the tevi head itself ran int8 in the int8 run: its q, masks and codes are int8's, the\n"
                + "decoder scored is fp32's, not the int8 file's.\n"
                : "(the tevi head ran fp32 in both runs).\n");
        out.append("Differences are int8 minus fp32, of the values shown.\n\n");
        out.append("| captions | direction | scores | queries | R@1 fp32 | R@1 int8 | R@1 diff | R@5 fp32 | R@5 int8 | R@5 diff |\n"
                + "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        long worstLoss = Long.MIN_VALUE;
        String worstRow = "";
        for (Map.Entry<RetrievalKey, Recall.Result> row : c.fp32().entrySet()) {
            RetrievalKey key = row.getKey();
            Recall.Result fp32 = row.getValue();
            Recall.Result int8 = c.int8().get(key);
            String label = key.length().key() + " (" + String.format(Locale.ROOT, "%,d",
                    key.length() == CaptionLength.SHORT ? c.shortCaptions() : c.longCaptions()) + ")";
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %,d |", label, key.direction().label,
                    key.kind().label, fp32.counted()));
            for (int k : PrecisionPass.KS) {
                long f = hundredths(fp32.points(k));
                long i = hundredths(int8.points(k));
                out.append(' ').append(points(f)).append(" | ").append(points(i)).append(" | ").append(signed(i - f)).append(" |");
                if (k == 1 && fp32.counted() > 0 && f - i > worstLoss) {
                    worstLoss = f - i;
                    worstRow = key.length().key() + " " + key.direction().label + " " + key.kind().label;
                }
            }
            out.append('\n');
        }
        if (worstLoss == Long.MIN_VALUE) {
            out.append("\nVerdict: no retrieval row had a query with a hit.\n");
        } else {
            out.append(String.format(Locale.ROOT, "%nVerdict: largest R@1 loss %s points (%s); within %.1f points: %s%n",
                    points(worstLoss), worstRow, TOLERANCE_POINTS,
                    worstLoss <= Math.round(TOLERANCE_POINTS * 100) ? "yes" : "no"));
        }
        run(out, c, commandLine);
        return out.toString();
    }

    private static void run(StringBuilder out, Comparison c, String commandLine) {
        out.append("\n## Run\n\n```\n").append(commandLine).append("\n```\n\n| step | seconds |\n| --- | ---: |\n");
        c.seconds().forEach((step, s) -> out.append(String.format(Locale.ROOT, "| %s | %.1f |%n", step, s)));
    }

    /** Recall points rounded to hundredths, as whole hundredths, so the table's differences add up exactly. */
    private static long hundredths(double points) {
        return Double.isNaN(points) ? 0 : Math.round(points * 100);
    }

    private static String points(long hundredths) {
        return String.format(Locale.ROOT, "%s%d.%02d", hundredths < 0 ? "-" : "", Math.abs(hundredths) / 100,
                Math.abs(hundredths) % 100);
    }

    private static String signed(long hundredths) {
        return (hundredths > 0 ? "+" : "") + points(hundredths);
    }
}
