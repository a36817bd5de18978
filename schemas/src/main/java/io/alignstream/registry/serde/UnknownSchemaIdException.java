package io.alignstream.registry.serde;

import org.apache.kafka.common.errors.SerializationException;

/** A record names a schema id the registry does not know (Confluent error 40403). */
public class UnknownSchemaIdException extends SerializationException {

    private final int schemaId;

    public UnknownSchemaIdException(int schemaId, String topic, String registry, Throwable cause) {
        super("Schema id " + schemaId + " of a record from topic '" + topic + "' is not known to " + registry
                + ": the record was written against a different Schema Registry (check schema.registry.url on both "
                + "sides), or the schema was deleted", cause);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
