package io.alignstream.embedded.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.alignstream.embedded.ChildJvm;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka cluster (KRaft, one process that is broker and controller) in a
 * child JVM, for tests and for the service's embedded default.
 *
 * <p>The child runs from this JVM's own classpath ({@code java.class.path}; under {@code java -jar
 * alignstream.jar} that is the jar, whose manifest {@code Class-Path} then applies to the child
 * too). It formats its storage on first start and then runs Kafka's {@code kafka.Kafka} main class
 * (see {@link BrokerProcessMain}). Being a separate process, it can be stopped, killed and
 * restarted on the same data directory like a production broker, and a crash of an application
 * under test does not take it down.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().start()) {
 *     kafka.createTopics(new NewTopic("images", 3, (short) 1));
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>The client listener is PLAINTEXT unless {@link Builder#saslPlainUser(String, String)} names
 * users: then it is SASL_PLAINTEXT with the PLAIN mechanism, and clients need {@code
 * security.protocol=SASL_PLAINTEXT}, {@code sasl.mechanism=PLAIN} and a {@code sasl.jaas.config}
 * with one of those users. The controller listener is PLAINTEXT on loopback either way.
 *
 * <p>Ports are free loopback ports picked on the first start and kept by {@link #restart()}. The
 * broker's output goes to {@code <dataDir>/broker.log}. A JVM shutdown hook stops the child when
 * this JVM exits; if this JVM is killed outright the child notices that its standard input closed
 * and shuts itself down (unless {@link Builder#exitWithParent(boolean)} says otherwise).
 *
 * <p>Instances are thread-safe; lifecycle methods are serialised.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int LOG_TAIL_LINES = 60;
    /** The user the broker logs in as on a SASL/PLAIN listener (inter-broker and its own Admin). */
    static final String BROKER_USER = "embedded-broker";

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final Map<String, String> brokerProperties;
    private final Optional<SaslPlainUsers> saslPlain;
    private final List<String> jvmOptions;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final boolean exitWithParent;
    private final String childClasspath;

    private int brokerPort;
    private int controllerPort;
    private Process process;
    private Thread shutdownHook;
    private boolean closed;

    private EmbeddedKafkaBroker(Builder b) {
        try {
            if (b.dataDir == null) {
                this.dataDir = Files.createTempDirectory("embedded-kafka-");
                this.deleteDataDirOnClose = true;
            } else {
                this.dataDir = Files.createDirectories(b.dataDir.toAbsolutePath());
                this.deleteDataDirOnClose = false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the broker's data directory", e);
        }
        this.brokerProperties = Map.copyOf(b.brokerProperties);
        // The broker's own user gets a fresh random password: nothing outside this object needs it.
        this.saslPlain = b.saslPlainUsers.isEmpty() ? Optional.empty()
                : Optional.of(new SaslPlainUsers(BROKER_USER, Uuid.randomUuid().toString(),
                        b.saslPlainUsers));
        List<String> options = new ArrayList<>();
        options.add("-Xmx" + b.heap);
        options.addAll(b.jvmOptions);
        this.jvmOptions = List.copyOf(options);
        this.startTimeout = b.startTimeout;
        this.stopTimeout = b.stopTimeout;
        this.exitWithParent = b.exitWithParent;
        this.childClasspath = b.classpath != null ? b.classpath : ChildJvm.absoluteClasspath();
        this.brokerPort = b.brokerPort;
        this.controllerPort = b.controllerPort;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a broker with every default: temporary data directory, free ports. */
    public static EmbeddedKafkaBroker startDefault() {
        return builder().start();
    }

    /**
     * Starts the child broker and waits until an Admin client's {@code describeCluster} succeeds.
     *
     * @throws IllegalStateException if it is already running, was closed, or is not ready within
     *     the start timeout (the message then ends with the tail of {@code broker.log})
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (closed) {
            throw new IllegalStateException("This broker was closed");
        }
        if (isRunning()) {
            throw new IllegalStateException("The broker is already running (pid " + pid() + ")");
        }
        long startedAt = System.nanoTime();
        try {
            choosePorts();
            Path serverProperties = dataDir.resolve("server.properties");
            Map<String, String> settings = SingleNodeBrokerConfig.settings(brokerPort,
                    controllerPort, dataDir.resolve("kraft-logs"), saslPlain, brokerProperties);
            SingleNodeBrokerConfig.write(settings, serverProperties);
            Path firstLogDir = Paths.get(settings.get("log.dirs").split(",")[0].trim());
            long logOffset = Files.exists(logFile()) ? Files.size(logFile()) : 0L;
            process = new ProcessBuilder(command(serverProperties, clusterId(firstLogDir)))
                    .directory(dataDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            installShutdownHook();
            awaitReady(startedAt, logOffset);
        } catch (IOException e) {
            killQuietly();
            throw new UncheckedIOException("Cannot start the Kafka broker", e);
        } catch (RuntimeException e) {
            killQuietly();
            throw e;
        }
        log.info("Kafka broker ready at {} in {} ms (pid {}, data {})", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), pid(), dataDir);
        return this;
    }

    /**
     * Stops the broker cleanly: SIGTERM (Kafka's controlled shutdown), then SIGKILL if it has not
     * exited within the stop timeout. Returns once the process is gone. No-op if not running.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            process.destroy();
            if (!waitForExit(stopTimeout)) {
                log.warn("Kafka broker (pid {}) did not stop within {}; killing it", process.pid(),
                        stopTimeout);
                process.destroyForcibly();
                waitForExit(Duration.ofSeconds(30));
            }
        }
        process = null;
    }

    /** Kills the broker with SIGKILL, as a crash would, and waits for the process to be gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
        process = null;
    }

    /** {@link #stop()} (if running), then {@link #start()} on the same ports and data. */
    public synchronized EmbeddedKafkaBroker restart() {
        stop();
        return start();
    }

    /**
     * Stops the broker and, if the data directory was a temporary one, deletes it. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            removeShutdownHook();
            if (deleteDataDirOnClose) {
                deleteRecursively(dataDir);
            }
        }
    }

    /** {@code 127.0.0.1:<port>}; the port stays the same across restarts. */
    public synchronized String bootstrapServers() {
        if (brokerPort == 0) {
            throw new IllegalStateException("The broker has not been started yet");
        }
        return "127.0.0.1:" + brokerPort;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The child process id, or -1 if not running. */
    public synchronized long pid() {
        return process != null ? process.pid() : -1L;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Where the broker's standard output and error go (appended across restarts). */
    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /** Creates the topics and waits for the brokers to acknowledge them. */
    public void createTopics(NewTopic... topics) {
        createTopics(Arrays.asList(topics));
    }

    /** Creates the topics and waits for the brokers to acknowledge them. */
    public void createTopics(Collection<NewTopic> topics) {
        try (Admin admin = Admin.create(adminProperties(30_000))) {
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("Cannot create topics " + topics.stream()
                    .map(NewTopic::name).collect(Collectors.toList()) + ": " + cause, cause);
        }
    }

    // ----------------------------------------------------------------------------------------

    private void choosePorts() throws IOException {
        if (brokerPort != 0 && controllerPort != 0) {
            return;
        }
        InetAddress loopback = InetAddress.getLoopbackAddress();
        // Both sockets open at once so the two ports differ.
        try (ServerSocket a = new ServerSocket(0, 1, loopback);
             ServerSocket b = new ServerSocket(0, 1, loopback)) {
            if (brokerPort == 0) {
                brokerPort = a.getLocalPort();
            }
            if (controllerPort == 0) {
                controllerPort = b.getLocalPort() != brokerPort ? b.getLocalPort() : a.getLocalPort();
            }
        }
    }

    private List<String> command(Path serverProperties, String clusterId) {
        List<String> command = new ArrayList<>();
        command.add(ChildJvm.javaExecutable());
        command.addAll(jvmOptions);
        command.add("-D" + BrokerProcessMain.EXIT_WITH_PARENT_PROPERTY + "=" + exitWithParent);
        command.add("-cp");
        command.add(childClasspath);
        command.add(BrokerProcessMain.class.getName());
        command.add(serverProperties.toString());
        command.add(clusterId);
        return command;
    }

    /**
     * The cluster id the storage was formatted with, or a new one for an unformatted directory
     * (formatting with another id than the stored one is refused).
     */
    private static String clusterId(Path logDir) {
        Path meta = logDir.resolve("meta.properties");
        if (Files.exists(meta)) {
            Properties stored = new Properties();
            try (var in = Files.newInputStream(meta)) {
                stored.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + meta, e);
            }
            String id = stored.getProperty("cluster.id");
            if (id != null && !id.isBlank()) {
                return id.trim();
            }
        }
        return Uuid.randomUuid().toString();
    }

    private void awaitReady(long startedAt, long logOffset) {
        long deadline = startedAt + startTimeout.toNanos();
        Throwable lastFailure = null;
        try (Admin admin = Admin.create(adminProperties(1_000))) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("The Kafka broker exited with code "
                            + process.exitValue() + " while starting" + logTail(logOffset));
                }
                long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remainingMs <= 0) {
                    throw new IllegalStateException("The Kafka broker was not ready within "
                            + startTimeout + " (last error: " + lastFailure + ")"
                            + logTail(logOffset));
                }
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions()
                                    .timeoutMs((int) Math.min(1_000, remainingMs)))
                            .nodes().get();
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    lastFailure = e.getCause();
                    sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the broker", e);
        }
    }

    private Properties adminProperties(int apiTimeoutMs) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-broker-admin");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, apiTimeoutMs);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(apiTimeoutMs, 30_000));
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        p.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
        saslPlain.ifPresent(users -> {
            p.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, SingleNodeBrokerConfig.SASL_LISTENER);
            p.put(SaslConfigs.SASL_MECHANISM, SaslPlainUsers.MECHANISM);
            p.put(SaslConfigs.SASL_JAAS_CONFIG,
                    SaslPlainUsers.clientJaasConfig(users.brokerUser(), users.brokerPassword()));
        });
        return p;
    }

    private String logTail(long fromOffset) {
        try {
            byte[] all = Files.readAllBytes(logFile());
            int from = (int) Math.min(Math.max(0, fromOffset), all.length);
            String text = new String(all, from, all.length - from, StandardCharsets.UTF_8);
            List<String> lines = text.lines().collect(Collectors.toList());
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES),
                    lines.size());
            return "\n--- last " + tail.size() + " lines of " + logFile() + " ---\n"
                    + String.join("\n", tail);
        } catch (IOException e) {
            return " (cannot read " + logFile() + ": " + e + ")";
        }
    }

    private boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private void killQuietly() {
        if (process != null) {
            process.destroyForcibly();
            waitForExit(Duration.ofSeconds(10));
            process = null;
        }
    }

    private void installShutdownHook() {
        if (shutdownHook != null) {
            return;
        }
        shutdownHook = new Thread(this::stopOnJvmExit, "embedded-kafka-broker-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Not synchronized: another thread may hold the lock while the JVM is exiting. */
    private void stopOnJvmExit() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(Math.min(stopTimeout.toMillis(), 10_000), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs anyway and finds nothing to do
        }
        shutdownHook = null;
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    log.debug("Cannot delete {}: {}", path, e.toString());
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("Cannot delete the broker's temporary data directory {}: {}", root,
                    e.toString());
        }
    }

    private static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    /** Settings of an {@link EmbeddedKafkaBroker}; {@link #start()} builds and starts one. */
    public static final class Builder {
        private Path dataDir;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final Map<String, String> saslPlainUsers = new LinkedHashMap<>();
        private String heap = "512m";
        private List<String> jvmOptions = List.of(
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss1m",
                "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private boolean exitWithParent = true;
        private String classpath;
        private int brokerPort;
        private int controllerPort;

        private Builder() {
        }

        /**
         * Where the broker keeps its logs, {@code server.properties} and {@code broker.log}; kept on
         * close. Default: a temporary directory, deleted on close.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** A broker setting that overrides (or adds to) the single-node defaults. */
        public Builder brokerProperty(String name, String value) {
            brokerProperties.put(Objects.requireNonNull(name, "name"),
                    Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Broker settings that override (or add to) the single-node defaults. */
        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /**
         * Makes the client listener SASL_PLAINTEXT with the PLAIN mechanism and lets this user in
         * (call once per user; a second call for the same user replaces the password). Without
         * any, the listener is PLAINTEXT and open, as by default.
         *
         * <p>A client then needs {@code security.protocol=SASL_PLAINTEXT}, {@code
         * sasl.mechanism=PLAIN} and {@code sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule
         * required username="<user>" password="<password>";}. PLAIN sends the password in clear
         * text, which is acceptable only because the broker listens on loopback.
         *
         * @param user     letters, digits, {@code _} and {@code -} (what Kafka's JAAS syntax
         *                 carries unquoted); not {@code embedded-broker}, the
         *                 broker's own
         * @param password non-empty, without quotes, backslashes or control characters
         */
        public Builder saslPlainUser(String user, String password) {
            SaslPlainUsers.requireUser(user, password);
            if (BROKER_USER.equals(user)) {
                throw new IllegalArgumentException("The user name " + user
                        + " is the embedded broker's own");
            }
            saslPlainUsers.put(user, password);
            return this;
        }

        /**
         * Lets the child JVM compile with the optimising (C2) compiler, as a production broker
         * does. The default stops at C1, which starts tests sooner but spends more CPU per request:
         * for benchmarks, where the broker shares the cores with what is measured.
         */
        public Builder optimisingCompiler() {
            this.jvmOptions = jvmOptions.stream().filter(option -> !option.startsWith("-XX:TieredStopAtLevel")).toList();
            return this;
        }

        /** Maximum heap of the child JVM, in {@code -Xmx} syntax. Default {@code 512m}. */
        public Builder heap(String heap) {
            if (!heap.matches("\\d+[kKmMgG]?")) {
                throw new IllegalArgumentException("Not an -Xmx size: " + heap);
            }
            this.heap = heap;
            return this;
        }

        /**
         * Other options of the child JVM, replacing the defaults (serial GC and the C1 compiler
         * only: the quickest start on a small machine).
         */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions = List.copyOf(options);
            return this;
        }

        /** How long {@link EmbeddedKafkaBroker#start()} waits for readiness. Default 60 s. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = requirePositive(timeout);
            return this;
        }

        /** How long a clean stop may take before the broker is killed. Default 30 s. */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = requirePositive(timeout);
            return this;
        }

        /** Broker (client) port; 0, the default, picks a free one on the first start. */
        public Builder port(int port) {
            this.brokerPort = requirePort(port);
            return this;
        }

        /** Controller port; 0, the default, picks a free one on the first start. */
        public Builder controllerPort(int port) {
            this.controllerPort = requirePort(port);
            return this;
        }

        /**
         * Whether the broker shuts itself down when this JVM dies without running its shutdown
         * hooks (SIGKILL). Default true; false leaves an orphan broker behind in that case.
         */
        public Builder exitWithParent(boolean exitWithParent) {
            this.exitWithParent = exitWithParent;
            return this;
        }

        /**
         * Classpath of the child JVM. Default: this JVM's {@code java.class.path}, made absolute,
         * which must hold this module and Kafka's broker ({@code kafka_2.13}).
         */
        public Builder classpath(String classpath) {
            this.classpath = Objects.requireNonNull(classpath, "classpath");
            return this;
        }

        /** An unstarted broker with these settings. */
        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(this);
        }

        /** Builds and starts a broker; see {@link EmbeddedKafkaBroker#start()}. */
        public EmbeddedKafkaBroker start() {
            EmbeddedKafkaBroker broker = build();
            try {
                return broker.start();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
        }

        private static Duration requirePositive(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("Must be positive: " + d);
            }
            return d;
        }

        private static int requirePort(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("Not a port: " + port);
            }
            return port;
        }
    }
}
