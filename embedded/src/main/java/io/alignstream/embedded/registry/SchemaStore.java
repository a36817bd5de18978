package io.alignstream.embedded.registry;

import io.alignstream.registry.compatibility.CompatibilityLevel;
import io.alignstream.registry.compatibility.CompatibilityChecker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.alignstream.embedded.registry.SchemaLogRecord.CompatibilityRemoved;
import io.alignstream.embedded.registry.SchemaLogRecord.CompatibilitySet;
import io.alignstream.embedded.registry.SchemaLogRecord.SchemaVersionRemoved;
import io.alignstream.embedded.registry.SchemaLogRecord.SchemaVersionWritten;
import org.apache.avro.Schema;

/**
 * The registry's rules and state: subjects and their versions, schema ids, compatibility levels.
 *
 * <p>Every change is first appended to the {@link SchemaLog} (which returns once it is durable)
 * and only then applied in memory, so what a client was told is always what a restart replays.
 * Ids are global: the same canonical schema has one id whatever the subject, and a new schema
 * gets the highest id ever seen plus one. This class assumes it is the log's only writer; all its
 * methods are serialised on this object.
 */
final class SchemaStore {

    private final SchemaLog log;
    private final CompatibilityLevel defaultLevel;
    private final CompatibilityChecker checker = new CompatibilityChecker();

    private final Map<String, TreeMap<Integer, SchemaVersion>> subjects = new HashMap<>();
    private final Map<Integer, String> schemaById = new HashMap<>();
    private final Map<String, Integer> idBySchema = new HashMap<>();
    private final Map<Integer, Schema> parsedById = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel;
    private int maxId;

    /** A result of a lookup or a version read. */
    record Found(String subject, int version, int id, String schema) {
        static Found of(SchemaVersion v) {
            return new Found(v.subject(), v.version(), v.id(), v.schema());
        }
    }

    /** A compatibility check's outcome: compatible when {@code messages} is empty. */
    record Compatibility(List<String> messages) {
        boolean compatible() {
            return messages.isEmpty();
        }
    }

    SchemaStore(SchemaLog log, CompatibilityLevel defaultLevel) {
        this.log = log;
        this.defaultLevel = defaultLevel;
    }

    /** Rebuilds the state from the log. */
    synchronized void load() {
        log.replay(this::apply);
    }

    // ---------------------------------------------------------------------------------- schemas

    /**
     * Registers {@code schemaText} under {@code subject}: returns the id of an identical live
     * version if there is one, else checks compatibility with the subject's live versions and
     * appends a new version.
     *
     * @throws RegistryError 42201 invalid schema, 409 incompatible, 50001 store error
     */
    synchronized int register(String subject, String schemaText) {
        AvroSchemaText candidate = AvroSchemaText.parse(schemaText);
        List<SchemaVersion> live = versions(subject, false);
        for (SchemaVersion v : live) {
            if (v.schema().equals(candidate.canonical())) {
                return v.id();
            }
        }
        CompatibilityLevel level = effectiveLevel(subject);
        List<String> problems = checker.check(candidate.schema(), earlier(live), level);
        if (!problems.isEmpty()) {
            throw RegistryError.incompatible("Schema being registered is incompatible with an"
                    + " earlier schema for subject \"" + subject + "\" (compatibility " + level
                    + "), details: " + problems);
        }
        Integer known = idBySchema.get(candidate.canonical());
        int id = known != null ? known : maxId + 1;
        TreeMap<Integer, SchemaVersion> all = subjects.get(subject);
        int version = all == null || all.isEmpty() ? 1 : all.lastKey() + 1;
        append(new SchemaVersionWritten(
                new SchemaVersion(subject, version, id, candidate.canonical(), false)));
        return id;
    }

    /**
     * The version of {@code subject} that holds {@code schemaText}.
     *
     * @throws RegistryError 42201 invalid schema, 40401 no such subject, 40403 not under it
     */
    synchronized Found lookup(String subject, String schemaText, boolean includeDeleted) {
        AvroSchemaText candidate = AvroSchemaText.parse(schemaText);
        List<SchemaVersion> versions = versions(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (versions.get(i).schema().equals(candidate.canonical())) {
                return Found.of(versions.get(i));
            }
        }
        throw RegistryError.schemaNotFound();
    }

