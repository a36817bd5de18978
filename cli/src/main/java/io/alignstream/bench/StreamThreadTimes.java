package io.alignstream.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Where a topology round's stream thread spent the time that was not model time, from Kafka
 * Streams' own thread metrics (KIP-444, KIP-761) and the JVM's collectors: to tell a round slowed
 * by Kafka (commits, waiting on the broker) from one slowed by the machine (garbage collection,
 * the cores taken by other work while the models ran).
 *
 * @param commits        transactions committed by the stream thread
 * @param commitSeconds  each stream thread's commits x its mean commit latency (Kafka's windowed
 *                       average: over the round's last minute, which a round rarely exceeds), summed
 * @param flushSeconds   of the time blocked, the producer's flushes (each commit waits until the
 *                       broker has every record sent in the transaction)
 * @param offsetsSeconds of the time blocked, sending the input offsets to the transaction
 * @param blockedSeconds time the stream thread was blocked on Kafka (polls waiting for data,
 *                       commits, metadata)
 * @param gcSeconds      the JVM's collection time during the round (every thread of this JVM)
 */
public record StreamThreadTimes(long commits, double commitSeconds, double flushSeconds, double offsetsSeconds,
                                double blockedSeconds, double gcSeconds) {

    private static final String GROUP = "stream-thread-metrics";
    private static final String PRODUCER = "producer-metrics";

    /** The JVM's total collection time so far, in ms, to subtract at the end of a round. */
    static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
    }

    /** The totals of every stream thread in {@code metrics}; {@code gcMillisBefore} from {@link #gcMillis()}. */
    static StreamThreadTimes of(Map<MetricName, ? extends Metric> metrics, long gcMillisBefore) {
        // Per thread: its commits times its own mean latency (with more stream threads, sums of each would multiply).
        Map<String, double[]> perThread = new java.util.HashMap<>();
        metrics.forEach((name, metric) -> {
            int slot = name.name().equals("commit-total") ? 0 : name.name().equals("commit-latency-avg") ? 1 : -1;
            if (slot >= 0 && name.group().equals(GROUP) && metric.metricValue() instanceof Number n
                    && Double.isFinite(n.doubleValue())) {
                perThread.computeIfAbsent(name.tags().getOrDefault("thread-id", ""), t -> new double[2])[slot] = n.doubleValue();
            }
        });
        double commits = perThread.values().stream().mapToDouble(v -> v[0]).sum();
        double commitSeconds = perThread.values().stream().mapToDouble(v -> v[0] * v[1] / 1e3).sum();
        double blockedNanos = sum(metrics, "blocked-time-ns-total");
        return new StreamThreadTimes((long) commits, commitSeconds,
                sum(metrics, PRODUCER, "flush-time-ns-total") / 1e9, sum(metrics, PRODUCER, "txn-send-offsets-time-ns-total") / 1e9,
                blockedNanos / 1e9, (gcMillis() - gcMillisBefore) / 1e3);
    }

    private static double sum(Map<MetricName, ? extends Metric> metrics, String name) {
        return sum(metrics, GROUP, name);
    }

    private static double sum(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            if (e.getKey().group().equals(group) && e.getKey().name().equals(name)
                    && e.getValue().metricValue() instanceof Number n && Double.isFinite(n.doubleValue())) {
                total += n.doubleValue();
            }
        }
        return total;
    }
}
