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
 * @param commitSeconds  commits x their mean latency
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
        double commits = sum(metrics, "commit-total");
        double commitLatencyMs = sum(metrics, "commit-latency-avg");
        double blockedNanos = sum(metrics, "blocked-time-ns-total");
        return new StreamThreadTimes((long) commits, commits * commitLatencyMs / 1e3,
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
