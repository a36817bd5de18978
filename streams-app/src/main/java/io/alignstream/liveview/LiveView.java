package io.alignstream.liveview;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.metrics.MetricsServer;
import io.alignstream.metrics.PrometheusPipelineMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The built-in page for people (no Grafana in the embedded default), served from the same HTTP
 * server as {@code /metrics}:
 * <ul>
 *   <li>{@code GET /} and {@code GET /live}: the page (HTML, with {@code /live.css} and
 *       {@code /live.js}; it loads nothing else and draws its charts itself as inline SVG);</li>
 *   <li>{@code GET /api/live}: what the page draws, as JSON: the quality windows kept by
 *       {@link QualityHistory} (with their figures over short and over long captions), TEVI's gain
 *       per caption length over those windows, the latest AlignVLM top words, the pipeline samples of
 *       {@link ThroughputSampler}, the Kafka Streams state and the monitor's settings.</li>
 * </ul>
 * Closing it stops the sampler; the routes go with the server.
 */
public final class LiveView implements AutoCloseable {
    public static final String PAGE_PATH = "/";
    public static final String PAGE_ALIAS_PATH = "/live";
    public static final String API_PATH = "/api/live";
    /** How often the page asks {@link #API_PATH} again, milliseconds (the page reads it from the API). */
    static final long REFRESH_MS = 3000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final QualityHistory history;
    private final ThroughputSampler sampler;
    private final Supplier<KafkaStreams.State> streamsState;
    private final Monitor monitor;

    /**
     * The monitor's settings, for the page to say when the first window will close; the
     * service's come from {@code AlignstreamConfig.liveViewMonitor()}.
     *
     * @param enabled      whether the service runs the monitor at all
     * @param windowPairs  a count window closes every this many pairs
     * @param windowTimeMs a time window closes every this many milliseconds...
     * @param minPairs     ...if it has at least this many pairs
     * @param recallKs     the K of Recall@K
     */
    public record Monitor(boolean enabled, int windowPairs, long windowTimeMs, int minPairs, List<Integer> recallKs) {
    }

    LiveView(QualityHistory history, ThroughputSampler sampler, Supplier<KafkaStreams.State> streamsState, Monitor monitor) {
        this.history = Objects.requireNonNull(history, "history");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.streamsState = Objects.requireNonNull(streamsState, "streamsState");
        this.monitor = Objects.requireNonNull(monitor, "monitor");
    }

    /**
     * Starts sampling the pipeline's {@code metrics} and serves the page and its API on {@code http}.
     *
     * @param history      the monitor's windows (hand the same instance to the monitor as its export)
     * @param streamsState typically {@code streams::state}
     */
    public static LiveView start(MetricsServer http, PrometheusPipelineMetrics metrics, QualityHistory history,
                                 Supplier<KafkaStreams.State> streamsState, Monitor monitor) {
        return start(http, ThroughputSampler.start(metrics), history, streamsState, monitor);
    }

    static LiveView start(MetricsServer http, ThroughputSampler sampler, QualityHistory history,
                          Supplier<KafkaStreams.State> streamsState, Monitor monitor) {
        LiveView view = new LiveView(history, sampler, streamsState, monitor);
        String page = resource("index.html");
        String css = resource("live.css");
        String js = resource("live.js");
        http.route("GET", PAGE_PATH, exchange -> MetricsServer.reply(exchange, 200, "text/html; charset=utf-8", page));
        http.route("GET", PAGE_ALIAS_PATH, exchange -> MetricsServer.reply(exchange, 200, "text/html; charset=utf-8", page));
        http.route("GET", "/live.css", exchange -> MetricsServer.reply(exchange, 200, "text/css; charset=utf-8", css));
        http.route("GET", "/live.js", exchange -> MetricsServer.reply(exchange, 200, "text/javascript; charset=utf-8", js));
        http.route("GET", API_PATH, exchange -> MetricsServer.reply(exchange, 200, "application/json", view.json()));
        return view;
    }

    /** The body of {@link #API_PATH}. */
    String json() throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("time", System.currentTimeMillis());
        String state;
        try {
            KafkaStreams.State s = streamsState.get();
            state = s == null ? "UNKNOWN" : s.name();
        } catch (RuntimeException e) {
            state = "UNKNOWN";
        }
        body.put("streamsState", state);
        body.put("refreshMs", REFRESH_MS);
        body.put("monitor", monitor);
        body.put("quality", history.windows());
        body.put("gainByCaptionLength", history.gainSpreads());
        body.put("topWords", history.latestTopWords().map(w -> {
            Map<String, Object> words = new LinkedHashMap<>();
            words.put("window", w.window());
            words.put("endMs", w.endMs());
            words.put("words", w.topWords());
            return words;
        }).orElse(null));
        Map<String, Object> throughput = new LinkedHashMap<>();
        throughput.put("intervalMs", sampler.interval().toMillis());
        throughput.put("quantileWindowMs", sampler.quantileWindow().toMillis());
        throughput.put("totals", sampler.totals().orElse(null));
        throughput.put("samples", sampler.samples());
        body.put("throughput", throughput);
        return JSON.writeValueAsString(body);
    }

    private static String resource(String name) {
        try (InputStream in = LiveView.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("live view resource missing from the jar: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How often the page refreshes. */
    static Duration refresh() {
        return Duration.ofMillis(REFRESH_MS);
    }

    @Override
    public void close() {
        sampler.close();
    }
}
