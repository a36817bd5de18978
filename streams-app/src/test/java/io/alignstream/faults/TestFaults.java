package io.alignstream.faults;

import java.time.Duration;

/** Fault policies for tests: short retry budgets, so a test that gives up does so in a second or two. */
public final class TestFaults {
    /** Long enough for a few backoffs (50, 100, 200, 400 ms...), short enough for a unit test. */
    public static final Duration TEST_RETRY_BUDGET = Duration.ofSeconds(2);

    private TestFaults() {
    }

    /** The test retry budget and a memory budget of a quarter of the heap, as the service derives it. */
    public static ServiceFaults defaults() {
        return of(TEST_RETRY_BUDGET, 0);
    }

    public static ServiceFaults of(Duration retryBudget, long memoryBytes) {
        return new ServiceFaults(new RetryBudget(retryBudget), ImageMemoryBudget.of(memoryBytes));
    }
}
