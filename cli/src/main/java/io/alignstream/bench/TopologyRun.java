package io.alignstream.bench;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Measurement 2: {@link AlignstreamApp} as {@code alignstream run} starts it (its own models,
 * exactly_once_v2, default batching), on a fresh application id against the backlog, timed from
 * before its start, and from when it reports RUNNING, until a read_committed consumer has seen
 * every TEVI and AlignVLM record. The
 * model time per stage and the batch sizes actually achieved come from its own /metrics; what ran
 * on the cores from RUNNING to the last output from {@link ThreadCpu}.
 */
final class TopologyRun {
    private final BenchPlatform platform;
    private final Duration timeout;

    TopologyRun(BenchPlatform platform, Duration timeout) {
        this.platform = platform;
        this.timeout = timeout;
    }

    RoundResult run(BenchWorkload workload, int round, PrecisionUnderTest precision)
            throws IOException, InterruptedException {
        AlignstreamConfig config = platform.roundConfig(precision.roundName("topology", round), precision.settings());
        try (CommittedOutputWatcher watcher = platform.watcher(config, workload)) {
            long start = System.nanoTime();
            long gcBefore = StreamThreadTimes.gcMillis();
            CommittedOutputWatcher.Seen seen;
            StageProfile profile;
            long running;
            try (AlignstreamApp app = AlignstreamApp.start(config)) {
                if (!app.awaitRunning(timeout)) {
                    throw new IllegalStateException("the application did not reach RUNNING: " + app.state());
                }
                running = System.nanoTime();
                Optional<ThreadCpu> cpuAtRunning = ThreadCpu.now();
                seen = watcher.awaitAll(timeout);
                Optional<ThreadCpu> cpuAtDone = ThreadCpu.now();
                profile = StageProfile.fromExposition(scrape(app.httpPort()))
                        .withThreadTimes(StreamThreadTimes.of(app.streams().metrics(), gcBefore));
                cpuAtDone.ifPresent(done -> profile.withCpu(done.since(cpuAtRunning.orElseThrow())));
            }
            return new RoundResult(Measurement.TOPOLOGY, round, workload.scenes(), workload.pairs(),
                    (seen.doneNanos() - start) / 1e9, (seen.doneNanos() - running) / 1e9,
                    watcher.deadLetters(seen.counts()), profile, precision.label());
        }
    }

    private static String scrape(int port) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
