package io.alignstream.registry.client;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The compatibility levels a Confluent-compatible registry understands. The registry is the
 * authority: {@link SchemaRegistryClient} passes levels as strings, this enum exists so the
 * in-memory registry can enforce them and so callers can avoid typos.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** The new schema must be able to read data written with the checked earlier schemas. */
    public boolean backward() {
        return backward;
    }

    /** The checked earlier schemas must be able to read data written with the new schema. */
    public boolean forward() {
        return forward;
    }

    /** Check against every earlier version, not only the latest. */
    public boolean transitive() {
        return transitive;
    }

    /**
     * Parses a level name, case-insensitively.
     *
     * @throws IllegalArgumentException naming the valid levels
     */
    public static CompatibilityLevel parse(String level) {
        if (level != null) {
            for (CompatibilityLevel candidate : values()) {
                if (candidate.name().equals(level.trim().toUpperCase(Locale.ROOT))) {
                    return candidate;
                }
            }
        }
        throw new IllegalArgumentException("Invalid compatibility level '" + level + "'; valid levels are "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
}
