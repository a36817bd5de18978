package io.alignstream.registry.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A scripted stand-in for a Schema Registry on a free loopback port, on the JDK's HttpServer: each
 * route answers with its scripted replies in turn (the last one repeats), and every request is
 * recorded. Unscripted routes answer 404 the way Confluent's registry does.
 */
public final class FakeRegistry implements AutoCloseable {

    /** A recorded request. */
    public record Request(String method, String path, String query, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
                if (entry.getKey().equalsIgnoreCase(name)) {
                    return entry.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** A scripted answer. */
    public record Reply(int status, String body, boolean hangs) {
        public static Reply ok(String json) {
            return new Reply(200, json, false);
        }

        /** A Confluent error body. */
        public static Reply error(int status, int errorCode, String message) {
            return new Reply(status, "{\"error_code\":" + errorCode + ",\"message\":\"" + message + "\"}", false);
        }

        public static Reply text(int status, String text) {
            return new Reply(status, text, false);
        }

        /** Never answers (until the fake is closed). */
        public static Reply hang() {
            return new Reply(0, null, true);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "fake-registry");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Deque<Reply>> script = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private FakeRegistry(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** A plain HTTP fake on 127.0.0.1. */
    /** Client settings for {@code urls} with fast retries, so that failure paths take milliseconds. */
    static Map<String, Object> fastRetrySettings(String urls) {
        Map<String, Object> settings = new HashMap<>();
        settings.put("schema.registry.url", urls);
        settings.put("max.retries", 2);
        settings.put("retries.wait.ms", 10);
        settings.put("retries.max.wait.ms", 20);
        settings.put("http.connect.timeout.ms", 1000);
        settings.put("http.read.timeout.ms", 1000);
        return settings;
    }

    public static FakeRegistry start() {
        try {
            return new FakeRegistry(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An HTTPS fake on 127.0.0.1. */
    public static FakeRegistry startHttps(HttpsConfigurator configurator) {
        try {
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(configurator);
            return new FakeRegistry(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL, e.g. http://127.0.0.1:41234. */
    public String url() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Scripts {@code method path} (path without the query) to answer {@code replies} in turn. */
    public FakeRegistry on(String method, String path, Reply... replies) {
        script.put(method + " " + path, new ArrayDeque<>(List.of(replies)));
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public int requestCount() {
        return requests.size();
    }

    /** A URL on which nothing listens: connections are refused at once. */
    public static String refusingUrl() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        requests.add(new Request(method, path, exchange.getRequestURI().getRawQuery(),
                Map.copyOf(exchange.getRequestHeaders()), body));
        Reply reply = next(method + " " + path);
        if (reply.hangs()) {
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        byte[] bytes = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Reply next(String route) {
        Deque<Reply> replies = script.get(route);
        if (replies == null) {
            return Reply.error(404, 404, "HTTP 404 Not Found");
        }
        synchronized (replies) {
            return replies.size() > 1 ? replies.poll() : replies.peek();
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
