package io.alignstream.app.config;

import io.alignstream.fetch.FetchLimits;
import io.alignstream.monitoring.MonitorSettings;
import io.alignstream.monitoring.quality.QualitySettings;
import io.alignstream.topology.TopologySettings;
import java.util.Map;

/**
 * The service's configuration with only the two required connection keys set, so every
 * {@code alignstream.*} key has its declared default. Tests that need default settings take
 * them from here rather than restating a default.
 */
public final class DefaultConfig {
    private static final AlignstreamConfig CONFIG = new AlignstreamConfig(Map.of(
            "bootstrap.servers", "broker-1:9092",
            "schema.registry.url", "http://registry:8081"));

    private DefaultConfig() {
    }

    public static AlignstreamConfig get() {
        return CONFIG;
    }

    public static TopologySettings topologySettings() {
        return CONFIG.topologySettings();
    }

    public static FetchLimits fetchLimits() {
        return CONFIG.fetchLimits();
    }

    public static MonitorSettings monitorSettings() {
        return CONFIG.monitorSettings();
    }

    /** The quality figures' settings, with the declared Recall@K. */
    public static QualitySettings qualitySettings() {
        return CONFIG.monitorSettings().quality();
    }
}
