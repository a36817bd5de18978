package io.alignstream.demo;

import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.events.WindowKind;
import io.alignstream.schemas.TopicNames;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Reads back everything the service publishes, as an indexing feed would, through the one
 * reader (read_committed) in a thread of its own: embeddings, dead letters and quality reports,
 * with the demo's own end-to-end latency (sent to read back). Closing stops the reader.
 */
final class DemoAudit implements AutoCloseable {

    /** What came back, read_committed, with the demo's own end-to-end latency (sent to read). */
    static final class Received {
        final List<TeviEmbedding> tevi = new CopyOnWriteArrayList<>();
        final List<AlignVlmEmbedding> align = new CopyOnWriteArrayList<>();
        final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
        final List<RetrievalQualityReport> reports = new CopyOnWriteArrayList<>();
        final List<Long> latencyMs = new CopyOnWriteArrayList<>();
        final Set<String> teviKeys = ConcurrentHashMap.newKeySet();
        final Set<String> alignKeys = ConcurrentHashMap.newKeySet();
        /** When the first event was sent and the last embedding read back (System.nanoTime). */
        volatile long firstSentNanos;
        volatile long lastReadNanos;

        boolean complete(DemoTraffic.Sent sent, int reportsNeeded) {
            Map<DeadLetterReason, Long> got = letters.stream().collect(Collectors.groupingBy(DeadLetter::getReason,
                    () -> new EnumMap<>(DeadLetterReason.class), Collectors.counting()));
            boolean lettersIn = sent.expectedReasons().entrySet().stream()
                    .allMatch(e -> got.getOrDefault(e.getKey(), 0L) >= e.getValue());
            return teviKeys.size() >= sent.pairs.get() && alignKeys.size() >= sent.images.size() && lettersIn
                    && reports.stream().filter(r -> r.getWindowKind() == WindowKind.COUNT).count() >= reportsNeeded;
        }

        /** Waits until everything sent came back, with at least {@code reportsNeeded} count windows' reports, or the timeout. */
        void await(DemoTraffic.Sent sent, int reportsNeeded, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!complete(sent, reportsNeeded) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
    }

    private final Received received = new Received();
    private final DemoTraffic.Sent sent;
    private final OutputReader reader;
    private final Thread thread;

    private DemoAudit(DemoStack stack, DemoTraffic.Sent sent) {
        this.sent = sent;
        TopicNames topics = stack.config().topicNames();
        this.reader = OutputReader.builder(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                        Map.of("schema.registry.url", stack.registryUrl()))
                .topics(topics.tevi(), topics.alignVlm(), topics.deadLetters(), topics.retrievalQuality())
                .group("alignstream-demo-reader").fromBeginning(true).open();
        this.thread = new Thread(() -> {
            try (reader) {
                reader.read(Until.stopped(), record -> {
                    take(record.value());
                    return true;
                });
            }
        }, "demo-reader");
        thread.setDaemon(true);
    }

    /** Starts reading; the first event is taken to be sent now. */
    static DemoAudit start(DemoStack stack, DemoTraffic.Sent sent) {
        DemoAudit audit = new DemoAudit(stack, sent);
        audit.thread.start();
        audit.received.firstSentNanos = System.nanoTime();
        return audit;
    }

    Received received() {
        return received;
    }

    private void take(Object value) {
        long now = System.currentTimeMillis();
        if (value instanceof TeviEmbedding || value instanceof AlignVlmEmbedding) {
            received.lastReadNanos = System.nanoTime();
        }
        if (value instanceof TeviEmbedding t) {
            received.tevi.add(t);
            received.teviKeys.add(t.getCaptionId());
            Long image = sent.imageSentMs.get(t.getImageId());
            Long caption = sent.captionSentMs.get(t.getCaptionId());
            if (image != null && caption != null) {
                received.latencyMs.add(now - Math.max(image, caption));
            }
        } else if (value instanceof AlignVlmEmbedding a) {
            received.align.add(a);
            received.alignKeys.add(a.getImageId());
            Long image = sent.imageSentMs.get(a.getImageId());
            if (image != null) {
                received.latencyMs.add(now - image);
            }
        } else if (value instanceof DeadLetter d) {
            received.letters.add(d);
        } else if (value instanceof RetrievalQualityReport q) {
            received.reports.add(q);
        }
    }

    /** Stops the reader and waits (a while) for its thread to close it. */
    @Override
    public void close() throws InterruptedException {
        reader.stop();
        thread.join(5000);
    }
}
