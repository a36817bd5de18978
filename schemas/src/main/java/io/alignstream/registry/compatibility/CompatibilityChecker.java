package io.alignstream.registry.compatibility;

import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Decides whether a candidate schema may follow earlier versions of a subject under a {@link
 * CompatibilityLevel}, using Avro's own schema-resolution rules ({@link SchemaCompatibility}), and
 * says why not: one message per incompatibility Avro reports, naming the direction, the earlier
 * version, Avro's incompatibility type, where in the schema it is, and Avro's message.
 */
public final class CompatibilityChecker {

    /** An earlier version to check against. */
    public record Earlier(int version, Schema schema) {
    }

    /**
     * Checks {@code candidate} against {@code earlierOldestFirst}: only the last of them unless
     * the level is transitive.
     *
     * @return every incompatibility found, as readable messages; empty when compatible
     */
    public List<String> check(Schema candidate, List<Earlier> earlierOldestFirst, CompatibilityLevel level) {
        if (level == CompatibilityLevel.NONE || earlierOldestFirst.isEmpty()) {
            return List.of();
        }
        List<Earlier> against = level.transitive()
                ? earlierOldestFirst
                : List.of(earlierOldestFirst.get(earlierOldestFirst.size() - 1));
        List<String> messages = new ArrayList<>();
        // Newest first: the most relevant conflict leads the message.
        for (int i = against.size() - 1; i >= 0; i--) {
            Earlier earlier = against.get(i);
            if (level.backward()) {
                describe(messages, SchemaCompatibility.checkReaderWriterCompatibility(candidate,
                        earlier.schema()).getResult(), "BACKWARD", "the new schema cannot read data"
                        + " written with version " + earlier.version());
            }
            if (level.forward()) {
                describe(messages, SchemaCompatibility.checkReaderWriterCompatibility(
                        earlier.schema(), candidate).getResult(), "FORWARD", "version "
                        + earlier.version() + " cannot read data written with the new schema");
            }
        }
        return messages;
    }

    private static void describe(List<String> messages, SchemaCompatibilityResult result,
                                 String direction, String what) {
        if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility incompatibility : result.getIncompatibilities()) {
            messages.add(direction + ": " + what + ": " + incompatibility.getType()
                    + " at '" + incompatibility.getLocation() + "': "
                    + incompatibility.getMessage());
        }
        if (result.getIncompatibilities().isEmpty()) {
            messages.add(direction + ": " + what);
        }
    }
}
