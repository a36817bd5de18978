package io.alignstream.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.schemas.TopicNames;
import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once through crashes: the service runs as a child JVM and is SIGKILLed three times at
 * seeded-random moments (each followed by a restart on the same state directory), and the
 * broker itself is SIGKILLed and restarted once, while 5,000 (image, caption) pairs flow. A
 * {@code read_committed} consumer must then find exactly one TEVI record per pair, exactly one
 * AlignVLM record per image, and no dead letter.
 *
 * <p>The numbers go to standard output and to {@code target/resilience/crash-test.md}. The seed
 * ({@code -Dresilience.seed}, default below) fixes the production order and the disruption
 * points; the moments themselves follow the service's progress, so timings vary run to run.
 */
@Timeout(value = 7, unit = TimeUnit.MINUTES)
class CrashRecoveryIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    private static final long SEED = Long.getLong("resilience.seed", 20_260_522L);
    /** Scenes of one image and five captions: 5,000 pairs. */
    private static final int SCENES = 1_000;
    private static final int SERVICE_KILLS = 3;
    /** Bounds of each step; the whole test must fail, not hang, on a machine that cannot keep up. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** Measured: 119-154 s; twice, with the child still on C2 at load average 12-15, 4 minutes were not enough. */
    private static final Duration RUN_DEADLINE = Duration.ofMinutes(5);

    @TempDir
    Path work;

    @Test
    void everyPairExactlyOnceThroughThreeServiceKillsAndABrokerCrash() throws Exception {
        long testStart = System.nanoTime();
        long runDeadline = testStart + RUN_DEADLINE.toNanos();
        SplittableRandom random = new SplittableRandom(SEED);
        Report report = new Report(testStart);

        // given the service in a child JVM on the shared broker and registry, exactly_once_v2 (its default)
        Map<String, String> settings = Rig.settings(PLATFORM, "crash-recovery", work.resolve("state"), "crash");
        TopicNames topics = Rig.topics(settings);
        long phase = System.nanoTime();
        try (ServiceProcess service = new ServiceProcess("service", Rig.logDir("crash-test"), settings,
                Rig.CHILD_JVM_OPTIONS)) {
            service.start().awaitRunning(START_TIMEOUT);
            report.phase("service started (JVM, models, topics, first rebalance)", phase);

            // and 1,000 scenes planned: a seeded 30% with every caption before its image, the image 1-40 scenes later
            phase = System.nanoTime();
            ScenePlan plan = ScenePlan.build(SEED, SCENES, 0.3, 40, topics, PLATFORM.registryUrl());
            int expectedPairs = plan.expectedPairs().size();
            report.phase("events generated and serialised (" + plan.records() + " records)", phase);
            assertThat(expectedPairs).isGreaterThanOrEqualTo(5_000);

            // and four disruption points at seeded fractions of the expected output, one slot each,
            // the broker crash in a seeded slot, the service kills in the others
            int brokerSlot = random.nextInt(SERVICE_KILLS + 1);
            List<Double> fractions = new ArrayList<>();
            double slot = 0.75 / (SERVICE_KILLS + 1);
            for (int i = 0; i <= SERVICE_KILLS; i++) {
                fractions.add(0.10 + i * slot + 0.02 + random.nextDouble() * (slot - 0.04));
            }

            try (OutputObserver observer = new OutputObserver(PLATFORM.bootstrapServers(), PLATFORM.registryUrl(),
                    topics, Rig.PARTITIONS)) {
                // when the events are produced while the service runs (at most 1,000 pairs ahead of its output)
                long runStart = System.nanoTime();
                ScenePlan.Production production = plan.produceInBackground(PLATFORM.bootstrapServers(),
                        observer::pairs, 1_000, runDeadline);

                // and at each disruption point (plus seeded jitter) the service or the broker is SIGKILLed and restarted
                for (int i = 0; i < fractions.size(); i++) {
                    int target = (int) Math.ceil(fractions.get(i) * expectedPairs);
                    assertThat(observer.await(() -> observer.pairs() >= target, runDeadline))
                            .as("output reached %d pairs before the deadline (%s)", target, observer.summary()).isTrue();
                    Thread.sleep(random.nextInt(1_500));
                    int seen = observer.pairs();
                    long at = System.nanoTime();
                    if (i == brokerSlot) {
                        report.disruption(crashBroker(PLATFORM.kafka(), service, observer,
                                topics.images() + "-value", at, runDeadline), runStart,
                                at, seen, expectedPairs);
                    } else {
                        report.disruption(killService(service, observer, at, runDeadline), runStart, at, seen,
                                expectedPairs);
                    }
                }

                // then every pair and every image is committed, and the input is fully consumed
                boolean complete = observer.await(() -> observer.pairs() >= expectedPairs
                        && observer.images() >= plan.expectedImages().size(), runDeadline);
                assertThat(production.failure.get()).as("input producer failure").isNull();
                assertThat(complete).as("all output committed before the deadline: %s", observer.summary()).isTrue();
                report.phase("run: first event to last output committed, through the disruptions", runStart);
                report.producedIn(production, runStart);

                phase = System.nanoTime();
                OutputAudit.awaitInputConsumed(PLATFORM.bootstrapServers(), settings.get("application.id"),
                        List.of(topics.images(), topics.captions()), Rig.PARTITIONS, Duration.ofSeconds(30));
                int stopStatus = service.stop(Duration.ofSeconds(40));
                report.phase("input consumed, service stopped with SIGTERM (exit " + stopStatus + ")", phase);
            }

            // and a read_committed reader finds exactly one TEVI record per pair, one AlignVLM record per image, no dead letter
            phase = System.nanoTime();
            OutputAudit audit = OutputAudit.read(PLATFORM.bootstrapServers(), PLATFORM.registryUrl(), topics,
                    Rig.PARTITIONS, Duration.ofSeconds(60));
            report.phase("audit: no open transaction, all output read back read_committed", phase);
            report.total(testStart);
            report.result(plan, audit, SEED);
            System.out.println(report.markdown());
            System.out.println("report written to " + Rig.writeReport("crash-test.md", report.markdown()));

            assertThat(audit.lostPairs(plan.expectedPairs())).as("lost pairs").isEmpty();
            assertThat(audit.duplicatedPairs()).as("pairs with more than one TEVI record").isEmpty();
            assertThat(audit.unexpectedPairs(plan.expectedPairs())).as("pairs never produced").isEmpty();
            assertThat(audit.lostImages(plan.expectedImages())).as("images without an AlignVLM record").isEmpty();
            assertThat(audit.duplicatedImages()).as("images with more than one AlignVLM record").isEmpty();
            assertThat(audit.unexpectedImages(plan.expectedImages())).as("images never produced").isEmpty();
            assertThat(audit.deadLetters()).as("dead letters").isEmpty();
            assertThat(report.serviceKills).isEqualTo(SERVICE_KILLS);
            assertThat(report.brokerCrashes).isEqualTo(1);
        }
    }

    /**
     * The batching design's own claim, forced rather than left to chance: inputs that were consumed
     * and committed into the changelogged inference buffer, but whose batch had not run when the
     * process died, come back from the changelog and are embedded exactly once.
     */
    @Test
    void inputsWaitingForTheirBatchComeBackAfterAKillAndAreEmbeddedOnce() throws Exception {
        long testStart = System.nanoTime();
        long deadline = testStart + Duration.ofMinutes(2).toNanos();

        // given the service with batches that wait up to 8 s to fill (1,024 inputs), so inputs sit in the buffer
        Map<String, String> settings = Rig.settings(PLATFORM, "buffer-kill", work.resolve("state"), "buffer-kill");
        settings.put(AlignstreamConfig.BATCH_MAX_SIZE_CONFIG, "1024");
        settings.put(AlignstreamConfig.BATCH_MAX_WAIT_MS_CONFIG, "8000");
        settings.put(AlignstreamConfig.BATCH_WORST_CASE_MS_CONFIG, "1000");
        settings.put(AlignstreamConfig.FAULT_RETRY_BUDGET_MS_CONFIG, "500"); // wait + worst case + retries < the 10 s transaction
        TopicNames topics = Rig.topics(settings);
        String applicationId = settings.get("application.id");
        try (ServiceProcess service = new ServiceProcess("service", Rig.logDir("buffer-kill-test"), settings,
                Rig.CHILD_JVM_OPTIONS)) {
            service.start().awaitRunning(START_TIMEOUT); // it creates its topics
            Rig.progress(testStart, "service RUNNING");
            try (OutputObserver observer = new OutputObserver(PLATFORM.bootstrapServers(), PLATFORM.registryUrl(),
                    topics, Rig.PARTITIONS)) {

                // when 20 scenes (120 records, 100 pairs) are produced and the service has consumed and committed them all
                ScenePlan plan = ScenePlan.build(SEED + 2, 20, 0.3, 5, topics, PLATFORM.registryUrl());
                long produced = System.nanoTime();
                ScenePlan.Production production = plan.produceInBackground(PLATFORM.bootstrapServers(),
                        () -> Integer.MAX_VALUE, 0, deadline);
                production.thread.join(30_000);
                assertThat(production.failure.get()).as("input producer failure").isNull();
                OutputAudit.awaitInputConsumed(PLATFORM.bootstrapServers(), applicationId,
                        List.of(topics.images(), topics.captions()), Rig.PARTITIONS, Duration.ofSeconds(30));
                OutputAudit.awaitConsumed(PLATFORM.bootstrapServers(), applicationId,
                        List.of(applicationId + "-images-by-id-repartition", applicationId + "-captions-by-id-repartition"),
                        Rig.PARTITIONS, 1, Duration.ofSeconds(30));
                Thread.sleep(500); // a few more 100 ms commits
                Rig.progress(testStart, "all input consumed and committed "
                        + Rig.seconds(System.nanoTime() - produced) + " after the first record was sent");

                // and the service is SIGKILLed before the batch's 8 s are up: nothing was committed as output
                service.kill();
                long killedAfter = System.nanoTime() - produced;
                Rig.progress(testStart, "service SIGKILLed " + Rig.seconds(killedAfter) + " after the first record");
                assertThat(killedAfter).as("killed within the batch wait").isLessThan(Duration.ofSeconds(8).toNanos());
                assertThat(observer.pairs() + observer.images()).as("output committed before the kill").isZero();

                // then the restarted service finds the waiting inputs in its buffer, restored from the changelog
                service.restart().awaitRunning(START_TIMEOUT);
                service.awaitLog(Pattern.compile("inputs restored into the inference buffer"), Duration.ofSeconds(30));
                Thread.sleep(1_000); // every task has logged its own
                Matcher restored = Pattern.compile("(\\d+) inputs restored into the inference buffer")
                        .matcher(service.currentLog());
                int restoredInputs = 0;
                while (restored.find()) {
                    restoredInputs += Integer.parseInt(restored.group(1));
                }
                Rig.progress(testStart, restoredInputs + " of " + plan.records() + " inputs restored into the buffer");
                assertThat(restoredInputs).isPositive().isLessThanOrEqualTo(plan.records());

                // and embeds every pair and image exactly once
                assertThat(observer.await(() -> observer.pairs() >= plan.expectedPairs().size()
                        && observer.images() >= plan.expectedImages().size(), deadline))
                        .as("all output committed: %s", observer.summary()).isTrue();
                service.stop(Duration.ofSeconds(40));
                OutputAudit audit = OutputAudit.read(PLATFORM.bootstrapServers(), PLATFORM.registryUrl(), topics,
                        Rig.PARTITIONS, Duration.ofSeconds(60));
                String summary = audit.summary(plan.expectedPairs(), plan.expectedImages());
                Rig.progress(testStart, "verdict: " + summary);
                Files.writeString(Rig.reportDir().resolve("buffer-kill-test.md"), "# Buffered inputs through a kill\n\n"
                        + "`CrashRecoveryIntegrationTest#inputsWaitingForTheirBatchComeBackAfterAKillAndAreEmbeddedOnce`: "
                        + plan.records() + " input records consumed and committed into the buffer, SIGKILL "
                        + Rig.seconds(killedAfter) + " after the first was sent (batch wait 8 s), " + restoredInputs
                        + " restored from the changelog on restart.\n\nVerdict: " + summary + ".\n");
                assertThat(audit.lostPairs(plan.expectedPairs())).as("lost pairs").isEmpty();
                assertThat(audit.duplicatedPairs()).as("pairs with more than one TEVI record").isEmpty();
                assertThat(audit.lostImages(plan.expectedImages())).as("images without an AlignVLM record").isEmpty();
                assertThat(audit.duplicatedImages()).as("images with more than one AlignVLM record").isEmpty();
                assertThat(audit.deadLetters()).as("dead letters").isEmpty();
            }
        }
    }

    /** SIGKILL (exit 137), restart on the same state directory, and time until output flows again. */
    private static Disruption killService(ServiceProcess service, OutputObserver observer, long at, long deadline)
            throws Exception {
        long pid = service.pid();
        int status = service.kill();
        long restartedAt = System.nanoTime();
        service.restart().awaitRunning(START_TIMEOUT);
        long running = System.nanoTime();
        long flowing = observer.awaitNewOutputAfter(running, deadline);
        assertThat(flowing).as("output flows again after the restart: %s", observer.summary()).isPositive();
        return new Disruption("service SIGKILL (pid " + pid + ", exit " + status + "), restart", at,
                "restart to RUNNING " + Rig.seconds(running - restartedAt), flowing);
    }

    /**
     * SIGKILLs the broker, checks the registry still answers reads while it is down, restarts the
     * broker on the same data and ports, checks the registry can write again, and waits for the
     * (untouched) service to produce output again.
     */
    private static Disruption crashBroker(EmbeddedKafkaBroker kafka, ServiceProcess service, OutputObserver observer,
                                          String imagesSubject, long at, long deadline) throws Exception {
        kafka.kill();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> whileDown = http.send(HttpRequest.newBuilder(
                URI.create(PLATFORM.registryUrl() + "/subjects")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(whileDown.statusCode()).as("registry reads while the broker is down: %s", whileDown.body())
                .isEqualTo(200);
        assertThat(whileDown.body()).as("subjects known while the broker is down").contains(imagesSubject);
        kafka.restart();
        long up = System.nanoTime();
        HttpResponse<String> write = http.send(HttpRequest.newBuilder(
                        URI.create(PLATFORM.registryUrl() + "/subjects/resilience-probe-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .timeout(Duration.ofSeconds(40))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Probe\\\",\\\"fields\\\":[]}\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        long written = System.nanoTime();
        assertThat(write.statusCode()).as("registry writes after the broker restart: %s", write.body()).isEqualTo(200);
        long flowing = observer.awaitNewOutputAfter(up, deadline);
        assertThat(flowing).as("output flows again after the broker restart: %s\n%s", observer.summary(),
                service.tail()).isPositive();
        assertThat(service.isAlive()).as("the service survived the broker crash" + service.tail()).isTrue();
        return new Disruption("broker SIGKILL, restart on same data (registry read while down: HTTP "
                + whileDown.statusCode() + "; write after: HTTP " + write.statusCode() + " in "
                + Rig.seconds(written - up) + ")", at, "broker down " + Rig.seconds(up - at), flowing);
    }

    private record Disruption(String what, long atNanos, String detail, long outputAgainNanos) { }

    /** The numbers, as Markdown. */
    private static final class Report {
        private final long testStart;
        private final StringBuilder phases = new StringBuilder();
        private final StringBuilder disruptions = new StringBuilder();
        private final StringBuilder result = new StringBuilder();
        private String production = "";
        private String total = "";
        int serviceKills;
        int brokerCrashes;

        Report(long testStart) {
            this.testStart = testStart;
        }

        void phase(String what, long startNanos) {
            Rig.progress(testStart, what + ": " + Rig.seconds(System.nanoTime() - startNanos));
            phases.append("| ").append(what).append(" | ").append(Rig.seconds(System.nanoTime() - startNanos))
                    .append(" |\n");
        }

        void disruption(Disruption d, long runStart, long at, int seen, int expected) {
            if (d.what().startsWith("broker")) {
                brokerCrashes++;
            } else {
                serviceKills++;
            }
            Rig.progress(testStart, d.what() + " at " + seen + " pairs; " + d.detail() + "; new output after "
                    + Rig.seconds(d.outputAgainNanos() - at));
            disruptions.append(String.format("| %d | %s | %s | %d (%.0f%%) | %s | %s |\n",
                    serviceKills + brokerCrashes, Rig.seconds(at - runStart), d.what(), seen, 100.0 * seen / expected,
                    d.detail(), Rig.seconds(d.outputAgainNanos() - at)));
        }

        void producedIn(ScenePlan.Production p, long runStart) {
            production = "Input: " + p.sent.get() + " records sent in " + Rig.seconds(p.finishedAtNanos - runStart)
                    + " (paced: at most 1,000 pairs ahead of the committed output).\n";
        }

        void total(long testStart) {
            total = "Total (test method, the shared broker and registry start not included): "
                    + Rig.seconds(System.nanoTime() - testStart) + ".\n";
        }

        void result(ScenePlan plan, OutputAudit audit, long seed) {
            result.append("Seed ").append(seed).append(": ").append(plan.expectedImages().size()).append(" images, ")
                    .append(plan.expectedPairs().size()).append(" (image, caption) pairs, ")
                    .append(plan.captionsFirstScenes()).append(" scenes with all captions before the image.\n\n")
                    .append("Verdict (read_committed, after a clean stop, no open transaction): ")
                    .append(audit.summary(plan.expectedPairs(), plan.expectedImages())).append(".\n");
        }

        String markdown() {
            return "# Crash recovery test\n\n"
                    + "`CrashRecoveryIntegrationTest`: the service in a child JVM (exactly_once_v2, "
                    + Rig.PARTITIONS + " partitions, one stream thread), SIGKILLed " + SERVICE_KILLS
                    + " times and the broker SIGKILLed once while events flow.\n\n"
                    + result + "\n"
                    + "## Disruptions\n\n"
                    + "| # | at (since first event) | what | pairs committed then | detail | until new output |\n"
                    + "| ---: | ---: | --- | ---: | --- | ---: |\n" + disruptions + "\n"
                    + "## Phases\n\n| phase | time |\n| --- | ---: |\n" + phases + "\n"
                    + production + total;
        }
    }
}
