package io.alignstream.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Specification of {@link EmbeddedKafkaBroker}: one real broker, in a child JVM, shared by every
 * test of this class (each test uses its own topics).
 */
class EmbeddedKafkaBrokerIntegrationTest {

    private static EmbeddedKafkaBroker kafka;
    private static long startMillis;

    @BeforeAll
    static void startBroker() {
        long t0 = System.nanoTime();
        kafka = EmbeddedKafkaBroker.builder().start();
        startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("Embedded broker ready in " + startMillis + " ms");
    }

    /** A test that stops or kills the broker must not leave the next one without a broker. */
    @BeforeEach
    void brokerIsRunning() {
        if (!kafka.isRunning()) {
            kafka.start();
        }
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void startedBrokerAnswersAdminRequestsOnLoopback() throws Exception {
        // given a started broker
        assertThat(kafka.isRunning()).isTrue();
        assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");

        // when an Admin client describes the cluster
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            var nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);

            // then it sees exactly one node, and the broker log is where it was promised
            assertThat(nodes).hasSize(1);
        }
        assertThat(kafka.logFile()).exists().isNotEmptyFile();
    }

    @Test
    void recordsProducedToATopicAreConsumedBack() {
        // given a topic
        String topic = newTopic();

        // when three records are produced
        produce(topic, "k1", "v1", "k2", "v2", "k3", "v3");

        // then a consumer reads them back, in order
        assertThat(consumeAll(topic, 3)).containsExactly("k1=v1", "k2=v2", "k3=v3");
    }

    @Test
    void transactionalProducerCommitsOnASingleNode() {
        // given a topic and a transactional producer (what exactly-once Streams uses)
        String topic = newTopic();
        Properties props = producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();

            // when one transaction is committed and one aborted
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "committed", "yes"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "aborted", "no"));
            producer.abortTransaction();
        }

        // then a read_committed consumer sees only the committed record
        assertThat(consumeAll(topic, 1)).containsExactly("committed=yes");
    }

    @Test
    void anExactlyOnceStreamsAppWithInternalTopicsRunsOnASingleNode(@TempDir Path stateDir)
            throws Exception {
        // given input words and an exactly-once (v2) topology that repartitions and counts them
        String input = newTopic();
        String output = newTopic();
        produce(input, "1", "kafka", "2", "avro", "3", "kafka");
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("counts"))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .mapValues(String::valueOf)
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-" + UUID.randomUUID());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG),
                "earliest");

        // when it runs
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();

            // then the committed counts come out (updates may be merged by the record cache)
            assertThat(latestValuesOnceThereAre(output, Map.of("kafka", "2", "avro", "1")))
                    .isEqualTo(Map.of("kafka", "2", "avro", "1"));
            assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    @Test
    void restartKeepsPortsAndData() {
        // given a record in a topic
        String topic = newTopic();
        produce(topic, "before", "restart");
        String bootstrap = kafka.bootstrapServers();
        long pidBefore = kafka.pid();

        // when the broker is stopped cleanly and started again
        kafka.restart();

        // then it is a new process on the same address, and the record is still there
        assertThat(kafka.pid()).isNotEqualTo(pidBefore);
        assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
        produce(topic, "after", "restart");
        assertThat(consumeAll(topic, 2)).containsExactly("before=restart", "after=restart");
    }

    @Test
    void killedBrokerRestartsWithItsAcknowledgedData() {
        // given records acknowledged by the broker (acks=all)
        String topic = newTopic();
        produce(topic, "a", "1", "b", "2");

        // when the broker is killed (SIGKILL, as a crash) and started again
        kafka.kill();
        assertThat(kafka.isRunning()).isFalse();
        kafka.start();

        // then the acknowledged records survived
        assertThat(kafka.isRunning()).isTrue();
        assertThat(consumeAll(topic, 2)).containsExactly("a=1", "b=2");
    }

    @Test
    void startingARunningBrokerIsRefused() {
        assertThatThrownBy(() -> kafka.start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already running");
    }

    @Test
    void aBrokerThatCannotStartReportsTheEndOfItsLog() {
        // given a setting the broker rejects
        EmbeddedKafkaBroker.Builder misconfigured = EmbeddedKafkaBroker.builder()
                .brokerProperty("num.network.threads", "several");

        // when it is started, then the failure quotes the broker's own complaint
        assertThatThrownBy(misconfigured::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with code")
                .hasMessageContaining("broker.log")
                .hasMessageContaining("num.network.threads");
    }

    // ----------------------------------------------------------------------------------------

    private static String newTopic() {
        String name = "topic-" + UUID.randomUUID();
        kafka.createTopics(new NewTopic(name, 1, (short) 1));
        return name;
    }

    private static Properties producerProperties() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }

    private static void produce(String topic, String... keysAndValues) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties())) {
            for (int i = 0; i < keysAndValues.length; i += 2) {
                producer.send(new ProducerRecord<>(topic, keysAndValues[i], keysAndValues[i + 1]))
                        .get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new AssertionError("Cannot produce to " + topic, e);
        }
    }

    private static List<String> consumeAll(String topic, int expected) {
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = readCommitted(topic)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.key() + "=" + r.value());
                }
            }
            // one more short poll: nothing unexpected follows
            consumer.poll(Duration.ofMillis(300)).forEach(r -> seen.add(r.key() + "=" + r.value()));
        }
        return seen;
    }

    /** The latest value per key, read until it equals {@code expected} (or 30 s pass). */
    private static Map<String, String> latestValuesOnceThereAre(String topic,
                                                                Map<String, String> expected) {
        Map<String, String> latest = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = readCommitted(topic)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!latest.equals(expected) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> latest.put(r.key(), r.value()));
            }
        }
        return latest;
    }

    private static KafkaConsumer<String, String> readCommitted(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic));
        return consumer;
    }
}
