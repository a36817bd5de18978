package io.alignstream.metrics;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a request through to a state-changing {@code action} only when it carries the admin token
 * and no sign of coming from a web page of another origin; the method (POST only) is checked by
 * {@link MetricsServer} before this. In order:
 * <ol>
 *   <li>no token configured: 403, the endpoint is disabled;</li>
 *   <li>{@code Sec-Fetch-Site} is {@code cross-site} or {@code same-site}: 403 (a page of another
 *       site, or of another port of this host; browsers send it to loopback and https addresses
 *       only, hence also:)</li>
 *   <li>an {@code Origin} that is not this server's own ({@code http(s)://} + the {@code Host} the
 *       request was sent to; also {@code Origin: null}): 403 (browsers send Origin with every
 *       POST);</li>
 *   <li>no {@code Authorization: Bearer <token>}, or another token: 401.</li>
 * </ol>
 * The Authorization header alone already keeps pages out: a browser sends it cross-origin only
 * after a CORS preflight, and nothing here answers OPTIONS but 405, without CORS headers. The
 * checks before it refuse the simple requests (a form, {@code fetch} in {@code no-cors} mode) by
 * what they are rather than only by the missing token.
 */
final class AdminGuard implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(AdminGuard.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final Set<String> FOREIGN_SITES = Set.of("cross-site", "same-site");
    private static final String BEARER = "bearer ";

    private final AdminToken token;
    private final HttpHandler action;

    AdminGuard(AdminToken token, HttpHandler action) {
        this.token = Objects.requireNonNull(token, "token");
        this.action = Objects.requireNonNull(action, "action");
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        if (!token.configured()) {
            refuse(exchange, 403, "no admin token is configured",
                    "Disabled: this endpoint changes the service's state and needs an admin token, and none is "
                            + "configured. Set " + token.configuredBy() + " and send it as 'Authorization: Bearer "
                            + "<token>'.\n");
            return;
        }
        List<String> fetchSites = headers.getOrDefault("Sec-Fetch-Site", List.of());
        if (fetchSites.stream().anyMatch(site -> FOREIGN_SITES.contains(site.trim().toLowerCase(Locale.ROOT)))) {
            String fetchSite = String.join(", ", fetchSites);
            refuse(exchange, 403, "Sec-Fetch-Site: " + fetchSite,
                    "Refused: a request from a web page of another site (Sec-Fetch-Site: " + fetchSite + "). Call "
                            + "this endpoint from a command line, e.g. curl -X POST -H 'Authorization: Bearer ...'.\n");
            return;
        }
        List<String> origins = headers.get("Origin");
        if (origins != null && !origins.isEmpty() && !(origins.size() == 1 && ownOrigin(origins.get(0), headers))) {
            refuse(exchange, 403, "Origin: " + origins,
                    "Refused: a request from a web page of another origin (Origin: " + String.join(", ", origins)
                            + "). Call this endpoint from a command line, e.g. curl -X POST -H 'Authorization: "
                            + "Bearer ...'.\n");
            return;
        }
        String authorization = single(headers, "Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"alignstream\"");
            refuse(exchange, 401, "no bearer token",
                    "Unauthorized: send the admin token as 'Authorization: Bearer <token>'.\n");
            return;
        }
        if (!token.matches(authorization.substring(BEARER.length()).strip())) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"alignstream\", error=\"invalid_token\"");
            refuse(exchange, 401, "wrong bearer token", "Unauthorized: that is not the admin token.\n");
            return;
        }
        action.handle(exchange);
    }

    /** The header's one value; null when absent, empty when repeated (no client repeats these; no check accepts it). */
    private static String single(Headers headers, String name) {
        List<String> values = headers.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        return values.size() == 1 ? values.get(0) : "";
    }

    /** {@code origin} is this server as the client addressed it: its Host, over http or https (a TLS proxy). */
    private static boolean ownOrigin(String origin, Headers headers) {
        String host = single(headers, "Host");
        if (host == null || host.isBlank()) {
            return false;
        }
        String value = origin.trim();
        return value.equalsIgnoreCase("http://" + host.trim()) || value.equalsIgnoreCase("https://" + host.trim());
    }

    private static void refuse(HttpExchange exchange, int status, String reason, String body) throws IOException {
        log.warn("refused {} {} from {}: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRemoteAddress(), reason);
        MetricsServer.reply(exchange, status, TEXT, body);
    }
}
