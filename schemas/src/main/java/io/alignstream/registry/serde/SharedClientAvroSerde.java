package io.alignstream.registry.serde;

import io.alignstream.registry.client.SchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the generic and the specific Avro Serde share: a typed serializer and deserializer over
 * our Kafka Avro (de)serializers, and one registry client for both halves, built on configure
 * unless one was given (then closing the Serde does not close it). Who builds and who closes
 * follows {@link RegistryClientHolder}.
 */
abstract class SharedClientAvroSerde<T> implements Serde<T> {
    private final KafkaAvroSerializer serializerDelegate;
    private final KafkaAvroDeserializer deserializerDelegate;
    private final TypedSerializer<T> serializer;
    private final TypedDeserializer<T> deserializer;
    private final RegistryClientHolder shared = new RegistryClientHolder();

    SharedClientAvroSerde(KafkaAvroSerializer serializer, KafkaAvroDeserializer deserializer,
                          TypedDeserializer<T> typedDeserializer) {
        this.serializerDelegate = serializer;
        this.deserializerDelegate = deserializer;
        this.serializer = new TypedSerializer<>(serializer);
        this.deserializer = typedDeserializer;
    }

    /** Builds one registry client for both halves, unless one was given. */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (!serializerDelegate.hasClient()) {
            SchemaRegistryClient client = shared.configure(new AvroSerdeConfig(configs));
            serializerDelegate.useSharedClient(client);
            deserializerDelegate.useSharedClient(client);
        }
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
        shared.close();
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
