package io.alignstream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.app.config.DefaultConfig;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.events.WindowKind;
import io.alignstream.inference.ForwardingModels;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.text.CaptionLength;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/**
 * The retrieval-quality monitor's topology in a TopologyTestDriver over real published records
 * (synthetic scenes through the real embedding topology and models, {@link PublishedScenes}):
 * count and time windows, the reference window and its reset, what is observed and what not.
 */
class MonitoringTopologyTest {
    /** Real published records, built once per JVM on first use. */
    private static PublishedScenes published() {
        return PublishedScenes.get();
    }

    private static MonitorSettings settings(int windowPairs, Duration windowTime) {
        return new MonitorSettings(windowPairs, windowTime, 16, DefaultConfig.qualitySettings(), false);
    }

    private static MonitorHarness monitor(MonitorSettings settings, QualityExport export, ReferenceControl control) {
        return new MonitorHarness(null, settings, published().models, published().evaluator, export, control);
    }

    private static double metric(RetrievalQualityReport report, String name) {
        Double value = report.getMetrics().get(name);
        assertThat(value).as("%s in the %s report of %d pairs", name, report.getWindowKind(), report.getPairCount()).isNotNull();
        return value;
    }

    @Test
    void theServiceTopologyWithTheMonitorReportsCountAndTimeWindowsOfItsOwnEmbeddings() {
        // given the embedding topology and the monitor on one builder, as the app wires them: count
        // windows of 10 pairs, time windows of a minute
        PublishedScenes.Models real = PublishedScenes.models();
        try (MonitorHarness service = new MonitorHarness(PublishedScenes.embeddingSettings(), settings(10, Duration.ofMinutes(1)),
                real.models(), real.evaluator(), QualityExport.none(), new ReferenceControl())) {
            // when 4 scenes (an image and 5 captions each: 20 pairs) go in and the batches run
            List<SceneEvents> scenes = PublishedScenes.scenes(real.events(), 200, 4);
            int captions = 0;
            for (SceneEvents scene : scenes) {
                service.send(scene.image());
                scene.captions().forEach(service::send);
                captions += scene.captions().size();
            }
            for (int i = 0; i < 10; i++) {
                service.advance(Duration.ofMillis(51));
            }
            assertThat(captions).isEqualTo(20);
            assertThat(service.tevi()).hasSize(20).allSatisfy(t -> assertThat(t.getRawImageEmbedding()).hasSize(384));
            // and each names the precision its heads ran in: the default's auto on the CPU runs its connector in int8
            assertThat(service.tevi()).allSatisfy(t -> assertThat(t.getModel().getPrecision())
                    .isEqualTo("vision=fp32,text=fp32,tevi=fp32,align=int8"));
            assertThat(service.deadLetters()).isEmpty();

            // then the monitor, reading the published TEVI records, closed two count windows of 10 pairs
            List<RetrievalQualityReport> counted = service.reports();
            assertThat(counted).hasSize(2).allSatisfy(report -> {
                assertThat(report.getWindowKind()).isEqualTo(WindowKind.COUNT);
                assertThat(report.getPairCount()).isEqualTo(10);
                assertThat(metric(report, "volume.pairs")).isEqualTo(10);
                assertThat(metric(report, "tevi.t2i.recall_at_1")).isBetween(0.0, 1.0);
                assertThat(report.getModel()).isEqualTo(real.models().modelRef());
            });
            // and the first count window is its own drift reference
            assertThat(metric(counted.get(0), "drift.image.centroid_distance")).isCloseTo(0, within(1e-6));
            assertThat(metric(counted.get(0), "drift.caption.centroid_distance")).isCloseTo(0, within(1e-6));

            // when a minute of wall-clock time passes
            service.advance(Duration.ofMinutes(1));

            // then one time window holds everything published in that minute: 20 pairs over 4 images
            List<RetrievalQualityReport> timed = service.reports();
            assertThat(timed).singleElement().satisfies(report -> {
                assertThat(report.getWindowKind()).isEqualTo(WindowKind.TIME);
                assertThat(report.getPairCount()).isEqualTo(20);
                assertThat(metric(report, "volume.images")).isEqualTo(4);
                assertThat(metric(report, "volume.alignvlm_images")).isEqualTo(4);
                // and the short and long captions (by the sub-caption count the TEVI records carry) have figures of
                // their own: 4 web captions and 1 long description per scene
                assertThat(metric(report, "volume.short_captions")).isEqualTo(16);
                assertThat(metric(report, "volume.long_captions")).isEqualTo(4);
                assertThat(metric(report, "long.tevi_minus_raw.t2i.recall_at_1")).isCloseTo(
                        metric(report, "long.tevi.t2i.recall_at_1") - metric(report, "long.raw.t2i.recall_at_1"), within(1e-12));
                assertThat(metric(report, "short.raw.i2t.mrr")).isBetween(0.0, 1.0);
                assertThat(Duration.between(report.getWindowStart(), report.getWindowEnd())).isGreaterThanOrEqualTo(Duration.ofMinutes(1));
                assertThat(report.getTopWords()).isNotEmpty();
            });
        }
    }

