package io.alignstream.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.alignstream.health.Liveness;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The service's one HTTP endpoint for operations:
 * <ul>
 *   <li>{@code GET /metrics}: every metric of the registry in the Prometheus text format (or
 *       OpenMetrics / protobuf when the scraper asks for it), served by the Prometheus client's
 *       own {@link MetricsHandler};</li>
 *   <li>{@code GET /health}: liveness, {@code 200} with {@code "status":"UP"} while Kafka Streams is
 *       {@code RUNNING} or {@code REBALANCING} and no crash loop was seen ({@link Liveness}),
 *       {@code 503} with {@code "status":"DOWN"} otherwise (also when the state cannot be read),
 *       naming the failing task, the count and the last failure for a crash loop;</li>
 *   <li>{@code GET /ready}: readiness, {@code 200} only while {@code RUNNING}.</li>
 * </ul>
 * Every route is read-only (GET and HEAD) except those added with {@link #adminRoute}, which
 * require the admin token.
 *
 * <p>It is the JDK's {@link HttpServer} rather than the Prometheus client's {@code HTTPServer}:
 * that one's builder offers no way to add endpoints beside {@code /metrics} except a catch-all
 * default handler. The metrics handler is the same one it uses. Closing this frees the port.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Set<KafkaStreams.State> LIVE = Set.of(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<KafkaStreams.State> streamsState;
    private final Supplier<Liveness> liveness;

    private MetricsServer(HttpServer server, ExecutorService executor, Supplier<KafkaStreams.State> streamsState,
                          Supplier<Liveness> liveness) {
        this.server = server;
        this.executor = executor;
        this.streamsState = streamsState;
        this.liveness = liveness;
    }

    /** {@link #start(String, int, PrometheusRegistry, Supplier, Supplier)} with health judged by the state alone. */
    public static MetricsServer start(String host, int port, PrometheusRegistry registry,
                                      Supplier<KafkaStreams.State> streamsState) {
        return start(host, port, registry, streamsState, () -> Liveness.ALWAYS_LIVE);
    }

    /**
     * Binds and starts the server.
     *
     * @param host         the address to bind ({@code "0.0.0.0"} for all interfaces,
     *                     {@code "127.0.0.1"} for local only)
     * @param port         the port; 0 picks a free one ({@link #port()} tells which)
     * @param registry     what {@code /metrics} serves
     * @param streamsState the Kafka Streams state, read on every health or readiness request;
     *                     typically {@code streams::state}
     * @param liveness     the crash-loop verdict, read on every health request; typically
     *                     {@code detector::liveness} of the stream threads' {@code CrashLoopDetector}
     * @return the started server
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static MetricsServer start(String host, int port, PrometheusRegistry registry,
                                      Supplier<KafkaStreams.State> streamsState, Supplier<Liveness> liveness) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(streamsState, "streamsState");
        Objects.requireNonNull(liveness, "liveness");
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot bind the metrics server to " + host + ":" + port, e);
        }
        int serial = SERVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "metrics-http-" + serial + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        MetricsServer metricsServer = new MetricsServer(server, executor, streamsState, liveness);
        MetricsHandler metrics = new MetricsHandler(registry);
        server.createContext("/metrics", exact("/metrics", metrics));
        server.createContext("/health", exact("/health", metricsServer::health));
        server.createContext("/ready", exact("/ready", metricsServer::ready));
        server.createContext("/", exchange -> respond(exchange, 404, "text/plain; charset=utf-8",
                "Not found. Endpoints: /metrics, /health, /ready\n"));
        server.setExecutor(executor);
        server.start();
        return metricsServer;
    }

    /**
     * Serves {@code handler} at exactly {@code path} for GET (and HEAD); other methods get 405. For
     * read-only endpoints beside the metrics, e.g. the live view's. A route at {@code /} replaces the
     * catch-all; every other unknown path still answers 404.
     *
     * @param method {@code "GET"}: an endpoint that changes state goes through {@link #adminRoute}
     * @throws IllegalArgumentException for any other method
     */
    public MetricsServer route(String method, String path, HttpHandler handler) {
        if (!"GET".equals(method)) {
            throw new IllegalArgumentException(method + " " + path + ": only GET routes are served as they are; "
                    + "an endpoint that changes state goes through adminRoute, which requires the admin token");
        }
        if ("/".equals(path)) {
            server.removeContext("/");
        }
        server.createContext(path, exact(path, Set.of(method), handler));
        return this;
    }

    /**
     * Serves {@code action}, which changes the service's state, at exactly {@code path} for POST
     * only, and only to a request that carries {@code token} as {@code Authorization: Bearer <token>}
     * and does not come from a web page of another origin ({@link AdminGuard} says how each is
     * refused). With no token configured the endpoint answers 403 and says how to set one.
     */
    public MetricsServer adminRoute(String path, AdminToken token, HttpHandler action) {
        server.createContext(path, exact(path, Set.of("POST"), new AdminGuard(token, action)));
        return this;
    }

    /** Writes a whole response: status, content type, body. */
    public static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        respond(exchange, status, contentType, body);
    }

    /** The port the server is bound to (the real one when started with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://host:port}, for the address the server is bound to. */
    public URI baseUri() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "localhost" : address.getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + address.getPort());
    }

    /** Stops serving at once and frees the port. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean up = readState(LIVE, body);
        Liveness verdict;
        try {
            verdict = liveness.get();
        } catch (RuntimeException e) {
            verdict = new Liveness(false, "the crash-loop verdict cannot be read: " + e, 0, Optional.empty());
        }
        if (!verdict.live()) {
            up = false;
            body.put("status", "DOWN");
            body.put("reason", verdict.reason());
            verdict.lastFailure().flatMap(Liveness.Failure::task).ifPresent(task -> body.put("task", task));
            body.put("failures", verdict.failures());
            verdict.lastFailure().ifPresent(last -> {
                Map<String, Object> failure = new LinkedHashMap<>();
                failure.put("time", last.time().toString());
                last.task().ifPresent(task -> failure.put("task", task));
                failure.put("description", last.description());
                body.put("lastFailure", failure);
            });
        }
        body.put("time", Instant.now().toString());
        respond(exchange, up ? 200 : 503, "application/json", JSON.writeValueAsString(body) + "\n");
    }

    private void ready(HttpExchange exchange) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean up = readState(Set.of(KafkaStreams.State.RUNNING), body);
        body.put("time", Instant.now().toString());
        respond(exchange, up ? 200 : 503, "application/json", JSON.writeValueAsString(body) + "\n");
    }

    /** Puts status and streamsState into {@code body}; whether the state is one of {@code upStates}. */
    private boolean readState(Set<KafkaStreams.State> upStates, Map<String, Object> body) {
        boolean up;
        try {
            KafkaStreams.State state = streamsState.get();
            up = state != null && upStates.contains(state);
            body.put("status", up ? "UP" : "DOWN");
            body.put("streamsState", state == null ? "UNKNOWN" : state.name());
        } catch (RuntimeException e) {
            up = false;
            body.put("status", "DOWN");
            body.put("streamsState", "UNKNOWN");
            body.put("error", String.valueOf(e));
        }
        return up;
    }

    /** Serves {@code handler} for exactly {@code path} and GET or HEAD; 404 or 405 otherwise. */
    private static HttpHandler exact(String path, HttpHandler handler) {
        return exact(path, Set.of("GET"), handler);
    }

    private static HttpHandler exact(String path, Set<String> methods, HttpHandler handler) {
        Set<String> allowed = new java.util.TreeSet<>(methods);
        if (allowed.contains("GET")) {
            allowed.add("HEAD");
        }
        return exchange -> {
            if (!exchange.getRequestURI().getPath().equals(path)) {
                respond(exchange, 404, "text/plain; charset=utf-8", "Not found\n");
            } else if (!allowed.contains(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
                respond(exchange, 405, "text/plain; charset=utf-8", "Method not allowed\n");
            } else {
                handler.handle(exchange);
            }
        };
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
