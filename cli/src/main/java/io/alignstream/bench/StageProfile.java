package io.alignstream.bench;

import io.alignstream.events.DeadLetterReason;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.PipelineMetrics;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a run's model time went: per inference stage, how many calls, how many items and how
 * many seconds. Filled either as the {@link PipelineMetrics} of the embedders (runtime and naive
 * runs) or, for the topology, from its own {@code /metrics} exposition.
 */
public final class StageProfile implements PipelineMetrics {
    /** Totals of one stage. */
    public record Totals(long calls, long items, double seconds) {
        public double meanBatch() {
            return calls == 0 ? 0 : (double) items / calls;
        }
    }

    private final Map<InferenceStage, long[]> totals = new EnumMap<>(InferenceStage.class);
    private StreamThreadTimes threadTimes;
    private ThreadCpu.Shares cpu;

    /** This profile with the stream thread's non-model times of a topology round. */
    StageProfile withThreadTimes(StreamThreadTimes times) {
        this.threadTimes = times;
        return this;
    }

    /** The stream thread's non-model times; empty for runs without a Kafka Streams application. */
    java.util.Optional<StreamThreadTimes> threadTimes() {
        return java.util.Optional.ofNullable(threadTimes);
    }

    /** This profile with what ran on the cores while the round processed ({@link ThreadCpu}). */
    StageProfile withCpu(ThreadCpu.Shares shares) {
        this.cpu = shares;
        return this;
    }

    /** What ran on the cores while the round processed; empty where Linux's /proc is not there. */
    java.util.Optional<ThreadCpu.Shares> cpu() {
        return java.util.Optional.ofNullable(cpu);
    }

    @Override
    public synchronized void batch(InferenceStage stage, int size, long durationNanos) {
        long[] t = totals.computeIfAbsent(stage, s -> new long[3]);
        t[0]++;
        t[1] += size;
        t[2] += durationNanos;
    }

    /** The totals of {@code stage} (zeros when it never ran). */
    public synchronized Totals totals(InferenceStage stage) {
        long[] t = totals.getOrDefault(stage, new long[3]);
        return new Totals(t[0], t[1], t[2] / 1e9);
    }

    /** Seconds spent in all stages together. */
    public synchronized double modelSeconds() {
        return totals.values().stream().mapToLong(t -> t[2]).sum() / 1e9;
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "^(alignstream_batch_size|alignstream_inference_duration_seconds)_(sum|count)\\{stage=\"([A-Z]+)\"} (\\S+)$");

    /** The stage totals in a Prometheus text exposition of {@code PrometheusPipelineMetrics}. */
    public static StageProfile fromExposition(String exposition) {
        Map<InferenceStage, double[]> parsed = new EnumMap<>(InferenceStage.class);
        for (String line : exposition.split("\n")) {
            Matcher m = SAMPLE.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            double[] values = parsed.computeIfAbsent(InferenceStage.valueOf(m.group(3)), s -> new double[3]);
            double value = Double.parseDouble(m.group(4));
            if (m.group(1).equals("alignstream_batch_size")) {
                if (m.group(2).equals("sum")) {
                    values[1] = value;
                } else {
                    values[0] = value;
                }
            } else if (m.group(2).equals("sum")) {
                values[2] = value;
            }
        }
        StageProfile profile = new StageProfile();
        parsed.forEach((stage, v) -> profile.totals.put(stage,
                new long[] {(long) v[0], (long) v[1], (long) (v[2] * 1e9)}));
        return profile;
    }

    @Override
    public void eventIn(String topic) {
    }

    @Override
    public void eventOut(String topic) {
    }

    @Override
    public void deadLetter(String sourceTopic, DeadLetterReason reason) {
    }

    @Override
    public void endToEndLatency(String outputTopic, long millis) {
    }

    @Override
    public void captionJoinWait(long millis) {
    }

    @Override
    public void pendingCaptions(int taskPartition, long count) {
    }
}
