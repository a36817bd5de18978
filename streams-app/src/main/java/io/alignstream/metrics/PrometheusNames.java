package io.alignstream.metrics;

import java.util.Locale;
import java.util.Objects;

/**
 * Turns foreign metric and tag names (Kafka's {@code records-lag-max}, {@code client-id}) into
 * names Prometheus and promtool accept: only {@code [a-z0-9_]}, camelCase split into snake_case,
 * runs of underscores collapsed to one, no leading or trailing underscore, never empty, never
 * starting with a digit.
 */
public final class PrometheusNames {
    private PrometheusNames() {
    }

    /**
     * The sanitised form of {@code name}: {@code "records-lag-max"} gives {@code "records_lag_max"},
     * {@code "clientId"} gives {@code "client_id"}, {@code "a..b"} gives {@code "a_b"}, {@code "9x"}
     * gives {@code "_9x"}; a name with no letter or digit gives {@code "_"}.
     *
     * @param name any string
     * @return a valid Prometheus metric and label name (label names that start with {@code __}
     *         are reserved; this never returns one)
     */
    public static String sanitize(String name) {
        Objects.requireNonNull(name, "name");
        StringBuilder out = new StringBuilder(name.length() + 4);
        char previous = '_';
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            char mapped;
            if (c >= 'A' && c <= 'Z') {
                boolean afterLowerOrDigit = (previous >= 'a' && previous <= 'z') || (previous >= '0' && previous <= '9');
                if (afterLowerOrDigit) {
                    out.append('_');
                }
                mapped = Character.toLowerCase(c);
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                mapped = c;
            } else {
                mapped = '_';
            }
            if (mapped == '_' && (out.length() == 0 || out.charAt(out.length() - 1) == '_')) {
                previous = '_';
                continue;
            }
            out.append(mapped);
            previous = c;
        }
        while (out.length() > 0 && out.charAt(out.length() - 1) == '_') {
            out.setLength(out.length() - 1);
        }
        if (out.length() == 0) {
            return "_";
        }
        if (Character.isDigit(out.charAt(0))) {
            out.insert(0, '_');
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }
}
