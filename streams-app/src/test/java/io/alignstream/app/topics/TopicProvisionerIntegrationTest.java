package io.alignstream.app.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.schemas.EventTopic;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link TopicProvisioner} against a real KRaft broker (one for the whole class; each test uses
 * its own topic names).
 */
class TopicProvisionerIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    private static final long THREE_DAYS_MS = Duration.ofDays(3).toMillis();
    private static final long TEN_DAYS_MS = Duration.ofDays(10).toMillis();
    private static final AtomicInteger RUN = new AtomicInteger();

    private static Admin admin;

    @BeforeAll
    static void connect() {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers()));
    }

    @AfterAll
    static void disconnect() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }

    /** A configuration whose six topic names are new to the broker, with {@code extra} settings. */
    private static AlignstreamConfig freshConfig(String test, Object... extra) {
        String prefix = "it." + test + "." + RUN.incrementAndGet() + ".";
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", PLATFORM.bootstrapServers());
        settings.put("schema.registry.url", PLATFORM.registryUrl());
        for (EventTopic topic : EventTopic.values()) {
            settings.put(AlignstreamConfig.topicConfigKey(topic), prefix + topic.defaultName());
        }
        for (int i = 0; i < extra.length; i += 2) {
            settings.put((String) extra[i], extra[i + 1]);
        }
        return new AlignstreamConfig(settings);
    }

    @Test
    void createsEveryMissingTopicWithTheConfiguredPartitionsAndRetention() throws Exception {
        // given none of the six topics on the broker, and non-default partitions and retention
        AlignstreamConfig config = freshConfig("create",
                "alignstream.topics.partitions", "3",
                "alignstream.topics.output.retention.ms", Long.toString(THREE_DAYS_MS),
                "alignstream.topics.dead.letters.retention.ms", Long.toString(TEN_DAYS_MS));
        Map<EventTopic, String> names = config.topicNames().asMap();

        // when the provisioner runs
        ProvisioningReport report = new TopicProvisioner(admin, config).provision();

        // then all six were created, each with 3 partitions and the broker's one replica
        assertThat(report.created()).extracting(ProvisioningReport.Topic::role)
                .containsExactly(EventTopic.values());
        assertThat(report.existing()).isEmpty();
        assertThat(report.inputsCoPartitioned()).isTrue();
        Map<String, TopicDescription> described = describe(names.values());
        described.values().forEach(topic -> {
            assertThat(topic.partitions()).as(topic.name()).hasSize(3);
            assertThat(topic.partitions().get(0).replicas()).as(topic.name()).hasSize(1);
        });
        // and the outputs keep records 3 days, the dead letters 10, the inputs as the broker says
        Map<String, ConfigEntry> retention = retention(names.values());
        assertThat(retention.get(names.get(EventTopic.TEVI_EMBEDDINGS)).value()).isEqualTo(Long.toString(THREE_DAYS_MS));
        assertThat(retention.get(names.get(EventTopic.ALIGNVLM_EMBEDDINGS)).value())
                .isEqualTo(Long.toString(THREE_DAYS_MS));
        assertThat(retention.get(names.get(EventTopic.RETRIEVAL_QUALITY)).value())
                .isEqualTo(Long.toString(THREE_DAYS_MS));
        assertThat(retention.get(names.get(EventTopic.DEAD_LETTERS)).value()).isEqualTo(Long.toString(TEN_DAYS_MS));
        for (EventTopic input : List.of(EventTopic.IMAGES, EventTopic.CAPTIONS)) {
            assertThat(retention.get(names.get(input)).source()).as(input.name())
                    .isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }
    }

    @Test
    void leavesExistingTopicsAloneAndReportsTheirPartitions() throws Exception {
        // given the images topic already there, with 2 partitions and its own retention
        AlignstreamConfig config = freshConfig("existing", "alignstream.topics.partitions", "4");
        String images = config.topicNames().images();
        createVisibly(List.of(new NewTopic(images, Optional.of(2), Optional.empty())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "3600000"))));

        // when the provisioner runs
        ProvisioningReport report = new TopicProvisioner(admin, config).provision();

        // then images is reported as already there with its 2 partitions, unchanged; the rest are created with 4
        assertThat(report.topic(EventTopic.IMAGES)).isEqualTo(
                new ProvisioningReport.Topic(EventTopic.IMAGES, images, 2, false));
        assertThat(report.created()).hasSize(5).allSatisfy(topic -> assertThat(topic.partitions()).isEqualTo(4));
        assertThat(describe(List.of(images)).get(images).partitions()).hasSize(2);
        assertThat(retention(List.of(images)).get(images).value()).isEqualTo("3600000");
        // and the mismatch between images and captions is visible
        assertThat(report.inputsCoPartitioned()).isFalse();
        assertThat(report.summary()).contains(images + " (2 partitions)");

        // when it runs again
        ProvisioningReport again = new TopicProvisioner(admin, config).provision();

        // then nothing is created and every topic is reported as it is
        assertThat(again.created()).isEmpty();
        assertThat(again.existing()).extracting(ProvisioningReport.Topic::partitions)
                .containsExactly(2, 4, 4, 4, 4, 4);
    }

    @Test
    void withCreationOffMissingTopicsAreNamedWithTheirKeysAndNothingIsCreated() throws Exception {
        // given creation off, and four of the six topics there
        AlignstreamConfig config = freshConfig("nocreate", "alignstream.topics.create", "false");
        Map<EventTopic, String> names = config.topicNames().asMap();
        List<NewTopic> present = names.entrySet().stream()
                .filter(e -> e.getKey() != EventTopic.CAPTIONS && e.getKey() != EventTopic.DEAD_LETTERS)
                .map(e -> new NewTopic(e.getValue(), Optional.of(1), Optional.empty())).toList();
        createVisibly(present);

        // when the provisioner runs
        // then it fails, naming exactly the two missing topics, each with its key
        String captions = names.get(EventTopic.CAPTIONS);
        String deadLetters = names.get(EventTopic.DEAD_LETTERS);
        assertThatThrownBy(() -> new TopicProvisioner(admin, config).provision())
                .isInstanceOfSatisfying(MissingTopicsException.class, e -> {
                    assertThat(e.keyByTopic()).containsOnly(
                            Map.entry(captions, "alignstream.topic.captions"),
                            Map.entry(deadLetters, "alignstream.topic.dead.letters"));
                    assertThat(e.getMessage())
                            .startsWith("2 topics are missing and alignstream.topics.create=false")
                            .contains(captions + " (named by alignstream.topic.captions)")
                            .contains(deadLetters + " (named by alignstream.topic.dead.letters)")
                            .contains("set alignstream.topics.create=true");
                    present.forEach(topic -> assertThat(e.getMessage()).doesNotContain(topic.name()));
                });
        // and neither was created
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(captions, deadLetters);
    }

    @Test
    void withCreationOffAndEveryTopicThereItReportsThem() throws Exception {
        // given creation off and all six topics there
        AlignstreamConfig config = freshConfig("allthere", "alignstream.topics.create", "false");
        createVisibly(config.topicNames().asMap().values().stream()
                .map(name -> new NewTopic(name, Optional.of(2), Optional.empty())).toList());

        // when the provisioner runs
        ProvisioningReport report = new TopicProvisioner(admin, config).provision();

        // then all six are reported as already there
        assertThat(report.created()).isEmpty();
        assertThat(report.existing()).hasSize(6).allSatisfy(topic -> assertThat(topic.partitions()).isEqualTo(2));
    }

    @Test
    void aReplicationFactorTheClusterCannotHaveIsAnErrorNamingTheTopic() {
        // given a replication factor of 2 on a one-broker cluster
        AlignstreamConfig config = freshConfig("rf", "alignstream.topics.replication.factor", "2");

        // when the provisioner runs
        // then it fails, naming the first topic it could not create and its key
        assertThatThrownBy(() -> new TopicProvisioner(admin, config).provision())
                .isInstanceOf(TopicProvisioningException.class)
                .hasMessageContaining("Could not create topic " + config.topicNames().images()
                        + " (alignstream.topic.images)")
                .hasMessageContaining("replication factor");
    }

    @Test
    void anUnreachableClusterIsATimelyErrorNotAHang() throws IOException {
        // given a cluster address where nothing listens, and a 2 s bound
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", "127.0.0.1:" + port);
        settings.put("schema.registry.url", PLATFORM.registryUrl());
        AlignstreamConfig config = new AlignstreamConfig(settings);

        try (Admin nowhere = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port))) {
            // when the provisioner runs
            long start = System.nanoTime();
            // then it fails within a few seconds, saying it timed out and where it looked
            assertThatThrownBy(() -> new TopicProvisioner(nowhere, config, Duration.ofSeconds(2)).provision())
                    .isInstanceOf(TopicProvisioningException.class)
                    .hasMessageContaining("Timed out after 2000 ms waiting to list the cluster's topics")
                    .hasMessageContaining("127.0.0.1:" + port);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    /**
     * Creates {@code topics} and waits until the broker lists them: the controller acknowledges a
     * creation before the broker's metadata cache, which answers listTopics, has caught up.
     */
    private static void createVisibly(List<NewTopic> topics) throws Exception {
        admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        List<String> names = topics.stream().map(NewTopic::name).toList();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(names)) {
            assertThat(System.nanoTime()).as("broker lists " + names + " within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static Map<String, TopicDescription> describe(Collection<String> names) throws Exception {
        return admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
    }

    /** Each topic's retention.ms entry, as the broker describes it. */
    private static Map<String, ConfigEntry> retention(Collection<String> names) throws Exception {
        List<ConfigResource> resources = names.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
        return configs.entrySet().stream().collect(Collectors.toMap(e -> e.getKey().name(),
                e -> e.getValue().get(TopicConfig.RETENTION_MS_CONFIG)));
    }
}
