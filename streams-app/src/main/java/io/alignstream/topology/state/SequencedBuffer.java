package io.alignstream.topology.state;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Values waiting in arrival order in a changelogged store keyed by a sequence number
 * (big-endian longs sort in order): the inference buffer's inputs waiting for their batch, the
 * monitor's observations waiting for their window. A value in the store is committed with the
 * input offset that brought it, so nothing waiting is lost when the process dies. The count,
 * next sequence number and oldest arrival are kept in memory and rebuilt from the store when a
 * task starts (after restoration).
 */
public final class SequencedBuffer<V> {
    private final KeyValueStore<Long, V> store;
    private final ToLongFunction<V> arrivalMs;
    private long nextSequence;
    private int size;
    private long oldestArrivalMs = Long.MAX_VALUE;

    /** @param arrivalMs when a value arrived (wall clock), for {@link #due} */
    public SequencedBuffer(KeyValueStore<Long, V> store, ToLongFunction<V> arrivalMs) {
        this.store = store;
        this.arrivalMs = arrivalMs;
        try (KeyValueIterator<Long, V> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Long, V> entry = it.next();
                nextSequence = Math.max(nextSequence, entry.key + 1);
                size++;
                oldestArrivalMs = Math.min(oldestArrivalMs, arrivalMs.applyAsLong(entry.value));
            }
        }
    }

    public void add(V value) {
        store.put(nextSequence++, value);
        size++;
        oldestArrivalMs = Math.min(oldestArrivalMs, arrivalMs.applyAsLong(value));
    }

    public int size() {
        return size;
    }

    /** When the oldest waiting value arrived, or {@code Long.MAX_VALUE} when none waits. */
    public long oldestArrivalMs() {
        return oldestArrivalMs;
    }

    /** True when something waits and the oldest has waited {@code maxWaitMs} by {@code nowMs}. */
    public boolean due(long nowMs, long maxWaitMs) {
        return size > 0 && nowMs - oldestArrivalMs >= maxWaitMs;
    }

    /** Everything waiting, oldest first, left in place. */
    public List<V> peek() {
        List<V> values = new ArrayList<>(size);
        try (KeyValueIterator<Long, V> it = store.all()) {
            it.forEachRemaining(entry -> values.add(entry.value));
        }
        return values;
    }

    /**
     * Removes the {@code count} oldest values: what a {@link #peek} handed out, once everything made
     * of them is recorded (the inference buffer: peek, run the batch, then remove).
     */
    public void removeOldest(int count) {
        List<Long> keys = new ArrayList<>(count);
        long oldestLeft = Long.MAX_VALUE;
        try (KeyValueIterator<Long, V> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Long, V> entry = it.next();
                if (keys.size() < count) {
                    keys.add(entry.key);
                } else {
                    oldestLeft = Math.min(oldestLeft, arrivalMs.applyAsLong(entry.value));
                }
            }
        }
        keys.forEach(store::delete);
        size -= keys.size();
        oldestArrivalMs = oldestLeft;
    }

    /** Everything waiting, oldest first, removed from the store (the removals commit with what is made of them). */
    public List<V> drain() {
        List<KeyValue<Long, V>> entries = new ArrayList<>(size);
        try (KeyValueIterator<Long, V> it = store.all()) {
            it.forEachRemaining(entries::add);
        }
        List<V> values = new ArrayList<>(entries.size());
        for (KeyValue<Long, V> entry : entries) {
            store.delete(entry.key);
            values.add(entry.value);
        }
        size = 0;
        oldestArrivalMs = Long.MAX_VALUE;
        return values;
    }
}
