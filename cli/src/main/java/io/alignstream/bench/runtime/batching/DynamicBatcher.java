package io.alignstream.bench.runtime.batching;

import io.alignstream.bench.runtime.batching.BatcherObserver.Rejection;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups single requests from many threads into batches for a {@link BatchFunction}: a batch
 * runs when {@link BatcherSettings#maxBatchSize()} items wait, or when the oldest waiting item
 * has waited {@link BatcherSettings#maxWait()}, whichever comes first.
 *
 * <pre>{@code
 * try (DynamicBatcher<Image, float[]> batcher = DynamicBatcher.create(
 *         BatcherSettings.defaults("vision").withMaxBatchSize(16), visionTower::embedAll)) {
 *     CompletableFuture<float[]> embedding = batcher.submit(image);
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Results.</b> Each item gets exactly the output it would get alone, provided the
 * function's output for an item does not depend on the rest of its batch. Outputs are matched
 * to inputs by position.
 *
 * <p><b>Back-pressure.</b> At most {@link BatcherSettings#queueCapacity()} items wait. When the
 * queue is full, {@link #submit} blocks for up to the offer timeout and then fails the item's
 * future with {@link BatcherOverloadedException}; {@link #trySubmit} fails it at once. Nothing
 * grows without bound.
 *
 * <p><b>Errors.</b> If the function throws for a batch, the batcher isolates the bad items as
 * {@link BatcherSettings#isolation()} says, so that only they fail, each with the exception its
 * own call threw. {@link java.lang.VirtualMachineError}s (out of memory, stack overflow) are
 * not retried: they fail the whole batch.
 *
 * <p><b>Threads.</b> {@link BatcherSettings#workers()} daemon threads run batches, one batch at
 * a time each. Futures are completed on those threads, so callbacks attached with
 * {@code thenApply}/{@code whenComplete} run there too: keep them short, or use the
 * {@code ...Async} variants. A worker thread never blocks on its own batcher's full queue (its
 * submits behave like {@link #trySubmit}).
 *
 * <p><b>Closing.</b> {@link #close()} refuses new items, lets the workers run everything already
 * queued (without waiting for {@code maxWait}), and joins them within the close timeout; past
 * it, whatever has not finished fails with {@link BatcherClosedException}. No future is left
 * pending after close returns, unless close was called from a worker thread.
 *
 * @param <I> input type
 * @param <O> output type
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    private final BatcherSettings settings;
    private final BatchOutcomeFunction<I, O> function;
    private final BatcherObserver observer;
    private final int maxBatchSize;
    private final long maxWaitNanos;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when work may have become ready (an item arrived, a batch filled, close). */
    private final Condition workAvailable = lock.newCondition();
    /** Signalled when items leave the queue, and on close. */
    private final Condition spaceAvailable = lock.newCondition();
    /** Items submitted one by one, oldest first, at most queueCapacity. Guarded by lock. */
    private final ArrayDeque<Task<I, O>> queue = new ArrayDeque<>();
    /** Ready-made batches from computeAll, oldest first. Guarded by lock. */
    private final ArrayDeque<List<Task<I, O>>> chunks = new ArrayDeque<>();
    /** Guarded by lock. */
    private boolean closed;
    /** Set when close gave up waiting: workers stop and nothing is retried. */
    private volatile boolean aborted;
    private final List<Worker> workers;

    private DynamicBatcher(BatcherSettings settings, BatchOutcomeFunction<I, O> function, BatcherObserver observer) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.function = Objects.requireNonNull(function, "function");
        this.observer = Objects.requireNonNull(observer, "observer");
        this.maxBatchSize = settings.maxBatchSize();
        this.maxWaitNanos = settings.maxWait().toNanos();
        List<Worker> threads = new ArrayList<>(settings.workers());
        for (int i = 0; i < settings.workers(); i++) {
            threads.add(new Worker(this, settings.name() + "-batcher-" + i));
        }
        this.workers = List.copyOf(threads);
    }

    /** A started batcher over a function that returns one output per input. */
    public static <I, O> DynamicBatcher<I, O> create(BatcherSettings settings, BatchFunction<I, O> function) {
        return create(settings, function, BatcherObserver.NONE);
    }

    /** A started batcher over a function that returns one output per input, reporting to an observer. */
    public static <I, O> DynamicBatcher<I, O> create(BatcherSettings settings, BatchFunction<I, O> function,
            BatcherObserver observer) {
        Objects.requireNonNull(function, "function");
        return createWithOutcomes(settings, function.asOutcomeFunction(), observer);
    }

    /** A started batcher over a function that reports each item's success or failure itself. */
    public static <I, O> DynamicBatcher<I, O> createWithOutcomes(BatcherSettings settings,
            BatchOutcomeFunction<I, O> function, BatcherObserver observer) {
        DynamicBatcher<I, O> batcher = new DynamicBatcher<>(settings, function, observer);
        batcher.workers.forEach(Thread::start);
        return batcher;
    }

    public BatcherSettings settings() {
        return settings;
    }

    /**
     * Queues one item and returns its future at once, unless the queue is full: then it blocks
     * for up to the offer timeout, and fails the future with {@link BatcherOverloadedException}
     * if no space came. Never throws for overload or close: every refusal is a failed future
     * ({@link BatcherClosedException} once closed; the {@link InterruptedException} if the
     * caller was interrupted while blocked, with its interrupt flag set again).
     *
     * @throws NullPointerException if {@code input} is null
     */
    public CompletableFuture<O> submit(I input) {
        return offer(input, System.nanoTime(), settings.offerTimeout().toNanos());
    }

    /** {@link #submit(Object)} with its own offer timeout instead of the settings'. */
    public CompletableFuture<O> submit(I input, Duration offerTimeout) {
        Objects.requireNonNull(offerTimeout, "offerTimeout");
        if (offerTimeout.isNegative()) {
            throw new IllegalArgumentException("offerTimeout must not be negative, was " + offerTimeout);
        }
        return offer(input, System.nanoTime(), offerTimeout.toNanos());
    }

    /** Queues one item without ever blocking: a full queue fails the future at once. */
    public CompletableFuture<O> trySubmit(I input) {
        return offer(input, System.nanoTime(), 0);
    }

    /**
     * Submits several items, in order, sharing one offer timeout: once it has run out on a full
     * queue, the remaining items are refused without further waiting. One future per input.
     */
    public List<CompletableFuture<O>> submitAll(Collection<? extends I> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        long start = System.nanoTime();
        long timeout = settings.offerTimeout().toNanos();
        List<CompletableFuture<O>> futures = new ArrayList<>(inputs.size());
        for (I input : inputs) {
            futures.add(offer(input, start, timeout));
        }
        return futures;
    }

    /**
     * Computes a whole list now, in chunks of at most the maximum batch size that skip the wait
     * for more items. The chunks run on the batcher's workers (so the function is never called
     * by more threads than {@link BatcherSettings#workers()}), at most one chunk per worker at a
     * time, taking turns with queued batches oldest first. Not subject to the queue capacity:
     * the caller already holds the list, and blocks until it is done.
     *
     * @return one output per input, in input order
     * @throws BatchFailedException if any item failed (it carries every item's outcome)
     * @throws BatcherClosedException if the batcher is closed before every chunk was queued
     * @throws InterruptedException if interrupted while waiting (unstarted items are cancelled)
     */
    public List<O> computeAll(List<? extends I> inputs) throws InterruptedException {
        List<Outcome<O>> outcomes = computeAllOutcomes(inputs);
        List<Integer> failed = new ArrayList<>();
        List<O> outputs = new ArrayList<>(outcomes.size());
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) instanceof Outcome.Success<O> success) {
                outputs.add(success.value());
            } else {
                failed.add(i);
            }
        }
        if (!failed.isEmpty()) {
            throw new BatchFailedException(settings.name(), outcomes, failed);
        }
        return Collections.unmodifiableList(outputs);
    }

    /** Like {@link #computeAll(List)}, but returns each item's outcome instead of throwing. */
    public List<Outcome<O>> computeAllOutcomes(List<? extends I> inputs) throws InterruptedException {
        Objects.requireNonNull(inputs, "inputs");
        inputs.forEach(input -> Objects.requireNonNull(input, "inputs must not contain null"));
        if (isOwnWorker()) {
            throw new IllegalStateException("computeAll on batcher '" + settings.name()
                    + "' from its own worker thread would wait for itself");
        }
        int n = inputs.size();
        List<List<Task<I, O>>> submitted = new ArrayList<>();
        try {
            int next = 0;
            int awaited = 0;
            while (next < n || awaited < submitted.size()) {
                while (next < n && submitted.size() - awaited < settings.workers()) {
                    int end = Math.min(n, next + maxBatchSize);
                    submitted.add(enqueueChunk(inputs.subList(next, end)));
                    next = end;
                }
                for (Task<I, O> task : submitted.get(awaited)) {
                    awaitDone(task.future);
                }
                awaited++;
            }
        } catch (InterruptedException | RuntimeException e) {
            submitted.forEach(chunk -> chunk.forEach(task -> task.future.cancel(false)));
            throw e;
        }
        List<Outcome<O>> outcomes = new ArrayList<>(n);
        submitted.forEach(chunk -> chunk.forEach(task -> outcomes.add(Outcome.of(task.future))));
        return Collections.unmodifiableList(outcomes);
    }

    /** Items waiting in the submit queue now (ready-made {@code computeAll} chunks not counted). */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Whether every worker thread has ended. */
    public boolean isTerminated() {
        return workers.stream().noneMatch(Thread::isAlive);
    }

    /**
     * Refuses new items, lets the workers finish everything queued (at once, without waiting
     * for {@code maxWait}) and joins them within the close timeout. Past the timeout, or if the
     * calling thread is interrupted, every item not yet finished fails with
     * {@link BatcherClosedException} and the workers are interrupted. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            workAvailable.signalAll();
            spaceAvailable.signalAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
        boolean interrupted = false;
        for (Worker worker : workers) {
            if (worker == Thread.currentThread()) {
                continue;
            }
            try {
                TimeUnit.NANOSECONDS.timedJoin(worker, Math.max(1, deadline - System.nanoTime()));
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        boolean stuck = workers.stream().anyMatch(w -> w != Thread.currentThread() && w.isAlive());
        if (stuck) {
            abort(interrupted ? "was closed by an interrupted thread"
                    : "did not finish within its close timeout of " + settings.closeTimeout().toMillis() + " ms");
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "DynamicBatcher[" + settings.name() + ", maxBatchSize=" + maxBatchSize + ", maxWait="
                + settings.maxWait().toMillis() + "ms, workers=" + workers.size() + "]";
    }

    // ---- submitting ----

    private CompletableFuture<O> offer(I input, long startNanos, long timeoutNanos) {
        Objects.requireNonNull(input, "input");
        CompletableFuture<O> future = new CompletableFuture<>();
        long timeout = isOwnWorker() ? 0 : timeoutNanos;
        Rejection rejection = null;
        lock.lock();
        try {
            while (!closed && queue.size() >= settings.queueCapacity()) {
                long remaining = timeout - (System.nanoTime() - startNanos);
                if (remaining <= 0) {
                    break;
                }
                spaceAvailable.awaitNanos(remaining);
            }
            if (closed) {
                rejection = Rejection.CLOSED;
            } else if (queue.size() >= settings.queueCapacity()) {
                rejection = Rejection.OVERLOADED;
            } else {
                queue.addLast(new Task<>(input, future, System.nanoTime()));
                int depth = queue.size();
                if (depth == 1 || depth >= maxBatchSize) {
                    workAvailable.signal();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(e);
            return future;
        } finally {
            lock.unlock();
        }
        if (rejection != null) {
            notifyRejected(rejection);
            future.completeExceptionally(rejection == Rejection.CLOSED
                    ? new BatcherClosedException("batcher '" + settings.name() + "' is closed; the item was not queued")
                    : new BatcherOverloadedException(settings.name(), settings.queueCapacity(),
                            Duration.ofNanos(timeout)));
        }
        return future;
    }

    private List<Task<I, O>> enqueueChunk(List<? extends I> inputs) {
        lock.lock();
        try {
            if (!closed) {
                long now = System.nanoTime();
                List<Task<I, O>> chunk = new ArrayList<>(inputs.size());
                for (I input : inputs) {
                    chunk.add(new Task<>(input, new CompletableFuture<>(), now));
                }
                chunks.addLast(chunk);
                workAvailable.signal();
                return chunk;
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < inputs.size(); i++) {
            notifyRejected(Rejection.CLOSED);
        }
        throw new BatcherClosedException("batcher '" + settings.name() + "' is closed; computeAll was cut short");
    }

    private static void awaitDone(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get();
        } catch (ExecutionException | CancellationException e) {
            // The outcome is read from the future afterwards.
        }
    }

    private boolean isOwnWorker() {
        return Thread.currentThread() instanceof Worker worker && worker.owner == this;
    }

    // ---- working ----

    private void workLoop(Worker self) {
        while (true) {
            Taken<I, O> taken;
            try {
                taken = nextBatch(self);
            } catch (InterruptedException e) {
                if (aborted) {
                    return;
                }
                LOG.warn("Worker {} was interrupted while idle; it keeps working", self.getName());
                continue;
            }
            if (taken == null) {
                return;
            }
            try {
                runBatch(taken);
            } catch (Throwable unexpected) {
                LOG.error("Batcher '{}' failed a batch of {} on an internal error", settings.name(),
                        taken.tasks().size(), unexpected);
                taken.tasks().forEach(task -> task.future.completeExceptionally(unexpected));
            } finally {
                self.running = null;
            }
        }
    }

    /**
     * Waits for the next batch to be due and marks it as the worker's running batch before the
     * lock is released (so an abort always finds it); null once closed and drained, or aborted.
     */
    private Taken<I, O> nextBatch(Worker self) throws InterruptedException {
        lock.lock();
        try {
            while (!aborted) {
                Task<I, O> head = queue.peekFirst();
                List<Task<I, O>> chunk = chunks.peekFirst();
                long waited = head == null ? 0 : System.nanoTime() - head.enqueuedNanos;
                boolean queueDue = head != null
                        && (closed || queue.size() >= maxBatchSize || waited >= maxWaitNanos);
                // Both due: the older goes first, so neither kind can starve the other.
                if (chunk != null && !(queueDue && head.enqueuedNanos - chunk.get(0).enqueuedNanos < 0)) {
                    chunks.pollFirst();
                    wakeAnotherWorkerIfWorkLeft();
                    self.running = chunk;
                    return new Taken<>(chunk, queue.size());
                }
                if (queueDue) {
                    int size = Math.min(queue.size(), maxBatchSize);
                    List<Task<I, O>> batch = new ArrayList<>(size);
                    for (int i = 0; i < size; i++) {
                        batch.add(queue.pollFirst());
                        spaceAvailable.signal();
                    }
                    wakeAnotherWorkerIfWorkLeft();
                    self.running = batch;
                    return new Taken<>(batch, queue.size());
                }
                if (head == null) {
                    if (closed) {
                        return null;
                    }
                    workAvailable.await();
                } else {
                    workAvailable.awaitNanos(maxWaitNanos - waited);
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private void wakeAnotherWorkerIfWorkLeft() {
        if (!queue.isEmpty() || !chunks.isEmpty()) {
            workAvailable.signal();
        }
    }

    private void runBatch(Taken<I, O> taken) {
        List<Task<I, O>> tasks = new ArrayList<>(taken.tasks().size());
        for (Task<I, O> task : taken.tasks()) {
            if (!task.future.isDone()) { // cancelled by its caller: skip it
                tasks.add(task);
            }
        }
        int size = tasks.size();
        if (size == 0) {
            return;
        }
        long start = System.nanoTime();
        notifyBatchStarted(size, taken.queueDepth(), tasks, start);
        List<I> inputs = new ArrayList<>(size);
        for (Task<I, O> task : tasks) {
            inputs.add(task.input);
        }
        int[] calls = {0};
        List<Outcome<O>> outcomes;
        try {
            outcomes = compute(Collections.unmodifiableList(inputs), calls);
        } catch (VirtualMachineError fatal) {
            LOG.error("Batcher '{}' failed a whole batch of {} on {}", settings.name(), size, fatal.toString());
            outcomes = failures(size, fatal);
        }
        long computeNanos = System.nanoTime() - start;
        int failed = 0;
        for (Outcome<O> outcome : outcomes) {
            if (!outcome.isSuccess()) {
                failed++;
            }
        }
        notifyBatchCompleted(size, computeNanos, failed, calls[0]);
        for (int i = 0; i < size; i++) {
            CompletableFuture<O> future = tasks.get(i).future;
            if (outcomes.get(i) instanceof Outcome.Success<O> success) {
                future.complete(success.value());
            } else {
                future.completeExceptionally(((Outcome.Failure<O>) outcomes.get(i)).error());
            }
        }
    }

    /** Calls the function; on failure, isolates the bad items as the settings say. */
    private List<Outcome<O>> compute(List<I> inputs, int[] calls) {
        calls[0]++;
        Throwable error;
        try {
            return checked(function.apply(inputs), inputs.size());
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable e) {
            error = e;
        }
        if (error instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return failures(inputs.size(), error);
        }
        int n = inputs.size();
        if (n == 1 || aborted || settings.isolation() == ErrorIsolation.NONE) {
            return failures(n, error);
        }
        List<Outcome<O>> outcomes = new ArrayList<>(n);
        if (settings.isolation() == ErrorIsolation.BISECT) {
            int half = n / 2;
            outcomes.addAll(compute(inputs.subList(0, half), calls));
            outcomes.addAll(compute(inputs.subList(half, n), calls));
        } else {
            for (int i = 0; i < n; i++) {
                outcomes.addAll(compute(inputs.subList(i, i + 1), calls));
            }
        }
        return outcomes;
    }

    private List<Outcome<O>> checked(List<Outcome<O>> outcomes, int inputs) {
        if (outcomes == null || outcomes.size() != inputs) {
            throw new IllegalStateException("batch function of batcher '" + settings.name() + "' returned "
                    + (outcomes == null ? "null" : outcomes.size() + " results") + " for " + inputs + " inputs");
        }
        List<Outcome<O>> copy = new ArrayList<>(outcomes);
        for (int i = 0; i < copy.size(); i++) {
            if (copy.get(i) == null) {
                copy.set(i, Outcome.failure(new IllegalStateException("batch function of batcher '"
                        + settings.name() + "' returned a null outcome at index " + i)));
            }
        }
        return copy;
    }

    private static <O> List<Outcome<O>> failures(int n, Throwable error) {
        return Collections.nCopies(n, Outcome.failure(error));
    }

    private void abort(String reason) {
        List<Task<I, O>> queued = new ArrayList<>();
        lock.lock();
        try {
            aborted = true;
            queued.addAll(queue);
            queue.clear();
            chunks.forEach(queued::addAll);
            chunks.clear();
            workAvailable.signalAll();
            spaceAvailable.signalAll();
        } finally {
            lock.unlock();
        }
        String prefix = "batcher '" + settings.name() + "' " + reason;
        LOG.warn("Batcher '{}' {}; failing {} queued items and interrupting its workers", settings.name(), reason,
                queued.size());
        for (Task<I, O> task : queued) {
            task.future.completeExceptionally(new BatcherClosedException(prefix + "; the item was queued and never ran"));
        }
        for (Worker worker : workers) {
            List<? extends Task<?, ?>> running = worker.running;
            if (running != null && worker != Thread.currentThread()) {
                for (Task<?, ?> task : running) {
                    task.future.completeExceptionally(
                            new BatcherClosedException(prefix + "; the item's batch was still running"));
                }
            }
            worker.interrupt();
        }
    }

    // ---- observer calls: an observer that throws must not break the batcher ----

    private void notifyBatchStarted(int size, int queueDepth, List<Task<I, O>> tasks, long start) {
        try {
            observer.onBatchStarted(size, queueDepth);
            for (Task<I, O> task : tasks) {
                observer.onQueueWait(start - task.enqueuedNanos);
            }
        } catch (RuntimeException e) {
            LOG.warn("Observer of batcher '{}' failed", settings.name(), e);
        }
    }

    private void notifyBatchCompleted(int size, long computeNanos, int failed, int calls) {
        try {
            observer.onBatchCompleted(size, computeNanos, failed, calls);
        } catch (RuntimeException e) {
            LOG.warn("Observer of batcher '{}' failed", settings.name(), e);
        }
    }

    private void notifyRejected(Rejection reason) {
        try {
            observer.onRejected(reason);
        } catch (RuntimeException e) {
            LOG.warn("Observer of batcher '{}' failed", settings.name(), e);
        }
    }

    // ---- types ----

    private static final class Task<I, O> {
        final I input;
        final CompletableFuture<O> future;
        final long enqueuedNanos;

        Task(I input, CompletableFuture<O> future, long enqueuedNanos) {
            this.input = input;
            this.future = future;
            this.enqueuedNanos = enqueuedNanos;
        }
    }

    private record Taken<I, O>(List<Task<I, O>> tasks, int queueDepth) {
    }

    private static final class Worker extends Thread {
        final DynamicBatcher<?, ?> owner;
        volatile List<? extends Task<?, ?>> running;

        Worker(DynamicBatcher<?, ?> owner, String name) {
            super(name);
            this.owner = owner;
            setDaemon(true);
        }

        @Override
        public void run() {
            owner.workLoop(this);
        }
    }
}
