package io.alignstream.registry.client;

import java.time.Duration;
import java.util.List;

/**
 * No registry gave a usable answer within the configured retries and timeouts: every URL
 * refused the connection, timed out, or answered with a 5xx/429 status. The message names the
 * URLs, the number of attempts and requests, the time spent and the last failure.
 *
 * <p>This is an infrastructure problem, not a problem with a record: the Serdes let it through
 * unwrapped rather than as a {@code SerializationException}, so that deserialization handlers
 * that skip bad records do not silently skip good records while the registry is down.
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {

    private final List<String> urls;
    private final int attempts;
    private final int requests;
    private final Duration elapsed;

    public SchemaRegistryUnavailableException(String message, List<String> urls, int attempts, int requests,
                                              Duration elapsed, int lastHttpStatus, int lastErrorCode,
                                              String lastRegistryMessage, Throwable lastCause) {
        super(message, lastHttpStatus, lastErrorCode, lastRegistryMessage, lastCause);
        this.urls = List.copyOf(urls);
        this.attempts = attempts;
        this.requests = requests;
        this.elapsed = elapsed;
    }

    /** The registry URLs that were tried (without credentials). */
    public List<String> urls() {
        return urls;
    }

    /** Rounds over all URLs: 1 + the retries made. */
    public int attempts() {
        return attempts;
    }

    /** HTTP requests sent, over all URLs and attempts. */
    public int requests() {
        return requests;
    }

    /** Time from the first request to giving up. */
    public Duration elapsed() {
        return elapsed;
    }
}
