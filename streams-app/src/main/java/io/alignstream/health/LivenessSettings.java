package io.alignstream.health;

import java.time.Duration;
import java.util.Objects;

/**
 * When a run of stream-thread failures is a crash loop rather than a one-off ({@link CrashLoopDetector}).
 *
 * @param taskFailuresMax       liveness fails when one task failed this many times within {@code window}
 * @param threadReplacementsMax liveness fails when stream threads were replaced this many times within
 *                              {@code window}, whatever the task
 * @param window                how far back failures count
 */
public record LivenessSettings(int taskFailuresMax, int threadReplacementsMax, Duration window) {
    public LivenessSettings {
        Objects.requireNonNull(window, "window");
        if (taskFailuresMax < 1 || threadReplacementsMax < 1) {
            throw new IllegalArgumentException("the maxima must be at least 1: " + taskFailuresMax + ", "
                    + threadReplacementsMax);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
    }
}
