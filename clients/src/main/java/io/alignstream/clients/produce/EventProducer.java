package io.alignstream.clients.produce;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import io.alignstream.schemas.EventTopic;
import io.alignstream.schemas.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends image and caption events to the configured input topics as a producing team would: an
 * idempotent producer ({@code acks=all}), keys the image id in UTF-8 (a caption's key is the id
 * of its image, so the two meet on one partition), values Avro in the Schema Registry wire
 * format, each image before its captions unless {@link Order#CAPTIONS_FIRST} is asked for.
 * Deliberately bad records go through {@link #sendRaw} on the same producer, so they interleave
 * with the good ones as they would in production.
 *
 * <p>A refused send is reported by the next send or by {@link #flush()} as a
 * {@link ProduceException}; call {@link #flush()} before closing to know that everything arrived.
 * One thread at a time.
 */
public final class EventProducer implements AutoCloseable {

    /** The order of one image's records. */
    public enum Order {
        /** The image, then its captions: what producers are asked to do. */
        IMAGE_FIRST,
        /** The captions, then their image: allowed (the captions wait for it in the join). */
        CAPTIONS_FIRST
    }

    private final Producer<byte[], byte[]> producer;
    private final KafkaAvroSerializer serializer;
    private final TopicNames topics;
    private final RateLimiter limiter;
    private final AtomicReference<Exception> refused = new AtomicReference<>();
    private final AtomicLong bytesSent = new AtomicLong();

    private EventProducer(Producer<byte[], byte[]> producer, KafkaAvroSerializer serializer, TopicNames topics,
                          double eventsPerSecond) {
        this.producer = producer;
        this.serializer = serializer;
        this.topics = topics;
        this.limiter = new RateLimiter(eventsPerSecond);
    }

    /**
     * @param clientConfig the producer's settings (bootstrap servers, security, linger); idempotence
     *                     and {@code acks=all} are forced
     * @param serdeConfig  the serializer's settings ({@code schema.registry.url}, ...)
     * @param topics       the configured topic names: events go to {@link TopicNames#images()} and
     *                     {@link TopicNames#captions()}
     */
    public static Builder builder(Map<String, ?> clientConfig, Map<String, ?> serdeConfig, TopicNames topics) {
        return new Builder(clientConfig, serdeConfig, topics);
    }

    /** The image, then its captions. */
    public void send(ImageEvent image, List<CaptionEvent> captions) {
        send(image, captions, Order.IMAGE_FIRST);
    }

    /** The image and its captions in {@code order}; every caption must name the image. */
    public void send(ImageEvent image, List<CaptionEvent> captions, Order order) {
        for (CaptionEvent caption : captions) {
            if (!caption.getImageId().equals(image.getImageId())) {
                throw new IllegalArgumentException("Caption " + caption.getCaptionId() + " names image "
                        + caption.getImageId() + ", not " + image.getImageId());
            }
        }
        if (order == Order.IMAGE_FIRST) {
            sendImage(image);
        }
        captions.forEach(this::sendCaption);
        if (order == Order.CAPTIONS_FIRST) {
            sendImage(image);
        }
    }

    /** One image alone, keyed by its id (whatever its captions do: they may have gone already). */
    public void sendImage(ImageEvent image) {
        send(topics.images(), image.getImageId(), serializer.serialize(topics.images(), image));
    }

    /** One caption alone, keyed by its image's id. */
    public void sendCaption(CaptionEvent caption) {
        send(topics.captions(), caption.getImageId(), serializer.serialize(topics.captions(), caption));
    }

    /**
     * Bytes as given, not serialised, to {@code topic}'s configured name: a record the service
     * must dead-letter (not Avro, not wire format). {@code key} and {@code value} may be null.
     */
    public void sendRaw(EventTopic topic, byte[] key, byte[] value) {
        send(topics.name(topic), key, value);
    }

    /** Waits until every record sent so far is acknowledged; throws if Kafka refused one. */
    public void flush() {
        producer.flush();
        throwIfRefused();
    }

    /** Keys and values handed to Kafka so far, in bytes. */
    public long bytesSent() {
        return bytesSent.get();
    }

    private void send(String topic, String key, byte[] value) {
        send(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    private void send(String topic, byte[] key, byte[] value) {
        throwIfRefused();
        try {
            limiter.acquire(1);
        } catch (InterruptedException e) {
            throw new InterruptException(e); // as KafkaProducer.send does: restores the flag, unchecked
        }
        producer.send(new ProducerRecord<>(topic, key, value), (RecordMetadata metadata, Exception e) -> {
            if (e != null) {
                refused.compareAndSet(null, e);
            }
        });
        bytesSent.addAndGet((key == null ? 0 : key.length) + (value == null ? 0 : value.length));
    }

    private void throwIfRefused() {
        Exception e = refused.get();
        if (e != null) {
            throw new ProduceException(e);
        }
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(30));
        } finally {
            serializer.close();
        }
    }

    /** Settings beyond the connection; {@link #build()} opens the producer. */
    public static final class Builder {
        private final Map<String, Object> clientConfig;
        private final Map<String, ?> serdeConfig;
        private final TopicNames topics;
        private String clientId;
        private double eventsPerSecond;

        private Builder(Map<String, ?> clientConfig, Map<String, ?> serdeConfig, TopicNames topics) {
            this.clientConfig = new HashMap<>(clientConfig);
            this.serdeConfig = Map.copyOf(serdeConfig);
            this.topics = topics;
        }

        /** {@code client.id}, unless the client settings name one. */
        public Builder clientId(String id) {
            this.clientId = id;
            return this;
        }

        /** At most this many records a second, evenly spaced; 0 (the default) is unlimited. */
        public Builder eventsPerSecond(double rate) {
            this.eventsPerSecond = rate;
            return this;
        }

        public EventProducer build() {
            return build(config -> new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()));
        }

        /** With the producer {@code open} makes from the final settings (a MockProducer in unit tests). */
        EventProducer build(java.util.function.Function<Map<String, Object>, Producer<byte[], byte[]>> open) {
            KafkaAvroSerializer serializer = new KafkaAvroSerializer();
            serializer.configure(serdeConfig, false);
            try {
                return new EventProducer(open.apply(producerConfig()), serializer, topics, eventsPerSecond);
            } catch (RuntimeException e) {
                serializer.close();
                throw e;
            }
        }

        Map<String, Object> producerConfig() {
            Map<String, Object> config = new HashMap<>(clientConfig);
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            if (clientId != null) {
                config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
            }
            return config;
        }
    }
}
