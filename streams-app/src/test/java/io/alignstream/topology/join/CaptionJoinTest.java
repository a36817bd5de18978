package io.alignstream.topology.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.deadletter.SourceCoordinates;
import io.alignstream.events.CaptionEvent;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.topology.state.EmittedCaption;
import io.alignstream.topology.state.PendingCaption;
import io.alignstream.topology.state.TimeIndexedStore;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Captions waiting for their image: joined by their image, expired after the grace period in
 * stream time, or on the wall clock once the task has caught up, counted from when it started.
 */
class CaptionJoinTest {
    private static final long GRACE_MS = 30_000;
    private static final long T0 = Instant.parse("2026-11-22T12:00:00Z").toEpochMilli();
    private static final SyntheticEventFactory EVENTS = new SyntheticEventFactory(new SyntheticWorld(11), Split.TEST);

    private KeyValueStore<String, PendingCaption> store;
    private final AtomicInteger fullScans = new AtomicInteger();

    @BeforeEach
    void openStore() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("pending-captions"), Serdes.String(),
                PendingCaption.serde()).withLoggingDisabled().withCachingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @Test
    void expiryTakesOnlyTheCaptionsThatHaveWaitedTheGracePeriod() {
        // given two captions held 10 s apart
        CaptionJoin join = new CaptionJoin(counting(store), emitted());
        CaptionEvent early = caption(0);
        CaptionEvent late = caption(1);
        join.hold(held(early, T0));
        join.hold(held(late, T0 + 10_000));

        // when the grace period has passed for the first only
        List<PendingCaption> expired = join.expired(idleAt(T0 + GRACE_MS + 1), GRACE_MS);

        // then only the first is taken, and the second is still waiting for its image
        assertThat(expired).extracting(p -> p.caption().getCaptionId()).containsExactly(early.getCaptionId());
        assertThat(join.waitingFor(late.getImageId())).extracting(p -> p.caption().getCaptionId())
                .containsExactly(late.getCaptionId());
    }

    @Test
    void whileNoCaptionCanHaveWaitedTheGracePeriodTheStoreIsNotScanned() {
        // given a caption held now
        CaptionJoin join = new CaptionJoin(counting(store), emitted());
        int scansToOpen = fullScans.get();
        join.hold(held(caption(2), T0));

        // when expiry is checked every second until just before the grace period ends
        for (long now = T0; now < T0 + GRACE_MS; now += 1000) {
            assertThat(join.expired(idleAt(now), GRACE_MS)).isEmpty();
        }

        // then the store was not read; once the grace period is reached it is, and the caption expires
        assertThat(fullScans.get()).isEqualTo(scansToOpen);
        assertThat(join.expired(idleAt(T0 + GRACE_MS), GRACE_MS)).hasSize(1);
        assertThat(fullScans.get()).isEqualTo(scansToOpen + 1);
    }

    @Test
    void aReleaseLeavesTheOldestBoundLowSoALaterCaptionStillExpiresOnTime() {
        // given an old caption joined by its image (and settled), and a newer caption still waiting
        CaptionJoin join = new CaptionJoin(counting(store), emitted());
        CaptionEvent released = caption(3);
        CaptionEvent waiting = caption(4);
        join.hold(held(released, T0));
        join.hold(held(waiting, T0 + 20_000));
        join.waitingFor(released.getImageId()).forEach(p -> join.settled(p.caption()));

        // when the old caption's grace would have ended (one scan, finding nothing), then the newer's
        assertThat(join.expired(idleAt(T0 + GRACE_MS), GRACE_MS)).isEmpty();
        List<PendingCaption> expired = join.expired(idleAt(T0 + 20_000 + GRACE_MS), GRACE_MS);

        // then the newer caption expires exactly at its own grace period
        assertThat(expired).extracting(p -> p.caption().getCaptionId()).containsExactly(waiting.getCaptionId());
    }

    @Test
    void aRestartedTaskFindsTheOldestHoldTimeInTheRestoredStore() {
        // given a caption held before a restart (the store outlives the join, as a restored store does)
        CaptionEvent before = caption(5);
        new CaptionJoin(store, emitted()).hold(held(before, T0));

        // when a new join opens over the same store
        CaptionJoin restarted = new CaptionJoin(store, emitted());

        // then the caption still expires when its grace period ends, not later
        assertThat(restarted.expired(idleAt(T0 + GRACE_MS - 1), GRACE_MS)).isEmpty();
        assertThat(restarted.expired(idleAt(T0 + GRACE_MS), GRACE_MS)).extracting(p -> p.caption().getCaptionId())
                .containsExactly(before.getCaptionId());
    }

    @Test
    void aCaptionExpiresWhenStreamTimePassesItsGraceWhateverTheWallClockSays() {
        // given a caption held at stream time T0, while the task reads a backlog (never caught up)
        CaptionJoin join = new CaptionJoin(store, emitted());
        CaptionEvent orphan = caption(6);
        join.hold(held(orphan, T0));
        long wallClock = T0 + 3_600_000; // the backlog is an hour old

        // when later records move stream time to just before, then to the end of its grace
        assertThat(join.expired(new CaptionJoin.GraceClock(T0 + GRACE_MS - 1, wallClock, T0, false), GRACE_MS)).isEmpty();
        List<PendingCaption> expired = join.expired(
                new CaptionJoin.GraceClock(T0 + GRACE_MS, wallClock, T0, false), GRACE_MS);

        // then it expires then, by stream time alone
        assertThat(expired).extracting(p -> p.caption().getCaptionId()).containsExactly(orphan.getCaptionId());
    }

    @Test
    void wallClockGraceCountsFromTheTasksStartAndOnlyOnceItHasCaughtUp() {
        // given a caption held at T0, then an outage of ten minutes (longer than the grace) and a restart
        new CaptionJoin(store, emitted()).hold(held(caption(7), T0));
        long restartedAt = T0 + 600_000;
        CaptionJoin restarted = new CaptionJoin(store, emitted());
        long streamTime = T0 + 1_000; // the backlog written during the outage is not read yet

        // when the restarted task reads its backlog for a grace period (input never paused)
        boolean expiredWhileReading = !restarted.expired(
                new CaptionJoin.GraceClock(streamTime, restartedAt + GRACE_MS, restartedAt, false), GRACE_MS).isEmpty();
        // and once it has caught up, just before and at a grace period after its start
        boolean expiredBefore = !restarted.expired(
                new CaptionJoin.GraceClock(streamTime, restartedAt + GRACE_MS - 1, restartedAt, true), GRACE_MS).isEmpty();
        List<PendingCaption> expired = restarted.expired(
                new CaptionJoin.GraceClock(streamTime, restartedAt + GRACE_MS, restartedAt, true), GRACE_MS);

        // then only the last expires it: the outage and the catching up did not count
        assertThat(expiredWhileReading).isFalse();
        assertThat(expiredBefore).isFalse();
        assertThat(expired).hasSize(1);
    }

    private static CaptionEvent caption(int scene) {
        return EVENTS.scene(scene, Instant.ofEpochMilli(T0)).captions().get(0);
    }

    /** Held at {@code heldSinceMs} on both clocks (record timestamps are the producer's clock). */
    private static PendingCaption held(CaptionEvent caption, long heldSinceMs) {
        // The join never reads the embedding: any width will do.
        return new PendingCaption(caption, new float[] {1f}, 1,
                new SourceCoordinates("alignstream.captions", 0, 0, null), heldSinceMs, heldSinceMs, heldSinceMs);
    }

    /** A task started at T0 whose input has paused, at wall clock {@code nowMs}, its stream time left at T0. */
    private static CaptionJoin.GraceClock idleAt(long nowMs) {
        return new CaptionJoin.GraceClock(T0, nowMs, T0, true);
    }

    private static TimeIndexedStore<EmittedCaption> emitted() {
        KeyValueStore<String, EmittedCaption> emitted = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("emitted"), Serdes.String(), EmittedCaption.serde())
                .withLoggingDisabled().withCachingDisabled().build();
        emitted.init(new MockProcessorContext<>().getStateStoreContext(), emitted);
        KeyValueStore<Bytes, byte[]> index = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("emitted-by-time"),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        index.init(new MockProcessorContext<>().getStateStoreContext(), index);
        return new TimeIndexedStore<>(emitted, index, EmittedCaption::eventTimeMs);
    }

    /** The same store, counting calls of {@code all()} (full scans). */
    @SuppressWarnings("unchecked")
    private KeyValueStore<String, PendingCaption> counting(KeyValueStore<String, PendingCaption> target) {
        return (KeyValueStore<String, PendingCaption>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("all")) {
                        fullScans.incrementAndGet();
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
