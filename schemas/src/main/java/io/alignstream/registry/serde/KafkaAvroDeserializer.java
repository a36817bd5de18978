package io.alignstream.registry.serde;

import io.alignstream.registry.client.SchemaNotFoundException;
import io.alignstream.registry.client.SchemaRegistryClient;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire format written by any Schema Registry Avro serializer. The writer's schema
 * is fetched by id from the registry (and cached); the result is a {@code GenericRecord}, or with
 * {@code specific.avro.reader=true} an instance of the generated class, the writer's schema resolved
 * against the class's schema. Top-level primitives come back as String, byte[], Integer, ....
 * {@code null} bytes give {@code null}.
 *
 * <p>Errors: a payload that is not wire format ({@link UnknownMagicByteException},
 * {@link PayloadTooShortException}), an id the registry does not know
 * ({@link UnknownSchemaIdException}) and undecodable data are {@link SerializationException}s;
 * registry outages ({@link io.alignstream.registry.client.SchemaRegistryUnavailableException}) pass
 * through unwrapped, so a handler that skips bad records can tell them apart.
 */
public class KafkaAvroDeserializer implements Deserializer<Object> {

    /** The system property that lists the packages Avro may instantiate classes from. */
    public static final String SERIALIZABLE_PACKAGES_PROPERTY = "org.apache.avro.SERIALIZABLE_PACKAGES";

    private final RegistryClientHolder clients;
    private boolean isKey;
    private boolean specificReader = AvroSerdeConfig.SPECIFIC_AVRO_READER_DEFAULT;
    private Class<?> specificType;
    private Boolean forcedSpecificReader;
    private Class<?> forcedSpecificType;
    private GenericData genericData = GenericData.get();
    private final ConcurrentMap<Schema, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    /** For Kafka to instantiate by class name; {@link #configure} builds the registry client. */
    public KafkaAvroDeserializer() {
        this.clients = new RegistryClientHolder();
    }

    /**
     * Uses {@code client} (not closed by {@link #close()}) instead of building one; works with
     * the defaults (generic records) until {@link #configure} is called.
     */
    public KafkaAvroDeserializer(SchemaRegistryClient client) {
        this.clients = new RegistryClientHolder(client);
    }

    /** For the Serdes: fixes the reader mode whatever the configuration says. */
    KafkaAvroDeserializer forceReader(boolean specific, Class<?> type) {
        this.forcedSpecificReader = specific;
        this.forcedSpecificType = type;
        this.specificReader = specific;
        this.specificType = type;
        return this;
    }

    /** For the Serdes: a client shared with the other half of the Serde, which the Serde closes. */
    void useSharedClient(SchemaRegistryClient shared) {
        clients.lend(shared);
    }

    /** Whether a client was given, shared or built already. */
    boolean hasClient() {
        return clients.hasClient();
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.isKey = isKey;
        this.specificReader = forcedSpecificReader != null ? forcedSpecificReader : config.specificAvroReader();
        Class<?> configuredType = config.specificAvroType(isKey);
        this.specificType = forcedSpecificType != null ? forcedSpecificType : configuredType;
        if (specificType != null && !SpecificRecord.class.isAssignableFrom(specificType)) {
            throw new org.apache.kafka.common.config.ConfigException((isKey
                    ? AvroSerdeConfig.SPECIFIC_AVRO_KEY_TYPE_CONFIG : AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG),
                    specificType.getName(), "not a generated Avro SpecificRecord class");
        }
        this.genericData = AvroData.genericData(config.useLogicalTypeConverters());
        this.readers.clear();
        clients.configure(config);
    }

