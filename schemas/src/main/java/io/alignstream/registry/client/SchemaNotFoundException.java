package io.alignstream.registry.client;

/**
 * Confluent error 40403, schema not found: no schema has the id asked for, or the schema asked
 * for is not registered under the subject.
 */
public class SchemaNotFoundException extends SchemaRegistryException {

    public SchemaNotFoundException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage, null);
    }
}
