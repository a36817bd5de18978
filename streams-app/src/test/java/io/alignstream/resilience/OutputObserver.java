package io.alignstream.resilience;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Watches the output topics as a downstream reader would, {@code read_committed}, from the
 * beginning, in a daemon thread: how many distinct TEVI pairs and AlignVLM images have been
 * committed so far, and when the last new one came. The tests time their disruptions on it
 * ("kill when 37% of the output is committed"); the verdict comes from {@link OutputAudit}.
 */
final class OutputObserver implements AutoCloseable {
    private final Set<String> pairs = new HashSet<>();
    private final Set<String> images = new HashSet<>();
    private long teviRecords;
    private long deadLetters;
    private long lastNewOutputNanos = System.nanoTime();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    OutputObserver(String bootstrapServers, String registryUrl, TopicNames topics, int partitions) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Never let a reader create an output topic (with the broker's default of 1 partition) before the service does.
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "resilience-observer");
        List<TopicPartition> assignment = new ArrayList<>();
        for (String topic : List.of(topics.tevi(), topics.alignVlm(), topics.deadLetters())) {
            for (int p = 0; p < partitions; p++) {
                assignment.add(new TopicPartition(topic, p));
            }
        }
        // Only TEVI values are decoded (for the caption id); an AlignVLM record (about 100 KB) counts by its key.
        KafkaAvroDeserializer tevi = new KafkaAvroDeserializer();
        tevi.configure(Map.of("schema.registry.url", registryUrl, "specific.avro.reader", true), false);
        thread = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.assign(assignment);
                consumer.seekToBeginning(assignment);
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        if (record.topic().equals(topics.tevi())) {
                            take((TeviEmbedding) tevi.deserialize(record.topic(), record.value()), null);
                        } else if (record.topic().equals(topics.alignVlm())) {
                            take(null, record.key());
                        } else {
                            take(null, null);
                        }
                    }
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "resilience-observer");
        thread.setDaemon(true);
        thread.start();
    }

    private synchronized void take(TeviEmbedding tevi, String alignVlmImageId) {
        boolean fresh;
        if (tevi != null) {
            teviRecords++;
            fresh = pairs.add(ScenePlan.pairKey(tevi.getImageId(), tevi.getCaptionId()));
        } else if (alignVlmImageId != null) {
            fresh = images.add(alignVlmImageId);
        } else {
            deadLetters++;
            fresh = true;
        }
        if (fresh) {
            lastNewOutputNanos = System.nanoTime();
        }
    }

    synchronized int pairs() {
        return pairs.size();
    }

    synchronized int images() {
        return images.size();
    }

    synchronized long teviRecords() {
        return teviRecords;
    }

    synchronized long deadLetters() {
        return deadLetters;
    }

    synchronized long lastNewOutputNanos() {
        return lastNewOutputNanos;
    }

    /** Waits for {@code condition}; false at the deadline. Rethrows a failure of the observer's thread. */
    boolean await(BooleanSupplier condition, long deadlineNanos) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (failure.get() != null) {
                throw new AssertionError("the output observer failed", failure.get());
            }
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            Thread.sleep(25);
        }
        return true;
    }

    /** Waits until committed output grows past what it was at {@code sinceNanos}; the time it came, or -1. */
    long awaitNewOutputAfter(long sinceNanos, long deadlineNanos) throws InterruptedException {
        return await(() -> lastNewOutputNanos() > sinceNanos, deadlineNanos) ? lastNewOutputNanos() : -1;
    }

    synchronized String summary() {
        return pairs.size() + " pairs (" + teviRecords + " TEVI records), " + images.size() + " images, "
                + deadLetters + " dead letters";
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
