package io.alignstream.monitoring;

import io.alignstream.monitoring.quality.QualitySettings;
import java.time.Duration;
import java.util.Objects;

/**
 * The retrieval-quality monitor's windows. The service's come from its configuration
 * ({@code AlignstreamConfig.monitorSettings()}), where the defaults are declared.
 *
 * @param windowPairs  a count window closes every this many published pairs
 * @param windowTime   a time window closes every this much wall-clock time
 * @param minPairs     a time window with fewer pairs is not evaluated (too few to rank)
 * @param quality      the figures' own settings (recall Ks, samples)
 * @param newReferenceOnStart whether the first count window after a start replaces the kept
 *                     reference (after a model or data change), instead of keeping it
 */
public record MonitorSettings(int windowPairs, Duration windowTime, int minPairs, QualitySettings quality,
                              boolean newReferenceOnStart) {
    public MonitorSettings {
        Objects.requireNonNull(windowTime, "windowTime");
        Objects.requireNonNull(quality, "quality");
        if (windowPairs < 2 || minPairs < 2) {
            throw new IllegalArgumentException("windows need at least 2 pairs");
        }
        if (windowTime.toMillis() < 1) {
            throw new IllegalArgumentException("windowTime must be positive");
        }
    }
}
