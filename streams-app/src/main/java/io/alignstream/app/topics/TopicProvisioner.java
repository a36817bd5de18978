package io.alignstream.app.topics;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.schemas.TopicNames;
import io.alignstream.schemas.EventTopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure alignstream's six topics exist before the service starts. With
 * {@value AlignstreamConfig#TOPICS_CREATE_CONFIG}=true it creates the missing ones (every one with
 * {@value AlignstreamConfig#TOPICS_PARTITIONS_CONFIG} partitions and the configured replication
 * factor; the output topics with {@value AlignstreamConfig#TOPICS_OUTPUT_RETENTION_MS_CONFIG}, the
 * dead letters with {@value AlignstreamConfig#TOPICS_DEAD_LETTERS_RETENTION_MS_CONFIG}, the input
 * topics with the broker's retention) and leaves existing ones as they are; with false it fails
 * with a {@link MissingTopicsException} naming what is missing. It returns once the cluster
 * describes all six topics (a topic just created can take a moment to reach every broker's
 * metadata). Every wait on the cluster is bounded by one overall timeout.
 *
 * <p>Two instances starting at once may both try to create a topic; the one that loses the race
 * finds it there, which is not an error.
 */
public final class TopicProvisioner {
    /** The default bound on all of {@link #provision()}'s waits together. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private final Admin admin;
    private final AlignstreamConfig config;
    private final Duration timeout;

    public TopicProvisioner(Admin admin, AlignstreamConfig config) {
        this(admin, config, DEFAULT_TIMEOUT);
    }

    /** @param timeout the bound on all of {@link #provision()}'s waits on the cluster together */
    public TopicProvisioner(Admin admin, AlignstreamConfig config, Duration timeout) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.config = Objects.requireNonNull(config, "config");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    /**
     * Checks the topics and creates the missing ones if allowed.
     *
     * @throws MissingTopicsException      when topics are missing and creating them is off
     * @throws TopicProvisioningException  when the cluster does not answer in time, or refuses
     */
    public ProvisioningReport provision() {
        long deadline = System.nanoTime() + timeout.toNanos();
        TopicNames names = config.topicNames();
        Map<EventTopic, String> wanted = names.asMap();

        Set<String> present = await(admin.listTopics(new ListTopicsOptions().timeoutMs(remainingMs(deadline)))
                .names(), deadline, "list the cluster's topics");
        Map<EventTopic, String> missing = new LinkedHashMap<>();
        wanted.forEach((role, name) -> {
            if (!present.contains(name)) {
                missing.put(role, name);
            }
        });

        if (!missing.isEmpty() && !config.topicsCreate()) {
            Map<String, String> keyByTopic = new LinkedHashMap<>();
            missing.forEach((role, name) -> keyByTopic.put(name, AlignstreamConfig.topicConfigKey(role)));
            throw new MissingTopicsException(keyByTopic);
        }

        Set<EventTopic> created = create(missing, deadline);
        Map<String, TopicDescription> descriptions = describeWhenVisible(wanted.values(), deadline);

        List<ProvisioningReport.Topic> topics = new ArrayList<>();
        wanted.forEach((role, name) -> topics.add(new ProvisioningReport.Topic(role, name,
                descriptions.get(name).partitions().size(), created.contains(role))));
        ProvisioningReport report = new ProvisioningReport(topics);
        LOG.info("Topics {}", report.summary());
        if (!report.inputsCoPartitioned()) {
            LOG.warn("{} has {} partitions but {} has {}: a caption can only meet its image when both topics have "
                            + "the same partition count", names.images(),
                    report.topic(EventTopic.IMAGES).partitions(), names.captions(),
                    report.topic(EventTopic.CAPTIONS).partitions());
        }
        return report;
    }

    /** The topic to create for {@code role} under {@code name}, as configured. */
    public NewTopic newTopic(EventTopic role, String name) {
        Optional<Short> replicationFactor = config.topicsReplicationFactor();
        NewTopic topic = new NewTopic(name, Optional.of(config.topicsPartitions()), replicationFactor);
        retentionMs(role).ifPresent(ms -> topic.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(ms))));
        return topic;
    }

    private Optional<Long> retentionMs(EventTopic role) {
        return switch (role) {
            case IMAGES, CAPTIONS -> Optional.empty();
            case TEVI_EMBEDDINGS, ALIGNVLM_EMBEDDINGS, RETRIEVAL_QUALITY -> Optional.of(config.topicsOutputRetentionMs());
            case DEAD_LETTERS -> Optional.of(config.topicsDeadLettersRetentionMs());
        };
    }

    /** Creates {@code missing}; returns the roles whose topic was created now (not by someone else meanwhile). */
    private Set<EventTopic> create(Map<EventTopic, String> missing, long deadline) {
        Set<EventTopic> created = EnumSet.noneOf(EventTopic.class);
        if (missing.isEmpty()) {
            return created;
        }
        List<NewTopic> newTopics = new ArrayList<>();
        missing.forEach((role, name) -> newTopics.add(newTopic(role, name)));
        CreateTopicsResult result = admin.createTopics(newTopics,
                new CreateTopicsOptions().timeoutMs(remainingMs(deadline)));
        for (Map.Entry<EventTopic, String> entry : missing.entrySet()) {
            String name = entry.getValue();
            try {
                await(result.values().get(name), deadline,
                        "create topic " + name + " (" + AlignstreamConfig.topicConfigKey(entry.getKey()) + ")");
                created.add(entry.getKey());
            } catch (TopicProvisioningException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    LOG.info("Topic {} was created by someone else meanwhile; leaving it as it is", name);
                } else {
                    throw e;
                }
            }
        }
        return created;
    }

    /**
     * Describes {@code names}, waiting for topics just created: the controller acknowledges a
     * creation before every broker's metadata knows the topic, so the service could otherwise
     * start against topics its clients do not see yet.
     */
    private Map<String, TopicDescription> describeWhenVisible(Collection<String> names, long deadline) {
        String what = "describe the topics " + names;
        while (true) {
            try {
                return await(admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs(remainingMs(deadline)))
                        .allTopicNames(), deadline, what);
            } catch (TopicProvisioningException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() >= deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(Math.min(50, remainingMs(deadline)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicProvisioningException("Interrupted while waiting to " + what, e);
            }
        }
    }

    private <T> T await(KafkaFuture<T> future, long deadline, String what) {
        try {
            return future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw timedOut(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicProvisioningException("Interrupted while waiting to " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw timedOut(what, cause);
            }
            throw new TopicProvisioningException("Could not " + what + ": " + cause.getMessage(), cause);
        }
    }

    private TopicProvisioningException timedOut(String what, Throwable cause) {
        return new TopicProvisioningException("Timed out after " + timeout.toMillis() + " ms waiting to " + what
                + ": is the Kafka cluster at bootstrap.servers=" + config.originals().get("bootstrap.servers")
                + " reachable?", cause);
    }

    private static int remainingMs(long deadline) {
        long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }
}
