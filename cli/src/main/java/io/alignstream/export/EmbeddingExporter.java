package io.alignstream.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.registry.serde.AvroSerdeConfig;
import io.alignstream.registry.serde.KafkaAvroDeserializer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads published embeddings with {@code isolation.level=read_committed} (only what the service
 * committed under exactly-once) and writes one JSON object a line.
 *
 * <p>Without a group it reads every partition from the beginning, or only records published
 * after it started. With a group it resumes from the group's committed offsets (where there are
 * none: the beginning, or only new records) and commits what it has written.
 */
public final class EmbeddingExporter implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaAvroDeserializer deserializer;
    private final EmbeddingJson json = new EmbeddingJson(new ObjectMapper());
    private final Optional<String> group;
    private final AtomicBoolean stopped = new AtomicBoolean();

    /** What to read and when to stop. */
    public record Request(List<String> teviTopics, List<String> alignVlmTopics, boolean fromBeginning,
                          Optional<String> group, long maxRecords, Optional<Duration> idleTimeout) { }

    private final Request request;

    /**
     * @param consumerConfig the consumer's settings (bootstrap servers, security)
     * @param serdeConfig    the deserializer's settings ({@code schema.registry.url}, ...)
     */
    public EmbeddingExporter(Map<String, Object> consumerConfig, Map<String, Object> serdeConfig, Request request) {
        this.request = request;
        this.group = request.group();
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, request.fromBeginning() ? "earliest" : "latest");
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "alignstream-consume");
        group.ifPresentOrElse(id -> config.put(ConsumerConfig.GROUP_ID_CONFIG, id),
                () -> config.remove(ConsumerConfig.GROUP_ID_CONFIG));
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        Map<String, Object> serde = new HashMap<>(serdeConfig);
        serde.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
        this.deserializer = new KafkaAvroDeserializer();
        this.deserializer.configure(serde, false);
    }

    /** Makes {@link #export} return after the current poll; callable from any thread (a shutdown hook). */
    public void stop() {
        stopped.set(true);
        consumer.wakeup();
    }

    /**
     * Writes records until {@code maxRecords} are written (0 or less: no limit), nothing arrived for the
     * idle timeout, or {@link #stop()}.
     *
     * @return how many records were written
     */
    public long export(PrintWriter out) {
        List<String> topics = new ArrayList<>(request.teviTopics());
        topics.addAll(request.alignVlmTopics());
        if (group.isPresent()) {
            consumer.subscribe(topics);
        } else {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalArgumentException("Topic " + topic + " does not exist");
                }
                infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            }
            consumer.assign(partitions);
            if (request.fromBeginning()) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
            }
        }
        long written = 0;
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        long lastRecord = System.nanoTime();
        try {
            while (!stopped.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<String, byte[]> record : records) {
                    ObjectNode line = toJson(record);
                    done.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                    if (line == null) {
                        continue;
                    }
                    out.println(json.line(line));
                    written++;
                    if (request.maxRecords() > 0 && written >= request.maxRecords()) {
                        break;
                    }
                }
                out.flush();
                commit(done);
                if (request.maxRecords() > 0 && written >= request.maxRecords()) {
                    return written;
                }
                if (!records.isEmpty()) {
                    lastRecord = System.nanoTime();
                } else if (request.idleTimeout().isPresent()
                        && System.nanoTime() - lastRecord >= request.idleTimeout().get().toNanos()) {
                    return written;
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // stop() was called
        }
        out.flush();
        return written;
    }

    /** With a group, commits the offsets after the records written (at least once: none is skipped). */
    private void commit(Map<TopicPartition, OffsetAndMetadata> done) {
        if (group.isPresent() && !done.isEmpty()) {
            consumer.commitSync(done);
            done.clear();
        }
    }

    private ObjectNode toJson(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        EmbeddingJson.Origin origin = new EmbeddingJson.Origin(record.topic(), record.partition(), record.offset(),
                record.key());
        Object value;
        try {
            value = deserializer.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot read record " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + ": " + e.getMessage(), e);
        }
        if (value instanceof TeviEmbedding tevi) {
            return json.tevi(origin, tevi);
        }
        if (value instanceof AlignVlmEmbedding alignVlm) {
            return json.alignVlm(origin, alignVlm);
        }
        throw new IllegalStateException("Record " + record.topic() + "-" + record.partition() + "@" + record.offset()
                + " is a " + (value == null ? "null" : value.getClass().getName())
                + ", not a TeviEmbedding or AlignVlmEmbedding");
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
        deserializer.close();
    }
}
