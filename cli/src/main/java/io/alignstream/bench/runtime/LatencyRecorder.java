package io.alignstream.bench.runtime;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Records durations (or any non-negative longs) into a fixed log-linear histogram and answers
 * percentiles. Memory is constant (about 58 KiB) however many values are recorded, so a long
 * benchmark or a 100k-item memory run does not grow; recording is lock-free and safe from any
 * number of threads.
 *
 * <p>Precision: values below 256 are exact; above, each power of two is split into 128
 * buckets, so a reported percentile is at most 1/128 (0.8 %) above the exact nearest-rank
 * value and never below it (it is the bucket's upper bound, clipped to the recorded max).
 */
public final class LatencyRecorder {

    private static final int SUB_BITS = 7;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    /** Exponents 7..62 of values at least 128, each with 128 buckets, after 128 exact ones. */
    private static final int BUCKETS = SUB_COUNT + (63 - SUB_BITS) * SUB_COUNT;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final LongAdder total = new LongAdder();
    private final LongAdder sum = new LongAdder();
    private final AtomicLong min = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong max = new AtomicLong(Long.MIN_VALUE);

    /** Records one value. */
    public void record(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("a latency cannot be negative: " + nanos);
        }
        counts.incrementAndGet(index(nanos));
        total.increment();
        sum.add(nanos);
        min.accumulateAndGet(nanos, Math::min);
        max.accumulateAndGet(nanos, Math::max);
    }

    /** Records the time elapsed since {@code startNanos}, a {@link System#nanoTime()} reading. */
    public void recordSince(long startNanos) {
        record(Math.max(0, System.nanoTime() - startNanos));
    }

    /** Adds everything another recorder holds. */
    public void add(LatencyRecorder other) {
        for (int i = 0; i < BUCKETS; i++) {
            long c = other.counts.get(i);
            if (c != 0) {
                counts.addAndGet(i, c);
            }
        }
        total.add(other.total.sum());
        sum.add(other.sum.sum());
        min.accumulateAndGet(other.min.get(), Math::min);
        max.accumulateAndGet(other.max.get(), Math::max);
    }

    public long count() {
        return total.sum();
    }

    /**
     * The nearest-rank percentile: the smallest recorded value (to bucket precision) such that
     * at least {@code percent} % of values are at most it; 0 when nothing was recorded.
     *
     * @param percent in (0, 100]
     */
    public long percentile(double percent) {
        if (!(percent > 0 && percent <= 100)) {
            throw new IllegalArgumentException("percent must be in (0, 100], was " + percent);
        }
        long[] snapshot = new long[BUCKETS];
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            snapshot[i] = counts.get(i);
            n += snapshot[i];
        }
        return percentile(snapshot, n, percent);
    }

    /** Count, min, p50, p90, p99, p99.9, max and mean, from one consistent snapshot of the buckets. */
    public LatencySummary summary() {
        long[] snapshot = new long[BUCKETS];
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            snapshot[i] = counts.get(i);
            n += snapshot[i];
        }
        if (n == 0) {
            return LatencySummary.EMPTY;
        }
        return new LatencySummary(n, min.get(), percentile(snapshot, n, 50), percentile(snapshot, n, 90),
                percentile(snapshot, n, 99), percentile(snapshot, n, 99.9), max.get(), (double) sum.sum() / total.sum());
    }

    /** Forgets everything (not atomic with respect to concurrent {@link #record} calls). */
    public void reset() {
        for (int i = 0; i < BUCKETS; i++) {
            counts.set(i, 0);
        }
        total.reset();
        sum.reset();
        min.set(Long.MAX_VALUE);
        max.set(Long.MIN_VALUE);
    }

    private long percentile(long[] snapshot, long n, double percent) {
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(percent / 100.0 * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                long value = Math.min(upperBound(i), max.get());
                return Math.max(value, min.get());
            }
        }
        return max.get();
    }

    static int index(long value) {
        if (value < SUB_COUNT) {
            return (int) value;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(value);
        int shift = exponent - SUB_BITS;
        int sub = (int) (value >>> shift); // in [128, 256)
        return (shift << SUB_BITS) + sub;
    }

    static long upperBound(int index) {
        if (index < SUB_COUNT) {
            return index;
        }
        int shift = (index >>> SUB_BITS) - 1;
        long sub = index - ((long) shift << SUB_BITS);
        long upper = ((sub + 1) << shift) - 1;
        return upper < 0 ? Long.MAX_VALUE : upper;
    }
}
