package io.alignstream.fetch;

import static io.alignstream.fetch.ImageFetchException.Reason.TOO_LARGE;
import static io.alignstream.fetch.ImageFetchException.Reason.UNREACHABLE;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.alignstream.faults.ImageMemoryBudget;

/**
 * Reads one HTTP/1.1 response: status line, headers, and (when asked) a body with a
 * {@code Content-Length}, a chunked body, or a body that ends with the connection, never holding
 * more than {@code maxBytes + 1} body bytes. Messages name the URI, sizes and status only: never
 * bytes the server sent, which may come from a service that was never meant to answer us.
 */
final class HttpResponseReader {

    static final int MAX_LINE_BYTES = 8192;
    static final int MAX_HEADER_BYTES = 64 * 1024;
    static final int MAX_HEADERS = 200;
    private static final int MAX_INTERIM_RESPONSES = 8;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] ([1-9][0-9]{2})(?: .*)?");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern CHUNK_SIZE = Pattern.compile("[0-9A-Fa-f]{1,15}");

    /** A status line and its headers (names lower case, each with its values in order). */
    record Head(int status, Map<String, List<String>> headers) {
        Optional<String> first(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }
    }

    /** Memory for a body, reserved before a byte of it is read (the instance's image memory budget). */
    @FunctionalInterface
    interface BodyMemory {
        /** Reserves {@code bytes}; {@link ImageFetchException.Reason#TOO_LARGE} when no image may be that large. */
        ImageMemoryBudget.Reservation reserve(long bytes) throws ImageFetchException;
    }

    /** Transport faults worth retrying; who chose the host is decided by the caller, who knows the hop. */
    static final ImageFetchException.Transient TRANSPORT = new ImageFetchException.Transient(false, null);

    private final InputStream in;
    private final URI uri;
    private final long maxBytes;
    private final BodyMemory memory;

    HttpResponseReader(InputStream in, URI uri, long maxBytes, BodyMemory memory) {
        this.in = in;
        this.uri = uri;
        this.maxBytes = maxBytes;
        this.memory = memory;
    }

    /** A body and the memory it holds (close it once the body is no longer needed). */
    record Body(byte[] bytes, ImageMemoryBudget.Reservation memory) {
    }

    /** The final response's status and headers, skipping interim (1xx) responses. */
    Head readHead() throws IOException, ImageFetchException {
        for (int interim = 0; ; interim++) {
            String statusLine = readLine(MAX_LINE_BYTES, "status line");
            if (statusLine == null) {
                throw new ImageFetchException(UNREACHABLE, "the connection to " + uri + " closed before a response",
                        null, TRANSPORT);
            }
            Matcher matcher = STATUS_LINE.matcher(statusLine);
            if (!matcher.matches()) {
                throw notHttp("its status line is not HTTP/1.x");
            }
            int status = Integer.parseInt(matcher.group(1));
            Map<String, List<String>> headers = readHeaders();
            if (status / 100 != 1 || status == 101) {
                return new Head(status, headers);
            }
            if (interim >= MAX_INTERIM_RESPONSES) {
                throw notHttp("it sent more than " + MAX_INTERIM_RESPONSES + " interim responses");
            }
        }
    }

    /**
     * The body of a 2xx response.
     *
     * <p>Its memory is reserved first: the declared {@code Content-Length}, or {@code maxBytes} when
     * the length is not declared, settled to the actual size once read.
     *
     * @throws ImageFetchException {@code TOO_LARGE} as soon as the declared or counted size passes
     *     {@code maxBytes} (before a byte is read when {@code Content-Length} says so)
     */
    Body readBody(Head head) throws IOException, ImageFetchException {
        if (head.status() == 204 || head.status() == 205) {
            return new Body(new byte[0], memory.reserve(0));
        }
        long declared = chunked(head) ? -1 : contentLength(head);
        if (declared > maxBytes) {
            throw new ImageFetchException(TOO_LARGE, uri + " declares Content-Length " + declared
                    + " bytes, over the limit of " + maxBytes + " bytes");
        }
        ImageMemoryBudget.Reservation reserved = memory.reserve(declared >= 0 ? declared : maxBytes);
        try {
            byte[] bytes = chunked(head) ? readChunked() : readPlain(declared);
            reserved.settle(bytes.length);
            return new Body(bytes, reserved);
        } catch (IOException | ImageFetchException | RuntimeException | Error e) {
            reserved.close();
            throw e;
        }
    }

    private byte[] readPlain(long declared) throws IOException, ImageFetchException {
        Buffer body = new Buffer(declared);
        if (declared >= 0) {
            body.readExactly(declared);
        } else {
            body.readToEnd();
        }
        return body.bytes();
    }

    private Map<String, List<String>> readHeaders() throws IOException, ImageFetchException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int bytes = 0;
        int count = 0;
        while (true) {
            String line = readLine(MAX_LINE_BYTES, "header line");
            if (line == null) {
                throw new ImageFetchException(UNREACHABLE, "the connection to " + uri + " closed inside the response headers");
            }
            if (line.isEmpty()) {
                return headers;
            }
            bytes += line.length() + 2;
            if (bytes > MAX_HEADER_BYTES || ++count > MAX_HEADERS) {
                throw notHttp("its headers are over " + MAX_HEADER_BYTES + " bytes or " + MAX_HEADERS + " lines");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !HEADER_NAME.matcher(line.substring(0, colon)).matches()) {
                // Also refuses obsolete line folding (a line starting with white space).
                throw notHttp("it has a malformed header line");
            }
            headers.computeIfAbsent(line.substring(0, colon).toLowerCase(Locale.ROOT), name -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
    }

    private static boolean chunked(Head head) {
        List<String> codings = head.headers().get("transfer-encoding");
        if (codings == null || codings.isEmpty()) {
            return false;
        }
        String last = codings.get(codings.size() - 1);
        String[] parts = last.split(",");
        return parts[parts.length - 1].trim().equalsIgnoreCase("chunked");
    }

    /**
     * The declared length, or -1 when absent or not a number (then the connection's end and the
     * counted bytes decide). Lengths that disagree are refused: which one the server meant is
     * anyone's guess.
     */
    private long contentLength(Head head) throws ImageFetchException {
        List<String> values = head.headers().get("content-length");
        if (values == null || head.headers().containsKey("transfer-encoding")) {
            return -1;
        }
        long length = -1;
        for (String value : values) {
            for (String part : value.split(",")) {
                String digits = part.trim();
                if (!digits.matches("[0-9]{1,19}")) {
                    return -1;
                }
                long parsed = digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
                if (length != -1 && parsed != length) {
                    throw notHttp("it declares different Content-Length values");
                }
                length = parsed;
            }
        }
        return length;
    }

    private byte[] readChunked() throws IOException, ImageFetchException {
        Buffer body = new Buffer(-1);
        while (true) {
            String line = readLine(MAX_LINE_BYTES, "chunk size line");
            if (line == null) {
                throw closedEarly(body.size());
            }
            int semicolon = line.indexOf(';');
            String size = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
            if (!CHUNK_SIZE.matcher(size).matches()) {
                throw notHttp("its chunked body has a malformed chunk size");
            }
            long chunk = Long.parseLong(size, 16);
            if (chunk == 0) {
                skipTrailers();
                return body.bytes();
            }
            body.readExactly(chunk);
            String end = readLine(2, "chunk end");
            if (end == null) {
                throw closedEarly(body.size());
            }
            if (!end.isEmpty()) {
                throw notHttp("a chunk of its body is longer than it declared");
            }
        }
    }

    private void skipTrailers() throws IOException, ImageFetchException {
        int bytes = 0;
        while (true) {
            String line = readLine(MAX_LINE_BYTES, "trailer line");
            if (line == null || line.isEmpty()) {
                return; // A missing final CRLF after the last chunk costs nothing: the body is complete.
            }
            bytes += line.length() + 2;
            if (bytes > MAX_HEADER_BYTES) {
                throw notHttp("its trailers are over " + MAX_HEADER_BYTES + " bytes");
            }
        }
    }

    /**
     * One line without its CRLF (or bare LF), as Latin-1; null at the end of the stream. A line
     * longer than {@code max} bytes is refused rather than buffered.
     */
    private String readLine(int max, String what) throws IOException, ImageFetchException {
        byte[] line = new byte[Math.min(max, 256)];
        int length = 0;
        while (true) {
            int b = in.read();
            if (b == -1) {
                return null;
            }
            if (b == '\n') {
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                return new String(line, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (length == max) {
                throw notHttp("its " + what + " is longer than " + max + " bytes");
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, Math.min(max, line.length * 2));
            }
            line[length++] = (byte) b;
        }
    }

    private ImageFetchException notHttp(String why) {
        return new ImageFetchException(UNREACHABLE, "the response from " + uri + " is not usable HTTP/1.1: " + why);
    }

    private ImageFetchException closedEarly(long received) {
        return new ImageFetchException(UNREACHABLE, "the connection to " + uri + " closed after " + received
                + " bytes of the body, before its end", null, TRANSPORT);
    }

    /** The body so far, refused as soon as it passes maxBytes. */
    private final class Buffer {
        private final ByteArrayOutputStream buffer;
        private final byte[] chunk = new byte[16 * 1024];
        private long size;

        Buffer(long declared) {
            // Pre-sized from Content-Length when known (already checked against maxBytes), capped so
            // that a lying header costs little.
            this.buffer = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 8192), 1 << 20));
        }

        long size() {
            return size;
        }

        void readExactly(long length) throws IOException, ImageFetchException {
            long left = length;
            while (left > 0) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, Math.min(left, maxBytes + 1 - size)));
                if (n == -1) {
                    throw closedEarly(size);
                }
                add(n);
                left -= n;
            }
        }

        void readToEnd() throws IOException, ImageFetchException {
            while (true) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, maxBytes + 1 - size));
                if (n == -1) {
                    return;
                }
                add(n);
            }
        }

        private void add(int n) throws ImageFetchException {
            size += n;
            if (size > maxBytes) {
                throw new ImageFetchException(TOO_LARGE, uri + " sent more than the limit of " + maxBytes
                        + " bytes (stopped reading at " + size + " bytes)");
            }
            buffer.write(chunk, 0, n);
        }

        byte[] bytes() {
            return buffer.toByteArray();
        }
    }
}
