package io.alignstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.alignstream.liveview.HeadlessChromium;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A hostile web page in a real headless Chromium tries the admin endpoint the ways any page can:
 * a simple POST ({@code fetch} in {@code no-cors} mode), a form posted into a frame, and a
 * {@code fetch} that even knows the token. Everything runs on loopback: the endpoint on
 * {@code 127.0.0.1}, the page on another port, reached as {@code localhost} (another site) or as
 * {@code 127.0.0.1} (the same site, another origin). A control server beside the endpoint, open to
 * anyone, shows that the browser did send the simple requests, and what it said about them.
 */
class AdminRouteBrowserIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "browser-test-admin-token-5b1c2d3e";

    /** A request the control server received: its method, Origin and Sec-Fetch-Site. */
    private record Seen(String method, String origin, String fetchSite) { }

    private final AtomicInteger actions = new AtomicInteger();
    private final List<Seen> controlSaw = new CopyOnWriteArrayList<>();
    private MetricsServer target;
    private HttpServer control;
    private HttpServer attacker;

    @BeforeEach
    void start() throws IOException {
        target = MetricsServer.start("127.0.0.1", 0, new PrometheusRegistry(), () -> State.RUNNING);
        target.adminRoute("/monitor/reference/reset", AdminToken.of(TOKEN, "the test's token"), exchange -> {
            actions.incrementAndGet();
            MetricsServer.reply(exchange, 202, "text/plain; charset=utf-8", "done\n");
        });
        control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        control.createContext("/", exchange -> {
            controlSaw.add(new Seen(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Origin"),
                    exchange.getRequestHeaders().getFirst("Sec-Fetch-Site")));
            // a body, not 204: a frame that a 204 answers never loads, so the page would wait for ever
            byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        control.start();
        attacker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        attacker.createContext("/", exchange -> {
            byte[] page = hostilePage().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(page);
            }
        });
        attacker.start();
    }

    @AfterEach
    void stop() {
        if (attacker != null) {
            attacker.stop(0);
        }
        if (control != null) {
            control.stop(0);
        }
        if (target != null) {
            target.close();
        }
    }

    private String hostilePage() {
        String reset = target.baseUri() + "/monitor/reference/reset";
        String open = "http://127.0.0.1:" + control.getAddress().getPort() + "/anything";
        return """
                <!doctype html>
                <html><head><title>hostile</title></head><body>
                <iframe name="sink-target"></iframe><iframe name="sink-control"></iframe>
                <form id="form-target" method="post" action="%1$s" target="sink-target"></form>
                <form id="form-control" method="post" action="%2$s" target="sink-control"></form>
                <script>
                const results = {};
                async function attempt(name, url, init) {
                  document.body.dataset.step = name;
                  try {
                    const response = await fetch(url, init);
                    results[name] = 'answered ' + response.type;
                  } catch (e) {
                    results[name] = 'blocked';
                  }
                }
                function post(form, frame) {
                  document.body.dataset.step = form;
                  return new Promise((resolve) => {
                    document.querySelector('iframe[name=' + frame + ']').addEventListener('load', resolve, {once: true});
                    document.getElementById(form).submit();
                  });
                }
                (async () => {
                  await attempt('simpleTarget', '%1$s', {method: 'POST', mode: 'no-cors'});
                  await attempt('simpleControl', '%2$s', {method: 'POST', mode: 'no-cors'});
                  await attempt('withToken', '%1$s', {method: 'POST', headers: {Authorization: 'Bearer %3$s'}});
                  await post('form-target', 'sink-target');
                  await post('form-control', 'sink-control');
                  document.body.dataset.results = JSON.stringify(results);
                  document.body.dataset.done = 'true';
                })();
                </script>
                </body></html>
                """.formatted(reset, open, TOKEN);
    }

    @ParameterizedTest(name = "a page at {0} ({1})")
    @CsvSource({"localhost, cross-site", "127.0.0.1, same-site"})
    void aPageOfAnotherOriginCannotResetTheReference(String pageHost, String relation) throws Exception {
        HeadlessChromium.missing().ifPresent(why -> fail(why)); // a missing browser fails, never skips
        try (HeadlessChromium browser = HeadlessChromium.start(Duration.ofSeconds(30))) {
            // given a page of another origin open in the browser
            URI page = URI.create("http://" + pageHost + ":" + attacker.getAddress().getPort() + "/");

            // when it posts to the endpoint every way a page can
            browser.open(page);
            assertThat(browser.await("return document.body.dataset.done === 'true';", Duration.ofSeconds(30)))
                    .as("the page finished; it got to %s with %s", browser.execute("return document.body.dataset.step;"),
                            browser.execute("return JSON.stringify(results);")).isTrue();
            JsonNode results = JSON.readTree(browser.execute("return document.body.dataset.results;").asText());

            // then the browser did send the simple POSTs (the open control server got both, marked as
            // coming from that page) ...
            String origin = "http://" + pageHost + ":" + attacker.getAddress().getPort();
            assertThat(controlSaw).as("what the control server saw").hasSize(2)
                    .allSatisfy(seen -> assertThat(seen).isEqualTo(new Seen("POST", origin, relation)));
            assertThat(results.path("simpleControl").asText()).isEqualTo("answered opaque");
            // ... the one that knows the token was stopped by its preflight ...
            assertThat(results.path("withToken").asText()).isEqualTo("blocked");
            // ... and the endpoint never acted
            assertThat(actions).hasValue(0);
        }
    }
}
