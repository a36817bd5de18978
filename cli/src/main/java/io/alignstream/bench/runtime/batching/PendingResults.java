package io.alignstream.bench.runtime.batching;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * The items one consumer thread has in flight, each with its context (for Kafka Streams: the
 * record to forward its result with), in submission order. Made for a thread that submits
 * several records, then must have all their results before it commits:
 *
 * <pre>{@code
 * pending.add(record, batcher.submit(record.value()));   // for each record
 * ...
 * for (var done : pending.awaitAll(timeout)) {             // before the commit
 *     forward(done.context(), done.outcome());
 * }
 * }</pre>
 *
 * <p>{@link #drainCompleted()} hands out, without blocking, the completed items at the head,
 * so results can be forwarded early and still in order. Bounded: {@link #add} refuses past
 * {@code capacity}, so the owner has to drain. Not thread-safe: it belongs to one thread
 * (a Kafka Streams processor instance is only ever called by its stream thread).
 *
 * @param <C> the context kept with each item
 * @param <O> the item's output
 */
public final class PendingResults<C, O> {

    /** One finished item with its context. */
    public record Completed<C, O>(C context, Outcome<O> outcome) {
    }

    private record Entry<C, O>(C context, CompletableFuture<? extends O> future) {
    }

    private final int capacity;
    private final ArrayDeque<Entry<C, O>> entries = new ArrayDeque<>();

    public PendingResults(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * @throws IllegalStateException if {@link #isFull()}: drain first
     */
    public void add(C context, CompletableFuture<? extends O> future) {
        Objects.requireNonNull(future, "future");
        if (entries.size() >= capacity) {
            throw new IllegalStateException("already " + capacity + " results pending; drain before adding more");
        }
        entries.addLast(new Entry<>(context, future));
    }

    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public boolean isFull() {
        return entries.size() >= capacity;
    }

    /** Removes and returns the done items at the head, in order, stopping at the first pending one. */
    public List<Completed<C, O>> drainCompleted() {
        List<Completed<C, O>> done = new ArrayList<>();
        while (!entries.isEmpty() && entries.peekFirst().future().isDone()) {
            Entry<C, O> entry = entries.pollFirst();
            done.add(new Completed<>(entry.context(), Outcome.of(entry.future())));
        }
        return done;
    }

    /**
     * Waits for every pending item, then removes and returns them all, in order.
     *
     * @throws TimeoutException if some are still pending at the deadline; then nothing is
     *                          removed (a Kafka Streams task should fail rather than commit)
     */
    public List<Completed<C, O>> awaitAll(Duration timeout) throws InterruptedException, TimeoutException {
        List<CompletableFuture<? extends O>> futures = new ArrayList<>(entries.size());
        entries.forEach(entry -> futures.add(entry.future()));
        BatchFutures.awaitAll(futures, timeout);
        return drainCompleted();
    }

    /** Cancels every pending item (those not yet in a running batch are skipped) and forgets them all. */
    public void cancelAll() {
        entries.forEach(entry -> entry.future().cancel(false));
        entries.clear();
    }
}
