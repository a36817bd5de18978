package io.alignstream.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Specification of {@link EmbeddedKafkaBroker.Builder#saslPlainUser}: the client listener then
 * requires SASL/PLAIN, of clients and of the embedded registry, which keeps its schemas in a topic
 * of that broker ({@link EmbeddedSchemaRegistry.Builder#kafkaClientSettings}). One real broker,
 * shared by the tests of this class.
 */
class EmbeddedKafkaBrokerSaslIntegrationTest {

    private static final String USER = "alice";
    private static final String PASSWORD = "alice-secret";

    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void startBroker() {
        // Started (and so checked ready) through the broker's own Admin, which must log in too.
        kafka = EmbeddedKafkaBroker.builder().saslPlainUser(USER, PASSWORD).start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aClientWithTheRightPasswordProducesTransactionallyAndConsumes() {
        // given a topic and a transactional producer logged in as alice
        String topic = newTopic();
        Properties producer = producerProperties(PASSWORD);
        producer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID());

        // when it commits one transaction and aborts another (the commit markers are written by
        // the broker to itself over the SASL listener, so this also needs its own login there)
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producer)) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k1", "committed"));
            p.send(new ProducerRecord<>(topic, "k2", "committed"));
            p.commitTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "k3", "aborted"));
            p.abortTransaction();
        }

        // then a read_committed consumer logged in as alice reads exactly the committed records
        assertThat(consumeAll(topic, 2, PASSWORD)).containsExactly("k1=committed", "k2=committed");
    }

    @Test
    void aProducerWithAWrongPasswordIsRefusedWithAnAuthenticationError() {
        // given a topic
        String topic = newTopic();

        // when a producer with alice's name and a wrong password sends, then authentication fails
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProperties("wrong"))) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>(topic, "k", "v"))
                    .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SaslAuthenticationException.class);
        }
        // and nothing was written
        assertThat(endOffset(topic)).isZero();
    }

    @Test
    void aConsumerWithAWrongPasswordIsRefusedWithAnAuthenticationError() {
        // given a topic holding a record
        String topic = newTopic();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProperties(PASSWORD))) {
            p.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("Cannot produce to " + topic, e);
        }

        // when a consumer with a wrong password polls, then authentication fails
        try (KafkaConsumer<String, String> consumer = consumer(topic, "wrong")) {
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(30)))
                    .isInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void aClientWithoutSaslGetsNoAnswer() {
        // given an Admin client on plain PLAINTEXT, as against a default embedded broker
        Map<String, Object> plaintext = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        try (Admin admin = Admin.create(plaintext)) {
            // when it asks for the cluster, then the broker never answers it (it drops the
            // connection before any request but the SASL handshake) and the call times out
            assertThatThrownBy(() -> admin.describeCluster(new DescribeClusterOptions()
                            .timeoutMs(3_000)).nodes().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        }
    }

    @Test
    void aRegistryGivenTheLoginStoresSchemasThatANewRegistryReadsBack() {
        // given a registry whose Kafka clients log in as alice, on its own schema topic
        String topic = "_schemas-" + UUID.randomUUID();
        Schema schema = SchemaBuilder.record("Greeting").fields().requiredString("text").endRecord();
        int id;
        try (EmbeddedSchemaRegistry registry = registry(topic, PASSWORD);
             SchemaRegistryClient client = client(registry)) {
            // when a schema is registered (written to the topic before the answer)
            id = client.register("greetings-value", schema);
        }

        // then a new registry on the same topic, logging in the same way, replays it
        try (EmbeddedSchemaRegistry registry = registry(topic, PASSWORD);
             SchemaRegistryClient client = client(registry)) {
            assertThat(client.getSchemaById(id)).isEqualTo(schema);
        }
    }

    @Test
    void aRegistryWithAWrongPasswordDoesNotStart() {
        // when a registry's Kafka clients log in with a wrong password, then it fails to start,
        // with the broker's refusal as the cause
        assertThatThrownBy(() -> registry("_schemas-" + UUID.randomUUID(), "wrong"))
                .isInstanceOf(IllegalStateException.class)
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);
    }

    // ----------------------------------------------------------------------------------------

    private static EmbeddedSchemaRegistry registry(String topic, String password) {
        Map<String, Object> security = new HashMap<>();
        sasl(password).forEach((key, value) -> security.put((String) key, value));
        security.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return EmbeddedSchemaRegistry.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .kafkaClientSettings(security)
                .topic(topic)
                .storeTimeout(Duration.ofSeconds(20))
                .start();
    }

    private static SchemaRegistryClient client(EmbeddedSchemaRegistry registry) {
        return SchemaRegistryClientFactory.create(Map.of("schema.registry.url", registry.url()));
    }

    private static String newTopic() {
        String name = "topic-" + UUID.randomUUID();
        kafka.createTopics(new NewTopic(name, 1, (short) 1));
        return name;
    }

    /** What a client needs for this broker: its address and alice's SASL/PLAIN login. */
    private static Properties sasl(String password) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        props.put(SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"" + USER + "\" password=\"" + password + "\";");
        return props;
    }

    private static Properties producerProperties(String password) {
        Properties props = sasl(password);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // A refused login must fail the send quickly, not after the default minute.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }

    private static KafkaConsumer<String, String> consumer(String topic, String password) {
        Properties props = sasl(password);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** The end offset of the topic's one partition, asked with alice's right password. */
    private static long endOffset(String topic) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = consumer(topic, PASSWORD)) {
            return consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
        }
    }

    /** Reads until {@code expected} records arrived (or 30 s passed), then 1 s more for extras. */
    private static List<String> consumeAll(String topic, int expected, String password) {
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(topic, password)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.key() + "=" + r.value());
                }
            }
            long extra = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < extra) {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r -> seen.add(r.key() + "=" + r.value()));
            }
        }
        return seen;
    }
}
