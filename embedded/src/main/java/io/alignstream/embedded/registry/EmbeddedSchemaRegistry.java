package io.alignstream.embedded.registry;

import io.alignstream.registry.compatibility.CompatibilityLevel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded, Confluent-compatible Schema Registry server (Avro only): the REST API subset that
 * serializers and clients use (see {@link RegistryHttpHandler} for the endpoints), on the JDK's
 * {@link HttpServer}, bound to loopback. It answers only requests whose Host names it (against DNS
 * rebinding from a browser), with JSON bodies no larger than {@link Builder#maxRequestBytes}
 * ({@link RequestGuard}).
 *
 * <p>Schemas, versions and compatibility levels live in a compacted Kafka topic (default {@code
 * _schemas}, created if missing) with Confluent's record format, written synchronously ({@code
 * acks=all}) before a request is answered, and replayed on start: a new instance on the same
 * topic serves the same ids and keeps numbering new ones above them. Compatibility is enforced
 * with Avro's own {@code SchemaCompatibility}.
 *
 * <p><b>One writer:</b> the instance assumes it is the only one writing the topic. It reads the
 * topic once, at start, and never again; two registries on one topic would hand out clashing ids.
 *
 * <pre>{@code
 * try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder()
 *         .bootstrapServers(kafka.bootstrapServers()).start()) {
 *     String url = registry.url();   // http://127.0.0.1:<port>
 * }
 * }</pre>
 *
 * <p>On a cluster that requires authentication, {@link Builder#kafkaClientSettings} gives the
 * registry's Kafka clients their {@code security.protocol}, {@code sasl.*} or {@code ssl.*}
 * settings. The HTTP side stays plain HTTP on loopback.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    /**
     * The default limit on a request body: 1 MiB, over a hundred times the largest event schema's
     * registration body, so only a runaway or hostile client meets it.
     */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);

    private final SchemaLog schemaLog;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String topic;
    private boolean closed;

    private EmbeddedSchemaRegistry(SchemaLog schemaLog, HttpServer server,
                                   ExecutorService executor, String topic) {
        this.schemaLog = schemaLog;
        this.server = server;
        this.executor = executor;
        this.topic = topic;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The Kafka topic holding the registry's state. */
    public String topic() {
        return topic;
    }

    /** Stops serving and closes the Kafka clients. The topic keeps the state. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        schemaLog.close();
        log.info("Schema registry on port {} stopped", port());
    }

    /** Settings of an {@link EmbeddedSchemaRegistry}; {@link #start()} starts one. */
    public static final class Builder {
        private String bootstrapServers;
        private Map<String, Object> kafkaClientSettings = Map.of();
        private int port;
        private String topic = "_schemas";
        private CompatibilityLevel defaultCompatibility = CompatibilityLevel.BACKWARD;
        private Duration storeTimeout = Duration.ofSeconds(30);
        private int threads = 4;
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;

        private Builder() {
        }

        /** The Kafka cluster holding the schema topic. Required. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        /**
         * Settings for the registry's Kafka clients (Admin, producer and consumer of the schema
         * topic): what a secured cluster asks for, e.g. {@code security.protocol=SASL_PLAINTEXT},
         * {@code sasl.mechanism=PLAIN} and {@code sasl.jaas.config}. The registry's own client
         * settings (address, client ids, acks, serializers) take precedence. Default: none.
         */
        public Builder kafkaClientSettings(Map<String, ?> settings) {
            this.kafkaClientSettings = Map.copyOf(settings);
            return this;
        }

        /** HTTP port on 127.0.0.1; 0, the default, picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("Not a port: " + port);
            }
            this.port = port;
            return this;
        }

        /** The compacted topic holding the state. Default {@code _schemas}. */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /**
         * The compatibility level while none was set with {@code PUT /config}. Default BACKWARD,
         * as Confluent's.
         */
        public Builder defaultCompatibility(CompatibilityLevel level) {
            this.defaultCompatibility = Objects.requireNonNull(level, "level");
            return this;
        }

        /** Bound on each Kafka operation (topic creation, a write, the start-up read). */
        public Builder storeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("Must be positive: " + timeout);
            }
            this.storeTimeout = timeout;
            return this;
        }

        /** Threads serving HTTP requests. Default 4. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("Needs at least one thread: " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * The largest request body accepted; a larger one is refused with 413, and never read
         * past this many bytes. Default {@link #DEFAULT_MAX_REQUEST_BYTES}.
         */
        public Builder maxRequestBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("Must be positive: " + bytes);
            }
            this.maxRequestBytes = bytes;
            return this;
        }

        /**
         * Creates the topic if missing, reads it to its end, and starts serving.
         *
         * @throws IllegalStateException if the topic cannot be created or read
         */
        public EmbeddedSchemaRegistry start() {
            if (bootstrapServers == null) {
                throw new IllegalStateException("bootstrapServers is required");
            }
            long startedAt = System.nanoTime();
            SchemaLog schemaLog;
            SchemaStore store;
            try {
                schemaLog = KafkaSchemaLog.open(bootstrapServers, kafkaClientSettings, topic,
                        storeTimeout);
            } catch (RegistryError e) {
                throw new IllegalStateException(e.getMessage(), e.getCause());
            }
            try {
                store = new SchemaStore(schemaLog, defaultCompatibility);
                store.load();
            } catch (RegistryError e) {
                schemaLog.close();
                throw new IllegalStateException(e.getMessage(), e.getCause());
            }
            ExecutorService executor = Executors.newFixedThreadPool(threads, daemonThreads());
            HttpServer server;
            try {
                server = HttpServer.create(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            } catch (IOException e) {
                executor.shutdownNow();
                schemaLog.close();
                throw new UncheckedIOException("Cannot listen on port " + port, e);
            }
            server.createContext("/", new RegistryHttpHandler(store,
                    new RequestGuard(server.getAddress(), maxRequestBytes)));
            server.setExecutor(executor);
            server.start();
            EmbeddedSchemaRegistry registry =
                    new EmbeddedSchemaRegistry(schemaLog, server, executor, topic);
            log.info("Schema registry serving {} from topic {} in {} ms", registry.url(), topic,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
            return registry;
        }

        private static ThreadFactory daemonThreads() {
            AtomicInteger n = new AtomicInteger();
            return runnable -> {
                Thread t = new Thread(runnable, "schema-registry-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }
    }
}
