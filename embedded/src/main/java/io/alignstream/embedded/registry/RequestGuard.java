package io.alignstream.embedded.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

/**
 * What a request must show before the registry reads its body.
 *
 * <ol>
 *   <li><b>Its Host names this registry</b> ({@code 127.0.0.1}, {@code localhost}, {@code [::1]}
 *       or the bound address, with the bound port), else 421. The registry listens on loopback,
 *       but a web page can still reach it through DNS rebinding: the browser then sends the
 *       page's own host name, which this refuses.
 *   <li><b>Its body is no larger than the limit</b>, else 413: a declared {@code Content-Length}
 *       above it is refused unread, and a chunked body is read only up to the limit.
 *   <li><b>A body is JSON</b>: {@code application/vnd.schemaregistry.v1+json}, {@code
 *       application/vnd.schemaregistry+json} or {@code application/json}, with at most a UTF-8
 *       {@code charset}; else 415. This also refuses what an HTML form can send without a CORS
 *       preflight ({@code text/plain}, form encodings).
 * </ol>
 */
final class RequestGuard {

    /** The media types Confluent's clients send (the Java client, Python's, ours). */
    static final List<String> JSON_MEDIA_TYPES = List.of("application/vnd.schemaregistry.v1+json",
            "application/vnd.schemaregistry+json", "application/json");

    /** Characters of an IPv6 literal (no zone id): only these are parsed, so nothing is looked up. */
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

    private final int maxBodyBytes;
    private final int port;
    private final Set<String> names = new HashSet<>();
    private final Set<InetAddress> ipv6 = new HashSet<>();

    RequestGuard(InetSocketAddress boundTo, int maxBodyBytes) {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("The body limit must be positive: " + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
        this.port = boundTo.getPort();
        names.add("localhost");
        names.add("127.0.0.1");
        ipv6.add(ipv6Literal("::1"));
        InetAddress bound = boundTo.getAddress();
        if (bound instanceof Inet6Address) {
            ipv6.add(bound);
        } else {
            names.add(bound.getHostAddress());
        }
    }

    /**
     * The request's body, read only once its Host, declared size and media type pass.
     *
     * @throws RegistryError 421, 413, 415, or 400 for an unreadable {@code Content-Length}
     */
    byte[] admit(HttpExchange exchange) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        requireOwnHost(headers.get("Host"));
        boolean chunked = headers.containsKey("Transfer-Encoding");
        long declared = declaredLength(headers.get("Content-Length"));
        if (!chunked && declared == 0) {
            return new byte[0];
        }
        if (declared > maxBodyBytes) {
            throw RegistryError.payloadTooLarge(maxBodyBytes);
        }
        requireJson(headers.get("Content-Type"));
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(maxBodyBytes);
        // One byte past the limit is enough to refuse; the rest is never read.
        if (in.read() != -1) {
            throw RegistryError.payloadTooLarge(maxBodyBytes);
        }
        return body;
    }

    private void requireOwnHost(List<String> values) {
        if (values == null || values.size() != 1 || !namesThisRegistry(values.get(0).strip())) {
            throw RegistryError.misdirected("The Host header must name this registry: 127.0.0.1, "
                    + "localhost or [::1], port " + port);
        }
    }

    private boolean namesThisRegistry(String authority) {
        String name;
        String rest;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                return false;
            }
            name = authority.substring(1, close);
            rest = authority.substring(close + 1);
        } else {
            int colon = authority.indexOf(':');
            name = colon < 0 ? authority : authority.substring(0, colon);
            rest = colon < 0 ? "" : authority.substring(colon);
        }
        // Without a port the Host means HTTP's default, 80 (RFC 9110, 7.2).
        int named;
        if (rest.isEmpty()) {
            named = 80;
        } else if (rest.matches(":\\d{1,5}")) {
            named = Integer.parseInt(rest.substring(1));
        } else {
            return false;
        }
        if (named != port) {
            return false;
        }
        if (authority.startsWith("[")) {
            return IPV6_LITERAL.matcher(name).matches() && ipv6.contains(ipv6Literal(name));
        }
        return names.contains(name.toLowerCase(Locale.ROOT));
    }

    private static InetAddress ipv6Literal(String literal) {
        try {
            // A literal (checked by the caller's pattern): parsed, never resolved.
            return InetAddress.getByName("[" + literal + "]");
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static long declaredLength(List<String> values) {
        if (values == null) {
            return 0;
        }
        long length = -1;
        for (String value : values) {
            long parsed;
            try {
                parsed = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw RegistryError.badRequest("Content-Length is not a number: " + value);
            }
            if (parsed < 0 || (length >= 0 && parsed != length)) {
                throw RegistryError.badRequest("Content-Length is not one length: " + values);
            }
            length = parsed;
        }
        return Math.max(length, 0);
    }

    private static void requireJson(List<String> values) {
        if (values == null || values.size() != 1 || !isJson(values.get(0))) {
            throw RegistryError.unsupportedMediaType(values == null ? null : String.join(", ", values));
        }
    }

    /** One of {@link #JSON_MEDIA_TYPES}, case-insensitive, with nothing but a UTF-8 charset. */
    static boolean isJson(String contentType) {
        String[] parts = contentType.split(";", -1);
        if (!JSON_MEDIA_TYPES.contains(parts[0].strip().toLowerCase(Locale.ROOT))) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip();
            int eq = parameter.indexOf('=');
            if (eq < 0 || !parameter.substring(0, eq).strip().equalsIgnoreCase("charset")) {
                return false;
            }
            String charset = parameter.substring(eq + 1).strip();
            if (charset.length() >= 2 && charset.startsWith("\"") && charset.endsWith("\"")) {
                charset = charset.substring(1, charset.length() - 1);
            }
            if (!isUtf8(charset)) {
                return false;
            }
        }
        return true;
    }

    /** The body is parsed as JSON in UTF-8 (RFC 8259): another declared charset would be misread. */
    private static boolean isUtf8(String charset) {
        try {
            return Charset.isSupported(charset) && Charset.forName(charset).equals(StandardCharsets.UTF_8);
        } catch (IllegalCharsetNameException e) {
            return false;
        }
    }
}
