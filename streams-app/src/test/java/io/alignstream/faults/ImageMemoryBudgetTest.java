package io.alignstream.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.alignstream.faults.ImageMemoryBudget.Reservation;
import io.alignstream.faults.ImageMemoryBudget.Use;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The instance's image memory: reservations past the budget wait for releases instead of failing,
 * the bytes in flight never exceed it, fetched bytes take at most half, and one image that alone
 * needs more than half is refused as the input's fault.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ImageMemoryBudgetTest {

    /** A budget small enough to reason about: one image may hold at most half, 500 bytes. */
    private static final long CAPACITY = 1_000;
    private static final long HALF = CAPACITY / 2;
    /** How long a test watches a reservation to see that it is waiting, not done. */
    private static final Duration STILL_WAITING = Duration.ofMillis(200);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private static long inSeconds(long seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void givenTheBudgetTaken_whenAnotherImageReserves_thenItWaitsAndProceedsOnceMemoryIsReleased() throws Exception {
        // given two decodes holding the whole budget
        ImageMemoryBudget budget = new ImageMemoryBudget(CAPACITY);
        Reservation first = budget.reserve(Use.DECODED, HALF, inSeconds(5), "first");
        Reservation second = budget.reserve(Use.DECODED, HALF, inSeconds(5), "second");

        // when a third asks for room on another thread
        Future<Reservation> third = threads.submit(() -> budget.reserve(Use.DECODED, HALF, inSeconds(10), "third"));

        // then it waits rather than failing or overcommitting
        Thread.sleep(STILL_WAITING.toMillis());
        assertThat(third.isDone()).as("third reservation done while the budget is full").isFalse();
        assertThat(budget.inUse()).isEqualTo(CAPACITY);

        // and once one image releases its bytes, it gets them
        first.close();
        try (Reservation got = third.get(5, TimeUnit.SECONDS)) {
            assertThat(got.held()).isEqualTo(HALF);
            assertThat(budget.inUse()).isEqualTo(CAPACITY);
        }
        second.close();
        assertThat(budget.inUse()).isZero();
        assertThat(budget.peak()).isEqualTo(CAPACITY);
    }

    @Test
    void givenTheBudgetTaken_whenNothingIsReleasedBeforeTheDeadline_thenTheWaitFailsAsAServiceFault() throws Exception {
        // given the budget taken by an image that is not released
        ImageMemoryBudget budget = new ImageMemoryBudget(CAPACITY);
        try (Reservation held = budget.reserve(Use.DECODED, HALF, inSeconds(5), "held")) {
            budget.reserve(Use.DECODED, HALF, inSeconds(5), "also held");

            // when another image waits with a deadline that passes
            long deadline = System.nanoTime() + STILL_WAITING.toNanos();
            ServiceFaultException thrown = assertThrows(ServiceFaultException.class,
                    () -> budget.reserve(Use.DECODED, 1, deadline, "late image"));

            // then it is the service's fault (the task fails and resumes), not a dead letter for the image
            assertThat(thrown.getMessage()).contains("late image", "image memory");
            assertThat(System.nanoTime()).isGreaterThanOrEqualTo(deadline);
        }
    }

    @Test
    void givenFetchedBytesHoldingHalfTheBudget_whenAnotherFetchReserves_thenItWaitsButADecodeProceeds() throws Exception {
        // given fetched (encoded) images holding half the budget: the most fetched bytes may take together
        ImageMemoryBudget budget = new ImageMemoryBudget(CAPACITY);
        Reservation fetched = budget.reserve(Use.FETCHED, HALF, inSeconds(5), "fetched");

        // when another fetch and a decode each ask for a little
        Future<Reservation> anotherFetch = threads.submit(() -> budget.reserve(Use.FETCHED, 1, inSeconds(10), "fetch"));
        Reservation decode = budget.reserve(Use.DECODED, HALF, inSeconds(1), "decode");

        // then the decode gets its room at once (so an image holding fetched bytes can always decode)
        assertThat(decode.held()).isEqualTo(HALF);
        // and the fetch waits until fetched bytes are released, not merely until the budget has room
        decode.close();
        Thread.sleep(STILL_WAITING.toMillis());
        assertThat(anotherFetch.isDone()).as("second fetch done while fetched bytes fill half the budget").isFalse();
        fetched.close();
        anotherFetch.get(5, TimeUnit.SECONDS).close();
        assertThat(budget.inUse()).isZero();
    }

    @Test
    void givenAnImageNeedingMoreThanHalfTheBudget_whenItReserves_thenItIsRefusedAtOnceAsTooLarge() throws Exception {
        // given the budget, empty
        ImageMemoryBudget budget = new ImageMemoryBudget(CAPACITY);
        assertThat(budget.largestReservation()).isEqualTo(HALF);

        // when one image alone needs more than half of it (here, more than the whole budget)
        ImageMemoryBudget.TooLarge refused = assertThrows(ImageMemoryBudget.TooLarge.class,
                () -> budget.reserve(Use.DECODED, CAPACITY + 1, inSeconds(5), "huge image"));

        // then it is refused without waiting, as the input's own fault, naming the budget and its key
        assertThat(refused.getMessage()).contains("huge image", String.valueOf(CAPACITY + 1),
                "alignstream.fetch.memory.budget.bytes");
        assertThat(budget.inUse()).isZero();
        // and so is one just over half, while exactly half is accepted
        assertThrows(ImageMemoryBudget.TooLarge.class, () -> budget.reserve(Use.FETCHED, HALF + 1, inSeconds(5), "big"));
        budget.reserve(Use.FETCHED, HALF, inSeconds(5), "half").close();
    }

    @Test
    void givenManyThreadsReservingAtOnce_whenTheyContend_thenTheBytesInFlightNeverExceedTheBudget() throws Exception {
        // given eight threads (as many as an instance's fetch pool) each reserving up to half the budget, many times
        int threadCount = 8;
        int rounds = 200;
        ImageMemoryBudget budget = new ImageMemoryBudget(CAPACITY);
        AtomicLong observedInFlight = new AtomicLong();
        AtomicLong worstSeen = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        // Every thread first holds an equal share at the same moment, so the budget is contended
        // however the scheduler runs them (on a loaded 2-core machine they may otherwise run in turn).
        java.util.concurrent.CyclicBarrier allHolding = new java.util.concurrent.CyclicBarrier(threadCount);
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            Use use = t % 2 == 0 ? Use.FETCHED : Use.DECODED;
            workers.add(CompletableFuture.runAsync(() -> {
                try {
                    go.await();
                    try (Reservation share = budget.reserve(use, CAPACITY / threadCount, inSeconds(20), "image")) {
                        long now = observedInFlight.addAndGet(share.held());
                        worstSeen.accumulateAndGet(now, Math::max);
                        allHolding.await(20, TimeUnit.SECONDS);
                        observedInFlight.addAndGet(-share.held());
                    }
                    for (int round = 0; round < rounds; round++) {
                        long bytes = 1 + ThreadLocalRandom.current().nextLong(HALF);
                        // when each holds its bytes for a moment while the others hold theirs
                        try (Reservation held = budget.reserve(use, bytes, inSeconds(20), "image")) {
                            long now = observedInFlight.addAndGet(held.held());
                            worstSeen.accumulateAndGet(now, Math::max);
                            Thread.onSpinWait();
                            observedInFlight.addAndGet(-held.held());
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        go.countDown();
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(25, TimeUnit.SECONDS);

        // then no moment held more than the budget, counted by the holders and by the budget itself
        assertThat(worstSeen.get()).isLessThanOrEqualTo(CAPACITY);
        assertThat(budget.peak()).isLessThanOrEqualTo(CAPACITY);
        // and the budget was actually contended (all of it in flight at once, more than one image's worth)
        assertThat(budget.peak()).isGreaterThan(HALF);
        // and every byte came back
        assertThat(budget.inUse()).isZero();
    }

    @Test
    void givenAReservationLargerThanNeeded_whenSettled_thenTheRestIsReleasedAtOnce() throws Exception {
        // given a fetch that reserved its declared maximum
        ImageMemoryBudget budget = new ImageMemoryBudget(CAPACITY);
        try (Reservation body = budget.reserve(Use.FETCHED, HALF, inSeconds(5), "body")) {
            // when the body turns out smaller
            long actual = HALF / 5;
            body.settle(actual);

            // then only what it holds stays reserved
            assertThat(body.held()).isEqualTo(actual);
            assertThat(budget.inUse()).isEqualTo(actual);
        }
        assertThat(budget.inUse()).isZero();
    }

    @Test
    void givenNoConfiguredBudget_whenDerived_thenItIsAQuarterOfTheMaxHeap() {
        // given the key alignstream.fetch.memory.budget.bytes unset (0) or set
        // then unset means a quarter of the heap, and a set value is taken as is
        assertThat(ImageMemoryBudget.of(0).capacity())
                .isEqualTo(Runtime.getRuntime().maxMemory() / ImageMemoryBudget.HEAP_FRACTION_DIVISOR);
        assertThat(ImageMemoryBudget.of(CAPACITY).capacity()).isEqualTo(CAPACITY);
        assertThrows(IllegalArgumentException.class, () -> new ImageMemoryBudget(0));
    }
}
