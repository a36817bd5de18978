package io.alignstream.bench;

import io.alignstream.app.config.AlignstreamConfig;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code alignstream.model.precision} one set of measurements runs with: either named by
 * {@code --precisions} (set on each of its measurements' configuration) or, without that option,
 * whatever the benchmark's configuration says (nothing set).
 *
 * @param label    the setting's text, as the report names it
 * @param explicit whether the benchmark sets it on each measurement
 */
record PrecisionUnderTest(String label, boolean explicit) {

    /** A precision named by {@code --precisions}. */
    static PrecisionUnderTest named(String setting) {
        return new PrecisionUnderTest(setting, true);
    }

    /** The precision the configuration already gives, set on nothing. */
    static PrecisionUnderTest configured(AlignstreamConfig config) {
        return new PrecisionUnderTest(config.modelPrecision().toString(), false);
    }

    /** The keys a measurement's configuration gets for this precision. */
    Map<String, String> settings() {
        return explicit ? Map.of(AlignstreamConfig.MODEL_PRECISION_CONFIG, label) : Map.of();
    }

    /**
     * A round's name (for its application id, topics and state directory): the measurement and
     * round, with the precision in it when named, e.g. {@code topology-int8-vision-fp32-r2}.
     */
    String roundName(String measurement, int round) {
        String precision = explicit ? "-" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") : "";
        return measurement + precision + "-r" + round;
    }
}
