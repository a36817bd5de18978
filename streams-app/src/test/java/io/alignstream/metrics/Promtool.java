package io.alignstream.metrics;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The real {@code promtool} from Debian's prometheus package, run on a scrape. */
final class Promtool {
    private Promtool() {
    }

    /** What {@code promtool check metrics} said. */
    record Result(int exitCode, String output) {
    }

    /** Pipes {@code exposition} to {@code promtool check metrics}; fails the test when promtool is missing. */
    static Result checkMetrics(String exposition) throws IOException, InterruptedException {
        Path promtool = io.alignstream.testing.DebianTool.require("promtool", "prometheus");
        Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("promtool check metrics did not finish in 60 s");
        }
        return new Result(process.exitValue(), output);
    }
}
