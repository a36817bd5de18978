package io.alignstream.registry.serde;

import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka Streams Serde for generated Avro classes in Confluent's wire format. Always reads
 * specific records: into {@code type} when given (any writer schema that resolves against it),
 * otherwise into the generated class named like the writer's schema.
 *
 * @param <T> the generated class
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final KafkaAvroSerializer serializerDelegate;
    private final KafkaAvroDeserializer deserializerDelegate;
    private final TypedSerializer<T> serializer;
    private final TypedDeserializer<T> deserializer;
    private SchemaRegistryClient ownedClient;

    /** Reads into the class named by each record's writer schema. */
    public SpecificAvroSerde() {
        this(new KafkaAvroSerializer(), new KafkaAvroDeserializer(), null);
    }

    /** Reads every record into {@code type}. */
    public SpecificAvroSerde(Class<T> type) {
        this(new KafkaAvroSerializer(), new KafkaAvroDeserializer(), Objects.requireNonNull(type, "type"));
    }

    /** Uses {@code client}, which closing the Serde does not close. */
    public SpecificAvroSerde(SchemaRegistryClient client) {
        this(new KafkaAvroSerializer(client), new KafkaAvroDeserializer(client), null);
    }

    /** Uses {@code client} and reads every record into {@code type}. */
    public SpecificAvroSerde(SchemaRegistryClient client, Class<T> type) {
        this(new KafkaAvroSerializer(client), new KafkaAvroDeserializer(client), Objects.requireNonNull(type, "type"));
    }

    private SpecificAvroSerde(KafkaAvroSerializer serializer, KafkaAvroDeserializer deserializer, Class<T> type) {
        this.serializerDelegate = serializer;
        this.deserializerDelegate = deserializer;
        this.serializer = new TypedSerializer<>(serializer);
        this.deserializer = new TypedDeserializer<>(deserializer.forceReader(true, type),
                type != null ? type : SpecificRecord.class, "SpecificAvroSerde");
    }

    /** Builds one registry client for both halves, unless one was given. */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (!serializerDelegate.hasClient()) {
            ownedClient = SchemaRegistryClientFactory.create(new AvroSerdeConfig(configs).clientConfig());
            serializerDelegate.useSharedClient(ownedClient);
            deserializerDelegate.useSharedClient(ownedClient);
        }
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
        if (ownedClient != null) {
            ownedClient.close();
        }
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
