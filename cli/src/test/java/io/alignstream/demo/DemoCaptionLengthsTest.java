package io.alignstream.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.events.ModelRef;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.WindowKind;
import io.alignstream.text.CaptionLength;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The demo summary's rows by caption length, from count windows' reports, worked by hand. */
class DemoCaptionLengthsTest {

    /** A count window's report with the figures of the lengths given: {captions, raw R@1, TEVI R@1} each. */
    private static RetrievalQualityReport window(double[] shortCaptions, double[] longCaptions) {
        Map<String, Double> metrics = new TreeMap<>();
        put(metrics, "short", shortCaptions);
        put(metrics, "long", longCaptions);
        return RetrievalQualityReport.newBuilder().setWindowStart(Instant.EPOCH).setWindowEnd(Instant.EPOCH)
                .setWindowKind(WindowKind.COUNT).setModel(ModelRef.newBuilder().setId("m").setVersion("1").build())
                .setPairCount(50).setDeadLetterCount(0).setMetrics(metrics).setTopWords(List.of()).build();
    }

    private static void put(Map<String, Double> metrics, String length, double[] figures) {
        metrics.put("volume." + length + "_captions", figures == null ? 0.0 : figures[0]);
        if (figures != null) {
            metrics.put(length + ".raw.t2i.recall_at_1", figures[1]);
            metrics.put(length + ".tevi.t2i.recall_at_1", figures[2]);
            metrics.put(length + ".tevi_minus_raw.t2i.recall_at_1", figures[2] - figures[1]);
        }
    }

    @Test
    void eachLengthIsPooledOverTheWindowsThatHaveItAndItsGainSpreadIsPerWindow() {
        // given three count windows: short captions 40 (raw 0.25, TEVI 0.30), 40 (0.35, 0.30), 50 (0.20, 0.30);
        // long captions 10 (0.9, 0.8), 10 (1.0, 1.0), and none in the third window
        List<RetrievalQualityReport> reports = List.of(
                window(new double[] {40, 0.25, 0.30}, new double[] {10, 0.9, 0.8}),
                window(new double[] {40, 0.35, 0.30}, new double[] {10, 1.0, 1.0}),
                window(new double[] {50, 0.20, 0.30}, null));

        // when they are summarised
        List<DemoCaptionLengths.LengthSummary> lengths = DemoCaptionLengths.summarise(reports);

        // then short: 130 captions, raw (10 + 14 + 10) / 130 hits, TEVI (12 + 12 + 15) / 130; gains 0.05, -0.05, 0.10
        // per window: mean 1/30, sample sd sqrt(((1/60)^2 + (5/60)^2 + (4/60)^2) / 2)
        DemoCaptionLengths.LengthSummary shortOnes = lengths.get(0);
        assertThat(shortOnes.length()).isEqualTo(CaptionLength.SHORT);
        assertThat(shortOnes.captions()).isEqualTo(130);
        assertThat(shortOnes.raw()).isCloseTo(34.0 / 130, within(1e-12));
        assertThat(shortOnes.tevi()).isCloseTo(39.0 / 130, within(1e-12));
        assertThat(shortOnes.gainPerWindow()).get().satisfies(s -> {
            assertThat(s.windows()).isEqualTo(3);
            assertThat(s.mean()).isCloseTo(1.0 / 30, within(1e-12));
            assertThat(s.sd().getAsDouble()).isCloseTo(Math.sqrt((1.0 + 25 + 16) / 3600 / 2), within(1e-12));
            assertThat(s.min()).isCloseTo(-0.05, within(1e-12));
            assertThat(s.max()).isCloseTo(0.10, within(1e-12));
        });
        // and long: the two windows that had long captions, 20 captions, raw 19/20, TEVI 18/20, gains -0.1 and 0
        DemoCaptionLengths.LengthSummary longOnes = lengths.get(1);
        assertThat(longOnes.captions()).isEqualTo(20);
        assertThat(longOnes.raw()).isCloseTo(0.95, within(1e-12));
        assertThat(longOnes.tevi()).isCloseTo(0.90, within(1e-12));
        assertThat(longOnes.windowsWithout()).isEqualTo(1);
        assertThat(longOnes.gainPerWindow().orElseThrow().windows()).isEqualTo(2);

        // and the rows say it in words
        assertThat(DemoCaptionLengths.rows(reports)).extracting(row -> row[0] + " | " + row[1]).containsExactly(
                "captions by length | 130 short, 20 long in 3 count windows (long: more than one 32-token sub-caption)",
                "TEVI on short captions | Recall@1 text->image raw 0.26 -> TEVI 0.30, gain +0.04",
                "  gain per window | mean +0.03 ± 0.08, from -0.05 to +0.10 over 3 windows",
                "TEVI on long captions | Recall@1 text->image raw 0.95 -> TEVI 0.90, gain -0.05",
                "  gain per window | mean -0.05 ± 0.07, from -0.10 to 0.00 over 2 windows (1 window without long figures)",
                "long vs short | TEVI gains less on long captions (-0.05) than on short ones (+0.04)");
    }

