package io.alignstream.monitoring.quality;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How a figure varies over windows: how many, mean, sample standard deviation (n - 1; absent for a
 * single window), least and greatest. The demo's summary and the live page state TEVI's gain per
 * caption length with it, so a watcher sees whether one window's gain is more than its noise.
 *
 * @param windows windows the figure had a value in
 * @param mean    their mean
 * @param sd      sample standard deviation; absent with one window
 * @param min     the least value
 * @param max     the greatest value
 */
public record Spread(int windows, double mean, OptionalDouble sd, double min, double max) {

    /** The spread of {@code values} (one per window), or empty when there are none. */
    public static Optional<Spread> of(List<Double> values) {
        if (values.isEmpty()) {
            return Optional.empty();
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("not a finite value: " + v);
            }
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        int n = values.size();
        double mean = sum / n;
        OptionalDouble sd = OptionalDouble.empty();
        if (n > 1) {
            double squares = 0;
            for (double v : values) {
                squares += (v - mean) * (v - mean);
            }
            sd = OptionalDouble.of(Math.sqrt(squares / (n - 1)));
        }
        return Optional.of(new Spread(n, mean, sd, min, max));
    }
}
