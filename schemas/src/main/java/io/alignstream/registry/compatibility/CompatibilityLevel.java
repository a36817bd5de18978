package io.alignstream.registry.compatibility;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Schema Registry compatibility levels, with Confluent's meanings: BACKWARD means a consumer using
 * the new schema can read data written with the previous one; FORWARD means a consumer using the
 * previous schema can read data written with the new one; FULL is both; the TRANSITIVE variants
 * apply the rule to every earlier version instead of only the latest; NONE checks nothing.
 * Shared by the client (which passes levels as strings), the in-memory registry and the embedded
 * registry server, so all three mean the same thing by a level.
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

    /** The level named {@code name}, case-insensitively; empty if there is none. */
    public static Optional<CompatibilityLevel> named(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (CompatibilityLevel candidate : values()) {
            if (candidate.name().equals(name.trim().toUpperCase(Locale.ROOT))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Parses a level name, case-insensitively.
     *
     * @throws IllegalArgumentException naming the valid levels
     */
    public static CompatibilityLevel parse(String level) {
        return named(level).orElseThrow(() -> new IllegalArgumentException("Invalid compatibility level '"
                + level + "'; valid levels are "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "))));
    }
}