    @Test
    void theGaugesSplitByCaptionLengthAndAWindowWithoutLongCaptionsHasNoLongSeries() {
        // given the monitor alone, count windows of one block (160 pairs), gauges on a fresh registry
        PrometheusRegistry registry = new PrometheusRegistry();
        int windowPairs = published().healthy.get(0).tevi().size();
        try (MonitorHarness monitor = monitor(settings(windowPairs, Duration.ofHours(1)), new QualityGauges(registry),
                new ReferenceControl())) {
            // when a healthy block is published: 4 web captions and 1 long description per scene
            monitor.publish(published().healthy.get(0));
            RetrievalQualityReport both = monitor.reports().get(0);
            SortedMap<String, Double> afterBoth = ExportedSeries.scrape(registry);

            // then each length's gauges hold that length's figures of the report, and its caption count
            for (String length : List.of(QualityMetricNames.CAPTION_LENGTH_SHORT, QualityMetricNames.CAPTION_LENGTH_LONG)) {
                assertThat(afterBoth.get(recallByLength(length, "tevi", "1"))).isEqualTo(metric(both, length + ".tevi.t2i.recall_at_1"));
                assertThat(afterBoth.get(recallByLength(length, "raw", "1"))).isEqualTo(metric(both, length + ".raw.t2i.recall_at_1"));
                assertThat(afterBoth.get(gainByLength(length))).isEqualTo(metric(both, length + ".tevi_minus_raw.t2i.recall_at_1"));
                assertThat(afterBoth.get(ExportedSeries.selector(QualityMetricNames.MRR_BY_CAPTION_LENGTH, Map.of("direction",
                        "image_to_text", "embedding", "tevi", "caption_length", length, "window", "count"))))
                        .isEqualTo(metric(both, length + ".tevi.i2t.mrr"));
                assertThat(afterBoth.get(captions(length))).isEqualTo(metric(both, "volume." + length + "_captions")).isPositive();
            }

            // when the next window holds short captions only (the web captions of the next blocks)
            List<TeviEmbedding> webOnly = published().healthy.subList(1, 3).stream().flatMap(b -> b.tevi().stream())
                    .filter(t -> CaptionLength.of(t.getSubCaptions()) == CaptionLength.SHORT).limit(windowPairs).toList();
            assertThat(webOnly).hasSize(windowPairs);
            webOnly.forEach(monitor::publish);
            RetrievalQualityReport shortOnly = monitor.reports().get(0);
            SortedMap<String, Double> afterShort = ExportedSeries.scrape(registry);

            // then the report has no long figure, and neither has /metrics: no long series of count
            // windows (not a 0, not the previous window's), 0 long captions counted, short figures current
            assertThat(shortOnly.getMetrics().keySet()).noneMatch(name -> name.startsWith("long."));
            assertThat(afterShort.keySet()).filteredOn(series -> series.contains("caption_length=\"long\"")
                    && !ExportedSeries.name(series).equals(QualityMetricNames.WINDOW_CAPTIONS)).isEmpty();
            assertThat(afterShort.get(captions(QualityMetricNames.CAPTION_LENGTH_LONG))).isZero();
            assertThat(afterShort.get(recallByLength(QualityMetricNames.CAPTION_LENGTH_SHORT, "tevi", "1")))
                    .isEqualTo(metric(shortOnly, "short.tevi.t2i.recall_at_1"));
            // and the window's own figures are there as always
            assertThat(afterShort.get(ExportedSeries.selector(QualityMetricNames.RECALL, Map.of("direction", "text_to_image",
                    "embedding", "tevi", "k", "1", "window", "count")))).isEqualTo(metric(shortOnly, "tevi.t2i.recall_at_1"));
        }
    }

    private static String recallByLength(String length, String embedding, String k) {
        return ExportedSeries.selector(QualityMetricNames.RECALL_BY_CAPTION_LENGTH, Map.of("direction", "text_to_image",
                "embedding", embedding, "k", k, "caption_length", length, "window", "count"));
    }

    private static String gainByLength(String length) {
        return ExportedSeries.selector(QualityMetricNames.TEVI_RECALL_GAIN_BY_CAPTION_LENGTH, Map.of("direction",
                "text_to_image", "k", "1", "caption_length", length, "window", "count"));
    }

    private static String captions(String length) {
        return ExportedSeries.selector(QualityMetricNames.WINDOW_CAPTIONS, Map.of("caption_length", length, "window", "count"));
    }

