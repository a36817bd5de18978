package io.alignstream.registry.serde;

import io.alignstream.registry.client.SchemaRegistryClientConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The settings of {@link KafkaAvroSerializer} and {@link KafkaAvroDeserializer}: every
 * {@link SchemaRegistryClientConfig} key plus the Serde keys below, under Confluent's names and
 * defaults.
 *
 * <p>Confluent Serde keys not supported: {@code use.schema.id}, {@code normalize.schemas},
 * {@code latest.compatibility.strict}, {@code use.latest.with.metadata}, {@code id.compatibility.strict},
 * {@code context.name.strategy}, {@code schema.reflection}, {@code avro.reflection.allow.null},
 * {@code avro.remove.java.properties}, rule executors and the schema-id-in-header serializers.
 */
public class AvroSerdeConfig extends AbstractConfig {

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    public static final boolean AUTO_REGISTER_SCHEMAS_DEFAULT = true;
    private static final String AUTO_REGISTER_SCHEMAS_DOC = "Whether the serializer registers the data's schema "
            + "under its subject. When false it only looks the schema up (or, with use.latest.version, uses the "
            + "subject's latest version), and fails if the schema is not registered. Turn it off in production "
            + "so that schemas are registered by a reviewed release step only.";

    public static final String USE_LATEST_VERSION_CONFIG = "use.latest.version";
    public static final boolean USE_LATEST_VERSION_DEFAULT = false;
    private static final String USE_LATEST_VERSION_DOC = "With auto.register.schemas=false: write data with the "
            + "latest schema registered under the subject instead of looking up the data's own schema. The latest "
            + "schema must be able to read the data's schema (Avro schema resolution).";

    public static final String LATEST_CACHE_TTL_SEC_CONFIG = "latest.cache.ttl.sec";
    public static final long LATEST_CACHE_TTL_SEC_DEFAULT = -1L;
    private static final String LATEST_CACHE_TTL_SEC_DOC = "How long the serializer keeps a subject's latest "
            + "version (use.latest.version) before asking again; -1 keeps it for the serializer's lifetime.";

    public static final String KEY_SUBJECT_NAME_STRATEGY_CONFIG = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY_CONFIG = "value.subject.name.strategy";
    public static final String SUBJECT_NAME_STRATEGY_DEFAULT = TopicNameStrategy.class.getName();
    private static final String SUBJECT_NAME_STRATEGY_DOC = "How the subject of a %s schema is named: "
            + "TopicNameStrategy (<topic>-%s, the default), RecordNameStrategy (the record's full name) or "
            + "TopicRecordNameStrategy (<topic>-<record full name>); simple names, this package's class names, "
            + "Confluent's io.confluent.kafka.serializers.subject.* names, or a class implementing "
            + "io.alignstream.registry.serde.SubjectNameStrategy.";

    public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";
    public static final boolean SPECIFIC_AVRO_READER_DEFAULT = false;
    private static final String SPECIFIC_AVRO_READER_DOC = "Whether the deserializer returns instances of the "
            + "generated SpecificRecord classes (resolving the writer's schema against the class's schema) "
            + "rather than GenericRecords. The classes' packages must be trusted by Avro: list them in the system "
            + "property org.apache.avro.SERIALIZABLE_PACKAGES.";

    public static final String SPECIFIC_AVRO_KEY_TYPE_CONFIG = "specific.avro.key.type";
    public static final String SPECIFIC_AVRO_VALUE_TYPE_CONFIG = "specific.avro.value.type";
    private static final String SPECIFIC_AVRO_TYPE_DOC = "With specific.avro.reader: the generated class to read "
            + "every %s into, whatever the writer's record name. Unset: the class named like the writer's schema.";

    public static final String AVRO_USE_LOGICAL_TYPE_CONVERTERS_CONFIG = "avro.use.logical.type.converters";
    public static final boolean AVRO_USE_LOGICAL_TYPE_CONVERTERS_DEFAULT = false;
    private static final String AVRO_USE_LOGICAL_TYPE_CONVERTERS_DOC = "Whether GenericRecords use Java types for "
            + "Avro logical types (Instant for timestamp-millis, BigDecimal for decimal, ...) instead of the "
            + "underlying long/bytes. Generated classes always use their own conversions.";

