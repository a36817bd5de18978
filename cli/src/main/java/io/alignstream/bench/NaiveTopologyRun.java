package io.alignstream.bench;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.inference.InferenceModels;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;

/**
 * Measurement 3: the baseline {@link NaivePerRecordTopology} on Kafka Streams with the same
 * configuration basis as the product (exactly_once_v2, one stream thread, a fresh application
 * id), timed like {@link TopologyRun}: from before its models are opened until every output was
 * seen read_committed.
 */
final class NaiveTopologyRun {
    private final BenchPlatform platform;
    private final Duration timeout;

    NaiveTopologyRun(BenchPlatform platform, Duration timeout) {
        this.platform = platform;
        this.timeout = timeout;
    }

    RoundResult run(BenchWorkload workload, int round, PrecisionUnderTest precision) {
        AlignstreamConfig config = platform.roundConfig(precision.roundName("naive", round), precision.settings());
        StageProfile profile = new StageProfile();
        try (CommittedOutputWatcher watcher = platform.watcher(config, workload)) {
            long start = System.nanoTime();
            CommittedOutputWatcher.Seen seen;
            long running;
            try (InferenceModels models = BenchModels.open(config);
                 NaiveModelCalls calls = new NaiveModelCalls(models, config.topologySettings(), profile)) {
                KafkaStreams streams = new KafkaStreams(NaivePerRecordTopology.build(new StreamsBuilder(),
                        config.topicNames(), config.serdeConfig(), calls), config.streamsProperties());
                try {
                    streams.start();
                    running = awaitRunning(streams);
                    seen = watcher.awaitAll(timeout);
                } finally {
                    streams.close(Duration.ofSeconds(30));
                }
            }
            return new RoundResult(Measurement.NAIVE, round, workload.scenes(), workload.pairs(),
                    (seen.doneNanos() - start) / 1e9, (seen.doneNanos() - running) / 1e9,
                    watcher.deadLetters(seen.counts()), profile, precision.label());
        }
    }

    /** When the naive topology reports RUNNING, waited for as the product's is. */
    private long awaitRunning(KafkaStreams streams) {
        try {
            if (!AlignstreamApp.awaitRunning(streams, timeout)) {
                throw new IllegalStateException("the naive topology did not reach RUNNING: " + streams.state());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return System.nanoTime();
    }
}
