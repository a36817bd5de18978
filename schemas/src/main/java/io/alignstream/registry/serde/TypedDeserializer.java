package io.alignstream.registry.serde;

import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/** A {@link KafkaAvroDeserializer} seen through a narrower type, checking what it returns. */
final class TypedDeserializer<T> implements Deserializer<T> {

    private final KafkaAvroDeserializer delegate;
    private final Class<?> expected;
    private final String serdeName;

    TypedDeserializer(KafkaAvroDeserializer delegate, Class<?> expected, String serdeName) {
        this.delegate = delegate;
        this.expected = expected;
        this.serdeName = serdeName;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        delegate.configure(configs, isKey);
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        Object value = delegate.deserialize(topic, data);
        if (value != null && !expected.isInstance(value)) {
            throw new SerializationException(serdeName + " read a " + value.getClass().getName() + " from topic '"
                    + topic + "' where it expects a " + expected.getName()
                    + ": the topic holds data of another schema than this Serde is meant for");
        }
        return (T) value;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
