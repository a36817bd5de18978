package io.alignstream.clients.produce;

/**
 * Spaces events evenly at a given rate: the n-th permit is granted no earlier than n / rate
 * seconds after the first. A rate of 0 or less means no limit.
 */
final class RateLimiter {
    private final double eventsPerSecond;
    private long started = -1;
    private long granted;

    RateLimiter(double eventsPerSecond) {
        this.eventsPerSecond = eventsPerSecond;
    }

    /** Waits until {@code events} more events may go. */
    void acquire(int events) throws InterruptedException {
        if (eventsPerSecond <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (started < 0) {
            started = now;
        }
        long due = started + (long) (granted / eventsPerSecond * 1e9);
        granted += events;
        long wait = due - now;
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
