package io.alignstream.faults;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * How long a fault that is not the input's is retried before it is thrown as a
 * {@link ServiceFaultException}: exponential backoff from {@link #FIRST_BACKOFF} doubling up to
 * {@link #MAX_BACKOFF}, with full jitter (a random pause between zero and the backoff, so tasks that
 * failed together do not retry together), all inside {@link #budget()}. The service's budget comes
 * from {@code alignstream.fault.retry.budget.ms} (docs/dead-letters.md gives the arithmetic).
 *
 * @param budget how long the faults of one batch may be retried, from the batch's start (its fetches,
 *               memory waits and model probes share it); zero retries nothing
 */
public record RetryBudget(Duration budget) {

    public static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

    public RetryBudget {
        Objects.requireNonNull(budget, "budget");
        if (budget.isNegative()) {
            throw new IllegalArgumentException("the retry budget cannot be negative, got " + budget);
        }
    }

    /** A new run of retries with a budget of its own, started now (the first try counted): a batch's deadline. */
    public Attempts start() {
        long now = System.nanoTime();
        return new Attempts(now, now + budget.toNanos());
    }

    /** A run of retries that shares a deadline started earlier (all the fetches of one batch). */
    public Attempts startUntil(long deadlineNanos) {
        return new Attempts(System.nanoTime(), deadlineNanos);
    }

    /** One fault's retries: counts tries, pauses between them and says when the budget is spent. */
    public static final class Attempts {
        private final long start;
        private final long deadline;
        private int tries = 1;
        private long backoffNanos = FIRST_BACKOFF.toNanos();

        private Attempts(long start, long deadline) {
            this.start = start;
            this.deadline = deadline;
        }

        /** The deadline of the budget, in {@link System#nanoTime()} terms (for waits inside a try). */
        public long deadlineNanos() {
            return deadline;
        }

        public Duration remaining() {
            return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        }

        /**
         * Pauses before the next try and counts it; false, without pausing, when the pause would end
         * past the budget (then the caller gives up). An interrupt throws {@link ServiceFaultException}.
         *
         * @param hint a pause the other side asked for (HTTP Retry-After), or null: the pause is at
         *             least this long
         */
        public boolean pause(Duration hint) {
            long jittered = ThreadLocalRandom.current().nextLong(backoffNanos + 1);
            long pause = hint == null ? jittered : Math.max(jittered, hint.toNanos());
            if (System.nanoTime() + pause >= deadline) {
                return false;
            }
            backoffNanos = Math.min(MAX_BACKOFF.toNanos(), backoffNanos * 2);
            try {
                TimeUnit.NANOSECONDS.sleep(pause);
            } catch (InterruptedException e) {
                // Shutting down: no input's fault, so never a reason to dead-letter one.
                Thread.currentThread().interrupt();
                throw giveUp("interrupted while waiting to retry", e);
            }
            tries++;
            return true;
        }

        public int tries() {
            return tries;
        }

        public Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - start);
        }

        /** The exception to throw when giving up on {@code what}, with the last failure as cause. */
        public ServiceFaultException giveUp(String what, Throwable last) {
            return new ServiceFaultException(what, tries, elapsed(), last);
        }
    }
}
