package io.alignstream.embedded.registry;

/**
 * A failure the REST API reports to its client in Confluent's shape: an HTTP status and a body
 * {@code {"error_code": N, "message": "..."}}, with Confluent's error codes.
 */
final class RegistryError extends RuntimeException {

    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    static final int SUBJECT_SOFT_DELETED = 40404;
    static final int SUBJECT_NOT_SOFT_DELETED = 40405;
    static final int VERSION_SOFT_DELETED = 40406;
    static final int VERSION_NOT_SOFT_DELETED = 40407;
    static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    /** Confluent Platform 5.x to 7.x report incompatibility with error code 409 (newer: 40901). */
    static final int INCOMPATIBLE_SCHEMA = 409;
    static final int INVALID_SCHEMA = 42201;
    static final int INVALID_VERSION = 42202;
    static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    static final int STORE_ERROR = 50001;

    private final int httpStatus;
    private final int errorCode;

    RegistryError(int httpStatus, int errorCode, String message) {
        this(httpStatus, errorCode, message, null);
    }

    RegistryError(int httpStatus, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    int httpStatus() {
        return httpStatus;
    }

    int errorCode() {
        return errorCode;
    }

    static RegistryError subjectNotFound(String subject) {
        return new RegistryError(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    static RegistryError versionNotFound(int version) {
        return new RegistryError(404, VERSION_NOT_FOUND, "Version " + version + " not found.");
    }

    static RegistryError schemaNotFound() {
        return new RegistryError(404, SCHEMA_NOT_FOUND, "Schema not found");
    }

    static RegistryError schemaNotFound(int id) {
        return new RegistryError(404, SCHEMA_NOT_FOUND, "Schema " + id + " not found");
    }

    static RegistryError subjectSoftDeleted(String subject) {
        return new RegistryError(404, SUBJECT_SOFT_DELETED, "Subject '" + subject
                + "' was soft deleted. Set permanent=true to delete permanently");
    }

    static RegistryError subjectNotSoftDeleted(String subject) {
        return new RegistryError(404, SUBJECT_NOT_SOFT_DELETED, "Subject '" + subject
                + "' was not deleted first before being permanently deleted");
    }

    static RegistryError versionSoftDeleted(String subject, int version) {
        return new RegistryError(404, VERSION_SOFT_DELETED, "Subject '" + subject + "' Version "
                + version + " was soft deleted. Set permanent=true to delete permanently");
    }

    static RegistryError versionNotSoftDeleted(String subject, int version) {
        return new RegistryError(404, VERSION_NOT_SOFT_DELETED, "Subject '" + subject
                + "' Version " + version + " was not deleted first before being permanently deleted");
    }

    static RegistryError compatibilityNotConfigured(String subject) {
        return new RegistryError(404, SUBJECT_COMPATIBILITY_NOT_CONFIGURED, "Subject '" + subject
                + "' does not have subject-level compatibility configured");
    }

    static RegistryError incompatible(String message) {
        return new RegistryError(409, INCOMPATIBLE_SCHEMA, message);
    }

    static RegistryError invalidSchema(String message) {
        return new RegistryError(422, INVALID_SCHEMA, message);
    }

    static RegistryError invalidVersion(String version) {
        return new RegistryError(422, INVALID_VERSION, "The specified version '" + version
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the"
                + " string \"latest\"");
    }

    static RegistryError invalidCompatibilityLevel(String level) {
        return new RegistryError(422, INVALID_COMPATIBILITY_LEVEL, "Invalid compatibility level '"
                + level + "'. Valid values are none, backward, forward, full, backward_transitive,"
                + " forward_transitive, and full_transitive");
    }

    static RegistryError storeError(String message, Throwable cause) {
        return new RegistryError(500, STORE_ERROR, message, cause);
    }

    static RegistryError badRequest(String message) {
        return new RegistryError(400, 400, message);
    }

    static RegistryError notFound(String message) {
        return new RegistryError(404, 404, message);
    }

    static RegistryError methodNotAllowed(String message) {
        return new RegistryError(405, 405, message);
    }

    static RegistryError payloadTooLarge(int limit) {
        return new RegistryError(413, 413, "HTTP 413 Payload Too Large: the request body exceeds "
                + limit + " bytes");
    }

    static RegistryError unsupportedMediaType(String contentType) {
        return new RegistryError(415, 415, "HTTP 415 Unsupported Media Type: "
                + (contentType == null ? "no Content-Type" : contentType) + "; a body must be "
                + String.join(", ", RequestGuard.JSON_MEDIA_TYPES) + " (charset UTF-8 if named)");
    }

    static RegistryError misdirected(String message) {
        return new RegistryError(421, 421, "HTTP 421 Misdirected Request: " + message);
    }
}
