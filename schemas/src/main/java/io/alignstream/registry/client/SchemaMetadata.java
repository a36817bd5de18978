package io.alignstream.registry.client;

import java.util.Objects;

/**
 * One registered version of a subject, as the registry describes it: the global schema id, the
 * version within the subject, the subject, and the schema text exactly as the registry holds it.
 *
 * @param id      global schema id (the 4 bytes after the magic byte in the wire format)
 * @param version version of the schema within {@code subject}, starting at 1
 * @param subject the subject this version belongs to
 * @param schema  the schema as JSON text
 */
public record SchemaMetadata(int id, int version, String subject, String schema) {

    public SchemaMetadata {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