    @Test
    void aDifferenceWithinTheSpreadAndASaturatedLengthAreSaidInWords() {
        // given two windows: short captions gain 0.10 and -0.02 (mean +0.04, sample sd 0.12 / sqrt 2 = 0.085),
        // long ones are all found, raw and TEVI (gain 0 in both)
        List<RetrievalQualityReport> reports = List.of(
                window(new double[] {40, 0.40, 0.50}, new double[] {10, 1.0, 1.0}),
                window(new double[] {40, 0.52, 0.50}, new double[] {10, 1.0, 1.0}));

        // then the comparison says the 0.04 between them is within the spread, and why long cannot gain
        assertThat(DemoCaptionLengths.rows(reports).get(5)).containsExactly("long vs short",
                "TEVI gains less on long captions (0.00) than on short ones (+0.04), within the window-to-window spread; "
                        + "long captions find their image every time here, raw and TEVI alike: no room for a gain at Recall@1");
    }

    @Test
    void captionsOfAWindowWithoutAFigureForTheirLengthStillCount() {
        // given a window whose 3 long captions all describe one image: counted, but no long figure
        RetrievalQualityReport window = window(new double[] {20, 0.5, 0.5}, null);
        Map<String, Double> metrics = new TreeMap<>(window.getMetrics());
        metrics.put("volume.long_captions", 3.0);
        window.setMetrics(metrics);

        // then the captions row counts them, while the long figure says there is none
        assertThat(DemoCaptionLengths.rows(List.of(window))).extracting(row -> row[0] + " | " + row[1]).contains(
                "captions by length | 20 short, 3 long in 1 count window (long: more than one 32-token sub-caption)",
                "TEVI on long captions | no figure: no count window had long captions of 2 images or more");
    }

    @Test
    void withoutLongCaptionsTheSummarySaysSoAndDrawsNoComparison() {
        // given one count window of short captions only
        List<RetrievalQualityReport> reports = List.of(window(new double[] {20, 0.5, 0.5}, null));

        // then there is no long figure, no spread of one window, and no comparison
        assertThat(DemoCaptionLengths.rows(reports)).extracting(row -> row[0] + " | " + row[1]).containsExactly(
                "captions by length | 20 short, 0 long in 1 count window (long: more than one 32-token sub-caption)",
                "TEVI on short captions | Recall@1 text->image raw 0.50 -> TEVI 0.50, gain 0.00",
                "  gain per window | 0.00 in its 1 window: no spread (more scenes give more windows)",
                "TEVI on long captions | no figure: no count window had long captions of 2 images or more");
        assertThat(DemoCaptionLengths.rows(List.of())).extracting(row -> row[1])
                .containsExactly("no count window closed, so no figure");
    }
}
