package io.alignstream.bench;

import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Every round's result, their medians per measurement, and the two ratios against the issue's
 * targets. The ratios use processing throughput (Kafka runs: from RUNNING to the last output
 * committed); the same ratios including start-up are given beside them.
 */
public record BenchmarkSummary(List<RoundResult> rounds) {
    /** The topology must reach at least this fraction of the runtime's batched throughput. */
    public static final double RUNTIME_TARGET = 0.9;
    /** The topology must be at least this many times faster than the naive pattern. */
    public static final double NAIVE_TARGET = 2.0;
    /** The topology with int8 models must be at least this many times faster than with fp32 (issue 18). */
    public static final double INT8_TARGET = 2.0;

    public BenchmarkSummary {
        rounds = List.copyOf(rounds);
    }

    /** A measurement's counted rounds (warm-up rounds, numbered 0 and below, are not). */
    public List<RoundResult> of(Measurement measurement) {
        return rounds.stream().filter(r -> r.measurement() == measurement && !r.warmup()).toList();
    }

    /** The precisions measured, in the order they were asked for (odd rounds run them in that order). */
    public List<String> precisions() {
        // Odd rounds run the precisions in the order asked for, even rounds (the warm-up round 0
        // too) in reverse: the first one asked for is the baseline the others are compared with.
        return java.util.stream.Stream.concat(rounds.stream().filter(r -> Math.floorMod(r.round(), 2) == 1), rounds.stream())
                .map(RoundResult::precision).distinct().toList();
    }

    /** The rounds (warm-up ones too) of one precision. */
    public BenchmarkSummary of(String precision) {
        return new BenchmarkSummary(rounds.stream().filter(r -> r.precision().equals(precision)).toList());
    }

    /** Whether any counted round of {@code measurement} was made. */
    public boolean has(Measurement measurement) {
        return !of(measurement).isEmpty();
    }

    /** A measurement's counted round number {@code round}, if made. */
    public Optional<RoundResult> round(Measurement measurement, int round) {
        return of(measurement).stream().filter(r -> r.round() == round).findFirst();
    }

    /** Median processing scenes per second of a measurement. */
    public double scenesPerSecond(Measurement measurement) {
        return median(measurement, RoundResult::scenesPerSecond);
    }

    /** Median processing pairs per second of a measurement. */
    public double pairsPerSecond(Measurement measurement) {
        return median(measurement, RoundResult::pairsPerSecond);
    }

    /** Median scenes per second including start-up. */
    public double scenesPerSecondTotal(Measurement measurement) {
        return median(measurement, RoundResult::scenesPerSecondTotal);
    }

    /** Topology over runtime, processing throughput (target at least 0.9). */
    public double topologyOverRuntime() {
        return scenesPerSecond(Measurement.TOPOLOGY) / scenesPerSecond(Measurement.RUNTIME);
    }

    /** Topology over the naive pattern, processing throughput (target at least 2). */
    public double topologyOverNaive() {
        return scenesPerSecond(Measurement.TOPOLOGY) / scenesPerSecond(Measurement.NAIVE);
    }

    /** Topology over runtime with the topology's start-up counted. */
    public double topologyOverRuntimeTotal() {
        return scenesPerSecondTotal(Measurement.TOPOLOGY) / scenesPerSecondTotal(Measurement.RUNTIME);
    }

    /** Topology over naive with both start-ups counted. */
    public double topologyOverNaiveTotal() {
        return scenesPerSecondTotal(Measurement.TOPOLOGY) / scenesPerSecondTotal(Measurement.NAIVE);
    }

    /** Median seconds in model calls (all stages) of a measurement's rounds. */
    public double modelSeconds(Measurement measurement) {
        return median(measurement, r -> r.profile().modelSeconds());
    }

    /** Median processing seconds of a measurement's rounds. */
    public double processingSeconds(Measurement measurement) {
        return median(measurement, RoundResult::processingSeconds);
    }

    /**
     * The most the topology could be faster than the naive pattern on this machine: the naive
     * run's processing time over the runtime's time in model calls alone, i.e. a topology that
     * cost nothing beyond the runtime's batched model calls (no Kafka, no contention).
     */
    public double naiveCeiling() {
        return processingSeconds(Measurement.NAIVE) / modelSeconds(Measurement.RUNTIME);
    }

    public boolean runtimeTargetMet() {
        return topologyOverRuntime() >= RUNTIME_TARGET;
    }

    public boolean naiveTargetMet() {
        return topologyOverNaive() >= NAIVE_TARGET;
    }

    private double median(Measurement measurement, ToDoubleFunction<RoundResult> value) {
        double[] values = of(measurement).stream().mapToDouble(value).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
