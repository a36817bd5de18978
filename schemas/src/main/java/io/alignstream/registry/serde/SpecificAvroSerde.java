package io.alignstream.registry.serde;

import io.alignstream.registry.client.SchemaRegistryClient;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * A Kafka Streams Serde for generated Avro classes in Confluent's wire format. Always reads
 * specific records: into {@code type} when given (any writer schema that resolves against it),
 * otherwise into the generated class named like the writer's schema.
 *
 * @param <T> the generated class
 */
public class SpecificAvroSerde<T extends SpecificRecord> extends SharedClientAvroSerde<T> {

    public SpecificAvroSerde() {
        this(new KafkaAvroSerializer(), new KafkaAvroDeserializer(), null);
    }

    /** Reads every record into {@code type}. */
    public SpecificAvroSerde(Class<T> type) {
        this(new KafkaAvroSerializer(), new KafkaAvroDeserializer(), Objects.requireNonNull(type, "type"));
    }

    /** A Serde for the values of a topic (reading into {@code type}), already configured with {@code configs}. */
    public static <T extends SpecificRecord> SpecificAvroSerde<T> forValues(Class<T> type, java.util.Map<String, ?> configs) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
        serde.configure(configs, false);
        return serde;
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
        super(serializer, deserializer, new TypedDeserializer<>(deserializer.forceReader(true, type),
                type != null ? type : SpecificRecord.class, "SpecificAvroSerde"));
    }
}
