package io.alignstream.registry.client;

/**
 * Confluent error 42201, invalid schema: the registry could not parse or accept the schema.
 */
public class InvalidSchemaException extends SchemaRegistryException {

    public InvalidSchemaException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage, null);
    }
}
