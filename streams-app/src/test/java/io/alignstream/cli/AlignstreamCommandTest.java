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
        assertThat(run.out).contains("Usage: alignstream").contains("demo").contains("run");
    }

    @Test
    void runRefusesABadConfigurationNamingTheKeyBeforeConnectingAnywhere() {
        // when the service is started with a batch size of zero and no broker at all
        Run run = run("run", "--set", "bootstrap.servers=localhost:1", "--set", "schema.registry.url=http://localhost:1",
                "--set", "alignstream.batch.max.size=0");

        // then it stops at once with a configuration error that names the key
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("configuration error").contains("alignstream.batch.max.size");
    }

    @Test
    void demoHelpSaysWhatItRuns() {
        Run run = run("demo", "--help");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("--scenes").contains("KRaft").contains("exactly-once").contains("--http-port");
        assertThat(run.out.lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void demoRunsThePipelineEndToEndOnTheEmbeddedDefault() {
        // when the demo runs with two scenes on the embedded default
        Run run = run("demo", "--scenes", "2", "--http-port", "0");

        // then every schema is registered and every embedding comes back once, with one dead letter
        assertThat(run.exitCode).as(run.out).isZero();
        assertThat(run.out)
                .contains("alignstream.images-value")
                .contains("alignstream.dead-letters-value")
                .contains("Produced 2 images, 10 captions, and 1 undeserialisable record")
                .contains("2 of 2 AlignVLM embeddings, 10 of 10 TEVI embeddings, 1 dead letter(s), "
                        + "1 retrieval-quality report(s)")
                .contains("Retrieval quality (COUNT window of 10 pairs, 1 dead letters)")
                .contains("Dead letter: DESERIALIZATION_FAILED")
                .contains("Demo complete: every embedding arrived exactly once.");
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
        PrintStream originalErr = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new AlignstreamCommand()).execute(args);
            return new Run(exit, buffer.toString(StandardCharsets.UTF_8), errors.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
            System.setErr(originalErr);
        }
    }

    private record Run(int exitCode, String out, String err) { }
}
