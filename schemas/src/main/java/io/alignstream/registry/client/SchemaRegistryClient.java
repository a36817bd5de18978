package io.alignstream.registry.client;

import io.alignstream.registry.compatibility.CompatibilityLevel;

import java.util.Collection;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The operations of a Confluent-compatible Schema Registry that alignstream needs, for Avro
 * schemas only.
 *
 * <p>Every method either returns the registry's answer or throws a {@link SchemaRegistryException}:
 * a subclass names the Confluent error when there is one ({@link SubjectNotFoundException} 40401,
 * {@link VersionNotFoundException} 40402, {@link SchemaNotFoundException} 40403,
 * {@link IncompatibleSchemaException} 409, {@link InvalidSchemaException} 42201), and
 * {@link SchemaRegistryUnavailableException} says the registry could not be reached within the
 * configured retries and timeouts. Implementations are safe for concurrent use.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /**
     * Registers {@code schema} under {@code subject} (POST /subjects/{subject}/versions), or
     * returns the id it already has there. Subject to the subject's compatibility level.
     *
     * @return the global schema id
     * @throws IncompatibleSchemaException when the registry refuses the schema as incompatible;
     *                                     its message holds the registry's explanation
     */
    int register(String subject, Schema schema);

    /**
     * Looks up the id of {@code schema} under {@code subject} without registering it
     * (POST /subjects/{subject}).
     *
     * @throws SubjectNotFoundException when the subject has no versions
     * @throws SchemaNotFoundException  when the subject exists but this schema is not one of its versions
     */
    int getId(String subject, Schema schema);

    /**
     * The schema with this global id (GET /schemas/ids/{id}).
     *
     * @throws SchemaNotFoundException when no schema has this id
     */
    Schema getSchemaById(int id);

    /** The latest version of {@code subject} (GET /subjects/{subject}/versions/latest). */
    SchemaMetadata getLatestSchemaMetadata(String subject);

    /** One version of {@code subject} (GET /subjects/{subject}/versions/{version}). */
    SchemaMetadata getSchemaMetadata(String subject, int version);

    /** The versions of {@code subject}, ascending (GET /subjects/{subject}/versions). */
    List<Integer> getAllVersions(String subject);

    /** All subjects (GET /subjects). */
    Collection<String> getAllSubjects();

    /**
     * Whether {@code schema} could be registered under {@code subject} given its compatibility
     * level. A subject with no versions accepts any schema.
     */
    default boolean testCompatibility(String subject, Schema schema) {
        return testCompatibilityVerbose(subject, schema).isEmpty();
    }

    /**
     * Like {@link #testCompatibility}, but returns the registry's reasons: an empty list means
     * compatible, otherwise each entry is one incompatibility as the registry words it.
     */
    List<String> testCompatibilityVerbose(String subject, Schema schema);

    /**
     * The compatibility level in force for {@code subject}: its own level, or the global one if
     * it has none. Pass {@code null} for the global level.
     */
    String getCompatibility(String subjectOrNullForGlobal);

    /**
     * Sets the compatibility level of {@code subject}, or the global level when it is
     * {@code null}. See {@link CompatibilityLevel} for the valid values.
     */
    void updateCompatibility(String subjectOrNullForGlobal, String level);

    /**
     * Where this client talks to, for error messages: the registry URLs (without credentials),
     * or the in-memory scope.
     */
    String describe();

    /** Releases the client's resources. Does not throw. */
    @Override
    void close();
}