    @Test
    void theFirstCountWindowIsTheReferenceAndAResetMakesTheNextOneTheReference() {
        // given the monitor alone, count windows of 80 pairs (half a block of 32 scenes), gauges on a fresh registry
        PrometheusRegistry registry = new PrometheusRegistry();
        ReferenceControl control = new ReferenceControl();
        try (MonitorHarness monitor = monitor(settings(80, Duration.ofHours(1)), new QualityGauges(registry), control)) {
            // when two healthy blocks are published (320 pairs)
            monitor.publish(published().healthy.get(0));
            monitor.publish(published().healthy.get(1));
            List<RetrievalQualityReport> healthy = monitor.reports();
            SortedMap<String, Double> afterHealthy = ExportedSeries.scrape(registry);

            // then four count windows of 80 pairs; the first drifts 0 from itself, the others do not
            assertThat(healthy).hasSize(4).allSatisfy(r -> assertThat(r.getPairCount()).isEqualTo(80));
            assertThat(metric(healthy.get(0), "drift.image.centroid_distance")).isCloseTo(0, within(1e-6));
            assertThat(metric(healthy.get(0), "drift.image.mmd2")).isBetween(-0.05, 0.0);
            for (RetrievalQualityReport later : healthy.subList(1, 4)) {
                assertThat(metric(later, "drift.image.centroid_distance")).isGreaterThan(0.01);
            }
            // and the reference's recall is exported, equal to the first window's
            String referenceRecall = ExportedSeries.selector(QualityMetricNames.RECALL_REFERENCE,
                    Map.of("direction", "text_to_image", "embedding", "tevi", "k", "10"));
            assertThat(afterHealthy.get(referenceRecall)).isEqualTo(metric(healthy.get(0), "tevi.t2i.recall_at_10"));

            // when a reset is requested and a corrupted block follows, then a healthy one
            control.requestReset();
            monitor.publish(published().corrupted.get(0));
            List<RetrievalQualityReport> corrupted = monitor.reports();
            SortedMap<String, Double> afterReset = ExportedSeries.scrape(registry);
            monitor.publish(published().healthy.get(2));
            List<RetrievalQualityReport> healthyAgain = monitor.reports();

            // then the first window after the reset is the new reference (drift 0 although corrupted) and
            // the next corrupted window is close to it
            assertThat(corrupted).hasSize(2);
            assertThat(metric(corrupted.get(0), "drift.image.centroid_distance")).isCloseTo(0, within(1e-6));
            assertThat(metric(corrupted.get(1), "drift.image.mmd2")).isLessThan(0.05);
            assertThat(afterReset.get(referenceRecall)).isEqualTo(metric(corrupted.get(0), "tevi.t2i.recall_at_10"));
            // and healthy windows now drift from the corrupted reference as far as corrupted ones did from a healthy one
            assertThat(healthyAgain).hasSize(2).allSatisfy(r -> {
                assertThat(metric(r, "drift.image.mmd2")).isGreaterThan(0.2);
                assertThat(metric(r, "drift.image.centroid_distance")).isGreaterThan(0.5);
            });
            // and a reset is taken once: the window after the new reference is not a reference again
            assertThat(control.takeResetRequest()).isFalse();
        }
    }

    @Test
    void teviIsScoredWithEachCaptionsQueryEmbeddingAndRawWithItsCaptionEmbedding() {
        // given the real models (the default bundle has no caption adapter: q = t) and the same
        // models behind an adapter that turns every caption around (q = -t, the mask left as is)
        InferenceModels turned = new ForwardingModels(published().models) {
            @Override
            protected List<CaptionQuery> queries(InferenceSession session, List<float[]> captionEmbeddings) {
                return session.queries(captionEmbeddings).stream()
                        .map(q -> new CaptionQuery(negated(q.query()), q.mask())).toList();
            }

            @Override
            public void close() {
                // the shared models stay open
            }
        };

        // when each monitor observes the same 80 published pairs (one count window)
        RetrievalQualityReport plain = oneCountWindow(published().models);
        RetrievalQualityReport adapted = oneCountWindow(turned);

        // then the raw figures are the same: they compare the records' caption embeddings t
        for (String raw : List.of("raw.t2i.recall_at_10", "raw.i2t.mrr", "alignment.raw.true_pair_cosine",
                "alignment.raw.modality_gap")) {
            assertThat(metric(adapted, raw)).as(raw).isEqualTo(metric(plain, raw));
        }
        // and TEVI's are scored against q: every cosine changes sign, so the true pairs rank last
        assertThat(metric(adapted, "alignment.tevi.true_pair_cosine"))
                .isCloseTo(-metric(plain, "alignment.tevi.true_pair_cosine"), within(1e-5));
        assertThat(metric(plain, "tevi.t2i.recall_at_10")).isGreaterThan(0.5);
        assertThat(metric(adapted, "tevi.t2i.recall_at_10")).isLessThan(0.1);
    }

