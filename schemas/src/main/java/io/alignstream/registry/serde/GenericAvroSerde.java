package io.alignstream.registry.serde;

import io.alignstream.registry.client.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;

/**
 * A Kafka Streams Serde for Avro {@link GenericRecord}s in Confluent's wire format. Always reads
 * generic records, whatever {@code specific.avro.reader} says. Configure with the
 * {@link AvroSerdeConfig} keys, or pass a client for tests.
 */
public class GenericAvroSerde extends SharedClientAvroSerde<GenericRecord> {

    public GenericAvroSerde() {
        this(new KafkaAvroSerializer(), new KafkaAvroDeserializer());
    }

    /** Uses {@code client}, which closing the Serde does not close. */
    public GenericAvroSerde(SchemaRegistryClient client) {
        this(new KafkaAvroSerializer(client), new KafkaAvroDeserializer(client));
    }

    private GenericAvroSerde(KafkaAvroSerializer serializer, KafkaAvroDeserializer deserializer) {
        super(serializer, deserializer, new TypedDeserializer<>(deserializer.forceReader(false, null),
                GenericRecord.class, "GenericAvroSerde"));
    }
}
