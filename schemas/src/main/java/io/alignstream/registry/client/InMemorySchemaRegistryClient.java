package io.alignstream.registry.client;

import io.alignstream.registry.compatibility.CompatibilityChecker;
import io.alignstream.registry.compatibility.CompatibilityLevel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.avro.Schema;

/**
 * A Schema Registry in memory, for tests: it behaves like the real one where the Serdes can tell
 * (global ids shared across subjects, versions from 1, compatibility levels enforced with Avro's
 * own schema resolution rules, Confluent error codes), without a server.
 *
 * <p>Use a fresh instance per test, or {@link MockSchemaRegistry#clientForScope(String)} (what
 * {@code schema.registry.url=mock://<scope>} selects) to share one between the Serdes of a topology
 * and the test. {@link #close()} keeps the data.
 */
public class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private record Version(int version, int id) {
    }

    private final String name;
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchemaText = new HashMap<>();
    private final Map<String, List<Version>> subjects = new LinkedHashMap<>();
    private static final CompatibilityChecker CHECKER = new CompatibilityChecker();

    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
    private int nextId = 1;

    public InMemorySchemaRegistryClient() {
        this("an in-memory Schema Registry");
    }

    InMemorySchemaRegistryClient(String name) {
        this.name = name;
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Version> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        for (Version version : versions) {
            if (schemasById.get(version.id()).equals(schema)) {
                return version.id();
            }
        }
        List<String> problems = incompatibilities(subject, schema);
        if (!problems.isEmpty()) {
            if (versions.isEmpty()) {
                subjects.remove(subject);
            }
            String registryMessage = "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject + "\", details: " + problems;
            throw SchemaRegistryException.fromResponse("Registering schema " + schema.getFullName()
                    + " under subject '" + subject + "'", name, 409, SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    registryMessage);
        }
        int id = idsBySchemaText.computeIfAbsent(schema.toString(), text -> {
            schemasById.put(nextId, schema);
            return nextId++;
        });
        int version = versions.isEmpty() ? 1 : versions.get(versions.size() - 1).version() + 1;
        versions.add(new Version(version, id));
        return id;
    }

    @Override
    public synchronized int getId(String subject, Schema schema) {
        String operation = "Looking up schema " + schema.getFullName() + " under subject '" + subject + "'";
        for (Version version : versionsOf(subject, operation)) {
            if (schemasById.get(version.id()).equals(schema)) {
                return version.id();
            }
        }
        throw notFound(operation, 404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found");
    }

    @Override
    public synchronized Schema getSchemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw notFound("Fetching schema id " + id, 404, SchemaRegistryException.SCHEMA_NOT_FOUND,
                    "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized SchemaMetadata getLatestSchemaMetadata(String subject) {
        List<Version> versions = versionsOf(subject, "Fetching the latest version of subject '" + subject + "'");
        return metadata(subject, versions.get(versions.size() - 1));
    }

    @Override
    public synchronized SchemaMetadata getSchemaMetadata(String subject, int version) {
        String operation = "Fetching version " + version + " of subject '" + subject + "'";
        for (Version candidate : versionsOf(subject, operation)) {
            if (candidate.version() == version) {
                return metadata(subject, candidate);
            }
        }
        throw notFound(operation, 404, SchemaRegistryException.VERSION_NOT_FOUND, "Version " + version + " not found.");
    }

    @Override
    public synchronized List<Integer> getAllVersions(String subject) {
        return versionsOf(subject, "Listing the versions of subject '" + subject + "'").stream()
                .map(Version::version).toList();
    }

    @Override
    public synchronized Collection<String> getAllSubjects() {
        return List.copyOf(new TreeSet<>(subjects.keySet()));
    }

    @Override
    public synchronized List<String> testCompatibilityVerbose(String subject, Schema schema) {
        return incompatibilities(subject, schema);
    }

    @Override
    public synchronized String getCompatibility(String subject) {
        if (subject == null) {
            return globalLevel.name();
        }
        return subjectLevels.getOrDefault(subject, globalLevel).name();
    }

    @Override
    public synchronized void updateCompatibility(String subject, String level) {
        CompatibilityLevel parsed;
        try {
            parsed = CompatibilityLevel.parse(level);
        } catch (IllegalArgumentException e) {
            throw SchemaRegistryException.fromResponse("Setting the compatibility level to " + level, name, 422,
                    SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL, "Invalid compatibility level. " + e.getMessage());
        }
        if (subject == null) {
            globalLevel = parsed;
        } else {
            subjectLevels.put(subject, parsed);
        }
    }

    /** Keeps the registered schemas: other clients of the same scope may still use them. */
    @Override
    public void close() {
    }

    private List<String> incompatibilities(String subject, Schema candidate) {
        List<CompatibilityChecker.Earlier> earlier = new ArrayList<>();
        for (Version version : subjects.getOrDefault(subject, List.of())) {
            earlier.add(new CompatibilityChecker.Earlier(version.version(), schemasById.get(version.id())));
        }
        return CHECKER.check(candidate, earlier, subjectLevels.getOrDefault(subject, globalLevel));
    }

    private List<Version> versionsOf(String subject, String operation) {
        List<Version> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw notFound(operation, 404, SchemaRegistryException.SUBJECT_NOT_FOUND,
                    "Subject '" + subject + "' not found.");
        }
        return versions;
    }

    private SchemaMetadata metadata(String subject, Version version) {
        return new SchemaMetadata(version.id(), version.version(), subject, schemasById.get(version.id()).toString());
    }

    private SchemaRegistryException notFound(String operation, int status, int errorCode, String message) {
        return SchemaRegistryException.fromResponse(operation, name, status, errorCode, message);
    }
}
