package io.alignstream.bench;

/**
 * One timed round of one measurement.
 *
 * @param round             1, 2, ...; warm-up rounds are 0, -1, ... and are not counted
 * @param totalSeconds      from the start (for Kafka runs: before the application starts, so
 *                          topic checks, model loading and the first rebalance count) until every
 *                          expected output was seen
 * @param processingSeconds from the moment the work can start (Kafka runs: Kafka Streams reports
 *                          RUNNING; the runtime run: its start) until every expected output was
 *                          seen read_committed: the backlog's processing time, batches, commits
 *                          and joins included, start-up excluded
 * @param deadLetters       dead letters seen (0 expected)
 * @param profile           model time per stage
 * @param precision         the {@code alignstream.model.precision} the measurement's models were
 *                          opened with, as the report names it
 */
public record RoundResult(Measurement measurement, int round, int scenes, int pairs, double totalSeconds,
                          double processingSeconds, long deadLetters, StageProfile profile, String precision) {

    /** What a run measures before the benchmark labels it with its precision. */
    public static final String UNLABELLED = "configured";

    /** A round not yet labelled with its precision ({@link #withPrecision}). */
    public RoundResult(Measurement measurement, int round, int scenes, int pairs, double totalSeconds,
                       double processingSeconds, long deadLetters, StageProfile profile) {
        this(measurement, round, scenes, pairs, totalSeconds, processingSeconds, deadLetters, profile, UNLABELLED);
    }

    /** This round, labelled with the precision setting its models were opened with. */
    public RoundResult withPrecision(String label) {
        return new RoundResult(measurement, round, scenes, pairs, totalSeconds, processingSeconds, deadLetters, profile,
                label);
    }

    /** A warm-up round, run before the counted ones and left out of the medians. */
    public boolean warmup() {
        return round < 1;
    }

    /** Scenes per second from the start, start-up included. */
    public double scenesPerSecondTotal() {
        return scenes / totalSeconds;
    }

    /** Scenes per second of processing (from RUNNING to the last output). */
    public double scenesPerSecond() {
        return processingSeconds <= 0 ? scenesPerSecondTotal() : scenes / processingSeconds;
    }

    /** Pairs (TEVI records) per second of processing. */
    public double pairsPerSecond() {
        return scenesPerSecond() * pairs / scenes;
    }

    /** Seconds before processing could start (topic checks, model loading, first rebalance). */
    public double startupSeconds() {
        return totalSeconds - processingSeconds;
    }
}
