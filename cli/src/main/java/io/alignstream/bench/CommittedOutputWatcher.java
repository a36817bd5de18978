package io.alignstream.bench;

import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Until;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Counts the records on a round's output topics with the one reader (read_committed; values
 * are never decoded, to take as little CPU as possible from the application under test) and
 * notes when it had seen every expected one.
 */
final class CommittedOutputWatcher implements AutoCloseable {
    /** What was seen: timestamps in {@link System#nanoTime()} terms. */
    record Seen(long doneNanos, Map<String, Long> counts) { }

    private final OutputReader reader;
    private final Map<String, Long> expected;
    private final String deadLetters;

    /**
     * Assigned to every partition from the beginning now, before the application starts.
     *
     * @param expected    records expected per output topic (all must exist already)
     * @param deadLetters a topic that is watched too and expected to stay empty
     */
    CommittedOutputWatcher(String bootstrapServers, String registryUrl, Map<String, Long> expected, String deadLetters) {
        this.expected = Map.copyOf(expected);
        this.deadLetters = deadLetters;
        List<String> topics = new ArrayList<>(expected.keySet());
        topics.add(deadLetters);
        // 20 ms polls, as this watcher always had, so that rounds stay comparable with earlier reports
        this.reader = OutputReader.builder(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                Map.of("schema.registry.url", registryUrl)).topics(topics).fromBeginning(true)
                .pollInterval(Duration.ofMillis(20)).open();
    }

    /** Reads until every expected record was seen; fails after {@code timeout}. */
    Seen awaitAll(Duration timeout) {
        Map<String, Long> counts = new HashMap<>();
        long[] done = {0};
        reader.read(Until.timeout(timeout), record -> {
            counts.merge(record.topic(), 1L, Long::sum);
            if (expected.entrySet().stream().allMatch(e -> counts.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                done[0] = System.nanoTime();
                return false;
            }
            return true;
        });
        if (done[0] == 0) {
            throw new IllegalStateException("not every output arrived within " + timeout + ": saw " + counts
                    + ", expected " + expected);
        }
        return new Seen(done[0], Map.copyOf(counts));
    }

    long deadLetters(Map<String, Long> counts) {
        return counts.getOrDefault(deadLetters, 0L);
    }

    @Override
    public void close() {
        reader.close();
    }
}
