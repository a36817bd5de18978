package io.alignstream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.app.config.DefaultConfig;
import io.alignstream.events.RetrievalQualityReport;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The monitor catches real degradation (issue 6, first "done when"). A healthy stream of
 * published records (synthetic scenes through the real embedding topology and models,
 * {@link PublishedScenes}) is followed by the same scenes degraded, in two separate runs of the
 * monitor, each with its gauges on a fresh registry: captions shuffled between images, and
 * corrupted (noisy) images. Count windows of 160 pairs (32 images, 5 captions each); the first
 * healthy window is the reference. The reports and the gauges show recall falling (shuffled)
 * and drift rising (corrupted); then the gauges scraped after each window become a
 * {@code promtool test rules} case over the project's real recording and alert rules, in which
 * the recall alerts fire on the shuffled windows, the drift alerts on the corrupted ones, and
 * nothing on the healthy ones.
 */
class MonitorDegradationTest {
    private static final int WINDOW_PAIRS = 160;
    private static final Map<String, String> SCRAPE = Map.of("job", "alignstream", "instance", "app-1:9464");
    private static final String RECALL_FLOOR = "AlignstreamRecallBelowFloor";
    private static final String RECALL_DROP = "AlignstreamRecallDropVsReference";
    private static final String DRIFT_MMD = "AlignstreamEmbeddingDriftMmdHigh";
    private static final String DRIFT_CENTROID = "AlignstreamEmbeddingDriftCentroidHigh";

    /** One closed window: its report and the registry's series scraped right after it. */
    record Window(String phase, RetrievalQualityReport report, SortedMap<String, Double> series) {
        double metric(String name) {
            Double value = report.getMetrics().get(name);
            assertThat(value).as("%s of the %s window", name, phase).isNotNull();
            return value;
        }

        double gauge(String name, Map<String, String> labels) {
            Map<String, String> all = new TreeMap<>(SCRAPE);
            all.putAll(labels);
            Double value = series.get(ExportedSeries.selector(name, all));
            assertThat(value).as("%s%s after the %s window", name, labels, phase).isNotNull();
            return value;
        }
    }

    private static List<Window> shuffledRun;
    private static List<Window> corruptedRun;

    @BeforeAll
    static void runTheMonitor() {
        PublishedScenes published = PublishedScenes.get();
        long start = System.nanoTime();
        shuffledRun = run(published, published.shuffled, "shuffled");
        corruptedRun = run(published, published.corrupted, "corrupted");
        System.out.printf("monitor runs (5 windows each, evaluation and gauges) in %.1f s%n", (System.nanoTime() - start) / 1e9);
        List<Window> all = new ArrayList<>(shuffledRun);
        all.addAll(corruptedRun.subList(3, 5));
        print(all);
    }

    private static List<Window> run(PublishedScenes published, List<PublishedScenes.Block> degraded, String label) {
        PrometheusRegistry registry = new PrometheusRegistry();
        MonitorSettings settings = new MonitorSettings(WINDOW_PAIRS, Duration.ofDays(1), 16, DefaultConfig.qualitySettings(), false);
        List<Window> windows = new ArrayList<>();
        try (MonitorHarness monitor = new MonitorHarness(null, settings, published.models, published.evaluator,
                new QualityGauges(registry), new ReferenceControl())) {
            List<PublishedScenes.Block> stream = new ArrayList<>(published.healthy);
            stream.addAll(degraded);
            for (int b = 0; b < stream.size(); b++) {
                assertThat(stream.get(b).tevi()).hasSize(WINDOW_PAIRS);
                monitor.publish(stream.get(b));
                List<RetrievalQualityReport> reports = monitor.reports();
                assertThat(reports).as("reports after block %d", b).hasSize(1);
                String phase = b < published.healthy.size() ? "healthy " + (b + 1) : label + " " + (b - published.healthy.size() + 1);
                windows.add(new Window(phase, reports.get(0), ExportedSeries.scrape(registry, SCRAPE)));
            }
        }
        return windows;
    }

