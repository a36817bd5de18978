package io.alignstream.registry.client;

/**
 * Confluent error 40401, subject not found: the subject has no versions (nothing registered
 * under it yet, or it was deleted).
 */
public class SubjectNotFoundException extends SchemaRegistryException {

    public SubjectNotFoundException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage, null);
    }
}
