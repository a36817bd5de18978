package io.alignstream.bench.runtime.batching;

import java.util.concurrent.RejectedExecutionException;

/**
 * The batcher was closed: either the item arrived after {@link DynamicBatcher#close()}, or
 * close timed out before the item could run. The message says which.
 */
public final class BatcherClosedException extends RejectedExecutionException {

    private static final long serialVersionUID = 1L;

    BatcherClosedException(String message) {
        super(message);
    }
}