    private static final List<String> PRINTED = List.of(
            "raw.t2i.recall_at_1", "raw.t2i.recall_at_10", "raw.t2i.mrr", "raw.i2t.recall_at_10",
            "tevi.t2i.recall_at_1", "tevi.t2i.recall_at_5", "tevi.t2i.recall_at_10", "tevi.t2i.mrr",
            "tevi.i2t.recall_at_1", "tevi.i2t.recall_at_5", "tevi.i2t.recall_at_10", "tevi_minus_raw.t2i.recall_at_1",
            "alignment.raw.true_pair_cosine", "alignment.raw.random_pair_cosine", "alignment.raw.modality_gap",
            "drift.image.centroid_distance", "drift.image.mmd2", "drift.caption.centroid_distance", "drift.caption.mmd2",
            "dictionary.dead_fraction", "alignvlm.mean_entropy_nats");

    private static void print(List<Window> windows) {
        StringBuilder out = new StringBuilder(String.format("%-34s", "figure"));
        windows.forEach(w -> out.append(String.format(" | %11s", w.phase())));
        out.append('\n');
        for (String name : PRINTED) {
            out.append(String.format("%-34s", name));
            for (Window w : windows) {
                Double value = w.report().getMetrics().get(name);
                out.append(value == null ? String.format(" | %11s", "-") : String.format(" | %11.4f", value));
            }
            out.append('\n');
        }
        System.out.print(out);
    }

    private static final Map<String, String> TEVI_T2I_10 = Map.of("direction", "text_to_image", "embedding", "tevi", "k", "10", "window", "count");
    private static final Map<String, String> IMAGE = Map.of("modality", "image", "window", "count");

    @Test
    void shuffledCaptionsDropRecallInTheReportsAndTheGaugesAndDoNotDrift() {
        List<Window> healthy = shuffledRun.subList(0, 3);
        List<Window> shuffled = shuffledRun.subList(3, 5);
        for (Window w : healthy) {
            // healthy: most captions find their image among the 10 best of 32, in both directions
            assertThat(w.metric("tevi.t2i.recall_at_10")).isGreaterThan(0.8);
            assertThat(w.metric("raw.t2i.recall_at_10")).isGreaterThan(0.8);
            assertThat(w.metric("tevi.i2t.recall_at_10")).isGreaterThan(0.8);
            assertThat(w.gauge(QualityMetricNames.RECALL, TEVI_T2I_10)).isEqualTo(w.metric("tevi.t2i.recall_at_10"));
        }
        double healthyMrr = healthy.stream().mapToDouble(w -> w.metric("tevi.t2i.mrr")).min().orElseThrow();
        for (int i = 0; i < shuffled.size(); i++) {
            Window w = shuffled.get(i);
            // shuffled: about chance (Recall@10 of 32 images is 10/32), in the report and the gauge
            assertThat(w.metric("tevi.t2i.recall_at_10")).isLessThan(0.5);
            assertThat(w.metric("raw.t2i.recall_at_10")).isLessThan(0.5);
            assertThat(w.metric("tevi.i2t.recall_at_10")).isLessThan(0.5);
            assertThat(w.metric("tevi.t2i.mrr")).isLessThan(healthyMrr / 3);
            assertThat(w.gauge(QualityMetricNames.RECALL, TEVI_T2I_10)).isEqualTo(w.metric("tevi.t2i.recall_at_10"));
            assertThat(w.gauge(QualityMetricNames.MRR, Map.of("direction", "text_to_image", "embedding", "tevi", "window", "count")))
                    .isEqualTo(w.metric("tevi.t2i.mrr"));
            // true pairs no longer stand out from random ones
            assertThat(w.metric("alignment.raw.true_pair_cosine") - w.metric("alignment.raw.random_pair_cosine"))
                    .isLessThan((healthy.get(i + 1).metric("alignment.raw.true_pair_cosine")
                            - healthy.get(i + 1).metric("alignment.raw.random_pair_cosine")) / 3);
            // and drift does not move: the same images and captions as healthy windows 2 and 3, paired otherwise
            assertThat(w.metric("drift.image.mmd2")).isCloseTo(healthy.get(i + 1).metric("drift.image.mmd2"), within(1e-6));
            assertThat(w.metric("drift.caption.mmd2")).isCloseTo(healthy.get(i + 1).metric("drift.caption.mmd2"), within(1e-6));
        }
        // the reference's recall is exported next to it, for the drop-against-reference rule
        Map<String, String> reference = Map.of("direction", "text_to_image", "embedding", "tevi", "k", "10");
        assertThat(shuffled.get(1).gauge(QualityMetricNames.RECALL_REFERENCE, reference)).isEqualTo(healthy.get(0).metric("tevi.t2i.recall_at_10"));
    }

