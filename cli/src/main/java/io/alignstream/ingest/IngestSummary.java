package io.alignstream.ingest;

import java.time.Duration;
import java.util.Locale;

/** What one run of the producer sent. */
public record IngestSummary(long images, long captions, long bytes, Duration elapsed) {

    /** Events (images and captions) per second over the run. */
    public double eventsPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : (images + captions) / seconds;
    }

    /** One line, e.g. {@code Sent 3 images and 6 captions (12,345 bytes) in 0.4 s (22.5 events/s).} */
    public String describe() {
        return String.format(Locale.ROOT, "Sent %d images and %d captions (%,d bytes) in %.1f s (%.1f events/s).",
                images, captions, bytes, elapsed.toNanos() / 1e9, eventsPerSecond());
    }
}
