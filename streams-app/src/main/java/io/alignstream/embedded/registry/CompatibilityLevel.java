package io.alignstream.embedded.registry;

import java.util.Locale;
import java.util.Optional;

/**
 * Schema Registry compatibility levels, with Confluent's meanings: BACKWARD means a consumer using
 * the new schema can read data written with the previous one; FORWARD means a consumer using the
 * previous schema can read data written with the new one; FULL is both; the TRANSITIVE variants
 * apply the rule to every live earlier version instead of only the latest; NONE checks nothing.
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

    /** The new schema must be able to read data written with the earlier one(s). */
    public boolean backward() {
        return backward;
    }

    /** The earlier schema(s) must be able to read data written with the new one. */
    public boolean forward() {
        return forward;
    }

    /** Checked against every live earlier version, not only the latest. */
    public boolean transitive() {
        return transitive;
    }

    /** The level named {@code name}, case-insensitively; empty if there is none. */
    public static Optional<CompatibilityLevel> named(String name) {
        if (name == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
