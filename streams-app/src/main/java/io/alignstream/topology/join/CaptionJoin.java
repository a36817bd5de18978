package io.alignstream.topology.join;

import io.alignstream.events.CaptionEvent;
import io.alignstream.topology.state.EmittedCaption;
import io.alignstream.topology.state.PendingCaption;
import io.alignstream.topology.state.TimeIndexedStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The two stores of the caption side of the join, keyed by {@code imageId NUL captionId} (ids
 * cannot contain NUL, so a prefix scan on {@code imageId NUL} finds exactly one image's
 * captions).
 *
 * <p>Expiry scans the waiting captions only when the oldest of them may have waited the grace
 * period: a lower bound of their hold times is kept in memory (exact after a scan, lowered by
 * each hold, left as it is by releases, which can only raise the true oldest). Scanning every
 * second regardless decoded every waiting caption's embedding each time.
 */
public final class CaptionJoin {
    private static final char SEPARATOR = '\u0000';
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, PendingCaption> pending;
    private final TimeIndexedStore<EmittedCaption> emitted;
    /** At most the hold time of every waiting caption; {@code Long.MAX_VALUE} when none waits. */
    private long oldestHeldAtMost = Long.MAX_VALUE;

    /** Reads the waiting captions once, for their oldest hold time (after restoration, when a task starts). */
    public CaptionJoin(KeyValueStore<String, PendingCaption> pending, TimeIndexedStore<EmittedCaption> emitted) {
        this.pending = pending;
        this.emitted = emitted;
        try (KeyValueIterator<String, PendingCaption> it = pending.all()) {
            it.forEachRemaining(entry -> oldestHeldAtMost = Math.min(oldestHeldAtMost, entry.value.heldSinceMs()));
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
        oldestHeldAtMost = Math.min(oldestHeldAtMost, caption.heldSinceMs());
    }

    /** Removes and returns every caption waiting for {@code imageId}. */
    public List<PendingCaption> release(String imageId) {
        List<KeyValue<String, PendingCaption>> found = new ArrayList<>();
        try (KeyValueIterator<String, PendingCaption> it = pending.prefixScan(imageId + SEPARATOR, KEYS)) {
            it.forEachRemaining(found::add);
        }
        List<PendingCaption> released = new ArrayList<>(found.size());
        for (KeyValue<String, PendingCaption> entry : found) {
            pending.delete(entry.key);
            released.add(entry.value);
        }
        return released;
    }

    /** Removes and returns the captions that have waited {@code graceMs} or longer by {@code nowMs}. */
    public List<PendingCaption> expire(long nowMs, long graceMs) {
        if (oldestHeldAtMost == Long.MAX_VALUE || nowMs - oldestHeldAtMost < graceMs) {
            return List.of(); // not even the oldest possible hold time has reached the grace period
        }
        List<KeyValue<String, PendingCaption>> expired = new ArrayList<>();
        long oldestKept = Long.MAX_VALUE;
        try (KeyValueIterator<String, PendingCaption> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, PendingCaption> entry = it.next();
                if (nowMs - entry.value.heldSinceMs() >= graceMs) {
                    expired.add(entry);
                } else {
                    oldestKept = Math.min(oldestKept, entry.value.heldSinceMs());
                }
            }
        }
        oldestHeldAtMost = oldestKept;
        List<PendingCaption> out = new ArrayList<>(expired.size());
        for (KeyValue<String, PendingCaption> entry : expired) {
            pending.delete(entry.key);
            out.add(entry.value);
        }
        return out;
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
        return release(imageId).size();
    }

    /** Forgets, oldest first, up to {@code max} published pairs whose caption event time is before {@code cutoffMs}. */
    public int expireEmittedBefore(long cutoffMs, int max) {
        return emitted.expireBefore(cutoffMs, max);
    }

    /** Captions waiting now (approximate for persistent stores). */
    public long waiting() {
        return pending.approximateNumEntries();
    }
}
