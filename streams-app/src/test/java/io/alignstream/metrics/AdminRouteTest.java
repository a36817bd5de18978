package io.alignstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A state-changing endpoint ({@link MetricsServer#adminRoute}) over real HTTP on loopback: it acts
 * only on a POST with the admin token, from no web page of another origin, and is disabled without
 * a token. Each case counts how often the action ran.
 */
class AdminRouteTest {
    private static final String PATH = "/admin/action";
    private static final String TOKEN = "a-long-random-admin-token-0f9e8d7c";
    private static final String CONFIGURED_BY = "alignstream.http.admin.token (ALIGNSTREAM_HTTP_ADMIN_TOKEN)";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger actions = new AtomicInteger();
    private MetricsServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private void start(AdminToken token) {
        server = MetricsServer.start("127.0.0.1", 0, new PrometheusRegistry(), () -> State.RUNNING);
        server.adminRoute(PATH, token, exchange -> {
            actions.incrementAndGet();
            MetricsServer.reply(exchange, 202, "text/plain; charset=utf-8", "done\n");
        });
    }

    private HttpResponse<String> post(String... headers) throws IOException, InterruptedException {
        return send("POST", headers);
    }

    private HttpResponse<String> send(String method, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(PATH))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String ownOrigin() {
        return server.baseUri().toString();
    }

    @Test
    void theRightTokenFromACommandLineClientRunsTheActionOnce() throws Exception {
        // given an endpoint with a token
        start(AdminToken.of(TOKEN, CONFIGURED_BY));

        // when it is posted with the token, as curl would (no Origin, no Sec-Fetch-*)
        HttpResponse<String> response = post("Authorization", "Bearer " + TOKEN);

        // then the action ran, once
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(actions).hasValue(1);
    }

    @Test
    void theBearerSchemeIsCaseInsensitive() throws Exception {
        start(AdminToken.of(TOKEN, CONFIGURED_BY));
        assertThat(post("Authorization", "bearer " + TOKEN).statusCode()).isEqualTo(202);
        assertThat(actions).hasValue(1);
    }

    @Test
    void withoutAConfiguredTokenTheEndpointIsDisabledAndSaysHowToEnableIt() throws Exception {
        // given an endpoint whose token is not configured
        start(AdminToken.of("  ", CONFIGURED_BY));

        // when it is posted, with or without some token
        HttpResponse<String> bare = post();
        HttpResponse<String> withToken = post("Authorization", "Bearer " + TOKEN);

        // then 403 both times, naming the key to set, and nothing ran
        for (HttpResponse<String> response : java.util.List.of(bare, withToken)) {
            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body()).contains("Disabled").contains("none is configured")
                    .contains(CONFIGURED_BY).contains("Authorization: Bearer <token>");
        }
        assertThat(actions).hasValue(0);
    }

    @Test
    void aRequestWithoutTheTokenIsUnauthorized() throws Exception {
        // given an endpoint with a token
        start(AdminToken.of(TOKEN, CONFIGURED_BY));

        // when a body-less POST comes without credentials (what a form or a no-cors fetch sends)
        HttpResponse<String> response = post();

        // then 401 with the scheme to use, and nothing ran
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer"));
        assertThat(response.body()).doesNotContain(TOKEN);
        assertThat(actions).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong", "Bearer " + TOKEN + "x", "Bearer a-long-random-admin-token-0f9e8d7",
            "Basic " + TOKEN, TOKEN, "Bearer"})
    void anyOtherCredentialIsUnauthorized(String authorization) throws Exception {
        // given an endpoint with a token
        start(AdminToken.of(TOKEN, CONFIGURED_BY));

        // when posted with another token, a prefix of it, another scheme or no scheme
        HttpResponse<String> response = post("Authorization", authorization);

        // then 401, and nothing ran
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).doesNotContain(TOKEN);
        assertThat(actions).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cross-site", "same-site", "Cross-Site"})
    void aRequestFromAPageOfAnotherSiteIsRefusedEvenWithTheToken(String fetchSite) throws Exception {
        // given an endpoint with a token
        start(AdminToken.of(TOKEN, CONFIGURED_BY));

        // when a browser says the request comes from a page of another site (or another port here)
        HttpResponse<String> response = post("Authorization", "Bearer " + TOKEN, "Sec-Fetch-Site", fetchSite);

        // then 403, and nothing ran
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("another site");
        assertThat(actions).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"same-origin", "none"})
    void aRequestFromThisOriginOrTypedByTheUserIsServed(String fetchSite) throws Exception {
        start(AdminToken.of(TOKEN, CONFIGURED_BY));
        assertThat(post("Authorization", "Bearer " + TOKEN, "Sec-Fetch-Site", fetchSite).statusCode())
                .isEqualTo(202);
        assertThat(actions).hasValue(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://evil.example", "null", "http://127.0.0.1", "https://localhost:1"})
    void aRequestWithAnotherOriginIsRefusedEvenWithTheToken(String origin) throws Exception {
        // given an endpoint with a token
        start(AdminToken.of(TOKEN, CONFIGURED_BY));

        // when the request names an origin that is not this server's (plain-http browsers send no
        // Sec-Fetch-Site, but every POST of theirs carries Origin)
        HttpResponse<String> response = post("Authorization", "Bearer " + TOKEN, "Origin", origin);

        // then 403, and nothing ran
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("another origin");
        assertThat(actions).hasValue(0);
    }

    @Test
    void aRequestFromThisServersOwnOriginIsServed() throws Exception {
        start(AdminToken.of(TOKEN, CONFIGURED_BY));
        assertThat(post("Authorization", "Bearer " + TOKEN, "Origin", ownOrigin()).statusCode()).isEqualTo(202);
        assertThat(actions).hasValue(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
    void onlyPostIsTakenAndAPreflightGetsNoCorsHeaders(String method) throws Exception {
        // given an endpoint with a token
        start(AdminToken.of(TOKEN, CONFIGURED_BY));

        // when asked with another method, with the token (OPTIONS is a browser's CORS preflight)
        HttpResponse<String> response = send(method, "Authorization", "Bearer " + TOKEN,
                "Origin", "http://evil.example", "Access-Control-Request-Method", "POST");

        // then 405 naming POST, no CORS permission, and nothing ran
        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
        assertThat(response.headers().map().keySet()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
        assertThat(actions).hasValue(0);
    }

    @Test
    void aStateChangingRouteCannotBeAddedWithoutTheToken() {
        // given a server
        start(AdminToken.of(TOKEN, CONFIGURED_BY));
        // when a POST route is added the read-only way
        // then it is refused: it must go through adminRoute
        assertThatThrownBy(() -> server.route("POST", "/other", exchange -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adminRoute");
    }

    @Test
    void theTokenIsNeverShownAndBlankMeansNone() {
        AdminToken token = AdminToken.of(" " + TOKEN + "\n", CONFIGURED_BY);
        assertThat(token.configured()).isTrue();
        assertThat(token.toString()).doesNotContain(TOKEN);
        // surrounding whitespace (a secret file's newline) is not part of the token
        assertThat(token.matches(TOKEN)).isTrue();
        assertThat(token.matches(TOKEN + " x")).isFalse();
        assertThat(AdminToken.of(null, CONFIGURED_BY).configured()).isFalse();
        assertThat(AdminToken.of("", CONFIGURED_BY).matches("")).isFalse();
    }
}
