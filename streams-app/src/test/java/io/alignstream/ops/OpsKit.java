package io.alignstream.ops;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Where the operations kit ({@code ops/}) is, how to read its files, and the real promtool. */
final class OpsKit {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpsKit() {
    }

    /**
     * The repository root: the first directory, from the working directory (Surefire runs a module's
     * tests in the module's folder) upwards, that holds {@code ops/prometheus/alerts.yml}.
     */
    static Path repositoryRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("ops/prometheus/alerts.yml"))) {
                return dir;
            }
        }
        return fail("No ops/prometheus/alerts.yml in %s or any folder above it: the ops kit is missing", start);
    }

    static Path ops(String relative) {
        return repositoryRoot().resolve("ops").resolve(relative);
    }

    /** The promtool unit-test files, {@code ops/prometheus/tests/*.yml}, sorted. */
    static List<Path> promtoolTestFiles() {
        try (Stream<Path> files = Files.list(ops("prometheus/tests"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every rule ({@code groups[].rules[]}) of a Prometheus rule file. */
    static List<JsonNode> rules(Path ruleFile) {
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode group : yaml(ruleFile).path("groups")) {
            group.path("rules").forEach(rules::add);
        }
        return rules;
    }

    /** What promtool printed and how it exited. */
    record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code promtool args...} in the repository root; fails the test, saying how to get it,
     * when promtool is not on PATH.
     */
    static Result promtool(String... args) throws IOException, InterruptedException {
        Path promtool = io.alignstream.testing.DebianTool.require("promtool", "prometheus");
        List<String> command = new ArrayList<>();
        command.add(promtool.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(repositoryRoot().toFile())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("%s did not finish in 120 s; output so far:%n%s", String.join(" ", command), output);
        }
        return new Result(process.exitValue(), output);
    }
}
