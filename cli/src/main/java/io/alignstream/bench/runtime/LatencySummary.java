package io.alignstream.bench.runtime;

import java.util.Locale;

/**
 * Latency statistics in nanoseconds. Percentiles come from {@link LatencyRecorder} and are
 * within 1/128 (0.8 %) of the exact nearest-rank value, never below it.
 */
public record LatencySummary(long count, long minNanos, long p50Nanos, long p90Nanos, long p99Nanos,
        long p999Nanos, long maxNanos, double meanNanos) {

    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);

    /** Like {@code n=1000 p50=12.3us p90=... p99=... max=... mean=...}. */
    public String format() {
        return String.format(Locale.ROOT, "n=%d p50=%s p90=%s p99=%s p99.9=%s max=%s mean=%s", count,
                human(p50Nanos), human(p90Nanos), human(p99Nanos), human(p999Nanos), human(maxNanos),
                human(Math.round(meanNanos)));
    }

    /** A duration in the most readable unit: ns, us, ms or s, three significant digits. */
    public static String human(long nanos) {
        if (nanos < 1_000) {
            return nanos + "ns";
        }
        if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%.3gus", nanos / 1e3);
        }
        if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.3gms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.3gs", nanos / 1e9);
    }
}
