package io.alignstream.registry.client;

/**
 * Confluent error 409, incompatible schema: the registry refused to register a schema that
 * breaks the subject's compatibility level. The message holds the registry's explanation
 * verbatim.
 */
public class IncompatibleSchemaException extends SchemaRegistryException {

    public IncompatibleSchemaException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage, null);
    }
}