    private static RetrievalQualityReport oneCountWindow(InferenceModels models) {
        try (MonitorHarness monitor = new MonitorHarness(null, settings(80, Duration.ofHours(1)), models,
                published().evaluator, QualityExport.none(), new ReferenceControl())) {
            published().healthy.get(0).tevi().subList(0, 80).forEach(monitor::publish);
            return monitor.reports().get(0);
        }
    }

    private static float[] negated(float[] vector) {
        float[] out = new float[vector.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = -vector[i];
        }
        return out;
    }

    @Test
    void teviRecordsWithoutTheRawImageEmbeddingAreNotObserved() {
        try (MonitorHarness monitor = monitor(settings(80, Duration.ofMinutes(1)), QualityExport.none(), new ReferenceControl())) {
            // given 80 published TEVI records without the raw image embedding (alignstream.output.include.raw.embedding=false)
            List<TeviEmbedding> records = published().healthy.get(0).tevi();
            records.subList(0, 80).forEach(r -> monitor.publish(TeviEmbedding.newBuilder(r).setRawImageEmbedding(null).build()));
            // then no count window closes, and the time window has no pairs to evaluate
            assertThat(monitor.reports()).isEmpty();
            monitor.advance(Duration.ofMinutes(1));
            assertThat(monitor.reports()).isEmpty();

            // when 80 complete records follow, then exactly one window of those 80 closes
            records.subList(80, 160).forEach(monitor::publish);
            assertThat(monitor.reports()).singleElement().satisfies(r -> {
                assertThat(r.getWindowKind()).isEqualTo(WindowKind.COUNT);
                assertThat(r.getPairCount()).isEqualTo(80);
            });
        }
    }

    @Test
    void timeWindowsCountPairsAndDeadLettersAndSkipWindowsWithTooFewPairs() {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (MonitorHarness monitor = monitor(settings(10_000, Duration.ofSeconds(30)), new QualityGauges(registry),
                new ReferenceControl())) {
            // given 40 published pairs, their images' AlignVLM records, and 3 dead letters
            PublishedScenes.Block block = published().healthy.get(1);
            block.alignVlm().forEach(monitor::publish);
            block.tevi().subList(0, 40).forEach(monitor::publish);
            for (int i = 0; i < 3; i++) {
                monitor.publish(DeadLetter.newBuilder().setSourceTopic("alignstream.images").setPartition(0).setOffset(i)
                        .setReason(DeadLetterReason.BAD_IMAGE).setMessage("not an image").setTime(MonitorHarness.START).build());
            }
            // when 30 s of wall-clock time pass
            monitor.advance(Duration.ofSeconds(30));
            // then one time window reports them (no count window: 10 000 pairs are far off)
            List<RetrievalQualityReport> reports = monitor.reports();
            assertThat(reports).singleElement().satisfies(r -> {
                assertThat(r.getWindowKind()).isEqualTo(WindowKind.TIME);
                assertThat(r.getPairCount()).isEqualTo(40);
                assertThat(r.getDeadLetterCount()).isEqualTo(3);
                assertThat(metric(r, "volume.dead_letters")).isEqualTo(3);
                assertThat(metric(r, "volume.alignvlm_images")).isEqualTo(32);
            });
            // and the gauges of the time window say the same
            SortedMap<String, Double> series = ExportedSeries.scrape(registry);
            assertThat(series.get(ExportedSeries.selector(QualityMetricNames.WINDOW_PAIRS, Map.of("window", "time")))).isEqualTo(40);
            assertThat(series.get(ExportedSeries.selector(QualityMetricNames.WINDOW_DEAD_LETTERS, Map.of("window", "time")))).isEqualTo(3);
            assertThat(series.get(ExportedSeries.selector(QualityMetricNames.WINDOWS_TOTAL, Map.of("window", "time")))).isEqualTo(1);
            assertThat(series).doesNotContainKey(ExportedSeries.selector(QualityMetricNames.WINDOW_PAIRS, Map.of("window", "count")));

            // when the next 30 s bring 10 pairs (fewer than the 16 a time window needs)
            block.tevi().subList(40, 50).forEach(monitor::publish);
            monitor.advance(Duration.ofSeconds(30));
            // then that window is not evaluated, and its pairs do not leak into the next one
            assertThat(monitor.reports()).isEmpty();
            block.tevi().subList(50, 70).forEach(monitor::publish);
            monitor.advance(Duration.ofSeconds(30));
            assertThat(monitor.reports()).singleElement().satisfies(r -> assertThat(r.getPairCount()).isEqualTo(20));
        }
    }
}
