package io.alignstream.liveview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live view in a real headless Chromium, against the real service on the embedded broker
 * and registry: the page first says honestly that no window has closed, then, after synthetic
 * scenes went through, draws the running app's figures (recall per window, throughput, latency,
 * dead letters, top words) on its own refresh, with no console error.
 */
class LivePageBrowserIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WINDOW_PAIRS = 20;
    private static final int SCENES = 16;
    /** Each synthetic scene: one image, four web captions and one long description. */
    private static final int PAIRS_PER_SCENE = 5;

    @TempDir
    Path state;

    @Test
    void pageDrawsTheRunningAppsFiguresWithoutConsoleErrors() throws Exception {
        HeadlessChromium.missing().ifPresent(why -> fail(why)); // a missing browser fails, never skips

        Map<String, String> overrides = new HashMap<>();
        overrides.put("bootstrap.servers", PLATFORM.bootstrapServers());
        overrides.put("schema.registry.url", PLATFORM.registryUrl());
        overrides.put("state.dir", state.toString());
        overrides.put("application.id", "alignstream-liveview-it");
        overrides.put(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "2");
        overrides.put(AlignstreamConfig.HTTP_PORT_CONFIG, "0");
        overrides.put(AlignstreamConfig.HTTP_HOST_CONFIG, "127.0.0.1");
        overrides.put(AlignstreamConfig.MONITOR_WINDOW_PAIRS_CONFIG, Integer.toString(WINDOW_PAIRS));
        AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), overrides);
        HttpClient http = HttpClient.newHttpClient();
        List<JsonNode> console = new ArrayList<>();

        try (AlignstreamApp app = AlignstreamApp.start(config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).as("service RUNNING").isTrue();
            URI base = URI.create("http://127.0.0.1:" + app.httpPort());

            try (HeadlessChromium browser = HeadlessChromium.start(Duration.ofSeconds(30))) {
                // given the page opened before anything was produced: an honest "no window yet"
                browser.open(base.resolve("/"));
                assertThat(browser.title()).isEqualTo("alignstream live view");
                assertThat(browser.await("return document.body.dataset.state === 'ready';", Duration.ofSeconds(30)))
                        .as("first render; chromedriver log: %s", browser.driverLog()).isTrue();
                JsonNode before = browser.execute("""
                        const empty = document.getElementById('quality-empty');
                        return {emptyShown: !empty.hidden, emptyText: empty.textContent,
                                recallPoints: document.querySelectorAll('#chart-recall-t2i .pt').length,
                                topWords: document.querySelectorAll('#top-words li').length};""");
                assertThat(before.path("emptyShown").asBoolean()).isTrue();
                assertThat(before.path("emptyText").asText()).contains("No quality window has closed yet")
                        .contains("every " + WINDOW_PAIRS + " published");
                assertThat(before.path("recallPoints").asInt()).isZero();
                assertThat(before.path("topWords").asInt()).isZero();

                // when scenes and one undeserialisable record go through the service until a window closed
                produceScenes(config);
                JsonNode api = awaitApi(http, base, Duration.ofSeconds(180));

                // then the page, on its own refresh, draws what the running app measured
                boolean drawn = browser.await("""
                        const n = (s) => document.querySelectorAll(s).length;
                        return n('#chart-recall-t2i circle.pt') > 0 && n('#chart-recall-i2t circle.pt') > 0
                            && n('#chart-throughput circle.pt') > 0 && n('#chart-inference circle.pt') > 0
                            && n('#chart-end-to-end circle.pt') > 0 && n('#top-words li') > 0
                            && Array.from(document.querySelectorAll('#chart-dead-letters rect.pt'))
                                   .some((r) => Number(r.dataset.value) > 0);""", Duration.ofSeconds(30));
                JsonNode page = browser.execute("""
                        const n = (s) => document.querySelectorAll(s).length;
                        const value = (id) => { const e = document.getElementById(id); return e ? e.dataset.value || null : null; };
                        const latest = document.getElementById('quality-latest');
                        const words = document.getElementById('top-words');
                        return {
                          title: document.title,
                          state: document.getElementById('streams-state').textContent,
                          emptyShown: !document.getElementById('quality-empty').hidden,
                          recallT2iPoints: n('#chart-recall-t2i circle.pt'), recallT2iPaths: n('#chart-recall-t2i path.series'),
                          recallI2tPoints: n('#chart-recall-i2t circle.pt'),
                          throughputPoints: n('#chart-throughput circle.pt'), inferencePoints: n('#chart-inference circle.pt'),
                          endToEndPoints: n('#chart-end-to-end circle.pt'),
                          deadLetterBars: Array.from(document.querySelectorAll('#chart-dead-letters rect.pt'))
                              .filter((r) => Number(r.dataset.value) > 0).length,
                          latestWindow: latest.dataset.window || null, latestEndMs: latest.dataset.endMs || null,
                          k: latest.dataset.k || null,
                          t2iTevi: value('latest-t2i-tevi'), t2iTeviText: document.getElementById('latest-t2i-tevi').textContent,
                          t2iRaw: value('latest-t2i-raw'), i2tTevi: value('latest-i2t-tevi'),
                          words: Array.from(document.querySelectorAll('#top-words .word')).map((w) => w.textContent),
                          wordsEndMs: words.dataset.endMs || null, wordsWindow: words.dataset.window || null,
                          renders: Number(document.body.dataset.renders)
                        };""");
                System.out.println("live page: " + page);
                browser.screenshot(Path.of("target", "liveview", "live-page.png"));
                assertThat(drawn).as("charts drawn from the running app: %s", page).isTrue();
                assertThat(page.path("title").asText()).isEqualTo("alignstream live view");
                assertThat(page.path("state").asText()).isEqualTo("RUNNING");
                assertThat(page.path("emptyShown").asBoolean()).isFalse();
                assertThat(page.path("recallT2iPoints").asInt()).isPositive();
                assertThat(page.path("recallT2iPaths").asInt()).isPositive();
                assertThat(page.path("renders").asInt()).as("refreshed by itself").isGreaterThan(1);

                // the recall shown is the API's, for the window the page says it shows
                JsonNode latest = api(http, base);
                String window = page.path("latestWindow").asText();
                long endMs = page.path("latestEndMs").asLong();
                String k = page.path("k").asText();
                assertThat(k).isEqualTo(latest.path("monitor").path("recallKs").path(0).asText());
                JsonNode shown = windowEndingAt(latest.path("quality").path(window), endMs);
                assertThat(shown).as("window %s ending %d in %s", window, endMs, latest.path("quality")).isNotNull();
                double apiT2iTevi = shown.path("recall").path("text_to_image").path("tevi").path(k).asDouble();
                assertThat(Double.parseDouble(page.path("t2iTevi").asText())).isEqualTo(apiT2iTevi);
                assertThat(page.path("t2iTeviText").asText()).isEqualTo(String.format(Locale.ROOT, "%.3f", apiT2iTevi));
                assertThat(Double.parseDouble(page.path("t2iRaw").asText()))
                        .isEqualTo(shown.path("recall").path("text_to_image").path("raw").path(k).asDouble());
                assertThat(Double.parseDouble(page.path("i2tTevi").asText()))
                        .isEqualTo(shown.path("recall").path("image_to_text").path("tevi").path(k).asDouble());

                // the top words are a window's AlignVLM words, in the API's order
                JsonNode wordsWindow = windowEndingAt(latest.path("quality").path(page.path("wordsWindow").asText()),
                        page.path("wordsEndMs").asLong());
                assertThat(wordsWindow).isNotNull();
                List<String> apiWords = new ArrayList<>();
                wordsWindow.path("topWords").forEach(w -> apiWords.add(w.path("word").asText()));
                List<String> pageWords = new ArrayList<>();
                page.path("words").forEach(w -> pageWords.add(w.asText()));
                assertThat(pageWords).isNotEmpty().isEqualTo(apiWords);
                assertThat(api.path("topWords").path("words")).isNotEmpty();

                // when every count window of the scenes has closed (80 pairs, windows of 20) and the page redrew
                JsonNode all = awaitCountWindows(http, base, SCENES * PAIRS_PER_SCENE / WINDOW_PAIRS, Duration.ofSeconds(60));
                JsonNode lastWindow = all.path("quality").path("count").path(SCENES * PAIRS_PER_SCENE / WINDOW_PAIRS - 1);
                assertThat(browser.await("return document.getElementById('by-length').dataset.endMs === '"
                        + lastWindow.path("endMs").asLong() + "';", Duration.ofSeconds(15)))
                        .as("the page shows the last count window").isTrue();
                JsonNode lengths = browser.execute("""
                        const cell = (id) => document.getElementById(id);
                        const value = (id) => { const e = cell(id); return e ? e.dataset.value || null : null; };
                        const spread = (l) => { const e = cell('length-' + l + '-spread');
                          return {windows: e.dataset.windows || null, mean: e.dataset.mean || null, sd: e.dataset.sd || null,
                                  min: e.dataset.min || null, max: e.dataset.max || null, text: e.textContent}; };
                        const row = (l) => ({figures: cell('length-' + l).dataset.figures, text: cell('length-' + l).textContent,
                          raw: value('length-' + l + '-t2i-raw'), tevi: value('length-' + l + '-t2i-tevi'),
                          gain: value('length-' + l + '-t2i-gain'), i2tTevi: value('length-' + l + '-i2t-tevi'),
                          spread: spread(l)});
                        const box = document.getElementById('by-length');
                        return {shown: !box.hidden, k: box.dataset.k, short: row('short'), long: row('long'),
                          chart: Array.from(document.querySelectorAll('#chart-gain-by-length g[data-series]'))
                              .map((g) => ({series: g.dataset.series, points: g.querySelectorAll('circle.pt').length}))};""");
                System.out.println("live page by caption length: " + lengths);
                browser.screenshot(Path.of("target", "liveview", "live-page-caption-lengths.png"));

                // then the page shows, for short and for long captions, the API's figures of that window:
                // raw and TEVI text->image Recall@K, TEVI's gain, and the gain's spread over the kept windows
                assertThat(lengths.path("shown").asBoolean()).isTrue();
                String shownK = lengths.path("k").asText();
                JsonNode spreads = all.path("gainByCaptionLength").path("count");
                int windowsWithLong = 0;
                for (JsonNode w : all.path("quality").path("count")) {
                    windowsWithLong += w.path("byCaptionLength").has("long") ? 1 : 0;
                }
                assertThat(windowsWithLong).as("count windows with long figures: %s", all.path("quality")).isPositive();
                for (String length : List.of("short", "long")) {
                    JsonNode row = lengths.path(length);
                    JsonNode shownFigures = lastWindow.path("byCaptionLength").path(length);
                    if (shownFigures.isMissingNode()) {
                        // no sample, no value: the row says so and shows no number
                        assertThat(row.path("figures").asText()).isEqualTo("none");
                        assertThat(row.path("gain").isNull()).isTrue();
                    } else {
                        assertThat(row.path("figures").asText()).isEqualTo("present");
                        assertThat(Double.parseDouble(row.path("raw").asText()))
                                .isEqualTo(shownFigures.path("recall").path("text_to_image").path("raw").path(shownK).asDouble());
                        assertThat(Double.parseDouble(row.path("tevi").asText()))
                                .isEqualTo(shownFigures.path("recall").path("text_to_image").path("tevi").path(shownK).asDouble());
                        assertThat(Double.parseDouble(row.path("gain").asText()))
                                .isEqualTo(shownFigures.path("gain").path("text_to_image").path(shownK).asDouble());
                        assertThat(Double.parseDouble(row.path("i2tTevi").asText()))
                                .isEqualTo(shownFigures.path("recall").path("image_to_text").path("tevi").path(shownK).asDouble());
                    }
                    JsonNode spread = spreads.path(length).path("text_to_image").path(shownK);
                    assertThat(row.path("spread").path("windows").asInt()).isEqualTo(spread.path("windows").asInt());
                    assertThat(Double.parseDouble(row.path("spread").path("mean").asText())).isEqualTo(spread.path("mean").asDouble());
                    assertThat(Double.parseDouble(row.path("spread").path("min").asText())).isEqualTo(spread.path("min").asDouble());
                    assertThat(Double.parseDouble(row.path("spread").path("max").asText())).isEqualTo(spread.path("max").asDouble());
                    if (spread.path("windows").asInt() > 1) {
                        assertThat(Double.parseDouble(row.path("spread").path("sd").asText())).isEqualTo(spread.path("sd").asDouble());
                        assertThat(row.path("spread").path("text").asText()).contains("±")
                                .contains("(" + spread.path("windows").asInt() + " windows)");
                    }
                }
                assertThat(lengths.path("short").path("spread").path("windows").asInt())
                        .isEqualTo(SCENES * PAIRS_PER_SCENE / WINDOW_PAIRS);
                assertThat(lengths.path("long").path("spread").path("windows").asInt()).isEqualTo(windowsWithLong);
                // and the gain chart has a point per window with figures, for each length
                Map<String, Integer> points = new HashMap<>();
                lengths.path("chart").forEach(series -> points.put(series.path("series").asText(), series.path("points").asInt()));
                assertThat(points).containsEntry("short captions", SCENES * PAIRS_PER_SCENE / WINDOW_PAIRS)
                        .containsEntry("long captions", windowsWithLong);

                console.addAll(browser.browserLog());
            }
        }
        System.out.println("browser console: " + console);
        assertThat(console).as("browser console").noneMatch(entry -> "SEVERE".equals(entry.path("level").asText()));
    }

    private static JsonNode windowEndingAt(JsonNode windows, long endMs) {
        for (JsonNode w : windows) {
            if (w.path("endMs").asLong() == endMs) {
                return w;
            }
        }
        return null;
    }

    /** Polls /api/live until a count window closed, with top words, and traffic was sampled. */
    private static JsonNode awaitApi(HttpClient http, URI base, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode api = null;
        while (System.nanoTime() < deadline) {
            api = api(http, base);
            boolean window = api.path("quality").path("count").size() > 0 && !api.path("topWords").isNull();
            boolean traffic = false;
            boolean deadLetter = false;
            for (JsonNode sample : api.path("throughput").path("samples")) {
                for (JsonNode rate : sample.path("eventsOutPerSecond")) {
                    traffic |= rate.asDouble() > 0;
                }
                deadLetter |= sample.path("deadLetters").asLong() > 0;
            }
            if (window && traffic && deadLetter) {
                return api;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no closed window, traffic and dead letter in /api/live within " + timeout + ": " + api);
    }

    /** Polls /api/live until {@code windows} count windows have closed. */
    private static JsonNode awaitCountWindows(HttpClient http, URI base, int windows, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode api = null;
        while (System.nanoTime() < deadline) {
            api = api(http, base);
            if (api.path("quality").path("count").size() >= windows) {
                return api;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("fewer than " + windows + " count windows in /api/live within " + timeout + ": " + api);
    }

    private static JsonNode api(HttpClient http, URI base) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(LiveView.API_PATH))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static void produceScenes(AlignstreamConfig config) {
        io.alignstream.testing.SceneProducer.produce(PLATFORM, config.topicNames(), 11, SCENES, true);
    }
}
