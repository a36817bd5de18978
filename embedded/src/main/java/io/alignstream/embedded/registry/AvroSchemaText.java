package io.alignstream.embedded.registry;

import org.apache.avro.Schema;

/**
 * An Avro schema as the registry keeps it: the parsed {@link Schema} and its canonical text
 * ({@link Schema#toString()}), which is what identifies a schema. Two texts that parse to the same
 * schema (whitespace, {@code "string"} vs {@code {"type": "string"}}) get the same id, as in
 * Confluent's registry.
 */
record AvroSchemaText(Schema schema, String canonical) {

    /**
     * Parses {@code text}.
     *
     * @throws RegistryError {@code 42201} if it is not a valid Avro schema
     */
    static AvroSchemaText parse(String text) {
        if (text == null || text.isBlank()) {
            throw RegistryError.invalidSchema("Empty schema");
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw RegistryError.invalidSchema("Invalid schema " + text + ": " + e.getMessage());
        }
        return new AvroSchemaText(schema, schema.toString());
    }
}
