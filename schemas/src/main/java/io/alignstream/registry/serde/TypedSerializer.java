package io.alignstream.registry.serde;

import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/** A {@link KafkaAvroSerializer} seen through a narrower type, for the Serdes. */
final class TypedSerializer<T> implements Serializer<T> {

    private final KafkaAvroSerializer delegate;

    TypedSerializer(KafkaAvroSerializer delegate) {
        this.delegate = delegate;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        delegate.configure(configs, isKey);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return delegate.serialize(topic, data);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
