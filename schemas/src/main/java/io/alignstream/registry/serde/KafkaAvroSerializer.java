package io.alignstream.registry.serde;

import io.alignstream.registry.client.IncompatibleSchemaException;
import io.alignstream.registry.client.InvalidSchemaException;
import io.alignstream.registry.client.SchemaMetadata;
import io.alignstream.registry.client.SchemaNotFoundException;
import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SubjectNotFoundException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro data in Confluent's wire format: generic records, generated specific records, and
 * Avro primitives. {@code null} becomes {@code null} (a tombstone).
 *
 * <p>The schema id comes from the registry, under the subject chosen by the configured
 * {@link SubjectNameStrategy}: registered there when {@code auto.register.schemas=true} (the
 * default), otherwise looked up, or with {@code use.latest.version=true} the subject's latest
 * version. Ids and datum writers are cached.
 *
 * <p>Errors: problems of the data or its schema (not registered, incompatible, not writable)
 * are {@link SerializationException}s with the registry's explanation; registry outages
 * ({@link io.alignstream.registry.client.SchemaRegistryUnavailableException}) and authentication
 * failures pass through unwrapped.
 */
public class KafkaAvroSerializer implements Serializer<Object> {

    private record Latest(SchemaMetadata metadata, Schema schema, long fetchedAtNanos) {
    }

    private final RegistryClientHolder clients;
    private boolean isKey;
    private SubjectNameStrategy subjectNameStrategy = new TopicNameStrategy();
    private boolean autoRegister = AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_DEFAULT;
    private boolean useLatestVersion = AvroSerdeConfig.USE_LATEST_VERSION_DEFAULT;
    private long latestTtlMillis = -1;
    private GenericData genericData = GenericData.get();
    private final ConcurrentMap<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();
    private final ConcurrentMap<Schema, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Latest> latestBySubject = new ConcurrentHashMap<>();

    /** For Kafka to instantiate by class name; {@link #configure} builds the registry client. */
    public KafkaAvroSerializer() {
        this.clients = new RegistryClientHolder();
    }

    /**
     * Uses {@code client} (not closed by {@link #close()}) instead of building one; works with
     * the defaults until {@link #configure} is called.
     */
    public KafkaAvroSerializer(SchemaRegistryClient client) {
        this.clients = new RegistryClientHolder(client);
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
        this.subjectNameStrategy = config.subjectNameStrategy(isKey);
        this.autoRegister = config.autoRegisterSchemas();
        this.useLatestVersion = config.useLatestVersion();
        this.latestTtlMillis = config.latestCacheTtlMillis();
        this.genericData = AvroData.genericData(config.useLogicalTypeConverters());
        this.genericWriters.clear();
        this.latestBySubject.clear();
        clients.configure(config);
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null) {
            return null;
        }
        SchemaRegistryClient client = clients.client("KafkaAvroSerializer");
        Schema schema = AvroData.schemaOf(data);
        String subject = subjectNameStrategy.subjectName(topic, isKey, schema);
        Object datum = AvroData.toAvro(data);
        Schema writerSchema = schema;
        int id;
        if (autoRegister) {
            id = register(client, topic, subject, schema);
        } else if (useLatestVersion) {
            Latest latest = latest(client, topic, subject);
            id = latest.metadata().id();
            if (!latest.schema().equals(schema)) {
                datum = project(topic, subject, datum, schema, latest);
                writerSchema = latest.schema();
            }
        } else {
            id = lookUp(client, topic, subject, schema);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(WireFormat.header(id));
        write(topic, writerSchema, datum, out);
        return out.toByteArray();
    }

    @Override
    public void close() {
        clients.close();
    }

    private static int register(SchemaRegistryClient client, String topic, String subject, Schema schema) {
        try {
            return client.register(subject, schema);
        } catch (IncompatibleSchemaException | InvalidSchemaException e) {
            throw new SerializationException("Could not register schema " + schema.getFullName() + " under subject '"
                    + subject + "' for topic '" + topic + "': " + e.getMessage(), e);
        }
    }

    private static int lookUp(SchemaRegistryClient client, String topic, String subject, Schema schema) {
        try {
            return client.getId(subject, schema);
        } catch (SubjectNotFoundException | SchemaNotFoundException e) {
            throw new SerializationException("Schema " + schema.getFullName() + " of the data for topic '" + topic
                    + "' is not registered under subject '" + subject + "' in " + client.describe() + ", and "
                    + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG + "=false: register it first, or set "
                    + AvroSerdeConfig.USE_LATEST_VERSION_CONFIG + "=true to write with the subject's latest schema. "
                    + "The registry said: " + e.registryMessage(), e);
        }
    }

    private Latest latest(SchemaRegistryClient client, String topic, String subject) {
        Latest cached = latestBySubject.get(subject);
        long now = System.nanoTime();
        if (cached != null && (latestTtlMillis < 0 || now - cached.fetchedAtNanos() < latestTtlMillis * 1_000_000)) {
            return cached;
        }
        SchemaMetadata metadata;
        try {
            metadata = client.getLatestSchemaMetadata(subject);
        } catch (SubjectNotFoundException e) {
            throw new SerializationException(AvroSerdeConfig.USE_LATEST_VERSION_CONFIG + "=true but subject '" + subject
                    + "' (topic '" + topic + "') has no versions in " + client.describe()
                    + ": register the schema first", e);
        }
        Latest latest = new Latest(metadata, client.getSchemaById(metadata.id()), now);
        latestBySubject.put(subject, latest);
        return latest;
    }

    /** Re-expresses a datum of {@code schema} in the latest schema, by Avro schema resolution. */
    private Object project(String topic, String subject, Object datum, Schema schema, Latest latest) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(256);
        write(topic, schema, datum, raw);
        try {
            return new GenericDatumReader<Object>(schema, latest.schema(), GenericData.get())
                    .read(null, DecoderFactory.get().binaryDecoder(raw.toByteArray(), null));
        } catch (IOException | AvroRuntimeException e) {
            throw new SerializationException("Data of schema " + schema.getFullName() + " for topic '" + topic
                    + "' cannot be written with the latest schema of subject '" + subject + "' (id "
                    + latest.metadata().id() + ", version " + latest.metadata().version() + "), as "
                    + AvroSerdeConfig.USE_LATEST_VERSION_CONFIG + "=true asks: the latest schema must be able to "
                    + "read the data's schema. " + e.getMessage(), e);
        }
    }

    private void write(String topic, Schema schema, Object datum, ByteArrayOutputStream out) {
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writerFor(schema, datum).write(datum, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Could not write a " + schema.getFullName() + " for topic '" + topic
                    + "' as Avro: " + e, e);
        }
    }

    private DatumWriter<Object> writerFor(Schema schema, Object datum) {
        if (datum instanceof SpecificRecord record && record.getSchema() == schema) {
            SpecificData model = record instanceof SpecificRecordBase base ? base.getSpecificData()
                    : SpecificData.getForClass(record.getClass());
            return specificWriters.computeIfAbsent(schema, s -> new SpecificDatumWriter<>(s, model));
        }
        return genericWriters.computeIfAbsent(schema, s -> new GenericDatumWriter<>(s, genericData));
    }
}
