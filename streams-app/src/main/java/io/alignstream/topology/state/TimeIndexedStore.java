package io.alignstream.topology.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A store of values by key that can drop everything older than an event time without reading
 * the rest: beside the values, a second (changelogged) store indexes them by
 * {@code event time (8 bytes, big-endian, sign bit flipped so byte order is time order) + key}
 * with empty values. {@link #expireBefore} reads the index from its start up to the cutoff, so
 * a sweep costs what it removes, not the size of the store. Every write keeps the two stores in
 * step, in the same task and therefore in the same transaction.
 *
 * <p>Entries written before the index existed have no index entry and are never expired; a
 * delete by key still removes them.
 *
 * @param <V> the value; its event time comes from the function given to the constructor
 */
public final class TimeIndexedStore<V> {
    private static final byte[] PRESENT = new byte[0];
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, V> values;
    private final KeyValueStore<Bytes, byte[]> index;
    private final ToLongFunction<V> eventTimeMs;

    public TimeIndexedStore(KeyValueStore<String, V> values, KeyValueStore<Bytes, byte[]> index,
                            ToLongFunction<V> eventTimeMs) {
        this.values = values;
        this.index = index;
        this.eventTimeMs = eventTimeMs;
    }

    public V get(String key) {
        return values.get(key);
    }

    /** Stores {@code value}, moving the key's index entry if its event time changed. */
    public void put(String key, V value) {
        long time = eventTimeMs.applyAsLong(value);
        V old = values.get(key);
        if (old != null && eventTimeMs.applyAsLong(old) != time) {
            index.delete(indexKey(eventTimeMs.applyAsLong(old), key));
        }
        index.put(indexKey(time, key), PRESENT);
        values.put(key, value);
    }

    /** Removes the key and its index entry; returns what was stored, or null. */
    public V delete(String key) {
        V old = values.delete(key);
        if (old != null) {
            index.delete(indexKey(eventTimeMs.applyAsLong(old), key));
        }
        return old;
    }

    /** Removes every key that starts with {@code prefix} (and its index entry); returns how many. */
    public int deleteByPrefix(String prefix) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, V> it = values.prefixScan(prefix, KEYS)) {
            it.forEachRemaining(entry -> keys.add(entry.key));
        }
        keys.forEach(this::delete);
        return keys.size();
    }

    /**
     * Removes up to {@code max} entries whose event time is before {@code cutoffMs}, oldest first;
     * returns how many index entries it removed (fewer than {@code max}: nothing older is left).
     * The bound keeps one sweep's deletes, and their changelog writes, small enough for one
     * transaction after the retention is lowered or a long pause; the next sweep goes on.
     */
    public int expireBefore(long cutoffMs, int max) {
        List<Bytes> expired = new ArrayList<>();
        // Keys of one time start with its 8 bytes and have a non-empty key after them, so every
        // entry before the cutoff sorts at or below the cutoff's bare 8 bytes, and none at or after it does.
        try (KeyValueIterator<Bytes, byte[]> it = index.range(null, timePrefix(cutoffMs))) {
            while (it.hasNext() && expired.size() < max) {
                expired.add(it.next().key);
            }
        }
        for (Bytes entry : expired) {
            index.delete(entry);
            KeyValue<Long, String> indexed = decode(entry);
            V current = values.get(indexed.value);
            // Only if the value is still the one indexed at that time (put moves the entry; this is a guard).
            if (current != null && eventTimeMs.applyAsLong(current) == indexed.key) {
                values.delete(indexed.value);
            }
        }
        return expired.size();
    }

    static Bytes indexKey(long timeMs, String key) {
        byte[] id = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + id.length).putLong(timeMs ^ Long.MIN_VALUE).put(id).array());
    }

    private static Bytes timePrefix(long timeMs) {
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong(timeMs ^ Long.MIN_VALUE).array());
    }

    /** For tests and diagnostics: every index entry as (event time, key), oldest first. */
    public List<KeyValue<Long, String>> indexEntries() {
        List<KeyValue<Long, String>> entries = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = index.all()) {
            it.forEachRemaining(entry -> entries.add(decode(entry.key)));
        }
        return entries;
    }

    private static KeyValue<Long, String> decode(Bytes indexKey) {
        byte[] bytes = indexKey.get();
        return KeyValue.pair(ByteBuffer.wrap(bytes).getLong() ^ Long.MIN_VALUE,
                new String(bytes, Long.BYTES, bytes.length - Long.BYTES, StandardCharsets.UTF_8));
    }
}
