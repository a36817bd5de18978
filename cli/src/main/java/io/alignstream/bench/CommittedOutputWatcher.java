package io.alignstream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A read_committed consumer that counts the records on a round's output topics (values are not
 * decoded, to take as little CPU as possible from the application under test) and notes when it
 * had seen every expected one.
 */
final class CommittedOutputWatcher implements AutoCloseable {
    /** What was seen: timestamps in {@link System#nanoTime()} terms. */
    record Seen(long doneNanos, Map<String, Long> counts) { }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Long> expected;
    private final String deadLetters;

    /**
     * @param expected    records expected per output topic (all must exist already)
     * @param deadLetters a topic that is watched too and expected to stay empty
     */
    CommittedOutputWatcher(String bootstrapServers, Map<String, Long> expected, String deadLetters) {
        this.expected = Map.copyOf(expected);
        this.deadLetters = deadLetters;
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        List<String> topics = new ArrayList<>(expected.keySet());
        topics.add(deadLetters);
        for (String topic : topics) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls until every expected record was seen; fails after {@code timeout}. */
    Seen awaitAll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Long> counts = new HashMap<>();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                counts.merge(record.topic(), 1L, Long::sum);
            }
            long now = System.nanoTime();
            if (expected.entrySet().stream().allMatch(e -> counts.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                return new Seen(now, Map.copyOf(counts));
            }
        }
        throw new IllegalStateException("not every output arrived within " + timeout + ": saw " + counts
                + ", expected " + expected);
    }

    long deadLetters(Map<String, Long> counts) {
        return counts.getOrDefault(deadLetters, 0L);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
