package io.alignstream.embedded.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's log in a compacted, single-partition Kafka topic, in the format of Confluent's
 * {@code _schemas} topic (see {@link SchemaLogCodec}).
 *
 * <p>{@link #append} sends with {@code acks=all} and waits for the acknowledgement. {@link
 * #replay} reads the topic from its beginning to the end offset it had when replay began. Nothing
 * tails the topic afterwards: this assumes a single writer (the one embedded registry using it).
 */
final class KafkaSchemaLog implements SchemaLog {

    private static final Logger log = LoggerFactory.getLogger(KafkaSchemaLog.class);

    private final String bootstrapServers;
    private final Map<String, Object> clientSettings;
    private final String topic;
    private final Duration timeout;
    private final SchemaLogCodec codec = new SchemaLogCodec();
    private final KafkaProducer<String, String> producer;

    private KafkaSchemaLog(String bootstrapServers, Map<String, Object> clientSettings,
                           String topic, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.clientSettings = clientSettings;
        this.topic = topic;
        this.timeout = timeout;
        this.producer = new KafkaProducer<>(producerProperties());
    }

    /**
     * Opens the log on {@code topic}, creating it (one partition, {@code cleanup.policy=compact})
     * if missing.
     *
     * @param clientSettings settings every Kafka client of the log starts from (security: {@code
     *                       security.protocol}, {@code sasl.*}, {@code ssl.*}); the log's own
     *                       settings (address, ids, acks, serializers) override them
     */
    static KafkaSchemaLog open(String bootstrapServers, Map<String, ?> clientSettings,
                               String topic, Duration timeout) {
        Map<String, Object> settings = Map.copyOf(clientSettings);
        ensureTopic(bootstrapServers, settings, topic, timeout);
        return new KafkaSchemaLog(bootstrapServers, settings, topic, timeout);
    }

    @Override
    public void replay(Consumer<SchemaLogRecord> sink) {
        TopicPartition partition = new TopicPartition(topic, 0);
        Properties props = clientProperties(clientSettings);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "embedded-schema-registry-reader");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
            long deadline = System.nanoTime() + timeout.toNanos();
            int count = 0;
            while (consumer.position(partition, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw RegistryError.storeError("Timed out reading " + topic + " to offset "
                            + end, null);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null) {
                        codec.decode(r.key(), r.value()).ifPresent(sink);
                        count++;
                    }
                }
            }
            log.info("Read {} schema log records from {} (end offset {})", count, topic, end);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw RegistryError.storeError("Cannot read the schema log " + topic + ": " + e, e);
        }
    }

    @Override
    public void append(SchemaLogRecord record) {
        SchemaLogCodec.Encoded encoded = codec.encode(record);
        try {
            producer.send(new ProducerRecord<>(topic, 0, encoded.key(), encoded.value()))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryError.storeError("Interrupted while writing to " + topic, e);
        } catch (ExecutionException e) {
            throw RegistryError.storeError("Cannot write to " + topic + ": " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw RegistryError.storeError("Timed out writing to " + topic, e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw RegistryError.storeError("Cannot write to " + topic + ": " + e, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    private Properties producerProperties() {
        Properties props = clientProperties(clientSettings);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "embedded-schema-registry-writer");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(),
                30_000));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis()
                + 1_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }

    private static Properties clientProperties(Map<String, Object> clientSettings) {
        Properties props = new Properties();
        props.putAll(clientSettings);
        return props;
    }

    private static void ensureTopic(String bootstrapServers, Map<String, Object> clientSettings,
                                    String topic, Duration timeout) {
        Properties props = clientProperties(clientSettings);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-schema-registry-admin");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        // Admin refuses an API timeout below its request timeout (default 30 s).
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(),
                30_000));
        try (Admin admin = Admin.create(props)) {
            Optional<TopicDescription> existing = describe(admin, topic, timeout);
            if (existing.isEmpty()) {
                int brokers = admin.describeCluster().nodes()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
                short replicas = (short) Math.max(1, Math.min(3, brokers));
                NewTopic newTopic = new NewTopic(topic, 1, replicas).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                try {
                    admin.createTopics(List.of(newTopic)).all()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    log.info("Created schema topic {} (compacted, replication factor {})", topic,
                            replicas);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            } else if (existing.get().partitions().size() != 1) {
                throw RegistryError.storeError("The schema topic " + topic + " has "
                        + existing.get().partitions().size() + " partitions; it must have one",
                        null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryError.storeError("Interrupted while checking " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw RegistryError.storeError("Cannot create or check the schema topic " + topic
                    + " on " + bootstrapServers + ": " + cause, cause);
        }
    }

    private static Optional<TopicDescription> describe(Admin admin, String topic,
                                                       Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return Optional.of(admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