    @Override
    public Object deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        SchemaRegistryClient client = clients.client("KafkaAvroDeserializer");
        int id = WireFormat.schemaId(bytes, topic);
        Schema writer = writerSchema(client, id, topic);
        DatumReader<Object> reader = readerFor(writer, id, topic);
        try {
            Object datum = reader.read(null, DecoderFactory.get()
                    .binaryDecoder(bytes, WireFormat.HEADER_SIZE, bytes.length - WireFormat.HEADER_SIZE, null));
            return AvroData.fromAvro(datum);
        } catch (IOException | RuntimeException e) {
            SecurityException refused = securityCause(e);
            if (refused != null) {
                throw untrusted(writer.getFullName(), topic, refused);
            }
            throw new SerializationException("Could not decode a " + bytes.length + "-byte record from topic '"
                    + topic + "' with its writer schema " + writer.getFullName() + " (id " + id + ")"
                    + (reader instanceof SpecificDatumReader ? " into the generated class" : "")
                    + ": the bytes do not match the schema the id names, or the reader schema cannot resolve it. "
                    + e, e);
        }
    }

    @Override
    public void close() {
        clients.close();
    }

    private static Schema writerSchema(SchemaRegistryClient client, int id, String topic) {
        try {
            return client.getSchemaById(id);
        } catch (SchemaNotFoundException e) {
            throw new UnknownSchemaIdException(id, topic, client.describe(), e);
        }
    }

    private DatumReader<Object> readerFor(Schema writer, int id, String topic) {
        DatumReader<Object> reader = readers.get(writer);
        if (reader == null) {
            reader = newReader(writer, id, topic);
            DatumReader<Object> raced = readers.putIfAbsent(writer, reader);
            if (raced != null) {
                reader = raced;
            }
        }
        return reader;
    }

    private DatumReader<Object> newReader(Schema writer, int id, String topic) {
        boolean named = switch (writer.getType()) {
            case RECORD, ENUM, FIXED -> true;
            default -> false;
        };
        if (!specificReader || !named) {
            return new GenericDatumReader<>(writer, writer, genericData);
        }
        Class<?> type = specificType != null ? specificType : generatedClass(writer, id, topic);
        try {
            ClassSecurityValidator.validate(type);
            SpecificData model = SpecificData.getForClass(type);
            return new SpecificDatumReader<>(writer, model.getSchema(type), model);
        } catch (RuntimeException e) {
            SecurityException refused = securityCause(e);
            if (refused != null) {
                throw untrusted(type.getName(), topic, refused);
            }
            throw new SerializationException("Could not prepare to read writer schema " + writer.getFullName()
                    + " (id " + id + ") from topic '" + topic + "' into " + type.getName() + ": " + e, e);
        }
    }

    private Class<?> generatedClass(Schema writer, int id, String topic) {
        String className = SpecificData.getClassName(writer);
        Class<?> type;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            type = Class.forName(className, false, loader != null ? loader : getClass().getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            type = null;
        }
        if (type == null || !SpecificRecord.class.isAssignableFrom(type)) {
            throw new SerializationException(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG + "=true, but there is no "
                    + "generated Avro class " + className + " on the classpath for the writer schema (id " + id
                    + ") of a record from topic '" + topic + "'. Add the generated classes, set "
                    + (isKey ? AvroSerdeConfig.SPECIFIC_AVRO_KEY_TYPE_CONFIG : AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG)
                    + " to the class to read into, or set " + AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG
                    + "=false to get GenericRecords");
        }
        return type;
    }

    private static SecurityException securityCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SecurityException security) {
                return security;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static SerializationException untrusted(String className, String topic, SecurityException e) {
        String current = System.getProperty(SERIALIZABLE_PACKAGES_PROPERTY);
        int dot = className.lastIndexOf('.');
        String suggestion = dot > 0 ? className.substring(0, dot) : className;
        return new SerializationException("Avro refused to create " + className + " for a record from topic '"
                + topic + "': its package is not trusted. Add it to the JVM system property "
                + SERIALIZABLE_PACKAGES_PROPERTY + " (currently " + (current == null ? "unset" : "'" + current + "'")
                + "), e.g. -D" + SERIALIZABLE_PACKAGES_PROPERTY + "=" + suggestion
                + ", or list the class in org.apache.avro.SERIALIZABLE_CLASSES. Avro said: " + e.getMessage(), e);
    }
}
