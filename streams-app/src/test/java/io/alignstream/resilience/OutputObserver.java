package io.alignstream.resilience;

import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.schemas.TopicNames;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Watches the output topics with the one reader, as a downstream reader would,
 * {@code read_committed}, from the beginning, in a daemon thread: how many distinct TEVI pairs
 * and AlignVLM images have been committed so far, and when the last new one came. The tests time their disruptions on it
 * ("kill when 37% of the output is committed"); the verdict comes from {@link OutputAudit}.
 */
final class OutputObserver implements AutoCloseable {
    private final Set<String> pairs = new HashSet<>();
    private final Set<String> images = new HashSet<>();
    private long teviRecords;
    private long deadLetters;
    private long lastNewOutputNanos = System.nanoTime();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final OutputReader reader;
    private final Thread thread;

    OutputObserver(String bootstrapServers, String registryUrl, TopicNames topics, int partitions) {
        // The partitions are assigned by number: the reader may open before the service has created the topics.
        reader = OutputReader.builder(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                        Map.of("schema.registry.url", registryUrl))
                .topics(topics.tevi(), topics.alignVlm(), topics.deadLetters()).partitions(partitions)
                .fromBeginning(true).clientId("resilience-observer").open();
        thread = new Thread(() -> {
            try (reader) {
                reader.read(Until.stopped(), record -> {
                    // Only TEVI values are decoded (for the caption id); an AlignVLM record (about 100 KB) counts by its key.
                    if (record.topic().equals(topics.tevi())) {
                        take((TeviEmbedding) record.value(), null);
                    } else if (record.topic().equals(topics.alignVlm())) {
                        take(null, record.key());
                    } else {
                        take(null, null);
                    }
                    return true;
                });
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
        reader.stop();
        thread.join(10_000);
    }
}
