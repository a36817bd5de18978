package io.alignstream.metrics;

import static io.alignstream.metrics.Exposition.sample;
import static io.alignstream.metrics.Exposition.samples;
import static io.alignstream.metrics.Exposition.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.events.DeadLetterReason;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PrometheusPipelineMetricsTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusPipelineMetrics metrics = new PrometheusPipelineMetrics(registry);

    @Test
    void eventsInAndOutAreCountedPerTopic() {
        // given records read from two input topics and published to one output topic
        metrics.eventIn("images");
        metrics.eventIn("images");
        metrics.eventIn("captions");
        metrics.eventOut("tevi-embeddings");

        // when the registry is scraped
        String text = Exposition.text(registry);

        // then each topic has its own counter
        assertThat(type(text, "alignstream_events_in_total")).isEqualTo("counter");
        assertThat(sample(text, "alignstream_events_in_total{topic=\"images\"}")).hasValue(2.0);
        assertThat(sample(text, "alignstream_events_in_total{topic=\"captions\"}")).hasValue(1.0);
        assertThat(sample(text, "alignstream_events_out_total{topic=\"tevi-embeddings\"}")).hasValue(1.0);
        assertThat(sample(text, "alignstream_events_out_total{topic=\"images\"}")).isEmpty();
    }

    @Test
    void deadLettersAreCountedPerSourceTopicAndReason() {
        // given records dead-lettered for different reasons
        metrics.deadLetter("images", DeadLetterReason.BAD_IMAGE);
        metrics.deadLetter("images", DeadLetterReason.BAD_IMAGE);
        metrics.deadLetter("captions", DeadLetterReason.CAPTION_WITHOUT_IMAGE);

        // when scraped
        String text = Exposition.text(registry);

        // then the count is per topic and reason, the reason as the schema's symbol
        assertThat(type(text, "alignstream_dead_letters_total")).isEqualTo("counter");
        assertThat(sample(text, "alignstream_dead_letters_total{reason=\"BAD_IMAGE\",topic=\"images\"}")).hasValue(2.0);
        assertThat(sample(text, "alignstream_dead_letters_total{reason=\"CAPTION_WITHOUT_IMAGE\",topic=\"captions\"}"))
                .hasValue(1.0);
    }

    @Test
    void aBatchIsObservedAsASizeAndADurationInSecondsForItsStage() {
        // given one VISION batch of 5 images that took 40 ms and one TEXT batch of 1 caption
        metrics.batch(InferenceStage.VISION, 5, 40_000_000L);
        metrics.batch(InferenceStage.TEXT, 1, 2_000_000L);

        // when scraped
        String text = Exposition.text(registry);

        // then the size falls in the power-of-two buckets: not in le=4, in le=8
        assertThat(type(text, "alignstream_batch_size")).isEqualTo("histogram");
        assertThat(sample(text, "alignstream_batch_size_bucket{stage=\"VISION\",le=\"4.0\"}")).hasValue(0.0);
        assertThat(sample(text, "alignstream_batch_size_bucket{stage=\"VISION\",le=\"8.0\"}")).hasValue(1.0);
        assertThat(sample(text, "alignstream_batch_size_sum{stage=\"VISION\"}")).hasValue(5.0);
        assertThat(sample(text, "alignstream_batch_size_bucket{stage=\"TEXT\",le=\"1.0\"}")).hasValue(1.0);
        // and the buckets are 1, 2, 4, ..., 1024 and +Inf
        assertThat(samples(text, "alignstream_batch_size_bucket{stage=\"VISION\"")).hasSize(12)
                .anyMatch(line -> line.contains("le=\"1024.0\""));
        // and the duration is in seconds
        assertThat(type(text, "alignstream_inference_duration_seconds")).isEqualTo("histogram");
        assertThat(sample(text, "alignstream_inference_duration_seconds_sum{stage=\"VISION\"}"))
                .hasValueCloseTo(0.040, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(sample(text, "alignstream_inference_duration_seconds_bucket{stage=\"VISION\",le=\"0.025\"}")).hasValue(0.0);
        assertThat(sample(text, "alignstream_inference_duration_seconds_bucket{stage=\"VISION\",le=\"0.05\"}")).hasValue(1.0);
    }

    @Test
    void everyStageHasItsSeriesBeforeItsFirstBatch() {
        // given no batch has run yet
        // when scraped
        String text = Exposition.text(registry);

        // then every stage already shows a zero count, so rate() works from the first scrape
        for (InferenceStage stage : InferenceStage.values()) {
            assertThat(sample(text, "alignstream_batch_size_count{stage=\"" + stage + "\"}")).hasValue(0.0);
            assertThat(sample(text, "alignstream_inference_duration_seconds_count{stage=\"" + stage + "\"}")).hasValue(0.0);
        }
    }

    @Test
    void endToEndLatencyIsInSecondsPerOutputTopicWithBucketsUpToMinutes() {
        // given results published 150 ms and 3 minutes after their input events' eventTime
        metrics.endToEndLatency("tevi-embeddings", 150);
        metrics.endToEndLatency("tevi-embeddings", 180_000);

        // when scraped
        String text = Exposition.text(registry);

        // then both land in seconds buckets, the slow one between 2 and 5 minutes
        assertThat(sample(text, "alignstream_end_to_end_latency_seconds_count{topic=\"tevi-embeddings\"}")).hasValue(2.0);
        assertThat(sample(text, "alignstream_end_to_end_latency_seconds_sum{topic=\"tevi-embeddings\"}")).hasValue(180.15);
        assertThat(sample(text, "alignstream_end_to_end_latency_seconds_bucket{topic=\"tevi-embeddings\",le=\"0.25\"}"))
                .hasValue(1.0);
        assertThat(sample(text, "alignstream_end_to_end_latency_seconds_bucket{topic=\"tevi-embeddings\",le=\"120.0\"}"))
                .hasValue(1.0);
        assertThat(sample(text, "alignstream_end_to_end_latency_seconds_bucket{topic=\"tevi-embeddings\",le=\"300.0\"}"))
                .hasValue(2.0);
    }

    @Test
    void aNegativeLatencyFromClockSkewCountsAsZero() {
        // given an event whose eventTime is ahead of the service's clock
        metrics.endToEndLatency("tevi-embeddings", -500);
        metrics.captionJoinWait(-1);

        // when scraped
        String text = Exposition.text(registry);

        // then it is observed as 0 s, not subtracted from the sum
        assertThat(sample(text, "alignstream_end_to_end_latency_seconds_sum{topic=\"tevi-embeddings\"}")).hasValue(0.0);
        assertThat(sample(text, "alignstream_end_to_end_latency_seconds_bucket{topic=\"tevi-embeddings\",le=\"0.01\"}"))
                .hasValue(1.0);
        assertThat(sample(text, "alignstream_caption_join_wait_seconds_sum")).hasValue(0.0);
    }

    @Test
    void captionJoinWaitIsAnUnlabelledHistogramInSeconds() {
        // given two captions that waited 2 s and 45 s for their image
        metrics.captionJoinWait(2_000);
        metrics.captionJoinWait(45_000);

        // when scraped
        String text = Exposition.text(registry);

        // then
        assertThat(type(text, "alignstream_caption_join_wait_seconds")).isEqualTo("histogram");
        assertThat(sample(text, "alignstream_caption_join_wait_seconds_count")).hasValue(2.0);
        assertThat(sample(text, "alignstream_caption_join_wait_seconds_sum")).hasValue(47.0);
        assertThat(sample(text, "alignstream_caption_join_wait_seconds_bucket{le=\"2.5\"}")).hasValue(1.0);
        assertThat(sample(text, "alignstream_caption_join_wait_seconds_bucket{le=\"60.0\"}")).hasValue(2.0);
    }

    @Test
    void pendingCaptionsIsTheLatestCountPerTaskPartition() {
        // given two tasks reporting, one of them twice
        metrics.pendingCaptions(0, 12);
        metrics.pendingCaptions(3, 4);
        metrics.pendingCaptions(0, 7);

        // when scraped
        String text = Exposition.text(registry);

        // then each partition shows its latest count: a gauge, not a sum
        assertThat(type(text, "alignstream_pending_captions")).isEqualTo("gauge");
        assertThat(sample(text, "alignstream_pending_captions{partition=\"0\"}")).hasValue(7.0);
        assertThat(sample(text, "alignstream_pending_captions{partition=\"3\"}")).hasValue(4.0);
    }

    @Test
    void everyMetricHasAHelpText() {
        // given every metric used once
        metrics.eventIn("a");
        metrics.eventOut("b");
        metrics.deadLetter("a", DeadLetterReason.OTHER);
        metrics.endToEndLatency("b", 1);
        metrics.pendingCaptions(0, 1);

        // when scraped
        String text = Exposition.text(registry);

        // then each of the eight families says what it counts
        List<String> helps = text.lines().filter(line -> line.startsWith("# HELP alignstream_")).toList();
        assertThat(helps).hasSize(8).allSatisfy(line -> assertThat(line.split(" ", 4)[3]).hasSizeGreaterThan(20));
    }

    @Test
    void concurrentStreamThreadsLoseNoCounts() throws Exception {
        // given eight threads that each count 10,000 events and batches at the same moment
        int threads = 8;
        int perThread = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int partition = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        metrics.eventIn("images");
                        metrics.batch(InferenceStage.VISION, 2, 1_000);
                        metrics.pendingCaptions(partition, i);
                    }
                    return null;
                }));
            }
            // when they run
            start.countDown();
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        // then every increment and observation is there
        String text = Exposition.text(registry);
        assertThat(sample(text, "alignstream_events_in_total{topic=\"images\"}")).hasValue((double) threads * perThread);
        assertThat(sample(text, "alignstream_batch_size_count{stage=\"VISION\"}")).hasValue((double) threads * perThread);
        assertThat(sample(text, "alignstream_batch_size_sum{stage=\"VISION\"}")).hasValue(2.0 * threads * perThread);
        assertThat(sample(text, "alignstream_pending_captions{partition=\"7\"}")).hasValue(perThread - 1.0);
    }

    @Test
    void aSecondInstanceOnTheSameRegistryIsRefused() {
        // given the metrics registered once
        // when registered again on the same registry
        // then registration fails instead of silently splitting counts
        assertThatThrownBy(() -> new PrometheusPipelineMetrics(registry)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theNoopMetricsAcceptEveryCall() {
        // given the no-op metrics
        PipelineMetrics noop = PipelineMetrics.noop();

        // when every method is called, then nothing happens and nothing throws
        noop.eventIn("a");
        noop.eventOut("a");
        noop.deadLetter("a", DeadLetterReason.OTHER);
        noop.batch(InferenceStage.TEVI, 1, 1);
        noop.endToEndLatency("a", 1);
        noop.captionJoinWait(1);
        noop.pendingCaptions(0, 1);
        assertThat(PipelineMetrics.noop()).isSameAs(noop);
    }
}
