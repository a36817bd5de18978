package io.alignstream.bench.runtime.batching;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * The batcher's queue stayed full for the whole offer timeout: the model is not keeping up.
 * The item was never queued and never ran; it is safe to retry it later, or to slow down.
 */
public final class BatcherOverloadedException extends RejectedExecutionException {

    private static final long serialVersionUID = 1L;

    private final String batcher;
    private final int queueCapacity;
    private final Duration waited;

    BatcherOverloadedException(String batcher, int queueCapacity, Duration waited) {
        super("batcher '" + batcher + "' is overloaded: its queue of " + queueCapacity
                + " items stayed full for " + waited.toMillis() + " ms; the item was not queued");
        this.batcher = batcher;
        this.queueCapacity = queueCapacity;
        this.waited = waited;
    }

    public String batcher() {
        return batcher;
    }

    public int queueCapacity() {
        return queueCapacity;
    }

    /** How long the caller was made to wait for space before this rejection. */
    public Duration waited() {
        return waited;
    }
}
