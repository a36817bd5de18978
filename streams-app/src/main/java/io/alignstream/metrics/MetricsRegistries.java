package io.alignstream.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Registries for the service's metrics. */
public final class MetricsRegistries {
    private MetricsRegistries() {
    }

    /**
     * A new registry of its own (not the Prometheus client's global default) with the JVM's
     * metrics (memory, GC, threads, classes, buffer pools, process CPU and file descriptors)
     * already registered. Register the pipeline's metrics and the Kafka Streams collector on it.
     *
     * @return the registry
     */
    public static PrometheusRegistry withJvmMetrics() {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        return registry;
    }
}
