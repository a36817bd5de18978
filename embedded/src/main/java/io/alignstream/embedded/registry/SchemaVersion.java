package io.alignstream.embedded.registry;

/**
 * One version of one subject: which schema (by global id, and its canonical text) it holds, and
 * whether it was soft-deleted.
 */
record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) {

    SchemaVersion markedDeleted() {
        return new SchemaVersion(subject, version, id, schema, true);
    }
}
