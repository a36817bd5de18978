package io.alignstream.topology.join;

import io.alignstream.events.CaptionEvent;
import io.alignstream.topology.state.EmittedCaption;
import io.alignstream.topology.state.PendingCaption;
import io.alignstream.topology.state.TimeIndexedStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The two stores of the caption side of the join, keyed by {@code imageId NUL captionId} (ids
 * cannot contain NUL, so a prefix scan on {@code imageId NUL} finds exactly one image's
 * captions).
 *
 * <p>A waiting caption leaves {@code pending-captions} only once its outcome is recorded: its
 * TEVI record or its dead letter (also on expiry) forwarded, then {@link #settled}. A batch that fails
 * between its image's output and the caption's therefore finds it still waiting when it runs
 * again, even where the store writes before the failure were kept ({@code at_least_once}).
 *
 * <p>Expiry scans the waiting captions only when the oldest of them may have waited the grace
 * period: lower bounds of their hold times, on each clock, are kept in memory (exact after a
 * scan, lowered by each hold, left as they are when captions leave, which can only raise the
 * true oldest). Scanning every second regardless decoded every waiting caption's embedding
 * each time.
 */
public final class CaptionJoin {
    private static final char SEPARATOR = '\u0000';
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, PendingCaption> pending;
    private final TimeIndexedStore<EmittedCaption> emitted;
    /** At most the wall-clock hold time of every waiting caption; {@code Long.MAX_VALUE} when none waits. */
    private long oldestHeldAtMost = Long.MAX_VALUE;
    /** At most the stream time at hold of every waiting caption; {@code Long.MAX_VALUE} when none waits. */
    private long oldestHeldAtStreamTimeAtMost = Long.MAX_VALUE;

    /**
     * What a waiting caption's grace is measured against at one expiry check (docs/topology.md).
     *
     * @param streamTimeMs    the task's stream time, counted no further than the wall clock
     * @param wallClockMs     the wall clock now
     * @param wallClockFromMs when this task instance started: wall-clock grace counts from here at the earliest, so
     *                        time the service was down is not counted
     * @param caughtUp        the task's input has paused (it has read what there was): only then does wall-clock
     *                        grace end a wait, so restored captions are not expired before the backlog is read
     */
    public record GraceClock(long streamTimeMs, long wallClockMs, long wallClockFromMs, boolean caughtUp) {
        boolean expired(PendingCaption caption, long graceMs) {
            return streamTimeWaited(caption) >= graceMs || (caughtUp && wallClockWaited(caption) >= graceMs);
        }

        /** Stream time since the caption started waiting. */
        public long streamTimeWaited(PendingCaption caption) {
            return streamTimeMs - caption.heldAtStreamTimeMs();
        }

        /** Wall-clock time the caption has waited while this task instance ran. */
        public long wallClockWaited(PendingCaption caption) {
            return wallClockMs - Math.max(caption.heldSinceMs(), wallClockFromMs);
        }
    }

    /** Reads the waiting captions once, for their oldest hold times (after restoration, when a task starts). */
    public CaptionJoin(KeyValueStore<String, PendingCaption> pending, TimeIndexedStore<EmittedCaption> emitted) {
        this.pending = pending;
        this.emitted = emitted;
        try (KeyValueIterator<String, PendingCaption> it = pending.all()) {
            it.forEachRemaining(entry -> lowerBounds(entry.value));
        }
    }

    public static String pairKey(String imageId, String captionId) {
        return imageId + SEPARATOR + captionId;
    }

    /** True when this caption, with this text, has already been published or is already waiting. */
    public boolean isDuplicate(CaptionEvent caption, long textFingerprint) {
        String key = pairKey(caption.getImageId(), caption.getCaptionId());
        EmittedCaption published = emitted.get(key);
        if (published != null && published.textFingerprint() == textFingerprint) {
            return true;
        }
        PendingCaption waiting = pending.get(key);
        return waiting != null && waiting.caption().getText().equals(caption.getText());
    }

    /** Holds a caption until its image comes; a newer version of a waiting caption replaces it. */
    public void hold(PendingCaption caption) {
        pending.put(pairKey(caption.caption().getImageId(), caption.caption().getCaptionId()), caption);
        lowerBounds(caption);
    }

    /**
     * Every caption waiting for {@code imageId}, left waiting: each leaves by {@link #settled} once
     * its outcome is forwarded.
     */
    public List<PendingCaption> waitingFor(String imageId) {
        List<PendingCaption> found = new ArrayList<>();
        try (KeyValueIterator<String, PendingCaption> it = pending.prefixScan(imageId + SEPARATOR, KEYS)) {
            it.forEachRemaining(entry -> found.add(entry.value));
        }
        return found;
    }

    /** A waiting caption's outcome (its TEVI record or its dead letter) was forwarded: it waits no more. */
    public void settled(CaptionEvent caption) {
        pending.delete(pairKey(caption.getImageId(), caption.getCaptionId()));
    }

    /**
     * The captions whose grace period has ended by {@code clock}. They stay in the store until
     * {@link #settled}, after their dead letters are forwarded, like every other outcome.
     */
    public List<PendingCaption> expired(GraceClock clock, long graceMs) {
        boolean mayHaveExpired = oldestHeldAtMost != Long.MAX_VALUE
                && (clock.streamTimeMs() - oldestHeldAtStreamTimeAtMost >= graceMs
                || (clock.caughtUp() && clock.wallClockMs() - Math.max(oldestHeldAtMost, clock.wallClockFromMs()) >= graceMs));
        if (!mayHaveExpired) {
            return List.of(); // not even the oldest possible hold times have reached the grace period
        }
        List<PendingCaption> expired = new ArrayList<>();
        oldestHeldAtMost = Long.MAX_VALUE;
        oldestHeldAtStreamTimeAtMost = Long.MAX_VALUE;
        try (KeyValueIterator<String, PendingCaption> it = pending.all()) {
            while (it.hasNext()) {
                PendingCaption caption = it.next().value;
                if (clock.expired(caption, graceMs)) {
                    expired.add(caption);
                } else {
                    lowerBounds(caption);
                }
            }
        }
        return expired;
    }

    /** Records that the pair's TEVI embedding, for this caption text, was published; kept by the caption's event time. */
    public void markEmitted(CaptionEvent caption, long textFingerprint) {
        emitted.put(pairKey(caption.getImageId(), caption.getCaptionId()),
                new EmittedCaption(textFingerprint, caption.getEventTime().toEpochMilli()));
    }

    /**
     * Forgets an image's captions (it was deleted): those waiting for it are dropped, not
     * dead-lettered (a dead letter would keep the deleted image's captions), and the
     * fingerprints of those published are removed, so a caption sent again is published again.
     * Returns how many waiting captions were dropped.
     */
    public int forget(String imageId) {
        emitted.deleteByPrefix(imageId + SEPARATOR);
        List<PendingCaption> dropped = waitingFor(imageId);
        dropped.forEach(caption -> settled(caption.caption()));
        return dropped.size();
    }

    /** Forgets, oldest first, up to {@code max} published pairs whose caption event time is before {@code cutoffMs}. */
    public int expireEmittedBefore(long cutoffMs, int max) {
        return emitted.expireBefore(cutoffMs, max);
    }

    /** Captions waiting now (approximate for persistent stores). */
    public long waiting() {
        return pending.approximateNumEntries();
    }

    private void lowerBounds(PendingCaption caption) {
        oldestHeldAtMost = Math.min(oldestHeldAtMost, caption.heldSinceMs());
        oldestHeldAtStreamTimeAtMost = Math.min(oldestHeldAtStreamTimeAtMost, caption.heldAtStreamTimeMs());
    }
}
