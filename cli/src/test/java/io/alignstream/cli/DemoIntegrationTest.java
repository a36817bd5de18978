package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code alignstream demo} as a user runs it: the embedded broker and registry, the service and its traffic, for real. */
class DemoIntegrationTest {

    @Test
    void demoRunsThePipelineEndToEndOnTheEmbeddedDefault() {
        // when the demo runs with two scenes on the embedded default
        CommandRun run = run("demo", "--scenes", "2", "--http-port", "0");

        // then every schema is registered and every embedding comes back once, and each of the
        // sprinkled bad events is a dead letter with its reason
        assertThat(run.exitCode()).as(run.out()).isZero();
        assertThat(run.out())
                .contains("alignstream.images-value")
                .contains("alignstream.dead-letters-value")
                .contains("Produced 2 images and 10 captions, plus 4 bad events "
                        + "(undeserialisable, empty_image_id, truncated_png, orphan_caption)")
                .contains("2 of 2 AlignVLM embeddings, 10 of 10 TEVI embeddings, 4 dead letter(s), "
                        + "1 retrieval-quality report(s)")
                .contains("Retrieval quality (COUNT window of 10 pairs")
                .contains("Dead letter: DESERIALIZATION_FAILED")
                .contains("Demo complete: every embedding arrived exactly once");
        // and progress lines came from the service's metrics while it ran
        assertThat(run.out()).containsPattern("\\[ *[0-9.]+ s\\] in [0-9,]+ \\| out [0-9,]+ \\(TEVI [0-9,]+, AlignVLM [0-9,]+\\)"
                + " \\| .* \\| dead letters \\d+ \\| Recall@1");
        // and the summary table says nothing good was lost, with the dead letters by reason
        assertThat(run.out())
                .contains("Summary")
                .contains("images sent (good + bad)       5 (2 + 3)")
                .contains("captions sent (good + bad)     11 (10 + 1)")
                .contains("TEVI records out               10 of 10 expected")
                .contains("AlignVLM records out           2 of 2 expected")
                .contains("good records lost              0 (TEVI 0, AlignVLM 0)")
                .contains("dead letters                   4 of 4 expected")
                .contains("  DESERIALIZATION_FAILED       1 of 1 expected")
                .contains("  INVALID_EVENT                1 of 1 expected")
                .contains("  BAD_IMAGE                    1 of 1 expected")
                .contains("  CAPTION_WITHOUT_IMAGE        1 of 1 expected")
                .containsPattern("end-to-end latency +p50 \\d+ ms, p99 \\d+ ms")
                .containsPattern("Recall@1 text->image +raw \\d\\.\\d\\d -> TEVI \\d\\.\\d\\d");
        // and each step still prints its elapsed time, producing within 20 s of the start
        java.util.regex.Matcher producing = java.util.regex.Pattern.compile("\\[ *([0-9.]+) s\\] Produced").matcher(run.out());
        assertThat(producing.find()).isTrue();
        assertThat(Double.parseDouble(producing.group(1))).isLessThan(20.0);
    }

    @Test
    void demoForADurationSprinklesBadEventsAndLosesNothing() {
        // when the demo sends scenes continuously for a few seconds
        CommandRun run = run("demo", "--duration", "6s", "--rate", "10", "--http-port", "0");

        // then scenes kept coming, bad ones among them, and the summary shows no loss
        assertThat(run.exitCode()).as(run.out()).isZero();
        assertThat(run.out())
                .contains("Producing 10.0 scenes/s for 6s")
                .contains("good records lost              0 (TEVI 0, AlignVLM 0)")
                .containsPattern("DESERIALIZATION_FAILED +[1-9]\\d* of [1-9]\\d* expected")
                .containsPattern("INVALID_EVENT +[1-9]\\d* of [1-9]\\d* expected")
                .containsPattern("BAD_IMAGE +[1-9]\\d* of [1-9]\\d* expected")
                .containsPattern("CAPTION_WITHOUT_IMAGE +[1-9]\\d* of [1-9]\\d* expected")
                .containsPattern("throughput +[0-9.]+ embeddings/s")
                .contains("Demo complete");
    }

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }
}
