package io.alignstream.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.schemas.TopicNames;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out and fail-over: two instances of the service (child JVMs, same application.id, each
 * its own state directory, as on two hosts, each with two stream threads) share the input partitions; one is SIGKILLed while
 * events flow; the other takes over all partitions; a {@code read_committed} reader then finds
 * exactly one TEVI record per pair, one AlignVLM record per image, no dead letter.
 *
 * <p>The numbers go to standard output and to {@code target/resilience/scale-out-test.md}.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ScaleOutIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    private static final long SEED = Long.getLong("resilience.seed", 20_260_522L);
    /** 200 scenes of one image and five captions: 1,000 pairs. */
    private static final int SCENES = 200;
    private static final String APPLICATION_ID = "scale-out";
    /** Per instance: 2 x 2 threads share the {@link Rig#PARTITIONS} partitions, so each thread has tasks. */
    private static final int STREAM_THREADS = 2;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration RUN_DEADLINE = Duration.ofMinutes(3);

    @TempDir
    Path work;

    @Test
    void twoInstancesShareThePartitionsAndOneTakesOverWhenTheOtherIsKilled() throws Exception {
        long testStart = System.nanoTime();
        long deadline = testStart + RUN_DEADLINE.toNanos();
        SplittableRandom random = new SplittableRandom(SEED);
        StringBuilder timeline = new StringBuilder();

        // given two instances of the service with the same application.id, each with its own state directory
        // and two stream threads (the shape docs/scaling.md recommends for 2-core pods; the crash test runs one)
        Map<String, String> settingsA = Rig.settings(PLATFORM, APPLICATION_ID, work.resolve("state-a"), "instance-a");
        Map<String, String> settingsB = Rig.settings(PLATFORM, APPLICATION_ID, work.resolve("state-b"), "instance-b");
        settingsA.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(STREAM_THREADS));
        settingsB.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(STREAM_THREADS));
        TopicNames topics = Rig.topics(settingsA);
        Path logs = Rig.logDir("scale-out-test");
        try (ServiceProcess a = new ServiceProcess("instance-a", logs, settingsA, Rig.CHILD_JVM_OPTIONS);
             ServiceProcess b = new ServiceProcess("instance-b", logs, settingsB, Rig.CHILD_JVM_OPTIONS);
             Admin admin = OutputAudit.admin(PLATFORM.bootstrapServers())) {
            a.start().awaitRunning(START_TIMEOUT); // the first creates the topics
            b.start().awaitRunning(START_TIMEOUT);
            line(timeline, testStart, "both instances RUNNING");

            // when the group settles, then both instances own input partitions
            // (the retrieval-quality monitor's partitions come on top: it reads the output topics)
            Map<String, Set<TopicPartition>> shared = awaitAssignment(admin, owners -> owners.size() == 2
                    && owners.values().stream().allMatch(owned -> owned.stream().anyMatch(tp -> embedding(tp, topics))),
                    deadline);
            Set<TopicPartition> allPartitions = union(shared);
            line(timeline, testStart, "both own partitions: " + describe(shared));
            assertThat(allPartitions.stream().filter(tp -> embedding(tp, topics)).count())
                    .as("the embedding pipeline's sources and repartition topics, %d partitions each", Rig.PARTITIONS)
                    .isEqualTo(4L * Rig.PARTITIONS);

            // when 1,000 pairs are produced while they run (some captions before their image)
            ScenePlan plan = ScenePlan.build(SEED + 1, SCENES, 0.3, 20, topics, PLATFORM.registryUrl());
            int expectedPairs = plan.expectedPairs().size();
            try (OutputObserver observer = new OutputObserver(PLATFORM.bootstrapServers(), PLATFORM.registryUrl(),
                    topics, Rig.PARTITIONS)) {
                long runStart = System.nanoTime();
                ScenePlan.Production production = plan.produceInBackground(PLATFORM.bootstrapServers(),
                        observer::pairs, 400, deadline);

                // and a seeded one of the two is SIGKILLed when a seeded 30-60% of the output is committed (plus jitter)
                boolean killA = random.nextBoolean();
                ServiceProcess victim = killA ? a : b;
                ServiceProcess survivor = killA ? b : a;
                int target = (int) Math.ceil((0.3 + 0.3 * random.nextDouble()) * expectedPairs);
                assertThat(observer.await(() -> observer.pairs() >= target, deadline))
                        .as("output reached %d pairs: %s", target, observer.summary()).isTrue();
                Thread.sleep(random.nextInt(1_000));
                int seen = observer.pairs();
                long killedAt = System.nanoTime();
                int status = victim.kill();
                line(timeline, testStart, String.format("%s SIGKILLed (exit %d) with %d of %d pairs committed",
                        victim.name(), status, seen, expectedPairs));

                // then the survivor alone owns every partition
                Map<String, Set<TopicPartition>> takenOver = awaitAssignment(admin,
                        owners -> owners.size() == 1 && owners.containsKey(survivor.name())
                                && owners.get(survivor.name()).equals(allPartitions), deadline);
                line(timeline, testStart, survivor.name() + " owns all " + takenOver.get(survivor.name()).size()
                        + " partitions, " + Rig.seconds(System.nanoTime() - killedAt) + " after the kill");
                long flowing = observer.awaitNewOutputAfter(killedAt, deadline);
                assertThat(flowing).as("output flows after the kill: %s", observer.summary()).isPositive();
                line(timeline, testStart, "new output committed " + Rig.seconds(flowing - killedAt)
                        + " after the kill");

                // and all output arrives, and the input is fully consumed
                boolean complete = observer.await(() -> observer.pairs() >= expectedPairs
                        && observer.images() >= plan.expectedImages().size(), deadline);
                assertThat(production.failure.get()).as("input producer failure").isNull();
                assertThat(complete).as("all output committed: %s", observer.summary()).isTrue();
                line(timeline, testStart, "all output committed (" + observer.summary() + "), run took "
                        + Rig.seconds(System.nanoTime() - runStart));
                OutputAudit.awaitInputConsumed(PLATFORM.bootstrapServers(), APPLICATION_ID,
                        List.of(topics.images(), topics.captions()), Rig.PARTITIONS, Duration.ofSeconds(30));
                int stopped = survivor.stop(Duration.ofSeconds(40));
                line(timeline, testStart, survivor.name() + " stopped with SIGTERM (exit " + stopped + ")");
            }

            // then a read_committed reader finds every pair and image exactly once, and no dead letter
            OutputAudit audit = OutputAudit.read(PLATFORM.bootstrapServers(), PLATFORM.registryUrl(), topics,
                    Rig.PARTITIONS, Duration.ofSeconds(60));
            line(timeline, testStart, "audit done");
            String report = "# Scale-out test\n\n`ScaleOutIntegrationTest`: two instances (child JVMs, exactly_once_v2, "
                    + STREAM_THREADS + " stream threads each, " + Rig.PARTITIONS + " partitions), one SIGKILLed while events flow.\n\n"
                    + plan.expectedImages().size() + " images, " + expectedPairs + " pairs, "
                    + plan.captionsFirstScenes() + " scenes with all captions before the image (seed " + SEED
                    + ").\n\nVerdict: " + audit.summary(plan.expectedPairs(), plan.expectedImages()) + ".\n\n"
                    + "## Timeline (since the test started)\n\n" + timeline;
            System.out.println(report);
            System.out.println("report written to " + Rig.writeReport("scale-out-test.md", report));

            assertThat(audit.lostPairs(plan.expectedPairs())).as("lost pairs").isEmpty();
            assertThat(audit.duplicatedPairs()).as("pairs with more than one TEVI record").isEmpty();
            assertThat(audit.unexpectedPairs(plan.expectedPairs())).as("pairs never produced").isEmpty();
            assertThat(audit.lostImages(plan.expectedImages())).as("images without an AlignVLM record").isEmpty();
            assertThat(audit.duplicatedImages()).as("images with more than one AlignVLM record").isEmpty();
            assertThat(audit.deadLetters()).as("dead letters").isEmpty();
        }
    }

    /**
     * Polls the consumer group until {@code settled} holds for its assignment (instance name, i.e.
     * client.id prefix, to the partitions it owns); fails at the deadline.
     */
    /** A partition of the embedding pipeline: an input topic or one of its two re-keying topics. */
    private static boolean embedding(TopicPartition partition, TopicNames topics) {
        String topic = partition.topic();
        return topic.equals(topics.images()) || topic.equals(topics.captions())
                || topic.endsWith("-images-by-id-repartition") || topic.endsWith("-captions-by-id-repartition");
    }

    private static Map<String, Set<TopicPartition>> awaitAssignment(Admin admin,
            Predicate<Map<String, Set<TopicPartition>>> settled, long deadline) throws Exception {
        Map<String, Set<TopicPartition>> owners = Map.of();
        while (System.nanoTime() < deadline) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(APPLICATION_ID))
                    .describedGroups().get(APPLICATION_ID).get(30, TimeUnit.SECONDS);
            owners = new TreeMap<>();
            for (MemberDescription member : group.members()) {
                String instance = member.clientId().replaceAll("-StreamThread-.*$", "");
                owners.computeIfAbsent(instance, k -> new TreeSet<>(ScaleOutIntegrationTest::compare))
                        .addAll(member.assignment().topicPartitions());
            }
            if (settled.test(owners)) {
                return owners;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the consumer group did not settle as expected; last seen: " + describe(owners));
    }

    private static int compare(TopicPartition x, TopicPartition y) {
        int byTopic = x.topic().compareTo(y.topic());
        return byTopic != 0 ? byTopic : Integer.compare(x.partition(), y.partition());
    }

    private static Set<TopicPartition> union(Map<String, Set<TopicPartition>> owners) {
        Set<TopicPartition> all = new TreeSet<>(ScaleOutIntegrationTest::compare);
        owners.values().forEach(all::addAll);
        return all;
    }

    private static String describe(Map<String, Set<TopicPartition>> owners) {
        StringBuilder out = new StringBuilder();
        owners.forEach((instance, partitions) -> out.append(out.length() == 0 ? "" : "; ").append(instance)
                .append(" ").append(partitions.size()).append(" partitions ").append(partitions));
        return out.toString();
    }

    private static void line(StringBuilder timeline, long testStart, String what) {
        String line = "- " + Rig.seconds(System.nanoTime() - testStart) + ": " + what + "\n";
        timeline.append(line);
        Rig.progress(testStart, what);
    }
}