    private static final ConfigDef CONFIG = SchemaRegistryClientConfig.configDef()
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, AUTO_REGISTER_SCHEMAS_DEFAULT, Importance.MEDIUM,
                    AUTO_REGISTER_SCHEMAS_DOC)
            .define(USE_LATEST_VERSION_CONFIG, Type.BOOLEAN, USE_LATEST_VERSION_DEFAULT, Importance.LOW,
                    USE_LATEST_VERSION_DOC)
            .define(LATEST_CACHE_TTL_SEC_CONFIG, Type.LONG, LATEST_CACHE_TTL_SEC_DEFAULT, Range.atLeast(-1L),
                    Importance.LOW, LATEST_CACHE_TTL_SEC_DOC)
            .define(KEY_SUBJECT_NAME_STRATEGY_CONFIG, Type.STRING, SUBJECT_NAME_STRATEGY_DEFAULT,
                    ConfigDef.LambdaValidator.with((name, value) -> SubjectNameStrategies.resolve(name, (String) value),
                            () -> "TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy or a class name"),
                    Importance.MEDIUM, String.format(SUBJECT_NAME_STRATEGY_DOC, "key", "key"))
            .define(VALUE_SUBJECT_NAME_STRATEGY_CONFIG, Type.STRING, SUBJECT_NAME_STRATEGY_DEFAULT,
                    ConfigDef.LambdaValidator.with((name, value) -> SubjectNameStrategies.resolve(name, (String) value),
                            () -> "TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy or a class name"),
                    Importance.MEDIUM, String.format(SUBJECT_NAME_STRATEGY_DOC, "value", "value"))
            .define(SPECIFIC_AVRO_READER_CONFIG, Type.BOOLEAN, SPECIFIC_AVRO_READER_DEFAULT, Importance.LOW,
                    SPECIFIC_AVRO_READER_DOC)
            .define(SPECIFIC_AVRO_KEY_TYPE_CONFIG, Type.CLASS, null, Importance.LOW,
                    String.format(SPECIFIC_AVRO_TYPE_DOC, "key"))
            .define(SPECIFIC_AVRO_VALUE_TYPE_CONFIG, Type.CLASS, null, Importance.LOW,
                    String.format(SPECIFIC_AVRO_TYPE_DOC, "value"))
            .define(AVRO_USE_LOGICAL_TYPE_CONVERTERS_CONFIG, Type.BOOLEAN, AVRO_USE_LOGICAL_TYPE_CONVERTERS_DEFAULT,
                    Importance.LOW, AVRO_USE_LOGICAL_TYPE_CONVERTERS_DOC);

    public AvroSerdeConfig(Map<?, ?> originals) {
        super(CONFIG, normalize(originals), false);
    }

    /** A copy of the definition of these keys, to document them ({@code toHtml()}, {@code toRst()}). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** Strategies given as Class objects, as Confluent allows, become their names. */
    private static Map<?, ?> normalize(Map<?, ?> originals) {
        Map<Object, Object> copy = new HashMap<>(originals);
        for (String key : new String[] {KEY_SUBJECT_NAME_STRATEGY_CONFIG, VALUE_SUBJECT_NAME_STRATEGY_CONFIG}) {
            if (copy.get(key) instanceof Class<?> type) {
                copy.put(key, type.getName());
            }
        }
        return copy;
    }

    /** The client settings within these settings. */
    public SchemaRegistryClientConfig clientConfig() {
        return new SchemaRegistryClientConfig(originals());
    }

    public boolean autoRegisterSchemas() {
        return getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG);
    }

    public boolean useLatestVersion() {
        return getBoolean(USE_LATEST_VERSION_CONFIG);
    }

    /** Milliseconds, or -1 for no expiry. */
    public long latestCacheTtlMillis() {
        long seconds = getLong(LATEST_CACHE_TTL_SEC_CONFIG);
        return seconds < 0 ? -1 : seconds * 1000;
    }

    public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
        String key = isKey ? KEY_SUBJECT_NAME_STRATEGY_CONFIG : VALUE_SUBJECT_NAME_STRATEGY_CONFIG;
        return SubjectNameStrategies.resolve(key, getString(key));
    }

    public boolean specificAvroReader() {
        return getBoolean(SPECIFIC_AVRO_READER_CONFIG);
    }

    /** The configured specific class for keys or values, or {@code null}. */
    public Class<?> specificAvroType(boolean isKey) {
        return getClass(isKey ? SPECIFIC_AVRO_KEY_TYPE_CONFIG : SPECIFIC_AVRO_VALUE_TYPE_CONFIG);
    }

    public boolean useLogicalTypeConverters() {
        return getBoolean(AVRO_USE_LOGICAL_TYPE_CONVERTERS_CONFIG);
    }
}
