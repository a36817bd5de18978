package io.alignstream.ingest;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.CaptionEvent;
import io.alignstream.registry.serde.KafkaAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends image and caption events to the input topics as a producing team would: an idempotent
 * producer ({@code acks=all}), keys the image id in UTF-8, values in the Schema Registry wire
 * format, each image before its captions.
 */
public final class EventPublisher implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaAvroSerializer serializer;
    private final TopicNames topics;

    /**
     * @param producerConfig the producer's settings (bootstrap servers, security); idempotence and
     *                       {@code acks=all} are forced
     * @param serdeConfig    the serializer's settings ({@code schema.registry.url}, ...)
     */
    public EventPublisher(Map<String, Object> producerConfig, Map<String, Object> serdeConfig, TopicNames topics) {
        Map<String, Object> config = new HashMap<>(producerConfig);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "alignstream-produce");
        this.serializer = new KafkaAvroSerializer();
        this.serializer.configure(serdeConfig, false);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.topics = topics;
    }

    /**
     * Sends every group of events, waiting on {@code limiter} before each event, then flushes and
     * checks that every send succeeded.
     *
     * @param progress told of each group once it is handed to the producer
     * @throws IngestException when the broker refused a record
     */
    public IngestSummary publish(Iterator<OutgoingEvents> events, RateLimiter limiter,
                                 Consumer<OutgoingEvents> progress) throws InterruptedException {
        long started = System.nanoTime();
        long images = 0;
        long captions = 0;
        long bytes = 0;
        Future<RecordMetadata> last = null;
        FirstFailure failure = new FirstFailure();
        while (events.hasNext()) {
            OutgoingEvents group = events.next();
            byte[] key = group.imageId().getBytes(StandardCharsets.UTF_8);
            limiter.acquire(1);
            byte[] image = serializer.serialize(topics.images(), group.image());
            last = producer.send(new ProducerRecord<>(topics.images(), key, image), failure);
            images++;
            bytes += key.length + image.length;
            for (CaptionEvent caption : group.captions()) {
                limiter.acquire(1);
                byte[] value = serializer.serialize(topics.captions(), caption);
                last = producer.send(new ProducerRecord<>(topics.captions(), key, value), failure);
                captions++;
                bytes += key.length + value.length;
            }
            failure.check();
            progress.accept(group);
        }
        producer.flush();
        if (last != null) {
            try {
                last.get();
            } catch (ExecutionException e) {
                throw new IngestException("Kafka refused a record: " + e.getCause(), e.getCause());
            }
        }
        failure.check();
        return new IngestSummary(images, captions, bytes, Duration.ofNanos(System.nanoTime() - started));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
        serializer.close();
    }

    private static final class FirstFailure implements org.apache.kafka.clients.producer.Callback {
        private volatile Exception first;

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null && first == null) {
                first = exception;
            }
        }

        void check() {
            Exception e = first;
            if (e != null) {
                throw new IngestException("Kafka refused a record: " + e, e);
            }
        }
    }
}
