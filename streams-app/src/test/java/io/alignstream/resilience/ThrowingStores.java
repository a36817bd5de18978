package io.alignstream.resilience;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Real state stores that fail once: the first {@code put} of one chosen store and the first
 * {@code delete} of another, across every instance of them the service creates (a replaced stream
 * thread opens its stores again), throw as a store whose disk write failed would. Everything else
 * goes to the real store.
 */
final class ThrowingStores {
    private ThrowingStores() {
    }

    /**
     * For {@code AlignstreamApp.Seams}: the store named {@code failingPut} throws on its first put,
     * the one named {@code failingDelete} on its first delete; {@code thrown} counts both.
     */
    static UnaryOperator<KeyValueBytesStoreSupplier> failingOnce(String failingPut, String failingDelete,
                                                                 AtomicInteger thrown) {
        AtomicBoolean putFailed = new AtomicBoolean();
        AtomicBoolean deleteFailed = new AtomicBoolean();
        return supplier -> {
            if (!Set.of(failingPut, failingDelete).contains(supplier.name())) {
                return supplier;
            }
            AtomicBoolean put = supplier.name().equals(failingPut) ? putFailed : new AtomicBoolean(true);
            AtomicBoolean delete = supplier.name().equals(failingDelete) ? deleteFailed : new AtomicBoolean(true);
            return new KeyValueBytesStoreSupplier() {
                @Override
                public String name() {
                    return supplier.name();
                }

                @Override
                public KeyValueStore<Bytes, byte[]> get() {
                    return new Store(supplier.get(), put, delete, thrown);
                }

                @Override
                public String metricsScope() {
                    return supplier.metricsScope();
                }
            };
        };
    }

    /** Forwards to the real store; one put or delete fails if its flag is still down. */
    private static final class Store implements KeyValueStore<Bytes, byte[]> {
        private final KeyValueStore<Bytes, byte[]> store;
        private final AtomicBoolean putFailed;
        private final AtomicBoolean deleteFailed;
        private final AtomicInteger thrown;

        Store(KeyValueStore<Bytes, byte[]> store, AtomicBoolean putFailed, AtomicBoolean deleteFailed,
              AtomicInteger thrown) {
            this.store = store;
            this.putFailed = putFailed;
            this.deleteFailed = deleteFailed;
            this.thrown = thrown;
        }

        private void failOnce(AtomicBoolean failed, String operation) {
            if (failed.compareAndSet(false, true)) {
                thrown.incrementAndGet();
                throw new ProcessorStateException("injected: " + operation + " on store " + store.name()
                        + " failed (as a full disk would make it)");
            }
        }

        @Override
        public void put(Bytes key, byte[] value) {
            failOnce(putFailed, "put");
            store.put(key, value);
        }

        @Override
        public byte[] putIfAbsent(Bytes key, byte[] value) {
            return store.putIfAbsent(key, value);
        }

        @Override
        public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            store.putAll(entries);
        }

        @Override
        public byte[] delete(Bytes key) {
            failOnce(deleteFailed, "delete");
            return store.delete(key);
        }

        @Override
        public byte[] get(Bytes key) {
            return store.get(key);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
            return store.range(from, to);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
            return store.reverseRange(from, to);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> all() {
            return store.all();
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseAll() {
            return store.reverseAll();
        }

        @Override
        public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS serializer) {
            return store.prefixScan(prefix, serializer);
        }

        @Override
        public long approximateNumEntries() {
            return store.approximateNumEntries();
        }

        @Override
        public String name() {
            return store.name();
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
            store.init(context, root);
        }

        @Override
        @SuppressWarnings("deprecation")
        public void flush() {
            store.flush();
        }

        @Override
        public void commit(Map<TopicPartition, Long> changelogOffsets) {
            store.commit(changelogOffsets);
        }

        @Override
        public Long committedOffset(TopicPartition partition) {
            return store.committedOffset(partition);
        }

        @Override
        public boolean managesOffsets() {
            return store.managesOffsets();
        }

        @Override
        public void close() {
            store.close();
        }

        @Override
        public boolean persistent() {
            return store.persistent();
        }

        @Override
        public boolean isOpen() {
            return store.isOpen();
        }

        @Override
        public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
            return store.query(query, bound, config);
        }

        @Override
        public Position getPosition() {
            return store.getPosition();
        }
    }
}
