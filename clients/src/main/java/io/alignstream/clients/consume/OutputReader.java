package io.alignstream.clients.consume;

import io.alignstream.registry.serde.AvroSerdeConfig;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads what the service published (TEVI and AlignVLM embeddings, dead letters, quality reports:
 * any topic of Avro values in the wire format) as a downstream consumer does, with
 * {@code isolation.level=read_committed}: only what the service committed under exactly-once.
 * {@link #read} hands the records to the caller one at a time, values decoded on demand.
 *
 * <p>Without a group it reads every partition of its topics (which must exist, unless their
 * partition count is given), from the beginning or only what is published after it opened.
 * With a group it resumes from the group's committed offsets (where there are none: the
 * beginning or new records only) and commits what the handler has taken, at least once.
 *
 * <p>One thread reads; {@link #stop()} may come from any other (a shutdown hook).
 */
public final class OutputReader implements AutoCloseable {

    /** Takes one record; false stops the read after it. */
    @FunctionalInterface
    public interface Handler {
        boolean take(PublishedRecord record);
    }

    /** Why a {@link #read} returned. */
    public enum Reason { HANDLER, MAX_RECORDS, IDLE, TIMEOUT, END, STOPPED }

    /** What one {@link #read} took and why it returned. */
    public record Outcome(long records, Reason reason) { }

    /**
     * When a {@link #read} returns, whichever comes first, besides the handler saying so and
     * {@link #stop()}: {@code maxRecords} taken (0: no limit), nothing new for {@code idle},
     * {@code timeout} gone by, or every partition read to the end it had when the read began
     * ({@code toEnd}; without a group only). Null durations do not apply.
     */
    public record Until(long maxRecords, Duration idle, Duration timeout, boolean toEnd) {
        /** Only the handler or {@link #stop()} end the read. */
        public static Until stopped() {
            return new Until(0, null, null, false);
        }

        public static Until timeout(Duration timeout) {
            return stopped().orTimeout(timeout);
        }

        /** To the end offsets as of the start of the read (for an audit of what is there). */
        public static Until end() {
            return new Until(0, null, null, true);
        }

        public Until orMaxRecords(long max) {
            return new Until(max, idle, timeout, toEnd);
        }

        public Until orIdle(Duration idleFor) {
            return new Until(maxRecords, Objects.requireNonNull(idleFor), timeout, toEnd);
        }

        public Until orTimeout(Duration after) {
            return new Until(maxRecords, idle, Objects.requireNonNull(after), toEnd);
        }
    }

    private final Consumer<String, byte[]> consumer;
    private final KafkaAvroDeserializer values;
    private final boolean grouped;
    private final Duration pollInterval;
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Records a poll fetched after the one a read stopped at: the next read hands them on first. */
    private final ArrayDeque<ConsumerRecord<String, byte[]>> pending = new ArrayDeque<>();

    private final boolean tombstones;

    private OutputReader(Consumer<String, byte[]> consumer, KafkaAvroDeserializer values, boolean grouped,
                         Duration pollInterval, boolean tombstones) {
        this.consumer = consumer;
        this.values = values;
        this.grouped = grouped;
        this.pollInterval = pollInterval;
        this.tombstones = tombstones;
    }

    /**
     * @param clientConfig the consumer's settings (bootstrap servers, security); isolation level,
     *                     offset reset, group and auto-commit are the reader's
     * @param serdeConfig  the deserializer's settings ({@code schema.registry.url}, ...)
     */
    public static Builder builder(Map<String, ?> clientConfig, Map<String, ?> serdeConfig) {
        return new Builder(clientConfig, serdeConfig);
    }

    /**
     * Hands records to {@code handler} until {@code until} says, the handler returns false, or
     * {@link #stop()}. With a group, what the handler took is committed after each poll. A later
     * read goes on right after the last record taken.
     */
    public Outcome read(Until until, Handler handler) {
        long start = System.nanoTime();
        long deadline = until.timeout() == null ? Long.MAX_VALUE : start + until.timeout().toNanos();
        Map<TopicPartition, Long> ends = until.toEnd() ? endOffsets() : null;
        long taken = 0;
        long lastRecord = start;
        try {
            while (true) {
                if (stopped.get()) {
                    return new Outcome(taken, Reason.STOPPED);
                }
                if (ends != null && pending.isEmpty() && reached(ends)) {
                    return new Outcome(taken, Reason.END);
                }
                long now = System.nanoTime();
                if (now >= deadline) {
                    return new Outcome(taken, Reason.TIMEOUT);
                }
                List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(pending);
                pending.clear();
                if (batch.isEmpty()) {
                    consumer.poll(Duration.ofNanos(Math.min(pollInterval.toNanos(), deadline - now))).forEach(batch::add);
                }
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                Reason stop = null;
                for (int i = 0; i < batch.size() && stop == null; i++) {
                    ConsumerRecord<String, byte[]> record = batch.get(i);
                    next.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                    if (record.value() == null && !tombstones) {
                        continue; // a tombstone (an image deleted): readers of embeddings skip it unless asked
                    }
                    taken++;
                    if (!handler.take(new PublishedRecord(record, values))) {
                        stop = Reason.HANDLER;
                    } else if (until.maxRecords() > 0 && taken >= until.maxRecords()) {
                        stop = Reason.MAX_RECORDS;
                    }
                    if (stop != null) {
                        pending.addAll(batch.subList(i + 1, batch.size())); // the next read starts with these
                    }
                }
                if (grouped && !next.isEmpty()) {
                    consumer.commitSync(next);
                }
                if (stop != null) {
                    return new Outcome(taken, stop);
                }
                if (!batch.isEmpty()) {
                    lastRecord = System.nanoTime();
                } else if (until.idle() != null && System.nanoTime() - lastRecord >= until.idle().toNanos()) {
                    return new Outcome(taken, Reason.IDLE);
                }
            }
        } catch (WakeupException e) {
            return new Outcome(taken, Reason.STOPPED);
        }
    }

    /** Makes the current and every later {@link #read} return; callable from any thread. */
    public void stop() {
        stopped.set(true);
        consumer.wakeup();
    }

    private Map<TopicPartition, Long> endOffsets() {
        if (grouped) {
            throw new IllegalStateException("Until.end() needs the partitions assigned: a reader without a group");
        }
        return consumer.endOffsets(consumer.assignment());
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    @Override
    public void close() {
        try {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } finally {
            values.close();
        }
    }

    /** What to read and how; {@link #open()} connects. */
    public static final class Builder {
        private final Map<String, Object> clientConfig;
        private final Map<String, Object> serdeConfig;
        private List<String> topics = List.of();
        private boolean fromBeginning;
        private String group;
        private int partitions;
        private String clientId;
        private Duration pollInterval = Duration.ofMillis(100);
        private boolean tombstones;
        private boolean includeAborted;

        private Builder(Map<String, ?> clientConfig, Map<String, ?> serdeConfig) {
            this.clientConfig = new HashMap<>(clientConfig);
            this.serdeConfig = new HashMap<>(serdeConfig);
        }

        public Builder topics(List<String> names) {
            this.topics = List.copyOf(names);
            return this;
        }

        public Builder topics(String... names) {
            return topics(List.of(names));
        }

        /** From the oldest record (without a group, or where the group has no offsets); else only new ones. */
        public Builder fromBeginning(boolean oldest) {
            this.fromBeginning = oldest;
            return this;
        }

        /** Resume from this consumer group's offsets and commit what is taken; null for none. */
        public Builder group(String id) {
            this.group = id;
            return this;
        }

        /**
         * Without a group: assign partitions 0..count-1 of each topic without looking the topics
         * up, so the reader can open before the service has created them.
         */
        public Builder partitions(int count) {
            this.partitions = count;
            return this;
        }

        /** {@code client.id}, unless the client settings name one. */
        public Builder clientId(String id) {
            this.clientId = id;
            return this;
        }

        /** The longest one poll waits (default 100 ms): how soon an idle read notices its deadline. */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }

        /**
         * {@code read_uncommitted}: records of aborted transactions too. Only for an audit of
         * what crashes left in the log; a downstream reader must never see them.
         */
        public Builder includeAborted() {
            this.includeAborted = true;
            return this;
        }

        /**
         * Hands on tombstones too ({@link PublishedRecord#isTombstone()}): the service publishes one
         * per output topic when an image is deleted. Without this they are skipped.
         */
        public Builder includeTombstones() {
            this.tombstones = true;
            return this;
        }

        /** Connects and assigns or subscribes; throws IllegalArgumentException for a topic that does not exist. */
        public OutputReader open() {
            return open(config -> new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer()));
        }

        /** With the consumer {@code connect} makes from the final settings (a MockConsumer in unit tests). */
        OutputReader open(Function<Map<String, Object>, Consumer<String, byte[]>> connect) {
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("no topics to read");
            }
            KafkaAvroDeserializer values = new KafkaAvroDeserializer();
            Map<String, Object> serde = new HashMap<>(serdeConfig);
            serde.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
            values.configure(serde, false);
            Consumer<String, byte[]> consumer;
            try {
                consumer = connect.apply(consumerConfig());
            } catch (RuntimeException e) {
                values.close();
                throw e;
            }
            try {
                if (group != null) {
                    consumer.subscribe(topics);
                } else {
                    List<TopicPartition> assigned = assignment(consumer);
                    consumer.assign(assigned);
                    if (fromBeginning) {
                        consumer.seekToBeginning(assigned);
                    } else {
                        consumer.seekToEnd(assigned);
                        assigned.forEach(consumer::position); // now, not at the first poll
                    }
                }
                return new OutputReader(consumer, values, group != null, pollInterval, tombstones);
            } catch (RuntimeException e) {
                consumer.close(CloseOptions.timeout(Duration.ZERO));
                values.close();
                throw e;
            }
        }

        Map<String, Object> consumerConfig() {
            Map<String, Object> config = new HashMap<>(clientConfig);
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, includeAborted ? "read_uncommitted" : "read_committed");
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            // A reader never creates a topic (with the broker's default partition count) before the service does.
            config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
            if (clientId != null) {
                config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
            }
            if (group != null) {
                config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            } else {
                config.remove(ConsumerConfig.GROUP_ID_CONFIG);
            }
            return config;
        }

        private List<TopicPartition> assignment(Consumer<String, byte[]> consumer) {
            List<TopicPartition> assigned = new ArrayList<>();
            for (String topic : topics) {
                if (partitions > 0) {
                    for (int p = 0; p < partitions; p++) {
                        assigned.add(new TopicPartition(topic, p));
                    }
                    continue;
                }
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalArgumentException("Topic " + topic + " does not exist");
                }
                infos.forEach(info -> assigned.add(new TopicPartition(topic, info.partition())));
            }
            return assigned;
        }
    }
}
