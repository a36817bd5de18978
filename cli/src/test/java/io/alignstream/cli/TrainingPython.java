package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a module of model-runtime/training with Debian's python3, as a user does
 * (docs/bring-your-own-model.md). No PyTorch is a failure that says how to fix it: CI installs it.
 */
final class TrainingPython {

    private TrainingPython() {
    }

    /** This module's target/NAME, emptied. */
    static Path freshDirectory(String name) throws IOException {
        Path dir = module().resolve("target").resolve(name);
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return dir;
    }

    /** Runs {@code python3 -m alignstream_training.MODULE ARGS} and returns its output; fails on a non-zero exit. */
    static String run(String module, long timeoutSeconds, String... args) {
        return python(module, timeoutSeconds, List.of("-m", "alignstream_training." + module), args);
    }

    /** Runs {@code python3 SCRIPT ARGS}, SCRIPT a file in model-runtime/training (default_bundle.py). */
    static String script(String script, long timeoutSeconds, String... args) {
        return python(script, timeoutSeconds, List.of(script), args);
    }

    private static String python(String module, long timeoutSeconds, List<String> what, String... args) {
        Path training = module().resolveSibling("model-runtime").resolve("training");
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-W", "ignore"));
        command.addAll(what);
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(training.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(module + " did not finish in " + timeoutSeconds + " s:\n" + output);
            }
            if (output.contains("No module named 'torch'") || output.contains("No module named 'onnx'")) {
                fail("model-runtime/training needs PyTorch and onnx for Debian's python3: "
                        + "apt-get install python3-torch python3-onnx libopenblas0-pthread (.ci/run does)\n" + output);
            }
            assertThat(process.exitValue()).as(output).isZero();
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("running /usr/bin/python3 (install python3-torch python3-onnx "
                    + "libopenblas0-pthread, as .ci/run does): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path module() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }
}
