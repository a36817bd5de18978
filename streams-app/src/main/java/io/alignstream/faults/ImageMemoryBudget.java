package io.alignstream.faults;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bytes of fetched and decoded images one instance may hold at once, shared by all its stream
 * threads and fetch threads (one object per instance: {@link ServiceFaults}). A fetch reserves the
 * body's size before it reads it, a decode the decoded pixels' size before it decodes; when the
 * budget is taken they wait for others to release, up to a deadline, instead of failing with
 * {@link OutOfMemoryError}. Thread-safe.
 *
 * <p>Fetched (encoded) bytes may take at most half the budget, and one reservation may be at most
 * half of it. That keeps it free of deadlock: an image holds its fetched bytes while it waits for
 * room to decode, but fetched bytes never fill more than half, and decodes only wait for other
 * decodes, which finish; so a decode of at most half the budget always gets its room. An input
 * that alone needs more than half the budget is refused ({@link TooLarge}, the input's fault); a
 * wait that outlasts its deadline is the service's ({@link ServiceFaultException}).
 */
public final class ImageMemoryBudget {

    /** Share of the JVM's max heap the budget takes when none is configured. */
    public static final int HEAP_FRACTION_DIVISOR = 4;

    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition released = lock.newCondition();
    private long inUse;
    private long fetchedInUse;
    private long peak;

    /** What the bytes hold: fetched images are limited to half the budget together. */
    public enum Use { FETCHED, DECODED }

    public ImageMemoryBudget(long capacityBytes) {
        if (capacityBytes < 1) {
            throw new IllegalArgumentException("the image memory budget must be at least 1 byte, got " + capacityBytes);
        }
        this.capacity = capacityBytes;
    }

    /** {@code configured} bytes, or a quarter of the max heap when it is 0 (not configured). */
    public static ImageMemoryBudget of(long configured) {
        return new ImageMemoryBudget(configured > 0 ? configured : Runtime.getRuntime().maxMemory() / HEAP_FRACTION_DIVISOR);
    }

    public long capacity() {
        return capacity;
    }

    /** The most one reservation may take, and the most all fetched bytes together may take: half the budget. */
    public long largestReservation() {
        return capacity / 2;
    }

    /** Bytes reserved now. */
    public long inUse() {
        lock.lock();
        try {
            return inUse;
        } finally {
            lock.unlock();
        }
    }

    /** The most bytes ever reserved at once. */
    public long peak() {
        lock.lock();
        try {
            return peak;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reserves {@code bytes} for {@code use}, waiting until they are free or {@code deadlineNanos} ({@link System#nanoTime()}).
     * Close the reservation on every path (try-with-resources).
     *
     * @param what what the bytes are for, for messages
     * @throws TooLarge when {@code bytes} is over half the budget: the input's own fault
     * @throws ServiceFaultException when the deadline passes first
     */
    public Reservation reserve(Use use, long bytes, long deadlineNanos, String what) throws TooLarge {
        if (bytes > largestReservation()) {
            throw new TooLarge(what + " needs " + bytes + " bytes of image memory (" + use.name().toLowerCase(java.util.Locale.ROOT)
                    + "), more than one image may hold: half of this instance's budget of " + capacity
                    + " bytes (alignstream.fetch.memory.budget.bytes)");
        }
        long wanted = Math.max(0, bytes);
        long start = System.nanoTime();
        lock.lock();
        try {
            while (inUse + wanted > capacity || (use == Use.FETCHED && fetchedInUse + wanted > largestReservation())) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    throw new ServiceFaultException("waiting for " + wanted + " bytes of image memory for " + what
                            + " (" + inUse + " of " + capacity + " bytes in use)", 1,
                            Duration.ofNanos(System.nanoTime() - start), null);
                }
                try {
                    released.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ServiceFaultException("interrupted while waiting for image memory for " + what, 1,
                            Duration.ofNanos(System.nanoTime() - start), e);
                }
            }
            inUse += wanted;
            if (use == Use.FETCHED) {
                fetchedInUse += wanted;
            }
            peak = Math.max(peak, inUse);
            return new Reservation(use, wanted);
        } finally {
            lock.unlock();
        }
    }

    private void release(Use use, long bytes) {
        if (bytes == 0) {
            return;
        }
        lock.lock();
        try {
            inUse -= bytes;
            if (use == Use.FETCHED) {
                fetchedInUse -= bytes;
            }
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes held until {@link #close()}; {@link #settle(long)} gives back what was not needed. */
    public final class Reservation implements AutoCloseable {
        private final Use use;
        private long held;

        private Reservation(Use use, long held) {
            this.use = use;
            this.held = held;
        }

        public long held() {
            return held;
        }

        /** Keeps only {@code actual} bytes (when less than reserved) and releases the rest at once. */
        public void settle(long actual) {
            long keep = Math.max(0, Math.min(held, actual));
            long back = held - keep;
            held = keep;
            release(use, back);
        }

        @Override
        public void close() {
            long back = held;
            held = 0;
            release(use, back);
        }
    }

    /** An input that alone needs more than half the image memory budget. */
    public static final class TooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }
}
