package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.inference.InferenceModels;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.topology.TopologySettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runtime baseline on one worker and on as many workers as the topology has stream threads. */
class BatchedRuntimeRunTest {
    private static final AlignstreamConfig CONFIG = new AlignstreamConfig(Map.of(
            "bootstrap.servers", "unused:9092", "schema.registry.url", "http://unused:8081"));

    @Test
    void twoWorkersEmbedEveryImageCaptionAndPairOnceLikeOne() {
        // given 13 scenes of the synthetic world (an odd count, so the two shares differ) and the default models
        BenchWorkload workload = BenchWorkload.generate(13, 20_261_207L);
        TopologySettings settings = CONFIG.topologySettings();
        try (InferenceModels models = BenchModels.open(CONFIG)) {
            // when the baseline runs on one worker, then on two
            StageProfile one = new BatchedRuntimeRun(models, settings, 1).run(workload, 1).profile();
            StageProfile two = new BatchedRuntimeRun(models, settings, 2).run(workload, 1).profile();

            // then both embed each image once, each caption's text once, and each pair once
            // (the TEVI head's stage counts each image's sparse code and each pair's alignment)
            for (StageProfile profile : new StageProfile[] {one, two}) {
                assertThat(profile.totals(InferenceStage.VISION).items()).isEqualTo(workload.scenes());
                assertThat(profile.totals(InferenceStage.ALIGNVLM).items()).isEqualTo(workload.scenes());
                assertThat(profile.totals(InferenceStage.TEVI).items()).isEqualTo(workload.scenes() + workload.pairs());
            }
            assertThat(two.totals(InferenceStage.TEXT).items()).isEqualTo(one.totals(InferenceStage.TEXT).items())
                    .isGreaterThanOrEqualTo(workload.pairs());
            // and two workers make at least as many model calls, their batches being their own shares
            assertThat(two.totals(InferenceStage.VISION).calls())
                    .isGreaterThanOrEqualTo(one.totals(InferenceStage.VISION).calls());
            // and the workers' CPU is counted (model calls run on a CPU most of their time; /proc ticks are 10 ms)
            assumeTrue(ThreadCpu.now().isPresent(), "Linux /proc");
            for (StageProfile profile : new StageProfile[] {one, two}) {
                assertThat(profile.cpu()).hasValueSatisfying(cpu ->
                        assertThat(cpu.total()).isGreaterThan(0.5 * profile.modelSeconds()));
            }
        }
    }

    @Test
    void refusesFewerThanOneWorker() {
        assertThatThrownBy(() -> new BatchedRuntimeRun(null, CONFIG.topologySettings(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }
}
