package io.alignstream.bench;

/**
 * One timed round of one measurement.
 *
 * @param totalSeconds     from the start (for Kafka runs: before the application starts, so
 *                         topic checks, model loading, rebalancing and restoration count) until
 *                         every expected output was seen
 * @param steadySeconds    from the first output a read_committed consumer saw until the last one
 *                         (for the runtime run, which has no start-up, the same as total)
 * @param fractionAfterFirst the share of the expected outputs seen after the first poll that saw
 *                         any, so that steady-state throughput counts only the work done in
 *                         {@code steadySeconds}
 * @param deadLetters      dead letters seen (0 expected)
 * @param profile          model time per stage
 */
public record RoundResult(Measurement measurement, int round, int scenes, int pairs, double totalSeconds,
                          double steadySeconds, double fractionAfterFirst, long deadLetters, StageProfile profile) {

    /** Scenes per second from the start, start-up included. */
    public double scenesPerSecondTotal() {
        return scenes / totalSeconds;
    }

    /** Scenes per second in steady state: the work after the first output over the time after it. */
    public double scenesPerSecond() {
        return steadySeconds <= 0 ? scenesPerSecondTotal() : scenes * fractionAfterFirst / steadySeconds;
    }

    /** Pairs (TEVI records) per second in steady state. */
    public double pairsPerSecond() {
        return scenesPerSecond() * pairs / scenes;
    }

    /** Seconds before the first output (start-up plus the first batch and commit). */
    public double startupSeconds() {
        return totalSeconds - steadySeconds;
    }
}
