package io.alignstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.health.Liveness;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The HTTP endpoints over real HTTP, with a Kafka Streams state the test sets. */
class MetricsServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
    private MetricsServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private MetricsServer start() {
        server = MetricsServer.start("127.0.0.1", 0, registry, state::get);
        return server;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path);
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(server.baseUri().resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @EnumSource(value = State.class, names = {"RUNNING", "REBALANCING"})
    void healthIsUpWhileStreamsRunsOrRebalances(State live) throws Exception {
        // given Kafka Streams in a state where it processes or is about to again
        state.set(live);
        start();

        // when health is asked
        HttpResponse<String> response = get("/health");

        // then 200, UP, and the state by name
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.get("streamsState").asText()).isEqualTo(live.name());
    }

    @ParameterizedTest
    @EnumSource(value = State.class, names = {"RUNNING", "REBALANCING"}, mode = EnumSource.Mode.EXCLUDE)
    void healthIsDownInEveryOtherState(State down) throws Exception {
        // given Kafka Streams not started, stopping, stopped or failed
        state.set(down);
        start();

        // when health is asked
        HttpResponse<String> response = get("/health");

        // then 503, DOWN, and the state by name
        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("streamsState").asText()).isEqualTo(down.name());
    }

    @Test
    void healthFollowsTheStateFromOneRequestToTheNext() throws Exception {
        // given a server over Kafka Streams that has not started
        start();
        assertThat(get("/health").statusCode()).isEqualTo(503);

        // when it starts running
        state.set(State.RUNNING);

        // then the next request sees it, and sees it fail later
        assertThat(get("/health").statusCode()).isEqualTo(200);
        state.set(State.ERROR);
        assertThat(get("/health").statusCode()).isEqualTo(503);
    }

    @Test
    void aStateThatCannotBeReadIsDownWithTheReason() throws Exception {
        // given a state supplier that throws
        server = MetricsServer.start("127.0.0.1", 0, registry, () -> {
            throw new IllegalStateException("no streams \"yet\"");
        });

        // when health is asked
        HttpResponse<String> response = get("/health");

        // then 503, valid JSON, and the reason
        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("streamsState").asText()).isEqualTo("UNKNOWN");
        assertThat(body.get("error").asText()).contains("no streams \"yet\"");
    }

    @Test
    void healthIsDownWithTheTaskTheCountAndTheLastFailureOnceACrashLoopWasSeen() throws Exception {
        // given Kafka Streams RUNNING (between two replacements of a crash loop), and a verdict
        // that a task failed three times, the last failure's description full of JSON's specials
        state.set(State.RUNNING);
        Liveness.Failure last = new Liveness.Failure(Instant.parse("2026-12-06T12:00:10Z"), Optional.of("1_3"),
                "StreamsException: Exception caught in process. taskId=1_3, topic=in, partition=3, offset=42 "
                        + "<- IllegalStateException: \"poison\" \\ </script>");
        Liveness crashLoop = new Liveness(false, "task 1_3 failed 3 times within 10 minutes", 3, Optional.of(last));
        server = MetricsServer.start("127.0.0.1", 0, registry, state::get, () -> crashLoop);

        // when health and readiness are asked
        HttpResponse<String> health = get("/health");
        HttpResponse<String> ready = get("/ready");

        // then health is 503 and its JSON names why; readiness keeps its meaning (RUNNING is ready)
        assertThat(health.statusCode()).isEqualTo(503);
        JsonNode body = JSON.readTree(health.body());
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("streamsState").asText()).isEqualTo("RUNNING");
        assertThat(body.get("reason").asText()).isEqualTo(crashLoop.reason());
        assertThat(body.get("task").asText()).isEqualTo("1_3");
        assertThat(body.get("failures").asInt()).isEqualTo(3);
        assertThat(body.get("lastFailure").get("time").asText()).isEqualTo("2026-12-06T12:00:10Z");
        assertThat(body.get("lastFailure").get("task").asText()).isEqualTo("1_3");
        assertThat(body.get("lastFailure").get("description").asText()).isEqualTo(last.description());
        assertThat(ready.statusCode()).isEqualTo(200);
    }

    @Test
    void aLiveVerdictLeavesHealthToTheState() throws Exception {
        // given a verdict that is live, with one failure within the window
        state.set(State.REBALANCING);
        Liveness oneOff = new Liveness(true, "", 1, Optional.of(new Liveness.Failure(Instant.now(), Optional.of("0_0"), "x")));
        server = MetricsServer.start("127.0.0.1", 0, registry, state::get, () -> oneOff);

        // then health is what the state says, without crash-loop fields
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).has("reason")).isFalse();
        state.set(State.ERROR);
        assertThat(get("/health").statusCode()).isEqualTo(503);
    }

    @Test
    void aVerdictThatCannotBeReadIsDown() throws Exception {
        state.set(State.RUNNING);
        server = MetricsServer.start("127.0.0.1", 0, registry, state::get, () -> {
            throw new IllegalStateException("detector broken");
        });

        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(health.body()).get("reason").asText()).contains("detector broken");
    }

    @Test
    void readinessIsOnlyWhileRunning() throws Exception {
        // given a server
        start();

        // when the state moves through rebalancing to running, readiness follows: only RUNNING is ready
        state.set(State.REBALANCING);
        assertThat(get("/ready").statusCode()).isEqualTo(503);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        state.set(State.RUNNING);
        HttpResponse<String> ready = get("/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ready.body()).get("status").asText()).isEqualTo("UP");
    }

    @Test
    void metricsServesTheRegistryInTheTextFormat() throws Exception {
        // given pipeline metrics on the registry
        PrometheusPipelineMetrics metrics = new PrometheusPipelineMetrics(registry);
        metrics.eventIn("images");
        metrics.deadLetter("images", DeadLetterReason.BAD_IMAGE);
        start();

        // when Prometheus scrapes
        HttpResponse<String> response = get("/metrics");

        // then the text format with the counts
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
        assertThat(Exposition.sample(response.body(), "alignstream_events_in_total{topic=\"images\"}")).hasValue(1.0);
        assertThat(Exposition.sample(response.body(),
                "alignstream_dead_letters_total{reason=\"BAD_IMAGE\",topic=\"images\"}")).hasValue(1.0);
    }

    @Test
    void unknownPathsAre404AndOtherMethods405() throws Exception {
        // given a server
        state.set(State.RUNNING);
        start();

        // when asked for paths it does not serve or with a method it does not take
        // then it says so, and a look-alike path is not health
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThat(get("/healthz").statusCode()).isEqualTo(404);
        assertThat(get("/metrics/extra").statusCode()).isEqualTo(404);
        HttpResponse<String> post = send("POST", "/health");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(send("HEAD", "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void portZeroBindsAFreePortAndClosingFreesIt() throws Exception {
        // given a server on an ephemeral port
        start();
        int port = server.port();
        assertThat(port).isPositive();
        assertThat(server.baseUri()).isEqualTo(URI.create("http://127.0.0.1:" + port));

        // when it is closed
        server.close();
        server = null;

        // then the port can be bound again at once
        try (ServerSocket socket = new ServerSocket(port, 0, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }
}