    @Test
    void corruptedImagesRaiseImageDriftInTheReportsAndTheGauges() {
        List<Window> healthy = corruptedRun.subList(0, 3);
        List<Window> corrupted = corruptedRun.subList(3, 5);
        double healthyMmd = healthy.stream().mapToDouble(w -> w.metric("drift.image.mmd2")).max().orElseThrow();
        double healthyCentroid = healthy.stream().mapToDouble(w -> w.metric("drift.image.centroid_distance")).max().orElseThrow();
        for (int i = 0; i < corrupted.size(); i++) {
            Window w = corrupted.get(i);
            // image drift: MMD^2 many times the healthy windows', the centroid moved several times as far
            assertThat(w.metric("drift.image.mmd2")).isGreaterThan(0.2).isGreaterThan(10 * Math.max(healthyMmd, 0.01));
            assertThat(w.metric("drift.image.centroid_distance")).isGreaterThan(3 * healthyCentroid);
            assertThat(w.gauge(QualityMetricNames.DRIFT_MMD2, IMAGE)).isEqualTo(w.metric("drift.image.mmd2"));
            assertThat(w.gauge(QualityMetricNames.DRIFT_CENTROID_DISTANCE, IMAGE)).isEqualTo(w.metric("drift.image.centroid_distance"));
            // the captions are the healthy windows' captions: no caption drift beyond theirs
            assertThat(w.metric("drift.caption.mmd2")).isCloseTo(healthy.get(i + 1).metric("drift.caption.mmd2"), within(1e-6));
            // and retrieval suffers too
            assertThat(w.metric("raw.t2i.mrr")).isLessThan(healthy.get(i + 1).metric("raw.t2i.mrr"));
        }
    }

    @Test
    void promtoolFiresTheRecallAlertsOnTheShuffledWindowsOnly() throws Exception {
        List<PromtoolAlertCase.Expected> expected = promtool("shuffled", shuffledRun);
        // nothing while healthy; TEVI Recall@10 below the floor in both directions and recall below 80% of
        // the reference in the shuffled windows; no drift alert (the same images and captions)
        assertThat(expected).filteredOn(e -> e.window() < 3).isEmpty();
        for (int w = 3; w < 5; w++) {
            int window = w;
            assertThat(expected).filteredOn(e -> e.window() == window && e.alert().equals(RECALL_FLOOR))
                    .extracting(e -> e.labels().get("direction")).containsExactlyInAnyOrder("image_to_text", "text_to_image");
            assertThat(expected).filteredOn(e -> e.window() == window && e.alert().equals(RECALL_DROP))
                    .extracting(e -> e.labels().get("direction") + "@" + e.labels().get("k"))
                    .contains("text_to_image@5", "text_to_image@10", "image_to_text@5", "image_to_text@10");
        }
        assertThat(expected).noneMatch(e -> e.alert().startsWith("AlignstreamEmbeddingDrift"));
    }

    @Test
    void promtoolFiresTheDriftAlertsOnTheCorruptedWindowsOnly() throws Exception {
        List<PromtoolAlertCase.Expected> expected = promtool("corrupted", corruptedRun);
        assertThat(expected).filteredOn(e -> e.window() < 3).isEmpty();
        for (int w = 3; w < 5; w++) {
            int window = w;
            for (String alert : List.of(DRIFT_MMD, DRIFT_CENTROID)) {
                assertThat(expected).filteredOn(e -> e.window() == window && e.alert().equals(alert))
                        .extracting(e -> e.labels().get("modality")).containsExactly("image");
            }
        }
    }

