package io.alignstream.app;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.app.topics.ProvisioningReport;
import io.alignstream.app.topics.TopicProvisioner;
import io.alignstream.deadletter.DeadLetterDeserializationHandler;
import io.alignstream.deadletter.DeadLetterProcessingHandler;
import io.alignstream.deadletter.DeadLetterProductionHandler;
import io.alignstream.health.CrashLoopDetector;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.RuntimeInferenceModels;
import io.alignstream.liveview.LiveView;
import io.alignstream.liveview.QualityHistory;
import io.alignstream.metrics.AdminToken;
import io.alignstream.metrics.KafkaStreamsMetricsCollector;
import io.alignstream.metrics.MetricsRegistries;
import io.alignstream.metrics.MetricsServer;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.metrics.PrometheusPipelineMetrics;
import io.alignstream.monitoring.MonitorSettings;
import io.alignstream.monitoring.MonitoringTopology;
import io.alignstream.monitoring.QualityExport;
import io.alignstream.monitoring.QualityGauges;
import io.alignstream.monitoring.ReferenceControl;
import io.alignstream.monitoring.quality.WindowEvaluator;
import io.alignstream.runtime.ModelRuntime;
import io.alignstream.runtime.bundle.ModelBundle;
import io.alignstream.runtime.retrieval.TeviRetrievalScorer;
import io.alignstream.topology.AlignstreamTopology;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running alignstream instance: topics checked or created, models opened, the topology
 * started on Kafka Streams, and /metrics and /health served. Closing it stops everything in
 * reverse order.
 */
