package io.alignstream.registry.client;

/**
 * Confluent error 40402, version not found: the subject exists but has no such version.
 */
public class VersionNotFoundException extends SchemaRegistryException {

    public VersionNotFoundException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage, null);
    }
}
