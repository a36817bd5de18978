package io.alignstream.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.config.ConfigException;

/**
 * A Schema Registry client over the Confluent REST API: the registry's operations as typed
 * methods, and caches of what never changes.
 *
 * <p>Every request goes through one {@code RegistryHttpTransport}, which owns the HTTP side:
 * fail-over across the configured URLs, bounded retries (only connection failures, timeouts,
 * 5xx and 429; never 4xx), the timeouts that bound an operation to {@link #maxBlockTime()},
 * basic auth, TLS, and the mapping of error answers to {@link SchemaRegistryException}s.
 *
 * <p><b>Caches:</b> id to schema, and per subject schema to id, each bounded by
 * {@code max.schemas.per.subject}. Schema ids never change meaning, so these never expire.
 * Latest versions and compatibility are not cached. An id the registry answered as not found
 * (40403) is remembered for {@code missing.id.cache.ttl.sec}, so a stream of records with the same
 * unknown id costs one request per that time, not one each; the id may be registered later, hence
 * the expiry. Transient failures (unreachable, 5xx) are never remembered.
 */
public class RestSchemaRegistryClient implements SchemaRegistryClient {

    /** The media type of the Schema Registry API, version 1. */
    public static final String CONTENT_TYPE = RegistryHttpTransport.CONTENT_TYPE;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryHttpTransport transport;
    private final int cacheCapacity;
    private final LruCache<Integer, Schema> schemasById;
    private final LruCache<Integer, MissingId> missingIds;
    private final long missingIdTtlNanos;
    private final LongSupplier nanoClock;
    private final ConcurrentMap<String, LruCache<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(Map<String, ?> configs) {
        this(new SchemaRegistryClientConfig(configs));
    }

    /**
     * @throws ConfigException when no URL is set, the URL is a {@code mock://} one, or the
     *                         credentials or TLS settings are unusable; naming the key
     */
    public RestSchemaRegistryClient(SchemaRegistryClientConfig config) {
        this(config, System::nanoTime);
    }

    /** With {@code nanoClock} as the time the missing-id cache expires by (tests). */
    RestSchemaRegistryClient(SchemaRegistryClientConfig config, LongSupplier nanoClock) {
        this.transport = new RegistryHttpTransport(config);
        this.cacheCapacity = config.maxSchemasPerSubject();
        this.schemasById = new LruCache<>(cacheCapacity);
        this.missingIds = new LruCache<>(cacheCapacity);
        this.missingIdTtlNanos = config.missingIdCacheTtl().toNanos();
        this.nanoClock = nanoClock;
    }

    /** The registry's not-found answer for an id, and until when it is believed. */
    private record MissingId(SchemaNotFoundException answer, long expiresAtNanos) { }

    /** The base URLs, without credentials, in configured order. */
    public List<String> urls() {
        return transport.urls();
    }

    /**
     * The longest one operation can take before it fails with
     * {@link SchemaRegistryUnavailableException}: {@code (max.retries + 1)} rounds over all URLs of
     * at most {@code http.connect.timeout.ms + http.read.timeout.ms} each, plus the waits between
     * rounds.
     */
    public Duration maxBlockTime() {
        return transport.maxBlockTime();
    }

    @Override
    public String describe() {
        return "the Schema Registry at " + String.join(", ", urls());
    }

    // ------------------------------------------------------------------------------------------
    // Operations

    @Override
    public int register(String subject, Schema schema) {
        LruCache<Schema, Integer> ids = idsFor(subject);
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = transport.send(
                "Registering schema " + schema.getFullName() + " under subject '" + subject + "'",
                "POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = requiredInt(answer, "id", "register");
        ids.put(schema, id);
        schemasById.put(id, schema);
        return id;
    }

    @Override
    public int getId(String subject, Schema schema) {
        LruCache<Schema, Integer> ids = idsFor(subject);
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = transport.send(
                "Looking up schema " + schema.getFullName() + " under subject '" + subject + "'",
                "POST", "/subjects/" + encode(subject), schemaBody(schema));
        int id = requiredInt(answer, "id", "lookup");
        ids.put(schema, id);
        schemasById.put(id, schema);
        return id;
    }

    @Override
    public Schema getSchemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        MissingId missing = missingIds.get(id);
        if (missing != null && nanoClock.getAsLong() - missing.expiresAtNanos() < 0) {
            throw missing.answer();
        }
        JsonNode answer;
        try {
            answer = transport.send("Fetching schema id " + id, "GET", "/schemas/ids/" + id, null);
        } catch (SchemaNotFoundException notFound) {
            // Only the registry's definite "no such id" is remembered; anything transient is asked again.
            if (missingIdTtlNanos > 0) {
                missingIds.put(id, new MissingId(notFound, nanoClock.getAsLong() + missingIdTtlNanos));
            }
            throw notFound;
        }
        Schema schema = parseSchema(answer, "schema id " + id);
        schemasById.put(id, schema);
        return schema;
    }

    @Override
    public SchemaMetadata getLatestSchemaMetadata(String subject) {
        return metadata(transport.send("Fetching the latest version of subject '" + subject + "'", "GET",
                "/subjects/" + encode(subject) + "/versions/latest", null), subject);
    }