public final class AlignstreamApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlignstreamApp.class);
    /**
     * POST here, with the admin token ({@code alignstream.http.admin.token}), to make the next count
     * window the monitor's drift reference.
     */
    public static final String REFERENCE_RESET_PATH = "/monitor/reference/reset";
    /** How long close() lets Kafka Streams finish its current batch and commit. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final InferenceModels models;
    private final KafkaStreams streams;
    private final MetricsServer http;
    private final LiveView liveView;
    private final ProvisioningReport topics;
    private final PrometheusPipelineMetrics metrics;
    private final QualityHistory qualityHistory;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private AlignstreamApp(InferenceModels models, KafkaStreams streams, MetricsServer http, LiveView liveView,
                           ProvisioningReport topics, PrometheusPipelineMetrics metrics, QualityHistory qualityHistory) {
        this.models = models;
        this.metrics = metrics;
        this.qualityHistory = qualityHistory;
        this.streams = streams;
        this.http = http;
        this.liveView = liveView;
        this.topics = topics;
    }

    /** Starts an instance; it runs until {@link #close()}. */
    public static AlignstreamApp start(AlignstreamConfig config) {
        return start(config, Seams.NONE);
    }

    /**
     * What the fault-injection tests see an instance's parts through, to make a real part fail on
     * cue: the opened models its tasks use (closing the app closes what {@code models} returns,
     * which must close the models it wraps) and the suppliers of its state stores. {@link #NONE}
     * leaves them as they are.
     */
    public record Seams(UnaryOperator<InferenceModels> models, UnaryOperator<KeyValueBytesStoreSupplier> stores) {
        public static final Seams NONE = new Seams(UnaryOperator.identity(), UnaryOperator.identity());

        public static Seams models(UnaryOperator<InferenceModels> view) {
            return new Seams(view, UnaryOperator.identity());
        }

        public static Seams stores(UnaryOperator<KeyValueBytesStoreSupplier> view) {
            return new Seams(UnaryOperator.identity(), view);
        }
    }

    /** Starts an instance whose parts are seen through {@code seams}. */
    public static AlignstreamApp start(AlignstreamConfig config, Seams seams) {
        log.info("starting alignstream with\n{}", ConfigSources.render(config));
        Properties streamsProperties = config.streamsProperties();
        ProvisioningReport topics;
        try (Admin admin = Admin.create(new StreamsConfig(streamsProperties).getAdminConfigs("alignstream-provisioner"))) {
            topics = new TopicProvisioner(admin, config).provision();
        }
        log.info("topics: {}", topics.summary());

        ModelRuntime runtime = openRuntime(config);
        InferenceModels models = seams.models().apply(RuntimeInferenceModels.owning(runtime, config.imageLimits(), config.serviceFaults()));
        MetricsServer http = null;
        LiveView liveView = null;
        try {
            PrometheusRegistry registry = MetricsRegistries.withJvmMetrics();
            PrometheusPipelineMetrics metrics = new PrometheusPipelineMetrics(registry);
            ReferenceControl reference = new ReferenceControl();
            QualityHistory history = new QualityHistory();
            StreamsBuilder builder = new StreamsBuilder();
            AlignstreamTopology.define(builder, config.topologySettings(), config.serdeConfig(), models, metrics,
                    seams.stores());
            if (config.monitorEnabled()) {
                MonitorSettings monitor = config.monitorSettings();
                WindowEvaluator evaluator = new WindowEvaluator(TeviRetrievalScorer.of(runtime.bundle()), monitor.quality());
                MonitoringTopology.define(builder, config.topicNames(), monitor, config.serdeConfig(),
                        models, evaluator, QualityExport.both(new QualityGauges(registry), history), reference);
            }
            Topology topology = builder.build();
            KafkaStreams streams = new KafkaStreams(topology, streamsConfig(config, metrics));
            // Replaces a failed stream thread (its tasks resume from their last commit) and tells
            // /health when the failures are a crash loop.
            CrashLoopDetector crashLoops = new CrashLoopDetector(config.livenessSettings(), registry);
            streams.setUncaughtExceptionHandler(crashLoops);
            registry.register(new KafkaStreamsMetricsCollector(streams::metrics));
            if (config.httpPort() >= 0) {
                http = MetricsServer.start(config.httpHost(), config.httpPort(), registry, streams::state,
                        crashLoops::liveness);
                liveView = LiveView.start(http, metrics, history, streams::state, config.liveViewMonitor());
                if (config.monitorEnabled()) {
                    AdminToken token = config.httpAdminToken();
                    http.adminRoute(REFERENCE_RESET_PATH, token, exchange -> {
                        reference.requestReset();
                        MetricsServer.reply(exchange, 202, "text/plain; charset=utf-8",
                                "The next count window becomes the drift reference.\n");
                    });
                    // The token itself is hidden in the log; whether the endpoint works is not.
                    log.info("POST {}: {}", REFERENCE_RESET_PATH, token.configured() ? "enabled, with the admin token"
                            : "disabled, no admin token (" + token.configuredBy() + ")");
                }
                log.info("metrics and health at {}, live view at {}/", http.baseUri(), http.baseUri());
            }
            AlignstreamApp app = new AlignstreamApp(models, streams, http, liveView, topics, metrics, history);
            streams.setStateListener((now, before) -> {
                log.info("streams state {} -> {}", before, now);
                if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                    app.stopped.countDown();
                }
            });
            streams.start();
            return app;
        } catch (RuntimeException e) {
            if (liveView != null) {
                liveView.close();
            }
            if (http != null) {
                http.close();
            }
            models.close();
            throw e;
        }
    }

    /** Kafka Streams' configuration: the pass-through keys plus the dead-letter handlers and what they need. */
    static Properties streamsConfig(AlignstreamConfig config, PipelineMetrics metrics) {
        Properties properties = config.streamsProperties();
        properties.putIfAbsent(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class.getName());
        properties.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterProcessingHandler.class.getName());
        properties.putIfAbsent(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterProductionHandler.class.getName());
        properties.put(DeadLetterDeserializationHandler.TOPIC_CONFIG, config.topicNames().deadLetters());
        properties.put(DeadLetterDeserializationHandler.MAX_PAYLOAD_BYTES_CONFIG, config.deadLetterMaxPayloadBytes());
        // Wall-clock punctuation (a batch's maximum wait) is only checked between polls: an idle
        // poll must not outlast the wait by much, or a lone record waits up to Kafka's 100 ms.
        properties.putIfAbsent(StreamsConfig.POLL_MS_CONFIG,
                Long.toString(Math.max(5, Math.min(100, config.batchMaxWait().toMillis()))));
        properties.put(DeadLetterDeserializationHandler.METRICS_CONFIG, metrics);
        return properties;
    }

    private static ModelRuntime openRuntime(AlignstreamConfig config) {
        ModelBundle bundle = config.modelBundle().map(path -> ModelBundle.load(Path.of(path)))
                .orElseGet(ModelBundle::loadDefault);
        ModelRuntime runtime = ModelRuntime.open(bundle, config.engineConfig());
        log.info("model bundle {} {} on {}, precision {}", bundle.manifest().modelId(), bundle.manifest().version(),
                runtime.device(), runtime.precisions());
        return runtime;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public ProvisioningReport topics() {
        return topics;
    }

    /** The pipeline's own counters and histograms (what /metrics and the live view read). */
    public PrometheusPipelineMetrics metrics() {
        return metrics;
    }

    /** The quality monitor's closed windows (empty while the monitor is off or no window has closed). */
    public QualityHistory qualityHistory() {
        return qualityHistory;
    }

    /** The port /metrics and /health are served on, or -1 when the HTTP server is off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Waits until the instance is RUNNING; false if it did not get there in time. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return awaitRunning(streams, timeout);
    }

    /** Waits until {@code streams} is RUNNING; false if it stopped or did not get there in time. */
    public static boolean awaitRunning(KafkaStreams streams, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                return true;
            }
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                return false;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Blocks until Kafka Streams stops (after close() or an unrecoverable error). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        streams.close(CLOSE_TIMEOUT);
        if (liveView != null) {
            liveView.close();
        }
        if (http != null) {
            http.close();
        }
        models.close();
        stopped.countDown();
    }
}
