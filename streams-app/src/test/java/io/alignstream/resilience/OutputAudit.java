package io.alignstream.resilience;

import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Outcome;
import io.alignstream.clients.consume.OutputReader.Reason;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.clients.consume.PublishedRecord;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.schemas.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

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
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : List.of(topics.tevi(), topics.alignVlm(), topics.deadLetters())) {
            all.addAll(partitions(topic, partitions));
        }
        awaitNoOpenTransaction(bootstrapServers, all, deadline);

        Map<String, Integer> teviPerPair = new TreeMap<>();
        Map<String, Integer> alignPerImage = new TreeMap<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        try (OutputReader reader = reader(bootstrapServers, registryUrl, partitions, "read_committed")
                .topics(topics.tevi(), topics.alignVlm(), topics.deadLetters()).open()) {
            readToEnd(reader, deadline, record -> {
                Object value = record.value();
                if (value instanceof TeviEmbedding t) {
                    teviPerPair.merge(ScenePlan.pairKey(t.getImageId(), t.getCaptionId()), 1, Integer::sum);
                } else if (value instanceof AlignVlmEmbedding a) {
                    alignPerImage.merge(a.getImageId(), 1, Integer::sum);
                } else {
                    deadLetters.add((DeadLetter) value);
                }
            });
        }
        long teviAll;
        long alignAll;
        try (OutputReader reader = reader(bootstrapServers, registryUrl, partitions, "read_uncommitted")
                .topics(topics.tevi()).includeAborted().open()) {
            teviAll = readToEnd(reader, deadline, record -> { });
        }
        try (OutputReader reader = reader(bootstrapServers, registryUrl, partitions, "read_uncommitted")
                .topics(topics.alignVlm()).includeAborted().open()) {
            alignAll = readToEnd(reader, deadline, record -> { });
        }
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
     * open: nothing pending could still become visible).
     */
    private static void awaitNoOpenTransaction(String bootstrapServers, List<TopicPartition> all,
                                                                    long deadline) throws Exception {
        try (Admin admin = admin(bootstrapServers)) {
            while (true) {
                Map<TopicPartition, Long> stable = ends(admin, all, IsolationLevel.READ_COMMITTED);
                Map<TopicPartition, Long> high = ends(admin, all, IsolationLevel.READ_UNCOMMITTED);
                if (stable.equals(high)) {
                    return;
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

    /** The one reader of {@code partitions} partitions a topic from the beginning (assigned by number: it never creates one). */
    private static OutputReader.Builder reader(String bootstrapServers, String registryUrl, int partitions,
                                               String isolation) {
        return OutputReader.builder(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                        Map.of("schema.registry.url", registryUrl))
                .partitions(partitions).fromBeginning(true).clientId("resilience-audit-" + isolation);
    }

    /** Hands on every record up to the end offsets as the read begins (no transaction is open); how many. */
    private static long readToEnd(OutputReader reader, long deadline, Consumer<PublishedRecord> take) {
        Outcome outcome = reader.read(Until.end().orTimeout(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))),
                record -> {
                    take.accept(record);
                    return true;
                });
        if (outcome.reason() != Reason.END) {
            throw new AssertionError("could not read the output topics to their end in time");
        }
        return outcome.records();
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