    @Override
    public SchemaMetadata getSchemaMetadata(String subject, int version) {
        return metadata(transport.send("Fetching version " + version + " of subject '" + subject + "'", "GET",
                "/subjects/" + encode(subject) + "/versions/" + version, null), subject);
    }

    @Override
    public List<Integer> getAllVersions(String subject) {
        JsonNode answer = transport.send("Listing the versions of subject '" + subject + "'", "GET",
                "/subjects/" + encode(subject) + "/versions", null);
        List<Integer> versions = new ArrayList<>();
        answer.forEach(node -> versions.add(node.asInt()));
        return List.copyOf(versions);
    }

    @Override
    public Collection<String> getAllSubjects() {
        JsonNode answer = transport.send("Listing subjects", "GET", "/subjects", null);
        List<String> subjects = new ArrayList<>();
        answer.forEach(node -> subjects.add(node.asText()));
        return List.copyOf(subjects);
    }

    @Override
    public List<String> testCompatibilityVerbose(String subject, Schema schema) {
        JsonNode answer;
        try {
            answer = transport.send("Testing compatibility of schema " + schema.getFullName() + " with subject '"
                    + subject + "'", "POST",
                    "/compatibility/subjects/" + encode(subject) + "/versions/latest?verbose=true", schemaBody(schema));
        } catch (SubjectNotFoundException | VersionNotFoundException e) {
            return List.of(); // nothing registered yet: any schema is compatible
        }
        if (answer.path("is_compatible").asBoolean(false)) {
            return List.of();
        }
        List<String> messages = new ArrayList<>();
        answer.path("messages").forEach(node -> messages.add(node.asText()));
        if (messages.isEmpty()) {
            messages.add("The registry reports the schema as incompatible without giving reasons");
        }
        return List.copyOf(messages);
    }

    @Override
    public String getCompatibility(String subject) {
        if (subject == null) {
            return compatibilityLevel(
                    transport.send("Fetching the global compatibility level", "GET", "/config", null));
        }
        try {
            return compatibilityLevel(transport.send(
                    "Fetching the compatibility level of subject '" + subject + "'", "GET",
                    "/config/" + encode(subject) + "?defaultToGlobal=true", null));
        } catch (SchemaRegistryException e) {
            // Registries without defaultToGlobal answer 40408 (or 40401) when the subject has no level of its own.
            if (e.errorCode() == SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED
                    || e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND) {
                return getCompatibility(null);
            }
            throw e;
        }
    }

    @Override
    public void updateCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        if (subject == null) {
            transport.send("Setting the global compatibility level to " + level, "PUT", "/config", body);
        } else {
            transport.send("Setting the compatibility level of subject '" + subject + "' to " + level, "PUT",
                    "/config/" + encode(subject), body);
        }
    }

    @Override
    public void close() {
        transport.close();
        schemasById.clear();
        missingIds.clear();
        idsBySubject.clear();
    }

    // ------------------------------------------------------------------------------------------
    // JSON

    private static ObjectNode schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString());
    }

    private static int requiredInt(JsonNode answer, String field, String what) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException("Unexpected answer of the Schema Registry to " + what + ": no '"
                    + field + "' in " + answer);
        }
        return value.asInt();
    }

    private static Schema parseSchema(JsonNode answer, String what) {
        String type = answer.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new SchemaRegistryException("The registry's " + what + " is a " + type
                    + " schema; alignstream's serdes handle Avro only");
        }
        if (answer.path("references").size() > 0) {
            throw new SchemaRegistryException("The registry's " + what + " uses schema references "
                    + answer.get("references") + ", which alignstream's registry client does not resolve; "
                    + "register the schema fully inlined");
        }
        String text = answer.path("schema").asText(null);
        if (text == null) {
            throw new SchemaRegistryException("Unexpected answer of the Schema Registry for " + what + ": " + answer);
        }
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("The registry's " + what + " is not a valid Avro schema: "
                    + e.getMessage(), e);
        }
    }

    private SchemaMetadata metadata(JsonNode answer, String subject) {
        int id = requiredInt(answer, "id", "a version query");
        int version = requiredInt(answer, "version", "a version query");
        String schema = answer.path("schema").asText(null);
        if (schema == null) {
            throw new SchemaRegistryException("Unexpected answer of the Schema Registry to a version query: " + answer);
        }
        return new SchemaMetadata(id, version, answer.path("subject").asText(subject), schema);
    }

    private static String compatibilityLevel(JsonNode answer) {
        JsonNode level = answer.hasNonNull("compatibilityLevel") ? answer.get("compatibilityLevel")
                : answer.get("compatibility");
        if (level == null) {
            throw new SchemaRegistryException("Unexpected answer of the Schema Registry to a config query: " + answer);
        }
        return level.asText();
    }

    private LruCache<Schema, Integer> idsFor(String subject) {
        return idsBySubject.computeIfAbsent(subject, s -> new LruCache<>(cacheCapacity));
    }

    private static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
