package io.alignstream.testing;

import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Until;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the service published, read back as a downstream consumer reads it (read_committed, a new group). */
public final class PublishedOutput {

    /** After the expected records, how long to go on reading for any extra one (a duplicate). */
    private static final Duration EXTRA_WAIT = Duration.ofSeconds(2);

    private PublishedOutput() {
    }

    /**
     * The values of {@code topic} from its beginning: at least {@code expected} records, waited for
     * up to {@code wait}, then {@link #EXTRA_WAIT} more so a duplicate would show.
     */
    public static List<Object> readCommitted(Map<String, ?> connection, Map<String, ?> registry, String topic,
                                             int expected, Duration wait) {
        List<Object> out = new ArrayList<>();
        try (OutputReader reader = OutputReader.builder(connection, registry).topics(topic)
                .group("it-reader-" + topic + "-" + System.nanoTime()).fromBeginning(true).open()) {
            reader.read(Until.timeout(wait), record -> out.add(record.value()) && out.size() < expected);
            reader.read(Until.timeout(EXTRA_WAIT), record -> out.add(record.value()));
        }
        return out;
    }
}
