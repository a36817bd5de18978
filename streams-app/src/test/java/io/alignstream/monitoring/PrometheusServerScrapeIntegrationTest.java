package io.alignstream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, second "done when": a real Prometheus server (Debian's {@code prometheus}, as
 * {@code .ci/run} installs it) scrapes a running app every second with the project's recording
 * and alert rules loaded, and PromQL returns the quality gauges once windows have closed.
 */
class PrometheusServerScrapeIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path temp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void prometheusScrapesTheRunningAppAndPromQlReturnsTheQualityGauges() throws Exception {
        Path binary = io.alignstream.testing.DebianTool.require("prometheus", "prometheus");
        // given the app on the embedded broker and registry, count windows of 10 pairs, time windows of 5 s
        Map<String, String> overrides = new HashMap<>();
        overrides.put("bootstrap.servers", PLATFORM.bootstrapServers());
        overrides.put("schema.registry.url", PLATFORM.registryUrl());
        overrides.put("state.dir", temp.resolve("state").toString());
        overrides.put("application.id", "alignstream-prometheus-it");
        overrides.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "1");
        overrides.put(AlignstreamConfig.HTTP_PORT_CONFIG, "0");
        overrides.put(AlignstreamConfig.HTTP_HOST_CONFIG, "127.0.0.1");
        overrides.put(AlignstreamConfig.MONITOR_WINDOW_PAIRS_CONFIG, "10");
        overrides.put(AlignstreamConfig.MONITOR_WINDOW_TIME_MS_CONFIG, "5000");
        overrides.put(AlignstreamConfig.MONITOR_WINDOW_MIN_PAIRS_CONFIG, "5");
        AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), overrides);
        Process prometheus = null;
        long start = System.nanoTime();
        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).as("app RUNNING").isTrue();

            // and Prometheus scraping its /metrics every second, with the project's rule files
            int port = freePort();
            Path root = PromtoolAlertCase.repositoryRoot();
            Path prometheusConfig = temp.resolve("prometheus.yml");
            Files.writeString(prometheusConfig, String.join("\n",
                    "global:",
                    "  scrape_interval: 1s",
                    "  evaluation_interval: 1s",
                    "rule_files:",
                    "  - " + root.resolve("ops/prometheus/recording.yml"),
                    "  - " + root.resolve("ops/prometheus/alerts.yml"),
                    "scrape_configs:",
                    "  - job_name: alignstream",
                    "    metrics_path: /metrics",
                    "    static_configs:",
                    "      - targets: ['127.0.0.1:" + app.httpPort() + "']",
                    ""));
            Path log = temp.resolve("prometheus.log");
            prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + prometheusConfig,
                    "--storage.tsdb.path=" + temp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            URI api = URI.create("http://127.0.0.1:" + port);
            Process server = prometheus;
            await("Prometheus ready", () -> get(api.resolve("/-/ready")).statusCode() == 200, server, log);

            // when 6 scenes (30 pairs: three count windows) are produced
            produce(config, 6);

            // then PromQL returns the in-window recall of closed count windows, fractions in [0, 1]
            JsonNode recall = awaitQuery(api, "alignstream_quality_recall{window=\"count\"}", r -> r.size() >= 12, server, log);
            for (JsonNode sample : recall) {
                assertThat(sample.path("metric").path("job").asText()).isEqualTo("alignstream");
                assertThat(sample.path("metric").path("embedding").asText()).isIn("raw", "tevi");
                assertThat(value(sample)).as("%s", sample).isBetween(0.0, 1.0);
            }
            // and the other quality gauges: the window counter, drift, the reference's recall
            assertThat(value(awaitQuery(api, "alignstream_quality_windows_total{window=\"count\"}",
                    r -> r.size() == 1 && value(r.get(0)) >= 1, server, log).get(0))).isGreaterThanOrEqualTo(1);
            awaitQuery(api, "alignstream_quality_drift_mmd2{modality=\"image\"}", r -> r.size() >= 1, server, log);
            awaitQuery(api, "alignstream_quality_recall_reference", r -> r.size() >= 12, server, log);
            // and the recording rules evaluate over them (their group runs every 15 s)
            JsonNode ratio = awaitQuery(api, "alignstream:quality_recall:ratio_to_reference{window=\"count\"}",
                    r -> r.size() >= 1, server, log);
            for (JsonNode sample : ratio) {
                assertThat(value(sample)).as("%s", sample).isBetween(0.0, 100.0);
            }
            awaitQuery(api, "alignstream:quality_window_age_seconds{window=\"count\"}", r -> r.size() == 1, server, log);
            assertThat(value(awaitQuery(api, "up{job=\"alignstream\"}", r -> r.size() == 1, server, log).get(0))).isEqualTo(1);
            // and the rules loaded without errors
            JsonNode groups = JSON.readTree(get(api.resolve("/api/v1/rules")).body()).path("data").path("groups");
            assertThat(groups).isNotEmpty();
            for (JsonNode group : groups) {
                for (JsonNode rule : group.path("rules")) {
                    assertThat(rule.path("health").asText()).as("rule %s", rule.path("name").asText()).isIn("ok", "unknown");
                }
            }
            System.out.printf("Prometheus returned %d count-window recall series, %d ratio-to-reference series, %.1f s after start%n",
                    recall.size(), ratio.size(), (System.nanoTime() - start) / 1e9);
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static void produce(AlignstreamConfig config, int scenes) {
        io.alignstream.testing.SceneProducer.produce(PLATFORM, config.topicNames(), 5, scenes, false);
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    /** Polls until the check holds; fails with Prometheus' log after {@link #WAIT} or when the server exits. */
    private static void await(String what, Check check, Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail("prometheus exited (%d) while waiting for %s; its log:%n%s", server.exitValue(), what, tail(log));
            }
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        fail("no %s within %s; prometheus log:%n%s", what, WAIT, tail(log));
    }

    /** The result vector of an instant query, once it satisfies {@code done}. */
    private JsonNode awaitQuery(URI api, String query, Predicate<JsonNode> done, Process server, Path log) throws Exception {
        JsonNode[] last = new JsonNode[1];
        await("a result of " + query, () -> {
            HttpResponse<String> response = get(api.resolve("/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)));
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("status").asText()).as("%s: %s", query, response.body()).isEqualTo("success");
            last[0] = body.path("data").path("result");
            return done.test(last[0]);
        }, server, log);
        return last[0];
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double value(JsonNode sample) {
        return Double.parseDouble(sample.path("value").path(1).asText());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
