package io.alignstream.demo;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.VocabularyWeight;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the demo prints once the traffic is read back: samples of each output, every dead letter,
 * the quality reports, and the summary table with its verdict.
 */
final class DemoReport {
    private final DemoConsole console;
    private final PrintStream out;
    private final Duration timeout;

    /** @param timeout how long the demo waited for the results, for the verdict */
    DemoReport(DemoConsole console, Duration timeout) {
        this.console = console;
        this.out = console.out();
        this.timeout = timeout;
    }

    /** Prints everything; true when nothing good was lost and every bad event was dead-lettered. */
    boolean print(DemoTraffic.Sent sent, DemoAudit.Received received, AlignstreamApp app) {
        console.step("Read back (read_committed): " + received.align.size() + " of " + sent.images.size()
                + " AlignVLM embeddings, " + received.tevi.size() + " of " + sent.pairs.get() + " TEVI embeddings, "
                + received.letters.size() + " dead letter(s), " + received.reports.size() + " retrieval-quality report(s)");
        out.println();
        out.println("AlignVLM: each image's top words in MiniLM's vocabulary, next to what the image shows (first 8)");
        for (AlignVlmEmbedding a : received.align.stream().limit(8).toList()) {
            ImageEvent image = sent.images.get(a.getImageId());
            String words = a.getTopWords().stream().limit(6).map(VocabularyWeight::getWord).collect(Collectors.joining(" "));
            out.printf("  %-28s shows %-44s top words: %s%n", a.getImageId(),
                    image == null ? "?" : new TreeMap<>(image.getAttributes()).toString(), words);
        }
        out.println();
        out.println("TEVI: cosine of caption and image embedding, raw -> TEVI-aligned (first 8 captions)");
        received.tevi.stream().limit(8).forEach(t -> out.printf("  %-36s raw %.3f -> tevi %.3f  (%d active latents, mask keeps %.0f%%)%n",
                t.getCaptionId(), t.getScores().getRaw(), t.getScores().getTevi(), t.getCodes().getIndices().size(),
                100 * t.getMask().getActiveKept()));
        out.println();
        received.letters.stream().limit(12).forEach(d -> out.printf("Dead letter: %s from %s-%d@%d: %s%n", d.getReason(),
                d.getSourceTopic(), d.getPartition(), d.getOffset(), d.getMessage()));
        if (received.letters.size() > 12) {
            out.println("  ... and " + (received.letters.size() - 12) + " more");
        }
        List<RetrievalQualityReport> reports = received.reports;
        for (RetrievalQualityReport report : reports.subList(Math.max(0, reports.size() - 6), reports.size())) {
            Map<String, Double> m = report.getMetrics();
            out.printf("Retrieval quality (%s window of %d pairs, %d dead letters): text->image Recall@1 raw %.2f, "
                            + "TEVI %.2f (short captions %s, long %s); Recall@5 raw %.2f, TEVI %.2f; "
                            + "true-pair cosine raw %.3f vs random %.3f%n",
                    report.getWindowKind(), report.getPairCount(), report.getDeadLetterCount(),
                    m.getOrDefault("raw.t2i.recall_at_1", Double.NaN), m.getOrDefault("tevi.t2i.recall_at_1", Double.NaN),
                    rawToTevi(m, "short"), rawToTevi(m, "long"),
                    m.getOrDefault("raw.t2i.recall_at_5", Double.NaN), m.getOrDefault("tevi.t2i.recall_at_5", Double.NaN),
                    m.getOrDefault("alignment.raw.true_pair_cosine", Double.NaN),
                    m.getOrDefault("alignment.raw.random_pair_cosine", Double.NaN));
        }
        return summary(sent, received, app);
    }

