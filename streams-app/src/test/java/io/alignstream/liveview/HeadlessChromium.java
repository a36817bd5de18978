package io.alignstream.liveview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real headless Chromium driven through Debian's {@code chromedriver} over the W3C WebDriver
 * HTTP protocol, with nothing but {@code java.net.http} and Jackson (Selenium is not a
 * dependency). Chromium's console is read through chromedriver's {@code /se/log} endpoint
 * ({@code goog:loggingPrefs} browser=ALL). Closing it ends the session and the chromedriver
 * process with every process it started. Public for the browser tests of other packages (the
 * admin endpoint's, in {@code metrics}).
 */
public final class HeadlessChromium implements AutoCloseable {
    static final String INSTALL_HINT = "The live view's browser test needs Debian's chromium and chromium-driver: "
            + "`sudo apt-get install -y chromium chromium-driver` (.ci/run installs them).";
    static final List<String> ARGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-dev-shm-usage", "--window-size=1280,2200");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final Process driver;
    private final Path driverLog;
    private final URI driverUri;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String session;

    private HeadlessChromium(Process driver, Path driverLog, URI driverUri) {
        this.driver = driver;
        this.driverLog = driverLog;
        this.driverUri = driverUri;
    }

    /** The chromedriver executable on PATH, if any. */
    static Optional<Path> chromedriver() {
        return onPath("chromedriver");
    }

    /** The Chromium binary: Debian's real one behind its /usr/bin/chromium wrapper, else what PATH has. */
    static Optional<Path> chromium() {
        Path debian = Path.of("/usr/lib/chromium/chromium");
        if (Files.isExecutable(debian)) {
            return Optional.of(debian);
        }
        return onPath("chromium").or(() -> onPath("chromium-browser"));
    }

    /** Why the browser cannot be started here, or empty when it can. */
    public static Optional<String> missing() {
        List<String> missing = new ArrayList<>();
        if (chromium().isEmpty()) {
            missing.add("chromium");
        }
        if (chromedriver().isEmpty()) {
            missing.add("chromedriver");
        }
        return missing.isEmpty() ? Optional.empty()
                : Optional.of("Not found on PATH: " + String.join(", ", missing) + ". " + INSTALL_HINT);
    }

    /** Starts chromedriver on a free port and opens one headless Chromium session. */
    public static HeadlessChromium start(Duration timeout) throws IOException, InterruptedException {
        Path driverBinary = chromedriver().orElseThrow(() -> new IllegalStateException(missing().orElseThrow()));
        Path browserBinary = chromium().orElseThrow(() -> new IllegalStateException(missing().orElseThrow()));
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("chromedriver", ".log");
        Process process = new ProcessBuilder(driverBinary.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HeadlessChromium chromium = new HeadlessChromium(process, log, URI.create("http://127.0.0.1:" + port));
        try {
            chromium.awaitReady(timeout);
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("binary", browserBinary.toString());
            options.put("args", ARGS);
            Map<String, Object> capabilities = new LinkedHashMap<>();
            capabilities.put("browserName", "chrome");
            capabilities.put("goog:chromeOptions", options);
            capabilities.put("goog:loggingPrefs", Map.of("browser", "ALL"));
            JsonNode created = chromium.command("POST", "/session",
                    Map.of("capabilities", Map.of("alwaysMatch", capabilities)));
            chromium.session = created.path("sessionId").asText();
            chromium.command("POST", "/session/" + chromium.session + "/timeouts",
                    Map.of("pageLoad", 30_000, "script", 30_000));
            return chromium;
        } catch (IOException | InterruptedException | RuntimeException e) {
            chromium.close();
            throw e;
        }
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!driver.isAlive()) {
                throw new IllegalStateException("chromedriver exited with " + driver.exitValue() + ": " + driverLog());
            }
            try {
                if (command("GET", "/status", null).path("ready").asBoolean()) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("chromedriver not ready within " + timeout + ": " + driverLog());
    }

    /** Navigates and waits for the page's load event (bounded by the page-load timeout). */
    public void open(URI url) throws IOException, InterruptedException {
        command("POST", "/session/" + session + "/url", Map.of("url", url.toString()));
    }

    String title() throws IOException, InterruptedException {
        return command("GET", "/session/" + session + "/title", null).asText();
    }

    /** Runs {@code script} (a function body; {@code return} gives the value) in the page. */
    public JsonNode execute(String script) throws IOException, InterruptedException {
        return command("POST", "/session/" + session + "/execute/sync", Map.of("script", script, "args", List.of()));
    }

    /** Polls {@code script} until it returns true; false when {@code timeout} passed first. */
    public boolean await(String script, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            if (execute(script).asBoolean(false)) {
                return true;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        return false;
    }

    /** Saves a PNG of the viewport (for a person checking the layout; the test asserts on the DOM). */
    void screenshot(Path file) throws IOException, InterruptedException {
        byte[] png = java.util.Base64.getDecoder().decode(command("GET", "/session/" + session + "/screenshot", null).asText());
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, png);
    }

    /** The browser console entries since the last call (chromedriver hands each entry out once). */
    List<JsonNode> browserLog() throws IOException, InterruptedException {
        List<JsonNode> entries = new ArrayList<>();
        command("POST", "/session/" + session + "/se/log", Map.of("type", "browser")).forEach(entries::add);
        return entries;
    }

    public String driverLog() {
        try {
            String text = Files.readString(driverLog);
            return text.length() > 4000 ? "..." + text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no chromedriver log: " + e + ")";
        }
    }

    private JsonNode command(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(driverUri.resolve(path)).timeout(REQUEST_TIMEOUT);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json; charset=utf-8")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("WebDriver " + method + " " + path + " answered " + response.statusCode()
                    + ": " + json.path("value").path("message").asText(response.body()));
        }
        return json.path("value");
    }

    @Override
    public void close() {
        if (session != null) {
            try {
                command("DELETE", "/session/" + session, null);
            } catch (IOException | RuntimeException e) {
                // the processes are ended below anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            session = null;
        }
        // chromedriver's descendants: Chromium and its helpers, if the session did not end them
        List<ProcessHandle> children = driver.descendants().toList();
        driver.destroy();
        try {
            if (!driver.waitFor(5, TimeUnit.SECONDS)) {
                driver.destroyForcibly();
                driver.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(child -> {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        });
        try {
            Files.deleteIfExists(driverLog);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Path> onPath(String name) {
        return Optional.ofNullable(io.alignstream.testing.DebianTool.onPath(name));
    }
}
