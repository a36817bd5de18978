package io.alignstream.liveview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.MetricsServer;
import io.alignstream.metrics.PrometheusPipelineMetrics;
import io.alignstream.monitoring.QualityExport;
import io.alignstream.monitoring.quality.QualityFigures;
import io.alignstream.monitoring.quality.QualityFigures.Directions;
import io.alignstream.monitoring.quality.QualityFigures.ModalityDrift;
import io.alignstream.monitoring.quality.QualityFigures.Ranking;
import io.alignstream.monitoring.quality.QualityFigures.WordShare;
import io.alignstream.monitoring.quality.Spread;
import io.alignstream.text.CaptionLength;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The live view's parts without Kafka: the window history, the sampler's arithmetic, the routes. */
class LiveViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static QualityFigures figures(double t2iRaw, double t2iTevi, long deadLetters, String... words) {
        Directions raw = new Directions(ranking(t2iRaw), ranking(t2iRaw / 2));
        Directions tevi = new Directions(ranking(t2iTevi), ranking(t2iTevi / 2));
        Directions gain = new Directions(ranking(t2iTevi - t2iRaw), ranking((t2iTevi - t2iRaw) / 2));
        List<WordShare> shares = new ArrayList<>();
        for (int i = 0; i < words.length; i++) {
            shares.add(new WordShare(words[i], 1.0 / (i + 1)));
        }
        ModalityDrift drift = new ModalityDrift(0.1, OptionalDouble.of(0.02), OptionalDouble.of(1.0), 10, 10);
        return new QualityFigures(new QualityFigures.Volume(20, 5, 5, deadLetters),
                Optional.of(new QualityFigures.Retrieval(raw, tevi, gain)), Optional.empty(),
                Optional.of(new QualityFigures.Drift(drift, new ModalityDrift(0.2, OptionalDouble.empty(),
                        OptionalDouble.empty(), 1, 1))),
                Optional.empty(),
                words.length == 0 ? Optional.empty() : Optional.of(new QualityFigures.AlignVlmFigures(5, 1.2, shares)));
    }

    private static Ranking ranking(double r1) {
        return new Ranking(new TreeMap<>(Map.of(1, r1, 5, Math.min(1, r1 + 0.2), 10, 1.0)), r1 + 0.05, 20);
    }

    @Test
    void historyKeepsTheLastWindowsOfEachKindOldestFirst() {
        QualityHistory history = new QualityHistory(3);
        assertThat(history.windows()).containsOnlyKeys("count", "time").allSatisfy((k, v) -> assertThat(v).isEmpty());
        assertThat(history.latestTopWords()).isEmpty();
        for (int i = 0; i < 5; i++) {
            history.windowClosed("count", figures(0.1 * i, 0.1 * i + 0.05, i, "red", "circle"), Optional.empty(), 1000L * i);
        }
        history.windowClosed("time", figures(0.5, 0.6, 0), Optional.empty(), 9000L);

        List<QualityHistory.WindowPoint> count = history.windows().get("count");
        assertThat(count).extracting(QualityHistory.WindowPoint::endMs).containsExactly(2000L, 3000L, 4000L);
        QualityHistory.WindowPoint last = count.get(2);
        assertThat(last.recall().get("text_to_image").get("raw").get("1")).isCloseTo(0.4, within(1e-12));
        assertThat(last.recall().get("text_to_image").get("tevi").get("1")).isCloseTo(0.45, within(1e-12));
        assertThat(last.recall().get("image_to_text").get("tevi")).containsOnlyKeys("1", "5", "10");
        assertThat(last.mrr().get("text_to_image").get("tevi")).isCloseTo(0.5, within(1e-12));
        assertThat(last.driftMmd2()).containsOnlyKeys("image"); // the caption side had no MMD²
        assertThat(last.deadLetters()).isEqualTo(4);
        // the time window had no AlignVLM words: the latest words stay the count window's
        assertThat(history.latestTopWords()).get().extracting(QualityHistory.WindowPoint::endMs).isEqualTo(4000L);
        assertThat(history.latestTopWords().get().topWords()).extracting(WordShare::word).containsExactly("red", "circle");
    }

    /** {@link #figures} with short captions gaining {@code shortGain} at Recall@1, and long ones {@code longGain} when not null. */
    static QualityFigures split(double shortGain, Double longGain) {
        QualityFigures base = figures(0.5, 0.5, 0);
        Map<CaptionLength, QualityFigures.LengthRetrieval> byLength = new EnumMap<>(CaptionLength.class);
        byLength.put(CaptionLength.SHORT, lengthFigures(16, 4, 0.25, 0.25 + shortGain));
        if (longGain != null) {
            byLength.put(CaptionLength.LONG, lengthFigures(4, 4, 0.75, 0.75 + longGain));
        }
        return new QualityFigures(new QualityFigures.Volume(20, 5, 5, 0, 16, longGain == null ? 0 : 4), base.retrieval(),
                base.alignment(), base.drift(), base.dictionary(), base.alignVlm(), byLength);
    }

    private static QualityFigures.LengthRetrieval lengthFigures(int captions, int images, double raw, double tevi) {
        Directions r = new Directions(ranking(raw), ranking(raw));
        Directions t = new Directions(ranking(tevi), ranking(tevi));
        Directions gain = new Directions(ranking(tevi - raw), ranking(tevi - raw));
        return new QualityFigures.LengthRetrieval(captions, images, new QualityFigures.Retrieval(r, t, gain));
    }

    @Test
    void historyKeepsEachCaptionLengthsFiguresAndTheSpreadOfTeviGainOverTheWindows() {
        // given three count windows: short captions gain 0.1, -0.1, 0.3 at Recall@1; long ones gain 0.25
        // and 0.0 in the first two, and the third window has no long captions
        QualityHistory history = new QualityHistory();
        history.windowClosed("count", split(0.1, 0.25), Optional.empty(), 1000L);
        history.windowClosed("count", split(-0.1, 0.0), Optional.empty(), 2000L);
        history.windowClosed("count", split(0.3, null), Optional.empty(), 3000L);

        // then each window keeps its figures per length, and the third has no long entry (not a 0)
        List<QualityHistory.WindowPoint> count = history.windows().get("count");
        assertThat(count.get(0).byCaptionLength().get("long").gain().get("text_to_image").get("1")).isCloseTo(0.25, within(1e-12));
        assertThat(count.get(0).byCaptionLength().get("long").recall().get("text_to_image").get("tevi").get("1")).isEqualTo(1.0);
        assertThat(count.get(2).byCaptionLength()).containsOnlyKeys("short");
        assertThat(count.get(2).captions()).containsEntry("short", 16).containsEntry("long", 0);
        // and the gain's spread over the windows: short over 3 (mean 0.1, sample sd 0.2: deviations 0, 0.2, 0.2),
        // long over the 2 that had long captions (mean 0.125, sd 0.25 / sqrt 2)
        Map<String, Object> shortSpread = history.gainSpreads().get("count").get("short").get("text_to_image").get("1");
        assertThat((Integer) shortSpread.get("windows")).isEqualTo(3);
        assertThat((Double) shortSpread.get("mean")).isCloseTo(0.1, within(1e-12));
        assertThat((Double) shortSpread.get("sd")).isCloseTo(0.2, within(1e-12));
        assertThat((Double) shortSpread.get("min")).isCloseTo(-0.1, within(1e-12));
        assertThat((Double) shortSpread.get("max")).isCloseTo(0.3, within(1e-12));
        Map<String, Object> longSpread = history.gainSpreads().get("count").get("long").get("text_to_image").get("1");
        assertThat((Integer) longSpread.get("windows")).isEqualTo(2);
        assertThat((Double) longSpread.get("mean")).isCloseTo(0.125, within(1e-12));
        assertThat((Double) longSpread.get("sd")).isCloseTo(0.25 / Math.sqrt(2), within(1e-12));
        // and no time window closed, so there is no spread of time windows
        assertThat(history.gainSpreads().get("time")).isEmpty();
    }

    @Test
    void aSpreadOfOneWindowHasNoStandardDeviation() {
        assertThat(Spread.of(List.of())).isEmpty();
        assertThat(Spread.of(List.of(0.2))).get().satisfies(s -> {
            assertThat(s.windows()).isEqualTo(1);
            assertThat(s.sd()).isEmpty();
            assertThat(s.min()).isEqualTo(0.2);
            assertThat(s.max()).isEqualTo(0.2);
        });
    }

    @Test
    void bothHandsEachWindowToTwoExportsEvenWhenTheFirstFails() {
        QualityHistory history = new QualityHistory();
        QualityExport failing = (w, f, r, e) -> {
            throw new IllegalStateException("gauges broke");
        };
        assertThatThrownBy(() -> QualityExport.both(failing, history)
                .windowClosed("count", figures(0.2, 0.3, 0), Optional.empty(), 1L)).hasMessage("gauges broke");
        assertThat(history.windows().get("count")).hasSize(1);
    }

    @Test
    void quantilesAreEstimatedLikeHistogramQuantile() {
        double[] bounds = {0.1, 0.5, 1.0, Double.POSITIVE_INFINITY};
        assertThat(ThroughputSampler.quantile(0.5, bounds, new long[] {0, 0, 0, 0})).isNull();
        // 10 observations in (0.1, 0.5]: the median is halfway through the bucket
        assertThat(ThroughputSampler.quantile(0.5, bounds, new long[] {0, 10, 0, 0})).isCloseTo(0.3, within(1e-12));
        // 4 in the first bucket, 6 above 1.0: p50 in +Inf answers the highest finite bound
        assertThat(ThroughputSampler.quantile(0.5, bounds, new long[] {4, 0, 0, 6})).isEqualTo(1.0);
        assertThat(ThroughputSampler.quantile(0.2, bounds, new long[] {4, 0, 0, 6})).isCloseTo(0.05, within(1e-12));
    }

    @Test
    void samplerTurnsCountersIntoRatesAndBucketsIntoWindowedQuantiles() {
        PrometheusRegistry registry = new PrometheusRegistry();
        PrometheusPipelineMetrics metrics = new PrometheusPipelineMetrics(registry);
        AtomicLong now = new AtomicLong(1_000_000);
        ThroughputSampler sampler = new ThroughputSampler(metrics::snapshot, now::get,
                Duration.ofSeconds(5), 3, 2);
        sampler.sampleNow();
        assertThat(sampler.samples()).isEmpty(); // a rate needs two readings
        assertThat(sampler.totals()).get().satisfies(t -> assertThat(t.deadLetters()).isZero());

        for (int i = 0; i < 10; i++) {
            metrics.eventIn("images");
        }
        metrics.eventOut("tevi");
        metrics.deadLetter("images", DeadLetterReason.BAD_IMAGE);
        metrics.batch(InferenceStage.VISION, 4, 30_000_000L); // 30 ms: bucket (0.025, 0.05]
        metrics.batch(InferenceStage.VISION, 4, 30_000_000L);
        metrics.endToEndLatency("tevi", 2000);
        now.addAndGet(5000);
        sampler.sampleNow();

        ThroughputSampler.Sample first = sampler.samples().get(0);
        assertThat(first.seconds()).isEqualTo(5.0);
        assertThat(first.eventsInPerSecond()).containsEntry("images", 2.0);
        assertThat(first.eventsOutPerSecond()).containsEntry("tevi", 0.2);
        assertThat(first.deadLetters()).isEqualTo(1);
        assertThat(first.deadLettersByReason()).containsEntry("BAD_IMAGE", 1L);
        assertThat(first.inference().get("VISION").count()).isEqualTo(2);
        assertThat(first.inference().get("VISION").p50()).isCloseTo(0.0375, within(1e-9));
        assertThat(first.inference().get("TEXT").p50()).isNull(); // every stage exists, at zero
        assertThat(first.endToEnd().get("tevi").p99()).isBetween(1.0, 2.5);

        // the next interval: nothing new in, one slow batch; quantiles still see the window of 2 intervals
        metrics.batch(InferenceStage.VISION, 1, 4_000_000_000L);
        now.addAndGet(5000);
        sampler.sampleNow();
        ThroughputSampler.Sample second = sampler.samples().get(1);
        assertThat(second.eventsInPerSecond()).containsEntry("images", 0.0);
        assertThat(second.deadLetters()).isZero();
        assertThat(second.inference().get("VISION").count()).isEqualTo(3);
        assertThat(second.inference().get("VISION").p99()).isBetween(2.5, 5.0);

        // and later the window has moved past the fast batches
        now.addAndGet(5000);
        sampler.sampleNow();
        assertThat(sampler.samples().get(2).inference().get("VISION").count()).isEqualTo(1);
        now.addAndGet(5000);
        sampler.sampleNow();
        assertThat(sampler.samples()).hasSize(3); // the ring's capacity
        assertThat(sampler.samples().get(2).inference().get("VISION").count()).isZero();
        assertThat(sampler.totals()).get().satisfies(t -> {
            assertThat(t.eventsIn()).containsEntry("images", 10.0);
            assertThat(t.deadLetters()).isEqualTo(1);
        });
    }

    @Test
    void servesThePageItsAssetsAndTheApiFromTheMetricsServer() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        PrometheusPipelineMetrics metrics = new PrometheusPipelineMetrics(registry);
        metrics.eventIn("images");
        QualityHistory history = new QualityHistory();
        ThroughputSampler sampler = new ThroughputSampler(metrics::snapshot,
                System::currentTimeMillis, Duration.ofSeconds(5), 10, 2);
        LiveView.Monitor monitor = new LiveView.Monitor(true, 20, 60_000, 16, List.of(1, 5, 10));
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, () -> KafkaStreams.State.RUNNING);
             LiveView view = LiveView.start(server, sampler, history, () -> KafkaStreams.State.RUNNING, monitor)) {
            HttpClient http = HttpClient.newHttpClient();
            URI base = server.baseUri();

            // before any window: an honest empty history
            JsonNode empty = JSON.readTree(get(http, base, "/api/live").body());
            assertThat(empty.path("quality").path("count").isArray()).isTrue();
            assertThat(empty.path("quality").path("count")).isEmpty();
            assertThat(empty.path("topWords").isNull()).isTrue();
            assertThat(empty.path("throughput").path("samples")).isEmpty();

            history.windowClosed("count", figures(0.25, 0.5, 1, "red", "square"), Optional.empty(), 123_000L);
            sampler.sampleNow();
            sampler.sampleNow();

            HttpResponse<String> page = get(http, base, "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
            assertThat(page.body()).contains("<title>alignstream live view</title>").contains("live.js")
                    .doesNotContain("http://").doesNotContain("https://"); // nothing loaded from outside
            assertThat(get(http, base, "/live").body()).isEqualTo(page.body());
            assertThat(get(http, base, "/live.js").body()).contains("api/live").doesNotContain("https://");
            assertThat(get(http, base, "/live.css").statusCode()).isEqualTo(200);
            assertThat(get(http, base, "/nope").statusCode()).isEqualTo(404);
            assertThat(get(http, base, "/metrics").body()).contains("alignstream_events_in_total");

            HttpResponse<String> api = get(http, base, "/api/live");
            assertThat(api.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode json = JSON.readTree(api.body());
            assertThat(json.path("streamsState").asText()).isEqualTo("RUNNING");
            assertThat(json.path("monitor").path("windowPairs").asInt()).isEqualTo(20);
            JsonNode window = json.path("quality").path("count").path(0);
            assertThat(window.path("endMs").asLong()).isEqualTo(123_000L);
            assertThat(window.path("recall").path("text_to_image").path("tevi").path("1").asDouble()).isEqualTo(0.5);
            assertThat(window.path("recall").path("text_to_image").path("raw").path("1").asDouble()).isEqualTo(0.25);
            assertThat(json.path("topWords").path("words").path(0).path("word").asText()).isEqualTo("red");
            assertThat(json.path("throughput").path("samples")).hasSize(1);
            assertThat(json.path("throughput").path("totals").path("eventsIn").path("images").asDouble()).isEqualTo(1.0);
            assertThat(json.path("refreshMs").asLong()).isEqualTo(LiveView.refresh().toMillis());
            assertThat(JSON.readTree(view.json()).path("quality")).isEqualTo(json.path("quality"));

            // and a window split by caption length shows both lengths and the gain's spread
            history.windowClosed("count", split(0.1, 0.25), Optional.empty(), 124_000L);
            JsonNode split = JSON.readTree(get(http, base, "/api/live").body());
            JsonNode latest = split.path("quality").path("count").path(1);
            assertThat(latest.path("captions").path("long").asInt()).isEqualTo(4);
            assertThat(latest.path("byCaptionLength").path("long").path("gain").path("text_to_image").path("1").asDouble())
                    .isCloseTo(0.25, within(1e-12));
            assertThat(split.path("gainByCaptionLength").path("count").path("long").path("text_to_image").path("1")
                    .path("windows").asInt()).isEqualTo(1);
            assertThat(split.path("gainByCaptionLength").path("count").path("long").path("text_to_image").path("1")
                    .path("sd").isNull()).isTrue();
        }
    }

    private static HttpResponse<String> get(HttpClient http, URI base, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