    /** The final table; true when nothing good was lost and every bad event was dead-lettered. */
    private boolean summary(DemoTraffic.Sent sent, DemoAudit.Received received, AlignstreamApp app) {
        double seconds = console.seconds();
        int goodImages = sent.images.size();
        int goodPairs = sent.pairs.get();
        long lostTevi = sent.captionSentMs.keySet().stream().filter(id -> !received.teviKeys.contains(id)).count();
        long lostAlign = sent.images.keySet().stream().filter(id -> !received.alignKeys.contains(id)).count();
        long duplicates = (received.tevi.size() - received.teviKeys.size()) + (received.align.size() - received.alignKeys.size());
        Map<DeadLetterReason, Long> expected = sent.expectedReasons();
        Map<DeadLetterReason, Long> got = received.letters.stream().collect(Collectors.groupingBy(DeadLetter::getReason,
                () -> new EnumMap<>(DeadLetterReason.class), Collectors.counting()));
        long badSent = sent.bad.size();
        long badImages = sent.bad.stream().filter(b -> b != BadEvent.ORPHAN_CAPTION).count();
        long badCaptions = badSent - badImages;
        List<Long> latencies = new ArrayList<>(received.latencyMs);
        Collections.sort(latencies);
        out.println();
        out.println("Summary");
        console.row("images sent (good + bad)", (goodImages + badImages) + " (" + goodImages + " + " + badImages + ")");
        console.row("captions sent (good + bad)", (goodPairs + badCaptions) + " (" + goodPairs + " + " + badCaptions + ")");
        console.row("bad events sent", Long.toString(badSent));
        console.row("TEVI records out", received.tevi.size() + " of " + goodPairs + " expected");
        console.row("AlignVLM records out", received.align.size() + " of " + goodImages + " expected");
        console.row("good records lost", (lostTevi + lostAlign) + " (TEVI " + lostTevi + ", AlignVLM " + lostAlign + ")");
        console.row("duplicates", Long.toString(duplicates));
        console.row("dead letters", received.letters.size() + " of " + badSent + " expected");
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            long e = expected.getOrDefault(reason, 0L);
            long g = got.getOrDefault(reason, 0L);
            if (e > 0 || g > 0) {
                console.row("  " + reason, g + " of " + e + " expected");
            }
        }
        double busy = Math.max(1e-3, (received.lastReadNanos - received.firstSentNanos) / 1e9);
        console.row("throughput", String.format("%.1f embeddings/s (%d in %.1f s, first sent to last read back; whole demo %.1f s)",
                (received.tevi.size() + received.align.size()) / busy, received.tevi.size() + received.align.size(), busy, seconds));
        console.row("end-to-end latency", latencies.isEmpty() ? "-" : String.format("p50 %d ms, p99 %d ms (sent -> read back, %d records)",
                percentile(latencies, 0.5), percentile(latencies, 0.99), latencies.size()));
        console.row("Recall@1 text->image", DemoProgress.recall(app).map(r -> "raw " + r).orElse("no quality window closed"));
        // TEVI's claim is a gain on long captions: each length apart, over the demo's count windows
        DemoCaptionLengths.rows(received.reports).forEach(row -> console.row(row[0], row[1]));
        boolean lettersOk = expected.entrySet().stream().allMatch(e -> got.getOrDefault(e.getKey(), 0L).equals(e.getValue()))
                && received.letters.size() == badSent;
        boolean complete = lostTevi + lostAlign == 0 && duplicates == 0 && lettersOk;
        out.println(complete ? "Demo complete: every embedding arrived exactly once, every bad event was dead-lettered with its reason."
                : "Demo INCOMPLETE: some records did not arrive as expected within " + timeout);
        return complete;
    }

    /** "0.40 -> 0.45" for one caption length's text->image Recall@1, raw to TEVI; "none" without a figure. */
    private static String rawToTevi(Map<String, Double> metrics, String length) {
        Double raw = metrics.get(length + ".raw.t2i.recall_at_1");
        Double tevi = metrics.get(length + ".tevi.t2i.recall_at_1");
        return raw == null || tevi == null ? "none" : String.format(java.util.Locale.ROOT, "%.2f -> %.2f", raw, tevi);
    }

    /** The q-quantile of {@code sorted} (nearest rank). */
    private static long percentile(List<Long> sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, rank)));
    }
}
