package io.alignstream.embedded.registry;

import io.alignstream.registry.compatibility.CompatibilityLevel;

/**
 * One record of the registry's log (the compacted {@code _schemas} topic), already decoded. The
 * log is the registry's only durable state; replaying it from the start rebuilds the registry.
 */
sealed interface SchemaLogRecord {

    /** A version of a subject was registered, or changed (soft-deleted). */
    record SchemaVersionWritten(SchemaVersion version) implements SchemaLogRecord {
    }

    /** A version of a subject was permanently deleted (a tombstone). */
    record SchemaVersionRemoved(String subject, int version) implements SchemaLogRecord {
    }

    /** A compatibility level was set: globally when {@code subject} is null. */
    record CompatibilitySet(String subject, CompatibilityLevel level) implements SchemaLogRecord {
    }

    /** A compatibility level was removed (a tombstone): globally when {@code subject} is null. */
    record CompatibilityRemoved(String subject) implements SchemaLogRecord {
    }
}
