package io.alignstream.topology.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Values with a time index: moved on re-put, removed on delete, expired oldest first up to a cutoff. */
class TimeIndexedStoreTest {
    private static final long T0 = Instant.parse("2026-11-22T12:00:00Z").toEpochMilli();
    private static final long HOUR = Duration.ofHours(1).toMillis();

    private TimeIndexedStore<EmittedCaption> store;

    @BeforeEach
    void open() {
        KeyValueStore<String, EmittedCaption> values = inMemory("values", Serdes.String(), EmittedCaption.serde());
        KeyValueStore<Bytes, byte[]> index = inMemory("index", Serdes.Bytes(), Serdes.ByteArray());
        store = new TimeIndexedStore<>(values, index, EmittedCaption::eventTimeMs);
    }

    @Test
    void expiryRemovesExactlyTheEntriesBeforeTheCutoffOldestFirst() {
        // given entries one hour apart, put in no particular order, one of them before 1970 (negative time)
        store.put("c", new EmittedCaption(3, T0 + 2 * HOUR));
        store.put("a", new EmittedCaption(1, T0));
        store.put("old", new EmittedCaption(0, -HOUR));
        store.put("b", new EmittedCaption(2, T0 + HOUR));

        // when everything before T0 + 1 hour is expired
        int expired = store.expireBefore(T0 + HOUR, 100);

        // then the two older ones are gone from values and index, the entry at the cutoff and after it stay
        assertThat(expired).isEqualTo(2);
        assertThat(store.get("old")).isNull();
        assertThat(store.get("a")).isNull();
        assertThat(store.get("b")).isNotNull();
        assertThat(store.get("c")).isNotNull();
        assertThat(store.indexEntries()).containsExactly(KeyValue.pair(T0 + HOUR, "b"), KeyValue.pair(T0 + 2 * HOUR, "c"));
    }

    @Test
    void oneSweepRemovesAtMostItsBoundAndTheNextGoesOn() {
        for (int i = 0; i < 5; i++) {
            store.put("k" + i, new EmittedCaption(i, T0 + i));
        }
        assertThat(store.expireBefore(T0 + HOUR, 3)).isEqualTo(3);
        assertThat(store.indexEntries()).extracting(e -> e.value).containsExactly("k3", "k4");
        assertThat(store.expireBefore(T0 + HOUR, 3)).isEqualTo(2);
        assertThat(store.indexEntries()).isEmpty();
    }

    @Test
    void aValuePutAgainWithANewTimeIsIndexedOnceUnderItsNewTime() {
        // given a value stored at T0, then replaced by one at T0 + 2 hours
        store.put("k", new EmittedCaption(1, T0));
        store.put("k", new EmittedCaption(2, T0 + 2 * HOUR));

        // then one index entry, the new one, and an expiry up to T0 + 1 hour keeps the value
        assertThat(store.indexEntries()).containsExactly(KeyValue.pair(T0 + 2 * HOUR, "k"));
        assertThat(store.expireBefore(T0 + HOUR, 100)).isZero();
        assertThat(store.get("k").textFingerprint()).isEqualTo(2);
    }

    @Test
    void deletesRemoveValuesAndTheirIndexEntriesByKeyOrByPrefix() {
        store.put("img1\u0000c1", new EmittedCaption(1, T0));
        store.put("img1\u0000c2", new EmittedCaption(2, T0 + 1));
        store.put("img10\u0000c1", new EmittedCaption(3, T0 + 2));

        assertThat(store.deleteByPrefix("img1\u0000")).isEqualTo(2);
        assertThat(store.delete("absent")).isNull();

        assertThat(store.get("img1\u0000c1")).isNull();
        assertThat(store.indexEntries()).containsExactly(KeyValue.pair(T0 + 2, "img10\u0000c1"));
        assertThat(store.delete("img10\u0000c1").textFingerprint()).isEqualTo(3);
        assertThat(store.indexEntries()).isEmpty();
    }

    @Test
    void aFingerprintStoredInTheFirstFormatIsStillReadWithItsTimeUnknown() {
        // the first emitted-captions format was Kafka's 8-byte long, the fingerprint alone
        byte[] legacy = Serdes.Long().serializer().serialize(null, 42L);
        EmittedCaption read = EmittedCaption.serde().deserializer().deserialize(null, legacy);
        assertThat(read).isEqualTo(new EmittedCaption(42, EmittedCaption.UNKNOWN_TIME));
        EmittedCaption current = new EmittedCaption(-7, T0);
        assertThat(EmittedCaption.decode(current.encode())).isEqualTo(current);
    }

    private static <K, V> KeyValueStore<K, V> inMemory(String name, Serde<K> keys, Serde<V> values) {
        KeyValueStore<K, V> kv = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keys, values)
                .withLoggingDisabled().withCachingDisabled().build();
        kv.init(new MockProcessorContext<>().getStateStoreContext(), kv);
        return kv;
    }
}
