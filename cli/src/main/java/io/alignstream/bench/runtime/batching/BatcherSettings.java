package io.alignstream.bench.runtime.batching;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a {@link DynamicBatcher} groups and bounds its work. Validated on construction: a bad
 * value fails here, naming the setting, never later in a worker thread.
 *
 * <p>Start from {@link #defaults(String)} and change what you need with the {@code with...}
 * methods.
 *
 * @param name           names the worker threads ({@code <name>-batcher-<n>}) and the batcher in
 *                       errors and metrics; letters, digits, '.', '_' or '-', at most 64
 * @param maxBatchSize   a batch runs as soon as this many items wait
 * @param maxWait        ... or once the oldest waiting item has waited this long; zero runs
 *                       whatever is waiting as soon as a worker is free
 * @param queueCapacity  at most this many items wait; a full queue pushes back on submitters.
 *                       At least {@code maxBatchSize}, or full batches could never form
 * @param offerTimeout   how long {@link DynamicBatcher#submit} blocks for space in a full queue
 *                       before it fails the item with {@link BatcherOverloadedException}
 * @param workers        threads calling the batch function, each running one batch at a time;
 *                       1 (the default) suits one model session per device
 * @param isolation      what to do when the batch function throws for a whole batch
 * @param closeTimeout   how long {@link DynamicBatcher#close()} lets workers finish what is
 *                       queued before it fails the rest
 */
public record BatcherSettings(
        String name,
        int maxBatchSize,
        Duration maxWait,
        int queueCapacity,
        Duration offerTimeout,
        int workers,
        ErrorIsolation isolation,
        Duration closeTimeout) {

    public static final int DEFAULT_MAX_BATCH_SIZE = 32;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(5);
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;
    public static final Duration DEFAULT_OFFER_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_WORKERS = 1;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Upper bounds that catch unit mistakes (a size in bytes, a wait in nanoseconds). */
    static final int MAX_BATCH_SIZE_LIMIT = 1 << 16;
    static final int QUEUE_CAPACITY_LIMIT = 1 << 24;
    static final int WORKERS_LIMIT = 256;
    static final Duration MAX_WAIT_LIMIT = Duration.ofMinutes(1);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public BatcherSettings {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be 1 to 64 letters, digits, '.', '_' or '-', was '"
                    + name + "'");
        }
        if (maxBatchSize < 1 || maxBatchSize > MAX_BATCH_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxBatchSize must be between 1 and " + MAX_BATCH_SIZE_LIMIT
                    + ", was " + maxBatchSize);
        }
        requireBetween("maxWait", maxWait, MAX_WAIT_LIMIT);
        if (queueCapacity < maxBatchSize || queueCapacity > QUEUE_CAPACITY_LIMIT) {
            throw new IllegalArgumentException("queueCapacity must be between maxBatchSize (" + maxBatchSize
                    + ") and " + QUEUE_CAPACITY_LIMIT + ", was " + queueCapacity);
        }
        requireBetween("offerTimeout", offerTimeout, Duration.ofDays(1));
        if (workers < 1 || workers > WORKERS_LIMIT) {
            throw new IllegalArgumentException("workers must be between 1 and " + WORKERS_LIMIT
                    + ", was " + workers);
        }
        Objects.requireNonNull(isolation, "isolation");
        requireBetween("closeTimeout", closeTimeout, Duration.ofDays(1));
    }

    /** Batches of up to 32, 5 ms wait, 1024 queued, 1 s offer timeout, 1 worker, bisection, 30 s close. */
    public static BatcherSettings defaults(String name) {
        return new BatcherSettings(name, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_WAIT, DEFAULT_QUEUE_CAPACITY,
                DEFAULT_OFFER_TIMEOUT, DEFAULT_WORKERS, ErrorIsolation.BISECT, DEFAULT_CLOSE_TIMEOUT);
    }

    public BatcherSettings withName(String value) {
        return new BatcherSettings(value, maxBatchSize, maxWait, queueCapacity, offerTimeout, workers,
                isolation, closeTimeout);
    }

    /** Also raises the queue capacity to the new size if it was smaller. */
    public BatcherSettings withMaxBatchSize(int value) {
        return new BatcherSettings(name, value, maxWait, Math.max(queueCapacity, value), offerTimeout,
                workers, isolation, closeTimeout);
    }

    public BatcherSettings withMaxWait(Duration value) {
        return new BatcherSettings(name, maxBatchSize, value, queueCapacity, offerTimeout, workers,
                isolation, closeTimeout);
    }

    public BatcherSettings withQueueCapacity(int value) {
        return new BatcherSettings(name, maxBatchSize, maxWait, value, offerTimeout, workers,
                isolation, closeTimeout);
    }

    public BatcherSettings withOfferTimeout(Duration value) {
        return new BatcherSettings(name, maxBatchSize, maxWait, queueCapacity, value, workers,
                isolation, closeTimeout);
    }

    public BatcherSettings withWorkers(int value) {
        return new BatcherSettings(name, maxBatchSize, maxWait, queueCapacity, offerTimeout, value,
                isolation, closeTimeout);
    }

    public BatcherSettings withIsolation(ErrorIsolation value) {
        return new BatcherSettings(name, maxBatchSize, maxWait, queueCapacity, offerTimeout, workers,
                value, closeTimeout);
    }

    public BatcherSettings withCloseTimeout(Duration value) {
        return new BatcherSettings(name, maxBatchSize, maxWait, queueCapacity, offerTimeout, workers,
                isolation, value);
    }

    private static void requireBetween(String setting, Duration value, Duration limit) {
        Objects.requireNonNull(value, setting);
        if (value.isNegative() || value.compareTo(limit) > 0) {
            throw new IllegalArgumentException(setting + " must be between 0 and " + limit + ", was " + value);
        }
    }
}
