package io.alignstream.registry.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON over HTTP(S) to the registry URLs of one configuration, on the JDK's {@link HttpClient}:
 * what {@link RestSchemaRegistryClient} sends its requests through.
 *
 * <ul>
 *   <li><b>Fail-over:</b> requests go to the URL that last answered; on a connection failure, a
 *   timeout or a 5xx/429 answer the next URL is tried at once.</li>
 *   <li><b>Retries:</b> when every URL failed, it waits ({@code retries.wait.ms}, doubling up to
 *   {@code retries.max.wait.ms}, with jitter) and tries all URLs again, at most
 *   {@code max.retries} times. A 4xx answer is final and never retried.</li>
 *   <li><b>Bounded time:</b> one request to one URL is abandoned after
 *   {@code http.connect.timeout.ms + http.read.timeout.ms}, so a request ends within
 *   {@link #maxBlockTime()}, with a {@link SchemaRegistryUnavailableException} if nothing answered.</li>
 *   <li><b>Errors:</b> a 4xx becomes the {@link SchemaRegistryException} subclass of its Confluent
 *   error code ({@link SchemaRegistryException#fromResponse}); a failed TLS handshake is a
 *   {@link SchemaRegistryException} saying which {@code schema.registry.ssl.*} keys to check.</li>
 *   <li><b>Credentials:</b> basic auth from {@code basic.auth.user.info} or the URL's user info;
 *   URLs are shown without them.</li>
 * </ul>
 */
final class RegistryHttpTransport implements AutoCloseable {

    // The retry warnings keep the logger name they have always had, which log settings may name.
    private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);

    /** The media type of the Schema Registry API, version 1. */
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger TRANSPORT_COUNT = new AtomicInteger();

    private record Endpoint(String base, String authorization) {
    }

    private final SchemaRegistryClientConfig config;
    private final List<Endpoint> endpoints;
    private final AtomicInteger preferred = new AtomicInteger();
    private final ExecutorService executor;
    private final HttpClient http;
    private final Duration readTimeout;
    private final long requestDeadlineMillis;
    private final int maxRetries;
    private final long retriesWaitMillis;
    private final long retriesMaxWaitMillis;
    private volatile boolean closed;

    /**
     * @throws ConfigException when no URL is set, the URL is a {@code mock://} one, the credentials
     *                         are missing, or the TLS stores cannot be opened; naming the key
     */
    RegistryHttpTransport(SchemaRegistryClientConfig config) {
        this.config = config;
        if (config.urls().isEmpty()) {
            throw new ConfigException(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG + " is not set: give the "
                    + "registry's base URL, e.g. http://localhost:8081 (or mock://<scope> for tests)");
        }
        if (config.mockScope() != null) {
            throw new ConfigException(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG + "=" + config.urls()
                    + " names an in-memory registry; build clients with SchemaRegistryClientFactory");
        }
        this.endpoints = endpoints(config);
        this.readTimeout = config.httpReadTimeout();
        this.requestDeadlineMillis = config.httpConnectTimeout().toMillis() + readTimeout.toMillis();
        this.maxRetries = config.maxRetries();
        this.retriesWaitMillis = config.retriesWait().toMillis();
        this.retriesMaxWaitMillis = config.retriesMaxWait().toMillis();

        int transportNumber = TRANSPORT_COUNT.incrementAndGet();
        AtomicInteger threadCount = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable,
                    "schema-registry-client-" + transportNumber + "-" + threadCount.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.httpConnectTimeout())
                .executor(executor);
        if (endpoints.stream().anyMatch(e -> e.base().startsWith("https:"))) {
            builder.sslContext(TlsContexts.build(config));
        }
        this.http = builder.build();
    }

    private static List<Endpoint> endpoints(SchemaRegistryClientConfig config) {
        boolean fromUrl = config.basicAuthCredentialsSource().equals(SchemaRegistryClientConfig.CREDENTIALS_SOURCE_URL);
        String sharedAuthorization = null;
        if (!fromUrl) {
            String userInfo = config.userInfo();
            if (userInfo == null) {
                throw new ConfigException(SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "="
                        + SchemaRegistryClientConfig.CREDENTIALS_SOURCE_USER_INFO + " but "
                        + SchemaRegistryClientConfig.USER_INFO_CONFIG + " is empty: set it to <user>:<password>");
            }
            sharedAuthorization = basic(userInfo);
        }
        List<Endpoint> result = new ArrayList<>();
        for (String url : config.urls()) {
            URI uri = URI.create(url);
            String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
            String base;
            try {
                base = new URI(uri.getScheme().toLowerCase(Locale.ROOT), null, uri.getHost(), uri.getPort(), null,
                        null, null).toString() + path;
            } catch (URISyntaxException e) {
                throw new ConfigException(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, url, e.getMessage());
            }
            String authorization = sharedAuthorization;
            if (fromUrl && uri.getUserInfo() != null && !uri.getUserInfo().isEmpty()) {
                authorization = basic(uri.getUserInfo());
            }
            result.add(new Endpoint(base, authorization));
        }
        return List.copyOf(result);
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** The base URLs, without credentials, in configured order. */
    List<String> urls() {
        return endpoints.stream().map(Endpoint::base).toList();
    }

    /**
     * The longest one {@link #send} can take before it fails with
     * {@link SchemaRegistryUnavailableException}: {@code (max.retries + 1)} rounds over all URLs of
     * at most {@code http.connect.timeout.ms + http.read.timeout.ms} each, plus the waits between
     * rounds.
     */
    Duration maxBlockTime() {
        long total = (long) (maxRetries + 1) * endpoints.size() * requestDeadlineMillis;
        for (int retry = 0; retry < maxRetries; retry++) {
            total += backoffMillis(retry);
        }
        return Duration.ofMillis(total);
    }

    /**
     * Sends one request, with fail-over and retries, and returns the registry's JSON answer
     * ({@link NullNode} for an empty body).
     *
     * @param operation     what is being done, for messages, e.g. "Fetching schema id 7"
     * @param pathAndQuery  below the base URL, already escaped, e.g. "/schemas/ids/7"
     * @param body          the JSON to send, or {@code null} for none
     * @throws SchemaRegistryException            for a 4xx answer (the subclass of its error code),
     *                                            a failed TLS handshake, or a 2xx body that is not JSON
     * @throws SchemaRegistryUnavailableException when no URL gave a usable answer within the retries
     * @throws IllegalStateException              after {@link #close()}
     */
    JsonNode send(String operation, String method, String pathAndQuery, JsonNode body) {
        if (closed) {
            throw new IllegalStateException("This Schema Registry client is closed");
        }
        byte[] payload = body == null ? null : toJson(body);
        long started = System.nanoTime();
        int requests = 0;
        int attempts = 0;
        Failure last = null;
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            if (attempt > 0) {
                long wait = jitter(backoffMillis(attempt - 1));
                log.warn("{}: no Schema Registry answered ({}); retry {}/{} in {} ms",
                        operation, last, attempt, maxRetries, wait);
                sleep(wait);
            }
            attempts++;
            int first = preferred.get();
            for (int k = 0; k < endpoints.size(); k++) {
                int index = (first + k) % endpoints.size();
                Endpoint endpoint = endpoints.get(index);
                requests++;
                HttpResponse<byte[]> response;
                try {
                    response = exchange(endpoint, method, pathAndQuery, payload);
                } catch (IOException e) {
                    last = new Failure(endpoint.base(), SchemaRegistryException.NO_HTTP_STATUS,
                            SchemaRegistryException.NO_ERROR_CODE, null, e);
                    log.debug("{}: {}", operation, last);
                    continue;
                }
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    preferred.set(index);
                    return parseBody(operation, endpoint, status, response.body());
                }
                ErrorBody error = ErrorBody.parse(response.body());
                if (status >= 500 || status == 429) {
                    last = new Failure(endpoint.base(), status, error.code(), error.message(), null);
                    log.debug("{}: {}", operation, last);
                    continue;
                }
                preferred.set(index);
                throw SchemaRegistryException.fromResponse(operation, "the Schema Registry at " + endpoint.base(),
                        status, error.code(), error.message());
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        throw unavailable(operation, attempts, requests, elapsed, last);
    }

    /** Stops the HTTP threads; {@link #send} fails from now on. */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }

    private HttpResponse<byte[]> exchange(Endpoint endpoint, String method, String pathAndQuery, byte[] payload)
            throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint.base() + pathAndQuery))
                .timeout(readTimeout)
                .header("Accept", ACCEPT);
        if (endpoint.authorization() != null) {
            request.header("Authorization", endpoint.authorization());
        }
        if (payload != null) {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        CompletableFuture<HttpResponse<byte[]>> future =
                http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        try {
            return future.get(requestDeadlineMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new HttpTimeoutException("timed out: no answer within " + requestDeadlineMillis + " ms ("
                    + SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG + " + "
                    + SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG + ")");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof SSLHandshakeException handshake) {
                    throw tlsFailure(endpoint, handshake);
                }
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(describe(cause), cause);
        }
    }

    private SchemaRegistryException tlsFailure(Endpoint endpoint, SSLHandshakeException e) {
        String hint = TlsContexts.endpointIdentification(config)
                ? " If the certificate is trusted but does not name this host, fix the certificate or the URL, or "
                + "(only if you accept the risk) set " + SchemaRegistryClientConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG
                + " to an empty value."
                : "";
        return new SchemaRegistryException("TLS handshake with the Schema Registry at " + endpoint.base()
                + " failed: " + describe(e) + ". Check " + SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG
                + " (it must hold the certificate that signs the registry's certificate) and, if the registry "
                + "requires client certificates, " + SchemaRegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG + "."
                + hint, e);
    }

    private SchemaRegistryUnavailableException unavailable(String operation, int attempts, int requests,
                                                           Duration elapsed, Failure last) {
        String message = operation + " failed: no Schema Registry answered at " + urls() + " after " + attempts
                + (attempts == 1 ? " attempt" : " attempts") + " (" + requests
                + (requests == 1 ? " request" : " requests") + ") in " + elapsed.toMillis() + " ms; last failure: "
                + last + ". Check that the registry is running and reachable from here. Settings: "
                + SchemaRegistryClientConfig.MAX_RETRIES_CONFIG + "=" + maxRetries + ", "
                + SchemaRegistryClientConfig.RETRIES_WAIT_MS_CONFIG + "=" + retriesWaitMillis + ", "
                + SchemaRegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG + "=" + retriesMaxWaitMillis + ", "
                + SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG + "=" + config.httpConnectTimeout().toMillis()
                + ", " + SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG + "=" + readTimeout.toMillis()
                + " (at most " + maxBlockTime().toMillis() + " ms per operation)";
        return new SchemaRegistryUnavailableException(message, urls(), attempts, requests, elapsed,
                last == null ? SchemaRegistryException.NO_HTTP_STATUS : last.status(),
                last == null ? SchemaRegistryException.NO_ERROR_CODE : last.errorCode(),
                last == null ? null : last.registryMessage(), last == null ? null : last.cause());
    }

    long backoffMillis(int retry) {
        long wait = retriesWaitMillis;
        for (int i = 0; i < retry && wait < retriesMaxWaitMillis; i++) {
            wait *= 2;
        }
        return Math.min(wait, retriesMaxWaitMillis);
    }

    private static long jitter(long wait) {
        return wait <= 1 ? wait : wait / 2 + ThreadLocalRandom.current().nextLong(wait - wait / 2 + 1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /** One failed request: an HTTP answer that may be retried, or an I/O failure. */
    private record Failure(String url, int status, int errorCode, String registryMessage, Throwable cause) {
        @Override
        public String toString() {
            if (cause != null) {
                return url + ": " + describe(cause);
            }
            return url + " answered HTTP " + status
                    + (errorCode == SchemaRegistryException.NO_ERROR_CODE ? "" : " (error_code " + errorCode + ")")
                    + (registryMessage == null ? "" : ": " + registryMessage);
        }
    }

    private record ErrorBody(int code, String message) {
        static ErrorBody parse(byte[] body) {
            if (body == null || body.length == 0) {
                return new ErrorBody(SchemaRegistryException.NO_ERROR_CODE, null);
            }
            try {
                JsonNode node = JSON.readTree(body);
                if (node != null && node.isObject()) {
                    return new ErrorBody(node.path("error_code").asInt(SchemaRegistryException.NO_ERROR_CODE),
                            node.hasNonNull("message") ? node.get("message").asText() : null);
                }
            } catch (IOException notJson) {
                // fall through: show the text
            }
            return new ErrorBody(SchemaRegistryException.NO_ERROR_CODE, snippet(body));
        }
    }

    /** The exception and its first cause, class and message, e.g. "ConnectException (connection refused)". */
    private static String describe(Throwable t) {
        StringBuilder text = new StringBuilder();
        Throwable current = t;
        for (int depth = 0; current != null && depth < 2; depth++, current = current.getCause()) {
            String message = current.getMessage();
            if (message == null && current instanceof java.net.ConnectException) {
                message = "connection refused";
            }
            text.append(depth == 0 ? "" : ", caused by ").append(current.getClass().getSimpleName());
            if (message != null && !message.isBlank()) {
                text.append(" (").append(message).append(')');
            }
            if (current.getCause() == current) {
                break;
            }
        }
        return text.toString();
    }

    private static String snippet(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private static byte[] toJson(JsonNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parseBody(String operation, Endpoint endpoint, int status, byte[] body) {
        if (body == null || body.length == 0) {
            return NullNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new SchemaRegistryException(operation + " failed: " + endpoint.base() + " answered HTTP " + status
                    + " with a body that is not JSON (is it a Schema Registry?): " + snippet(body), e);
        }
    }
}
