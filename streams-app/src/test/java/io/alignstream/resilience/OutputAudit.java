package io.alignstream.resilience;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The verdict on the output topics, read as a downstream consumer would ({@code read_committed},
 * from the beginning, to the end), once the service is stopped and no transaction is open: how
 * many TEVI records each (imageId, captionId) has, how many AlignVLM records each image has, and
 * every dead letter. Also counts what {@code read_uncommitted} sees, so the report can say how
 * many records the crashes left in aborted transactions (written, never visible to
 * read_committed).
 */
record OutputAudit(Map<String, Integer> teviPerPair, Map<String, Integer> alignVlmPerImage, List<DeadLetter> deadLetters,
                   long teviRecordsIncludingAborted, long alignVlmRecordsIncludingAborted) {

    static OutputAudit read(String bootstrapServers, String registryUrl, TopicNames topics, int partitions,
                            Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicPartition> tevi = partitions(topics.tevi(), partitions);
        List<TopicPartition> align = partitions(topics.alignVlm(), partitions);
        List<TopicPartition> dead = partitions(topics.deadLetters(), partitions);
        List<TopicPartition> all = new ArrayList<>(tevi);
        all.addAll(align);
        all.addAll(dead);
        Map<TopicPartition, Long> ends = awaitNoOpenTransaction(bootstrapServers, all, deadline);

        Map<String, Integer> teviPerPair = new TreeMap<>();
        Map<String, Integer> alignPerImage = new TreeMap<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        for (Object value : readAll(bootstrapServers, registryUrl, all, ends, "read_committed", deadline)) {
            if (value instanceof TeviEmbedding t) {
                teviPerPair.merge(ScenePlan.pairKey(t.getImageId(), t.getCaptionId()), 1, Integer::sum);
            } else if (value instanceof AlignVlmEmbedding a) {
                alignPerImage.merge(a.getImageId(), 1, Integer::sum);
            } else {
                deadLetters.add((DeadLetter) value);
            }
        }
        long teviAll = readAll(bootstrapServers, null, tevi, ends, "read_uncommitted", deadline).size();
        long alignAll = readAll(bootstrapServers, null, align, ends, "read_uncommitted", deadline).size();
        return new OutputAudit(teviPerPair, alignPerImage, deadLetters, teviAll, alignAll);
    }

    long teviRecords() {
        return teviPerPair.values().stream().mapToLong(Integer::longValue).sum();
    }

    long alignVlmRecords() {
        return alignVlmPerImage.values().stream().mapToLong(Integer::longValue).sum();
    }

    Set<String> lostPairs(Set<String> expected) {
        return missing(expected, teviPerPair);
    }

    Set<String> lostImages(Set<String> expected) {
        return missing(expected, alignVlmPerImage);
    }

    Map<String, Integer> duplicatedPairs() {
        return duplicated(teviPerPair);
    }

    Map<String, Integer> duplicatedImages() {
        return duplicated(alignVlmPerImage);
    }

    Set<String> unexpectedPairs(Set<String> expected) {
        return teviPerPair.keySet().stream().filter(k -> !expected.contains(k)).collect(Collectors.toCollection(TreeSet::new));
    }

    Set<String> unexpectedImages(Set<String> expected) {
        return alignVlmPerImage.keySet().stream().filter(k -> !expected.contains(k))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Records written by transactions that were aborted (crashes, fencing): in the log, never read_committed. */
    long abortedTeviRecords() {
        return teviRecordsIncludingAborted - teviRecords();
    }

    long abortedAlignVlmRecords() {
        return alignVlmRecordsIncludingAborted - alignVlmRecords();
    }

    String summary(Set<String> expectedPairs, Set<String> expectedImages) {
        return String.format("TEVI: %d records for %d of %d pairs, %d lost, %d duplicated, %d unexpected; "
                        + "AlignVLM: %d records for %d of %d images, %d lost, %d duplicated; dead letters: %d; "
                        + "aborted (invisible to read_committed): %d TEVI, %d AlignVLM",
                teviRecords(), teviPerPair.size(), expectedPairs.size(), lostPairs(expectedPairs).size(),
                duplicatedPairs().size(), unexpectedPairs(expectedPairs).size(), alignVlmRecords(),
                alignVlmPerImage.size(), expectedImages.size(), lostImages(expectedImages).size(),
                duplicatedImages().size(), deadLetters.size(), abortedTeviRecords(), abortedAlignVlmRecords());
    }

    private static Set<String> missing(Set<String> expected, Map<String, Integer> counts) {
        return expected.stream().filter(k -> !counts.containsKey(k)).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<String, Integer> duplicated(Map<String, Integer> counts) {
        return counts.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    private static List<TopicPartition> partitions(String topic, int partitions) {
        List<TopicPartition> out = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }

    /**
     * Waits until every partition's last stable offset equals its high watermark (no transaction
     * open: nothing pending could still become visible) and returns those end offsets.
     */
    private static Map<TopicPartition, Long> awaitNoOpenTransaction(String bootstrapServers, List<TopicPartition> all,
                                                                    long deadline) throws Exception {
        try (Admin admin = admin(bootstrapServers)) {
            while (true) {
                Map<TopicPartition, Long> stable = ends(admin, all, IsolationLevel.READ_COMMITTED);
                Map<TopicPartition, Long> high = ends(admin, all, IsolationLevel.READ_UNCOMMITTED);
                if (stable.equals(high)) {
                    return high;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("a transaction stayed open on the output topics: last stable offsets "
                            + stable + ", high watermarks " + high);
                }
                Thread.sleep(200);
            }
        }
    }

    private static Map<TopicPartition, Long> ends(Admin admin, List<TopicPartition> partitions, IsolationLevel level)
            throws Exception {
        Map<TopicPartition, OffsetSpec> latest = partitions.stream()
                .collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest()));
        return admin.listOffsets(latest, new ListOffsetsOptions(level)).all().get(30, TimeUnit.SECONDS)
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** Every record of {@code partitions} up to {@code ends}; values decoded when a registry is given, else raw. */
    private static List<Object> readAll(String bootstrapServers, String registryUrl, List<TopicPartition> partitions,
                                        Map<TopicPartition, Long> ends, String isolation, long deadline) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Never let a reader create an output topic (with the broker's default of 1 partition) before the service does.
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "resilience-audit-" + isolation);
        org.apache.kafka.common.serialization.Deserializer<Object> values;
        if (registryUrl != null) {
            KafkaAvroDeserializer avro = new KafkaAvroDeserializer();
            avro.configure(Map.of("schema.registry.url", registryUrl, "specific.avro.reader", true), false);
            values = avro;
        } else {
            ByteArrayDeserializer bytes = new ByteArrayDeserializer();
            values = (topic, data) -> bytes.deserialize(topic, data);
        }
        List<Object> out = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read the output topics to their end in time");
                }
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
                    out.add(record.value());
                }
            }
        }
        return out;
    }

    /**
     * Waits until the application's committed offsets on {@code topics} are at most
     * {@code maxLagPerPartition} behind their ends: 0 for input topics written without
     * transactions; 1 for the service's own repartition topics, whose last offset is a
     * transaction marker that a consumer never commits past.
     */
    static void awaitConsumed(String bootstrapServers, String applicationId, List<String> topics, int partitions,
                              long maxLagPerPartition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicPartition> all = new ArrayList<>();
        topics.forEach(topic -> all.addAll(partitions(topic, partitions)));
        try (Admin admin = admin(bootstrapServers)) {
            while (true) {
                Map<TopicPartition, Long> ends = ends(admin, all, IsolationLevel.READ_UNCOMMITTED);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                Map<TopicPartition, Long> lag = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
                for (TopicPartition tp : all) {
                    long end = ends.get(tp);
                    long at = committed.get(tp) == null ? 0 : committed.get(tp).offset();
                    if (end - at > (end == 0 ? 0 : maxLagPerPartition)) {
                        lag.put(tp, end - at);
                    }
                }
                if (lag.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(applicationId + " has not consumed " + topics + " in " + timeout
                            + "; behind: " + lag);
                }
                Thread.sleep(100);
            }
        }
    }

    /** {@link #awaitConsumed} for input topics written without transactions: every record committed. */
    static void awaitInputConsumed(String bootstrapServers, String applicationId, List<String> inputTopics,
                                   int partitions, Duration timeout) throws Exception {
        awaitConsumed(bootstrapServers, applicationId, inputTopics, partitions, 0, timeout);
    }

    static Admin admin(String bootstrapServers) {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(config);
    }
}
