package io.alignstream.demo;

import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.WindowKind;
import io.alignstream.monitoring.quality.Spread;
import io.alignstream.text.CaptionLength;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The demo summary's TEVI-by-caption-length rows, from the count windows' retrieval-quality
 * reports read back: per length (short, long: more than one 32-token sub-caption), text->image
 * Recall@1 raw and TEVI over all the windows' captions of that length, TEVI's gain, and how the
 * gain varied from window to window ({@link Spread}).
 */
final class DemoCaptionLengths {
    private DemoCaptionLengths() {
    }

    /**
     * One length over the demo's count windows.
     *
     * @param length         short or long
     * @param captions       captions of this length in the windows with figures for it (the queries pooled)
     * @param raw            raw text->image Recall@1 over those captions (each window's weighted by its captions)
     * @param tevi           TEVI's, likewise
     * @param gainPerWindow  the spread of each window's gain (TEVI minus raw); empty with no window
     * @param windowsWithout count windows without figures for this length (no such captions, or of one image)
     */
    record LengthSummary(CaptionLength length, int captions, double raw, double tevi, Optional<Spread> gainPerWindow,
                         int windowsWithout) {
        double gain() {
            return tevi - raw;
        }

        int windows() {
            return gainPerWindow.map(Spread::windows).orElse(0);
        }
    }

    /** Each length's summary over the count windows among {@code reports}. */
    static List<LengthSummary> summarise(List<RetrievalQualityReport> reports) {
        List<Map<String, Double>> windows = reports.stream().filter(r -> r.getWindowKind() == WindowKind.COUNT)
                .map(RetrievalQualityReport::getMetrics).toList();
        List<LengthSummary> out = new ArrayList<>();
        for (CaptionLength length : CaptionLength.values()) {
            String prefix = length.key() + ".";
            double captions = 0;
            double rawHits = 0;
            double teviHits = 0;
            int without = 0;
            List<Double> gains = new ArrayList<>();
            for (Map<String, Double> m : windows) {
                Double raw = m.get(prefix + "raw.t2i.recall_at_1");
                Double tevi = m.get(prefix + "tevi.t2i.recall_at_1");
                Double n = m.get("volume." + length.key() + "_captions");
                if (raw == null || tevi == null || n == null) {
                    without++;
                    continue;
                }
                captions += n;
                rawHits += raw * n;
                teviHits += tevi * n;
                gains.add(m.getOrDefault(prefix + "tevi_minus_raw.t2i.recall_at_1", tevi - raw));
            }
            out.add(new LengthSummary(length, (int) captions, captions == 0 ? Double.NaN : rawHits / captions,
                    captions == 0 ? Double.NaN : teviHits / captions, Spread.of(gains), without));
        }
        return out;
    }

    /** Captions of {@code length} over all the count windows among {@code reports}. */
    static long captionsIn(List<RetrievalQualityReport> reports, CaptionLength length) {
        return Math.round(reports.stream().filter(r -> r.getWindowKind() == WindowKind.COUNT)
                .mapToDouble(r -> r.getMetrics().getOrDefault("volume." + length.key() + "_captions", 0.0)).sum());
    }

    /** The summary table's rows, label to value, in order. */
    static List<String[]> rows(List<RetrievalQualityReport> reports) {
        List<LengthSummary> lengths = summarise(reports);
        long countWindows = reports.stream().filter(r -> r.getWindowKind() == WindowKind.COUNT).count();
        List<String[]> rows = new ArrayList<>();
        if (countWindows == 0) {
            rows.add(new String[] {"TEVI by caption length", "no count window closed, so no figure"});
            return rows;
        }
        LengthSummary shortOnes = lengths.get(0);
        LengthSummary longOnes = lengths.get(1);
        // every count window's captions, also those of windows without a figure for their length
        // (e.g. long captions that all describe one image), so none vanish from the count
        rows.add(new String[] {"captions by length", captionsIn(reports, shortOnes.length()) + " short, "
                + captionsIn(reports, longOnes.length()) + " long in "
                + plural(countWindows, "count window") + " (long: more than one 32-token sub-caption)"});
        for (LengthSummary length : lengths) {
            String name = length.length().key();
            if (length.windows() == 0) {
                rows.add(new String[] {"TEVI on " + name + " captions", "no figure: no count window had " + name
                        + " captions of 2 images or more"});
                continue;
            }
            rows.add(new String[] {"TEVI on " + name + " captions", String.format(Locale.ROOT,
                    "Recall@1 text->image raw %.2f -> TEVI %.2f, gain %s", length.raw(), length.tevi(), signed(length.gain()))});
            Spread spread = length.gainPerWindow().orElseThrow();
            String perWindow = spread.windows() == 1
                    ? signed(spread.mean()) + " in its 1 window: no spread (more scenes give more windows)"
                    : String.format(Locale.ROOT, "mean %s ± %.2f, from %s to %s over %d windows", signed(spread.mean()),
                    spread.sd().orElseThrow(), signed(spread.min()), signed(spread.max()), spread.windows());
            if (length.windowsWithout() > 0) {
                perWindow += " (" + plural(length.windowsWithout(), "window") + " without " + name + " figures)";
            }
            rows.add(new String[] {"  gain per window", perWindow});
        }
        if (shortOnes.windows() > 0 && longOnes.windows() > 0) {
            double difference = longOnes.gain() - shortOnes.gain();
            String verdict = Math.abs(difference) < 0.005
                    ? "TEVI gains as much on long captions (" + signed(longOnes.gain()) + ") as on short ones ("
                    + signed(shortOnes.gain()) + ")"
                    : "TEVI gains " + (difference > 0 ? "more" : "less") + " on long captions (" + signed(longOnes.gain())
                    + ") than on short ones (" + signed(shortOnes.gain()) + ")";
            double noise = Math.max(sd(shortOnes), sd(longOnes));
            if (Math.abs(difference) >= 0.005 && Math.abs(difference) <= noise) {
                verdict += ", within the window-to-window spread";
            }
            for (LengthSummary length : lengths) {
                if (length.raw() >= SATURATED && length.tevi() >= SATURATED) {
                    verdict += "; " + length.length().key() + " captions find their image every time here, raw and TEVI "
                            + "alike: no room for a gain at Recall@1";
                }
            }
            rows.add(new String[] {"long vs short", verdict});
        }
        return rows;
    }

    /** Recall@1 from which a length's figure prints as 1.00: every caption found its image. */
    private static final double SATURATED = 0.995;

    private static double sd(LengthSummary length) {
        return length.gainPerWindow().map(s -> s.sd().orElse(0)).orElse(0.0);
    }

    /** +0.02, -0.10, 0.00 (two decimals, the sign always but for zero). */
    static String signed(double value) {
        String text = String.format(Locale.ROOT, "%.2f", value);
        if (text.equals("-0.00") || text.equals("0.00")) {
            return "0.00";
        }
        return value > 0 ? "+" + text : text;
    }

    private static String plural(long count, String what) {
        return count + " " + what + (count == 1 ? "" : "s");
    }
}
