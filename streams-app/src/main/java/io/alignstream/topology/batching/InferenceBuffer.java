package io.alignstream.topology.batching;

import io.alignstream.topology.state.BufferedInput;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Inputs waiting for their batch, in arrival order, in a changelogged store keyed by a
 * sequence number (big-endian longs sort in order). The count, next sequence number and oldest
 * arrival are kept in memory and rebuilt from the store when a task starts, after restoration.
 */
final class InferenceBuffer {
    private final KeyValueStore<Long, BufferedInput> store;
    private long nextSequence;
    private int size;
    private long oldestArrivalMs = Long.MAX_VALUE;

    InferenceBuffer(KeyValueStore<Long, BufferedInput> store) {
        this.store = store;
        try (KeyValueIterator<Long, BufferedInput> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Long, BufferedInput> entry = it.next();
                nextSequence = Math.max(nextSequence, entry.key + 1);
                size++;
                oldestArrivalMs = Math.min(oldestArrivalMs, entry.value.arrivedAtMs());
            }
        }
    }

    void add(BufferedInput input) {
        store.put(nextSequence++, input);
        size++;
        oldestArrivalMs = Math.min(oldestArrivalMs, input.arrivedAtMs());
    }

    int size() {
        return size;
    }

    /** True when something waits and the oldest has waited {@code maxWaitMs} by {@code nowMs}. */
    boolean due(long nowMs, long maxWaitMs) {
        return size > 0 && nowMs - oldestArrivalMs >= maxWaitMs;
    }

    /** Everything waiting, oldest first, removed from the store (the removals commit with the batch's outputs). */
    List<BufferedInput> drain() {
        List<KeyValue<Long, BufferedInput>> entries = new ArrayList<>(size);
        try (KeyValueIterator<Long, BufferedInput> it = store.all()) {
            it.forEachRemaining(entries::add);
        }
        List<BufferedInput> inputs = new ArrayList<>(entries.size());
        for (KeyValue<Long, BufferedInput> entry : entries) {
            store.delete(entry.key);
            inputs.add(entry.value);
        }
        size = 0;
        oldestArrivalMs = Long.MAX_VALUE;
        return inputs;
    }
}