    /**
     * Builds the promtool case of one run, runs it over the real rules and returns what it expected
     * to fire (asserted by promtool); prints which alerts fired in which window.
     */
    private static List<PromtoolAlertCase.Expected> promtool(String label, List<Window> windows) throws Exception {
        PromtoolAlertCase kit = new PromtoolAlertCase(PromtoolAlertCase.repositoryRoot());
        List<PromtoolAlertCase.Check> checks = List.of(
                new PromtoolAlertCase.Check(kit.alert(RECALL_FLOOR),
                        s -> ExportedSeries.name(s).equals(QualityMetricNames.RECALL)
                                && s.contains("embedding=\"tevi\"") && s.contains("k=\"10\""),
                        (s, w) -> w.get(s)),
                // the alert leaves out image->text Recall@1 (a share over a window's few images)
                new PromtoolAlertCase.Check(kit.alert(RECALL_DROP),
                        s -> ExportedSeries.name(s).equals(QualityMetricNames.RECALL) && s.contains("embedding=\"tevi\"")
                                && !(s.contains("direction=\"image_to_text\"") && s.contains("k=\"1\"")),
                        MonitorDegradationTest::ratioToReference),
                new PromtoolAlertCase.Check(kit.alert(DRIFT_MMD),
                        s -> ExportedSeries.name(s).equals(QualityMetricNames.DRIFT_MMD2), (s, w) -> w.get(s)),
                new PromtoolAlertCase.Check(kit.alert(DRIFT_CENTROID),
                        s -> ExportedSeries.name(s).equals(QualityMetricNames.DRIFT_CENTROID_DISTANCE), (s, w) -> w.get(s)));
        for (PromtoolAlertCase.Check check : checks) {
            assertThat(Duration.parse("PT" + check.alert().forDuration().toUpperCase()))
                    .as("%s's for: must be shorter than a window's hold", check.alert().name())
                    .isLessThan(Duration.ofMinutes(PromtoolAlertCase.HOLD_MINUTES - 1));
        }
        List<SortedMap<String, Double>> series = windows.stream().map(Window::series).toList();
        List<PromtoolAlertCase.Expected> expected = PromtoolAlertCase.expected(series, checks);
        for (int w = 0; w < windows.size(); w++) {
            int window = w;
            System.out.printf("%s run, %s window (minutes %d-%d): %s%n", label, windows.get(w).phase(),
                    w * PromtoolAlertCase.HOLD_MINUTES, (w + 1) * PromtoolAlertCase.HOLD_MINUTES - 1,
                    expected.stream().filter(e -> e.window() == window)
                            .map(e -> e.alert() + e.labels().entrySet().stream()
                                    .filter(l -> !SCRAPE.containsKey(l.getKey()) && !l.getKey().equals("window"))
                                    .map(Map.Entry::getValue).toList() + String.format("=%.3f", e.value()))
                            .toList());
        }
        Path file = kit.write(Path.of("target", "monitor-degradation", label + "_test.yml").toAbsolutePath(),
                "healthy windows, then " + label + " (from MonitorDegradationTest)", series, checks, expected);
        String[] result = PromtoolAlertCase.runPromtool(file);
        System.out.println("promtool test rules " + file + ":\n" + result[1]);
        assertThat(Integer.parseInt(result[0])).as("promtool test rules %s; output:%n%s", file, result[1]).isZero();
        assertThat(result[1]).contains("SUCCESS").doesNotContain("FAILED");
        return expected;
    }

    /** What alignstream:quality_recall:ratio_to_reference records for a recall series (no sample for a zero reference). */
    private static Double ratioToReference(String selector, SortedMap<String, Double> window) {
        Map<String, String> labels = new TreeMap<>(PromtoolAlertCase.labels(selector));
        Double recall = window.get(selector);
        labels.remove("window");
        Double reference = window.get(ExportedSeries.selector(QualityMetricNames.RECALL_REFERENCE, labels));
        return recall == null || reference == null || reference <= 0 ? null : recall / reference;
    }
}