    /** Subjects with at least one live version (or any version, with {@code includeDeleted}). */
    synchronized List<String> subjects(boolean includeDeleted) {
        return subjects.entrySet().stream()
                .filter(e -> e.getValue().values().stream()
                        .anyMatch(v -> includeDeleted || !v.deleted()))
                .map(Map.Entry::getKey)
                .sorted()
                .collect(Collectors.toList());
    }

    /**
     * Version numbers of {@code subject}, ascending.
     *
     * @throws RegistryError 40401 if it has none
     */
    synchronized List<Integer> versionNumbers(String subject, boolean includeDeleted) {
        List<SchemaVersion> versions = versions(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return versions.stream().map(SchemaVersion::version).collect(Collectors.toList());
    }

    /**
     * One version of {@code subject}; {@code latest} is the newest live one.
     *
     * @throws RegistryError 40401 no such subject, 40402 no such version
     */
    synchronized Found version(String subject, VersionRef ref, boolean includeDeleted) {
        return Found.of(find(subject, ref, includeDeleted));
    }

    /**
     * The canonical text of schema {@code id}, whether or not its versions were soft-deleted.
     *
     * @throws RegistryError 40403 unknown id
     */
    synchronized String schemaById(int id) {
        String schema = schemaById.get(id);
        if (schema == null) {
            throw RegistryError.schemaNotFound(id);
        }
        return schema;
    }

    /**
     * The subject versions that hold schema {@code id}.
     *
     * @throws RegistryError 40403 unknown id
     */
    synchronized List<Found> versionsOfId(int id, boolean includeDeleted) {
        schemaById(id);
        return subjects.values().stream()
                .flatMap(m -> m.values().stream())
                .filter(v -> v.id() == id && (includeDeleted || !v.deleted()))
                .sorted((a, b) -> a.subject().equals(b.subject())
                        ? Integer.compare(a.version(), b.version())
                        : a.subject().compareTo(b.subject()))
                .map(Found::of)
                .collect(Collectors.toList());
    }

    /**
     * Deletes every version of {@code subject}: soft (they stay readable by id and with {@code
     * deleted=true}), or permanently after a soft delete.
     *
     * @return the versions deleted
     * @throws RegistryError 40401 unknown subject, 40404 already soft-deleted (not permanent),
     *     40405 permanent before soft
     */
    synchronized List<Integer> deleteSubject(String subject, boolean permanent) {
        List<SchemaVersion> all = versions(subject, true);
        if (all.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        boolean anyLive = all.stream().anyMatch(v -> !v.deleted());
        List<Integer> deleted = new ArrayList<>();
        if (permanent) {
            if (anyLive) {
                throw RegistryError.subjectNotSoftDeleted(subject);
            }
            for (SchemaVersion v : all) {
                append(new SchemaVersionRemoved(subject, v.version()));
                deleted.add(v.version());
            }
            if (subjectLevels.containsKey(subject)) {
                append(new CompatibilityRemoved(subject));
            }
        } else {
            if (!anyLive) {
                throw RegistryError.subjectSoftDeleted(subject);
            }
            for (SchemaVersion v : all) {
                if (!v.deleted()) {
                    append(new SchemaVersionWritten(v.markedDeleted()));
                    deleted.add(v.version());
                }
            }
        }
        return deleted;
    }

    /**
     * Deletes one version of {@code subject}, soft or (after a soft delete) permanently.
     *
     * @return the version number deleted
     * @throws RegistryError 40401, 40402, 40406 already soft-deleted, 40407 permanent before soft
     */
    synchronized int deleteVersion(String subject, VersionRef ref, boolean permanent) {
        // "latest" is the newest live version (newest of all when deleting permanently); a number
        // may name a soft-deleted version, which a soft delete then refuses with 40406.
        SchemaVersion v = find(subject, ref, permanent || !ref.isLatest());
        if (permanent) {
            if (!v.deleted()) {
                throw RegistryError.versionNotSoftDeleted(subject, v.version());
            }
            append(new SchemaVersionRemoved(subject, v.version()));
        } else {
            if (v.deleted()) {
                throw RegistryError.versionSoftDeleted(subject, v.version());
            }
            append(new SchemaVersionWritten(v.markedDeleted()));
        }
        return v.version();
    }

    /**
     * Would {@code schemaText} be accepted under {@code subject}? With a version: checked against
     * that version only (in the direction(s) of the subject's level); without ({@code null}):
     * exactly the check {@link #register} makes. {@code latest} of a subject without versions is
     * compatible, as in Confluent's registry.
     *
     * @throws RegistryError 42201 invalid schema, 40401 unknown subject, 40402 unknown version
     */
    synchronized Compatibility checkCompatibility(String subject, VersionRef ref,
                                                  String schemaText) {
        AvroSchemaText candidate = AvroSchemaText.parse(schemaText);
        CompatibilityLevel level = effectiveLevel(subject);
        List<SchemaVersion> live = versions(subject, false);
        List<SchemaVersion> against;
        if (ref == null || (ref.isLatest() && live.isEmpty())) {
            against = live;
        } else {
            against = List.of(find(subject, ref, false));
        }
        return new Compatibility(checker.check(candidate.schema(), earlier(against), level));
    }

    // ------------------------------------------------------------------------------ compatibility

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel != null ? globalLevel : defaultLevel;
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    /** The level that applies to {@code subject}: its own, else the global one. */
    synchronized CompatibilityLevel effectiveLevel(String subject) {
        return subjectLevel(subject).orElseGet(this::globalLevel);
    }

    synchronized void setGlobalLevel(CompatibilityLevel level) {
        append(new CompatibilitySet(null, level));
    }

    synchronized void setSubjectLevel(String subject, CompatibilityLevel level) {
        append(new CompatibilitySet(subject, level));
    }

    /** Resets the global level to the default; returns the level it had. */
    synchronized CompatibilityLevel resetGlobalLevel() {
        CompatibilityLevel previous = globalLevel();
        if (globalLevel != null) {
            append(new CompatibilityRemoved(null));
        }
        return previous;
    }

    /**
     * Removes the subject's own level; returns the level it had.
     *
     * @throws RegistryError 40408 if it had none
     */
    synchronized CompatibilityLevel removeSubjectLevel(String subject) {
        CompatibilityLevel previous = subjectLevel(subject)
                .orElseThrow(() -> RegistryError.compatibilityNotConfigured(subject));
        append(new CompatibilityRemoved(subject));
        return previous;
    }

    // ---------------------------------------------------------------------------------- internals

    private void append(SchemaLogRecord record) {
        log.append(record);
        apply(record);
    }

    private void apply(SchemaLogRecord record) {
        if (record instanceof SchemaVersionWritten written) {
            SchemaVersion v = written.version();
            subjects.computeIfAbsent(v.subject(), s -> new TreeMap<>()).put(v.version(), v);
            if (!schemaById.containsKey(v.id())) {
                schemaById.put(v.id(), v.schema());
                idBySchema.putIfAbsent(v.schema(), v.id());
            }
            maxId = Math.max(maxId, v.id());
        } else if (record instanceof SchemaVersionRemoved removed) {
            TreeMap<Integer, SchemaVersion> versions = subjects.get(removed.subject());
            if (versions != null) {
                versions.remove(removed.version());
                if (versions.isEmpty()) {
                    subjects.remove(removed.subject());
                }
            }
            // The id stays resolvable: data written with it may still be in topics.
        } else if (record instanceof CompatibilitySet set) {
            if (set.subject() == null) {
                globalLevel = set.level();
            } else {
                subjectLevels.put(set.subject(), set.level());
            }
        } else if (record instanceof CompatibilityRemoved removed) {
            if (removed.subject() == null) {
                globalLevel = null;
            } else {
                subjectLevels.remove(removed.subject());
            }
        }
    }

    private List<SchemaVersion> versions(String subject, boolean includeDeleted) {
        TreeMap<Integer, SchemaVersion> versions = subjects.get(subject);
        if (versions == null) {
            return List.of();
        }
        Predicate<SchemaVersion> wanted = v -> includeDeleted || !v.deleted();
        return versions.values().stream().filter(wanted).collect(Collectors.toList());
    }

    private SchemaVersion find(String subject, VersionRef ref, boolean includeDeleted) {
        List<SchemaVersion> versions = versions(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        if (ref.isLatest()) {
            return versions.get(versions.size() - 1);
        }
        return versions.stream()
                .filter(v -> v.version() == ref.number())
                .findFirst()
                .orElseThrow(() -> RegistryError.versionNotFound(ref.number()));
    }

    private List<CompatibilityChecker.Earlier> earlier(List<SchemaVersion> versions) {
        List<CompatibilityChecker.Earlier> earlier = new ArrayList<>(versions.size());
        for (SchemaVersion v : versions) {
            Schema schema = parsedById.computeIfAbsent(v.id(),
                    id -> AvroSchemaText.parse(v.schema()).schema());
            earlier.add(new CompatibilityChecker.Earlier(v.version(), schema));
        }
        return earlier;
    }
}
