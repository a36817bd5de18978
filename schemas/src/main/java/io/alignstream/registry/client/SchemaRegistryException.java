package io.alignstream.registry.client;

import io.alignstream.registry.compatibility.CompatibilityLevel;

import org.apache.kafka.common.KafkaException;

/**
 * The registry answered with an error, or could not be asked. Carries the HTTP status and the
 * Confluent {@code error_code} when the registry sent them, and the registry's own message
 * verbatim; {@link #getMessage()} adds what was being done, where, and what to check.
 *
 * <p>Subclasses name the common Confluent errors, so callers can catch what they can handle.
 */
public class SchemaRegistryException extends KafkaException {

    /** {@link #httpStatus()} when there was no HTTP response. */
    public static final int NO_HTTP_STATUS = -1;
    /** {@link #errorCode()} when the registry sent no Confluent error code. */
    public static final int NO_ERROR_CODE = -1;

    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    public static final int INCOMPATIBLE_SCHEMA = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;

    private final int httpStatus;
    private final int errorCode;
    private final String registryMessage;

    public SchemaRegistryException(String message, int httpStatus, int errorCode, String registryMessage,
                                   Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
        this.registryMessage = registryMessage;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        this(message, NO_HTTP_STATUS, NO_ERROR_CODE, null, cause);
    }

    public SchemaRegistryException(String message) {
        this(message, null);
    }

    /** The HTTP status of the registry's answer, or {@link #NO_HTTP_STATUS}. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent's {@code error_code} (e.g. 40403), or {@link #NO_ERROR_CODE}. */
    public int errorCode() {
        return errorCode;
    }

    /** The registry's own message, verbatim, or {@code null} when it sent none. */
    public String registryMessage() {
        return registryMessage;
    }

    /**
     * Builds the exception for an error answer of the registry, choosing the subclass by the
     * Confluent error code.
     *
     * @param operation what was being done, e.g. "Registering a schema under subject 'x'"
     * @param where     who answered, e.g. "the Schema Registry at http://registry:8081"
     */
    public static SchemaRegistryException fromResponse(String operation, String where, int httpStatus,
                                                       int errorCode, String registryMessage) {
        StringBuilder message = new StringBuilder()
                .append(operation).append(" failed: ").append(where)
                .append(" answered HTTP ").append(httpStatus);
        if (errorCode != NO_ERROR_CODE) {
            message.append(" (error_code ").append(errorCode).append(')');
        }
        message.append(": ").append(registryMessage == null || registryMessage.isBlank()
                ? "(no message)" : registryMessage);
        String hint = hint(httpStatus, errorCode);
        if (hint != null) {
            message.append(". ").append(hint);
        }
        String text = message.toString();
        return switch (errorCode) {
            case SUBJECT_NOT_FOUND -> new SubjectNotFoundException(text, httpStatus, errorCode, registryMessage);
            case VERSION_NOT_FOUND -> new VersionNotFoundException(text, httpStatus, errorCode, registryMessage);
            case SCHEMA_NOT_FOUND -> new SchemaNotFoundException(text, httpStatus, errorCode, registryMessage);
            case INCOMPATIBLE_SCHEMA -> new IncompatibleSchemaException(text, httpStatus, errorCode, registryMessage);
            case INVALID_SCHEMA -> new InvalidSchemaException(text, httpStatus, errorCode, registryMessage);
            default -> httpStatus == 409
                    ? new IncompatibleSchemaException(text, httpStatus, errorCode, registryMessage)
                    : new SchemaRegistryException(text, httpStatus, errorCode, registryMessage, null);
        };
    }

    private static String hint(int httpStatus, int errorCode) {
        if (httpStatus == 401) {
            return "Check " + SchemaRegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + " and "
                    + SchemaRegistryClientConfig.USER_INFO_CONFIG + " (or the user info in "
                    + SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG + ")";
        }
        if (httpStatus == 403) {
            return "The credentials were accepted but lack permission for this operation";
        }
        if (errorCode == INCOMPATIBLE_SCHEMA || (errorCode == NO_ERROR_CODE && httpStatus == 409)) {
            return "Make the schema compatible with the subject's compatibility level "
                    + "(see testCompatibilityVerbose), or change the level deliberately";
        }
        if (errorCode == INVALID_COMPATIBILITY_LEVEL) {
            return "Valid levels are " + java.util.Arrays.toString(CompatibilityLevel.values());
        }
        if (httpStatus == 404 && errorCode == NO_ERROR_CODE) {
            return "Is " + SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG
                    + " the base URL of a Schema Registry?";
        }
        return null;
    }
}
