package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code alignstream bench precision} as a user types it. */
class BenchPrecisionCommandTest {

    @Test
    void whenTheSecondRunHasNoInt8HeadItSaysThereIsNothingToCompare(@TempDir Path dir) throws Exception {
        // given a second run asked to stay in fp32, and a handful of held-out scenes
        Path out = dir.resolve("precision.md");

        // when the precision benchmark runs
        CommandRun run = CommandRun.of("bench", "precision", "--scenes", "4", "--int8-precision", "fp32", "--out", out.toString());

        // then it exits 0 saying there is nothing to compare, in its output and in the report file
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("no int8 head: nothing to compare")
                .contains("alignstream bench precision --scenes 4 --int8-precision fp32 --out " + out);
        assertThat(Files.readString(out)).contains("no int8 head: nothing to compare");
    }

    @Test
    void askingInt8OfAHeadWithoutAnInt8FileIsRefusedNotQuietlyRunInFp32(@TempDir Path dir) {
        // when the second run is asked to run the default's vision tower in int8, which it has no file for
        CommandRun run = CommandRun.of("bench", "precision", "--scenes", "4", "--int8-precision", "vision=int8",
                "--out", dir.resolve("precision.md").toString());

        // then it fails naming the head, as the service would at startup
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("vision=int8").contains("no int8 file");
    }

    @Test
    void itExplainsItselfAndRefusesHalfACocoSource() {
        CommandRun help = CommandRun.of("bench", "precision", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: alignstream bench precision").contains("--coco-captions").contains("--jsonl");
        assertThat(help.out().lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));

        CommandRun half = CommandRun.of("bench", "precision", "--coco-captions", "captions.json");
        assertThat(half.exitCode()).isEqualTo(2);
        assertThat(half.err()).contains("--images");
    }
}
