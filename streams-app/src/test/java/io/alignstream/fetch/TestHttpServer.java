package io.alignstream.fetch;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/** A real JDK HTTP(S) server on an ephemeral loopback port, one handler per path. */
final class TestHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "test-http-server");
        thread.setDaemon(true);
        return thread;
    });
    private final String scheme;

    private TestHttpServer(HttpServer server, String scheme) {
        this.server = server;
        this.scheme = scheme;
        server.setExecutor(executor); // slow handlers must not block the others
        server.start();
    }

    static TestHttpServer http() throws IOException {
        return new TestHttpServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), "http");
    }

    static TestHttpServer https(SSLContext context) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        return new TestHttpServer(server, "https");
    }

    TestHttpServer route(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            try {
                handler.handle(exchange);
            } catch (IOException e) {
                // The client hung up (it refused the body or gave up): that is the point of several tests.
            } finally {
                exchange.close();
            }
        });
        return this;
    }

    String uri(String path) {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    URI asUri(String path) {
        return URI.create(uri(path));
    }

    /** Sends a body with its Content-Length. */
    static HttpHandler body(int status, String contentType, byte[] body) {
        return exchange -> {
            if (contentType != null) {
                exchange.getResponseHeaders().set("Content-Type", contentType);
            }
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        };
    }

    static HttpHandler redirect(int status, String location) {
        return exchange -> {
            exchange.getResponseHeaders().set("Location", location);
            exchange.sendResponseHeaders(status, -1);
        };
    }

    /** Chunked (no Content-Length) body that goes on until the client hangs up or {@code cap} bytes; counts what it sent. */
    static HttpHandler endlessChunked(AtomicLong sent, long cap) {
        return exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            OutputStream out = exchange.getResponseBody();
            while (sent.get() < cap) {
                out.write(chunk);
                out.flush();
                sent.addAndGet(chunk.length);
            }
        };
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
