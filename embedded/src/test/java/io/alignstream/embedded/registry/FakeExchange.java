package io.alignstream.embedded.registry;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

/**
 * One request to {@link RegistryHttpHandler} without a server: headers as a client sent them, a
 * body that counts how much of it the handler read, and the response captured.
 */
final class FakeExchange extends HttpExchange {

    private final String method;
    private final URI uri;
    private final Headers requestHeaders = new Headers();
    private final Headers responseHeaders = new Headers();
    private final CountingBody body;
    private final ByteArrayOutputStream response = new ByteArrayOutputStream();
    private int status = -1;

    private FakeExchange(String method, String path, CountingBody body) {
        this.method = method;
        this.uri = URI.create(path);
        this.body = body;
    }

    static FakeExchange get(String path) {
        return new FakeExchange("GET", path, new CountingBody(new byte[0], 0));
    }

    /** A request whose body is {@code text}, its Content-Length declared. */
    static FakeExchange withBody(String method, String path, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        FakeExchange exchange = new FakeExchange(method, path, new CountingBody(bytes, bytes.length));
        exchange.header("Content-Length", String.valueOf(bytes.length));
        return exchange;
    }

    /** A chunked request (no Content-Length) whose body is {@code length} spaces, made as read. */
    static FakeExchange chunked(String method, String path, long length) {
        FakeExchange exchange = new FakeExchange(method, path, new CountingBody(new byte[] {' '}, length));
        exchange.header("Transfer-Encoding", "chunked");
        return exchange;
    }

    FakeExchange header(String name, String value) {
        requestHeaders.add(name, value);
        return this;
    }

    int status() {
        return status;
    }

    String responseBody() {
        return response.toString(StandardCharsets.UTF_8);
    }

    /** How many body bytes the handler read. */
    long bodyBytesRead() {
        return body.read;
    }

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getRequestMethod() {
        return method;
    }

    @Override
    public HttpContext getHttpContext() {
        return null;
    }

    @Override
    public void close() {
    }

    @Override
    public InputStream getRequestBody() {
        return body;
    }

    @Override
    public OutputStream getResponseBody() {
        return response;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) {
        status = rCode;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return new InetSocketAddress("127.0.0.1", 40000);
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return null;
    }

    @Override
    public String getProtocol() {
        return "HTTP/1.1";
    }

    @Override
    public Object getAttribute(String name) {
        return null;
    }

    @Override
    public void setAttribute(String name, Object value) {
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        throw new UnsupportedOperationException();
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }

    /** {@code length} bytes repeating {@code pattern}, produced as read (never held whole). */
    private static final class CountingBody extends InputStream {
        private final byte[] pattern;
        private final long length;
        private long read;

        CountingBody(byte[] pattern, long length) {
            this.pattern = pattern;
            this.length = length;
        }

        @Override
        public int read() {
            if (read >= length) {
                return -1;
            }
            return pattern[(int) (read++ % pattern.length)] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (read >= length) {
                return -1;
            }
            int n = (int) Math.min(len, length - read);
            for (int i = 0; i < n; i++) {
                b[off + i] = pattern[(int) ((read + i) % pattern.length)];
            }
            read += n;
            return n;
        }
    }
}
