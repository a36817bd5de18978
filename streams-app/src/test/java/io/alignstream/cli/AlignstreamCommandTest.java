package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line as a user meets it: help, and the embedded-default demo against real parts. */
class AlignstreamCommandTest {

    @Test
    void helpListsTheCommands() {
        Run run = run("--help");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("Usage: alignstream").contains("demo");
    }

    @Test
    void demoHelpSaysWhatItRunsAndWhatIsNotBuiltYet() {
        Run run = run("demo", "--help");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("--scenes").contains("KRaft broker").contains("not built yet");
        assertThat(run.out.lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void demoRoundTripsSyntheticEventsThroughTheRealBrokerAndRegistry() {
        // when the demo runs with two scenes on the embedded default
        Run run = run("demo", "--scenes", "2");

        // then every schema is registered and every event comes back identical
        assertThat(run.exitCode).as(run.out).isZero();
        assertThat(run.out)
                .contains("alignstream.images-value")
                .contains("alignstream.dead-letters-value")
                .contains("sent 2 image and 10 caption events, read back 12; identical: true")
                .contains("Round trip through the Avro Serde over the broker: OK");
    }

    @Test
    void benchRuntimeMeasuresEveryStageAndWritesItsReport(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // when the runtime benchmark runs briefly (two batch sizes, a short memory run)
        java.nio.file.Path report = dir.resolve("runtime.md");
        Run run = run("bench", "runtime", "--batch-sizes=1,4", "--seconds-per-point=0.05", "--memory-items=256",
                "--out=" + report);

        // then the report has every stage at every batch size, the speed-ups, the matmul
        // reference and the resident-set samples, and it was written to the file
        assertThat(run.exitCode).as(run.out).isZero();
        String written = java.nio.file.Files.readString(report);
        assertThat(written)
                .contains("| vision | 1 |").contains("| vision | 4 |")
                .contains("| tevi | 4 |").contains("| alignvlm | 4 |").contains("| text (MiniLM, web caption) | 4 |")
                .contains("## Batching speed-up").contains("Dynamic batching speed-up for the vision tower")
                .contains("ONNX Runtime MatMul 512x512x512").contains("| 256 |");
        assertThat(run.out).contains(written.lines().findFirst().orElseThrow());
    }

    private static Run run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new AlignstreamCommand()).execute(args);
            return new Run(exit, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    private record Run(int exitCode, String out) { }
}
