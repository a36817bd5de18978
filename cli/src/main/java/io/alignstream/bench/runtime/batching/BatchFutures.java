package io.alignstream.bench.runtime.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for many item futures at once, with one deadline. */
public final class BatchFutures {

    private BatchFutures() {
    }

    /**
     * Waits until every future is done or the timeout passes, whichever comes first.
     *
     * @return one outcome per future, in the same order; failed or cancelled items are
     *         {@link Outcome.Failure}s, never exceptions
     * @throws TimeoutException if some future is still pending at the deadline (none is
     *                          cancelled: the caller decides what to do with them)
     */
    public static <O> List<Outcome<O>> awaitAll(List<? extends CompletableFuture<? extends O>> futures,
            Duration timeout) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(futures, "futures");
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        int i = 0;
        for (CompletableFuture<? extends O> future : futures) {
            if (!future.isDone()) {
                long remaining = deadline - System.nanoTime();
                try {
                    future.get(Math.max(0, remaining), TimeUnit.NANOSECONDS);
                } catch (ExecutionException | CancellationException e) {
                    // Read as an outcome below.
                } catch (TimeoutException e) {
                    long pending = futures.stream().filter(f -> !f.isDone()).count();
                    throw new TimeoutException(pending + " of " + futures.size()
                            + " items were still pending after " + timeout.toMillis() + " ms (first at index " + i + ")");
                }
            }
            i++;
        }
        List<Outcome<O>> outcomes = new ArrayList<>(futures.size());
        for (CompletableFuture<? extends O> future : futures) {
            outcomes.add(Outcome.of(future));
        }
        return Collections.unmodifiableList(outcomes);
    }
}
