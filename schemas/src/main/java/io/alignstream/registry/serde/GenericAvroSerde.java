package io.alignstream.registry.serde;

import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka Streams Serde for Avro {@link GenericRecord}s in Confluent's wire format. Always reads
 * generic records, whatever {@code specific.avro.reader} says. Configure with the
 * {@link AvroSerdeConfig} keys, or pass a client for tests.
 */
public class GenericAvroSerde implements Serde<GenericRecord> {

    private final KafkaAvroSerializer serializerDelegate;
    private final KafkaAvroDeserializer deserializerDelegate;
    private final TypedSerializer<GenericRecord> serializer;
    private final TypedDeserializer<GenericRecord> deserializer;
    private SchemaRegistryClient ownedClient;

    public GenericAvroSerde() {
        this(new KafkaAvroSerializer(), new KafkaAvroDeserializer());
    }

    /** Uses {@code client}, which closing the Serde does not close. */
    public GenericAvroSerde(SchemaRegistryClient client) {
        this(new KafkaAvroSerializer(client), new KafkaAvroDeserializer(client));
    }

    private GenericAvroSerde(KafkaAvroSerializer serializer, KafkaAvroDeserializer deserializer) {
        this.serializerDelegate = serializer;
        this.deserializerDelegate = deserializer;
        this.serializer = new TypedSerializer<>(serializer);
        this.deserializer = new TypedDeserializer<>(deserializer.forceReader(false, null), GenericRecord.class,
                "GenericAvroSerde");
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
    public Serializer<GenericRecord> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<GenericRecord> deserializer() {
        return deserializer;
    }
}
