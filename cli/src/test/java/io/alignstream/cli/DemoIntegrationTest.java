package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code alignstream demo} as a user runs it: the embedded broker and registry, the service and its traffic, for real. */
class DemoIntegrationTest {

    @Test
    void demoRunsThePipelineEndToEndOnTheEmbeddedDefault() {
        // when the demo runs with 20 scenes on the embedded default (two quality windows of 10 scenes)
        CommandRun run = run("demo", "--scenes", "20", "--http-port", "0");

        // then every schema is registered and every embedding comes back once, and each of the
        // sprinkled bad events is a dead letter with its reason
        assertThat(run.exitCode()).as(run.out()).isZero();
        assertThat(run.out())
                .contains("alignstream.images-value")
                .contains("alignstream.dead-letters-value")
                .contains("Produced 20 images and 100 captions, plus 4 bad events "
                        + "(undeserialisable, empty_image_id, truncated_png, orphan_caption)")
                .contains("20 of 20 AlignVLM embeddings, 100 of 100 TEVI embeddings, 4 dead letter(s), "
                        + "2 retrieval-quality report(s)")
                .contains("Retrieval quality (COUNT window of 50 pairs")
                .contains("Dead letter: DESERIALIZATION_FAILED")
                .contains("Demo complete: every embedding arrived exactly once");
        // and progress lines came from the service's metrics while it ran
        assertThat(run.out()).containsPattern("\\[ *[0-9.]+ s\\] in [0-9,]+ \\| out [0-9,]+ \\(TEVI [0-9,]+, AlignVLM [0-9,]+\\)"
                + " \\| .* \\| dead letters \\d+ \\| Recall@1");
        // and the summary table says nothing good was lost, with the dead letters by reason
        assertThat(run.out())
                .contains("Summary")
                .contains("images sent (good + bad)       23 (20 + 3)")
                .contains("captions sent (good + bad)     101 (100 + 1)")
                .contains("TEVI records out               100 of 100 expected")
                .contains("AlignVLM records out           20 of 20 expected")
                .contains("good records lost              0 (TEVI 0, AlignVLM 0)")
                .contains("dead letters                   4 of 4 expected")
                .contains("  DESERIALIZATION_FAILED       1 of 1 expected")
                .contains("  INVALID_EVENT                1 of 1 expected")
                .contains("  BAD_IMAGE                    1 of 1 expected")
                .contains("  CAPTION_WITHOUT_IMAGE        1 of 1 expected")
                .containsPattern("end-to-end latency +p50 \\d+ ms, p99 \\d+ ms")
                .containsPattern("Recall@1 text->image +raw \\d\\.\\d\\d -> TEVI \\d\\.\\d\\d");
        // and TEVI's figures on short and on long captions apart, each with its gain and the gain's spread
        // over the two windows, consistent with the windows' own lines
        assertCaptionLengthRows(run.out(), 2, 100);
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

    private static final String SIGNED = "([+-]\\d\\.\\d\\d|0\\.00)";

    /**
     * The summary's rows by caption length: every caption counted once as short or long, raw and
     * TEVI Recall@1 per length with their difference as the gain, and the gain per window spread
     * over {@code windows} windows, its lowest and highest those of the windows' own report lines.
     */
    private static void assertCaptionLengthRows(String out, int windows, int captions) {
        Matcher counts = Pattern.compile("captions by length +(\\d+) short, (\\d+) long in " + windows
                + " count windows \\(long: more than one 32-token sub-caption\\)").matcher(out);
        assertThat(counts.find()).as(out).isTrue();
        assertThat(Integer.parseInt(counts.group(1)) + Integer.parseInt(counts.group(2))).isEqualTo(captions);
        assertThat(Integer.parseInt(counts.group(2))).as("long descriptions, one per scene").isPositive();
        // each window's line: "(short captions 0.40 -> 0.45, long 1.00 -> 0.90)"
        Matcher perWindow = Pattern.compile("\\(short captions (\\d\\.\\d\\d) -> (\\d\\.\\d\\d), long (\\d\\.\\d\\d) -> (\\d\\.\\d\\d)\\)")
                .matcher(out);
        List<double[]> gains = new ArrayList<>();
        while (perWindow.find()) {
            gains.add(new double[] {Double.parseDouble(perWindow.group(2)) - Double.parseDouble(perWindow.group(1)),
                    Double.parseDouble(perWindow.group(4)) - Double.parseDouble(perWindow.group(3))});
        }
        assertThat(gains).as("windows with short and long figures").hasSize(windows);
        for (int l = 0; l < 2; l++) {
            String length = l == 0 ? "short" : "long";
            Matcher row = Pattern.compile("TEVI on " + length + " captions +Recall@1 text->image raw (\\d\\.\\d\\d) -> TEVI "
                    + "(\\d\\.\\d\\d), gain " + SIGNED + "\\R  +gain per window +mean " + SIGNED + " ± (\\d\\.\\d\\d), from "
                    + SIGNED + " to " + SIGNED + " over " + windows + " windows").matcher(out);
            assertThat(row.find()).as("%s captions' rows in:%n%s", length, out).isTrue();
            double raw = Double.parseDouble(row.group(1));
            double tevi = Double.parseDouble(row.group(2));
            // the gain is TEVI minus raw (each rounded to 2 decimals, so within 0.01)
            assertThat(Double.parseDouble(row.group(3))).isCloseTo(tevi - raw, within(0.011));
            int index = l;
            double lowest = gains.stream().mapToDouble(g -> g[index]).min().orElseThrow();
            double highest = gains.stream().mapToDouble(g -> g[index]).max().orElseThrow();
            assertThat(Double.parseDouble(row.group(6))).isCloseTo(lowest, within(0.011));
            assertThat(Double.parseDouble(row.group(7))).isCloseTo(highest, within(0.011));
            assertThat(Double.parseDouble(row.group(4))).isBetween(lowest - 0.011, highest + 0.011);
        }
        assertThat(out).containsPattern("long vs short +TEVI gains (more|less|as much) on long captions \\(" + SIGNED
                + "\\) (than|as) on short ones \\(" + SIGNED + "\\)");
    }

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }
}
