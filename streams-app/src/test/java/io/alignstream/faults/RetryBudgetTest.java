package io.alignstream.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The retry budget: pauses with growing, jittered backoff between tries, honours a server's
 * Retry-After but never past the budget, and gives up (false from {@code pause}) once the next
 * pause would end past it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RetryBudgetTest {

    /** How late a sleep may wake on a busy two-core build machine without failing a test. */
    private static final Duration SCHEDULING_SLACK = Duration.ofMillis(100);

    @Test
    void givenABudget_whenTheFaultPersists_thenItGivesUpWithinTheBudgetAfterSeveralTries() {
        // given a budget long enough for a few backoffs from FIRST_BACKOFF (50, 100, 200 ms...)
        RetryBudget budget = new RetryBudget(Duration.ofMillis(500));
        RetryBudget.Attempts attempts = budget.start();

        // when every try fails and the caller pauses until the budget says stop
        while (attempts.pause(null)) {
            // the fault persists
        }

        // then it stopped inside the budget (a pause that would end past it is not taken), after more than one try
        assertThat(attempts.elapsed()).isLessThanOrEqualTo(budget.budget().plus(SCHEDULING_SLACK));
        assertThat(attempts.tries()).isGreaterThan(1);
        // and giving up names the tries and keeps the last failure
        IllegalStateException last = new IllegalStateException("model down");
        ServiceFaultException thrown = attempts.giveUp("the vision model", last);
        assertThat(thrown.tries()).isEqualTo(attempts.tries());
        assertThat(thrown.getCause()).isSameAs(last);
        assertThat(thrown.getMessage()).contains("the vision model", attempts.tries() + " tries",
                "resumes from its last commit");
    }

    @Test
    void givenAZeroBudget_whenAFaultOccurs_thenNothingIsRetried() {
        // given a budget of zero
        RetryBudget.Attempts attempts = new RetryBudget(Duration.ZERO).start();

        // when the first try fails, then no pause is taken and the only try is the first
        assertThat(attempts.pause(null)).isFalse();
        assertThat(attempts.tries()).isEqualTo(1);
    }

    @Test
    void givenARetryAfterInsideTheBudget_whenPausing_thenItWaitsAtLeastThatLong() {
        // given a server that asks for a pause well over the first backoff, inside the budget
        Duration retryAfter = RetryBudget.FIRST_BACKOFF.multipliedBy(6);
        RetryBudget.Attempts attempts = new RetryBudget(retryAfter.multipliedBy(4)).start();

        // when pausing with that hint
        long start = System.nanoTime();
        boolean retry = attempts.pause(retryAfter);
        Duration paused = Duration.ofNanos(System.nanoTime() - start);

        // then it retries, and only after the pause the server asked for
        assertThat(retry).isTrue();
        assertThat(paused).isGreaterThanOrEqualTo(retryAfter);
        assertThat(attempts.tries()).isEqualTo(2);
    }

    @Test
    void givenARetryAfterLongerThanTheBudget_whenPausing_thenItGivesUpAtOnceInsteadOfWaiting() {
        // given a server asking for a pause twice as long as the whole budget
        Duration budget = Duration.ofMillis(300);
        Duration retryAfter = budget.multipliedBy(2);
        RetryBudget.Attempts attempts = new RetryBudget(budget).start();

        // when pausing with that hint
        long start = System.nanoTime();
        boolean retry = attempts.pause(retryAfter);
        Duration paused = Duration.ofNanos(System.nanoTime() - start);

        // then it gives up without sleeping: the budget caps Retry-After
        assertThat(retry).isFalse();
        assertThat(paused).isLessThan(budget);
        assertThat(attempts.tries()).isEqualTo(1);
    }

    @Test
    void givenRepeatedFaults_whenPausing_thenTheBackoffGrowsFromTheFirstBackoff() {
        // Full jitter: the n-th pause is random in [0, FIRST_BACKOFF * 2^(n-1)], capped at MAX_BACKOFF.
        // The first pause is at most FIRST_BACKOFF; the fifth may be up to 16 times that (800 ms), and is
        // over THRESHOLD with probability 1 - 150/800 (about 0.81) each run; ten runs all under it would
        // happen about once in 10^7 if the backoff grows, and nearly always if it did not.
        Duration threshold = RetryBudget.FIRST_BACKOFF.plus(SCHEDULING_SLACK);
        int runs = 10;
        int pausesPerRun = 5;
        boolean sawLongLaterPause = false;
        for (int run = 0; run < runs && !sawLongLaterPause; run++) {
            // given a fresh fault with a budget far longer than five backoffs
            RetryBudget.Attempts attempts = new RetryBudget(Duration.ofSeconds(20)).start();
            for (int pause = 1; pause <= pausesPerRun; pause++) {
                // when it pauses again
                long start = System.nanoTime();
                assertThat(attempts.pause(null)).isTrue();
                Duration paused = Duration.ofNanos(System.nanoTime() - start);
                // then the first pause never exceeds the first backoff (plus scheduling)
                if (pause == 1) {
                    assertThat(paused).as("first pause").isLessThanOrEqualTo(threshold);
                }
                if (pause == pausesPerRun && paused.compareTo(threshold) > 0) {
                    sawLongLaterPause = true;
                }
            }
        }
        // and a later pause went beyond what the first backoff allows: the backoff grew
        assertThat(sawLongLaterPause).as("a fifth pause longer than %s in %d runs", threshold, runs).isTrue();
    }

    @Test
    void givenANegativeBudget_whenCreated_thenItIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RetryBudget(Duration.ofMillis(-1)));
    }
}
