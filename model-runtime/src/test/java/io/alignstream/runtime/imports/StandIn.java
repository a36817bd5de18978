package io.alignstream.runtime.imports;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stand-in CLIP encoders built by {@code model-runtime/training/alignstream_training/standin.py}
 * with Debian's python3 and PyTorch, into {@code target/standin/NAME} (reused while the options
 * and the script are unchanged). No pretrained CLIP is reachable here, so this is the model a
 * user would bring, in Optimum's layout. A missing torch fails the test with how to install it:
 * CI installs it, and a skipped import test proves nothing.
 */
final class StandIn {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    /** The dims the script builds by default (its argparse defaults). */
    static final int IMAGE_SIZE = 64;
    static final int EMBEDDING = 32;
    static final int PATCH_TOKENS = 17;   // class token + (64 / 16)^2
    static final int PATCH_DIM = 64;
    static final int WORD_EMBEDDING = 64;
    static final int MAX_LENGTH = 77;

    private StandIn() {
    }

    /** Builds the stand-in with these script options into target/standin/NAME. */
    static synchronized Path build(String name, String... options) {
        Path dir = moduleDir().resolve("target/standin").resolve(name);
        Path done = dir.resolve(".built-with");
        String args = String.join(" ", options);
        // The script's own bytes in the marker: an edited standin.py rebuilds, a rerun reuses.
        try {
            String marker = args + "\n" + ClipImport.sha256(Files.readAllBytes(
                    moduleDir().resolve("training/alignstream_training/standin.py")));
            if (Files.isRegularFile(done) && Files.readString(done).equals(marker)) {
                return dir;
            }
            deleteTree(dir);
            List<String> arguments = new ArrayList<>(List.of(dir.toString()));
            arguments.addAll(List.of(options));
            python("standin", 120, arguments);
            Files.writeString(done, marker);
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code python3 -m alignstream_training.MODULE ARGS} in model-runtime/training and
     * returns its output; fails the test on a non-zero exit, a timeout or a missing PyTorch.
     */
    static String python(String module, long timeoutSeconds, List<String> args) {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-m", "alignstream_training." + module));
        command.addAll(args);
        try {
            Process process = new ProcessBuilder(command).directory(moduleDir().resolve("training").toFile())
                    .redirectErrorStream(true).start();
            String output;
            try (var in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(module + " did not finish in " + timeoutSeconds + " s:\n" + output);
            }
            if (output.contains("No module named 'torch'") || output.contains("No module named 'onnx'")) {
                fail(module + " needs PyTorch and onnx for Debian's python3: "
                        + "apt-get install python3-torch python3-onnx libopenblas0-pthread (.ci/run does)\n" + output);
            }
            if (process.exitValue() != 0) {
                fail(module + " " + String.join(" ", args) + " exited " + process.exitValue() + ":\n" + output);
            }
            return output;
        } catch (IOException e) {
            if (!Files.isExecutable(PYTHON)) {
                fail(PYTHON + " is missing: the training scripts need Debian's python3 with "
                        + "python3-torch python3-onnx libopenblas0-pthread (.ci/run installs them)");
            }
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A copy of a built stand-in that a test may change. */
    static Path copy(Path built, Path to) throws IOException {
        try (var files = Files.walk(built)) {
            for (Path from : files.toList()) {
                Path target = to.resolve(built.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(target);
                } else if (!from.getFileName().toString().equals(".built-with")) {
                    Files.copy(from, target);
                }
            }
        }
        return to;
    }

    /** model-runtime's directory: Maven runs tests there; from the repository root, below it. */
    static Path moduleDir() {
        Path here = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        return Files.isDirectory(here.resolve("training")) ? here : here.resolve("model-runtime");
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
