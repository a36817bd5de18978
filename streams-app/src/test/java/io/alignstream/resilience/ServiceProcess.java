package io.alignstream.resilience;

import io.alignstream.embedded.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One alignstream service ({@code alignstream run}) in a child JVM, started from this JVM's
 * classpath, so a test can crash it for real:
 * {@code java -Xmx1g -cp <java.class.path> io.alignstream.resilience.ServiceChildMain --set k=v ...}.
 *
 * <ul>
 *   <li>{@link #kill()} is SIGKILL ({@link Process#destroyForcibly()}, which on Linux sends
 *       signal 9; the exit status 137 = 128 + 9 is checked): no shutdown hook, no commit, no
 *       transaction abort, no leave-group, exactly like a crashed or OOM-killed pod.</li>
 *   <li>{@link #stop(Duration)} is SIGTERM: the service's shutdown hook closes Kafka Streams
 *       cleanly; SIGKILL if that takes longer than the bound.</li>
 *   <li>{@link #restart()} starts a new child with the same settings (same {@code state.dir}).</li>
 * </ul>
 *
 * Output (stdout and stderr) is appended to {@link #logFile()}, with a header per start. The
 * child runs with {@code -D}{@value ChildJvm#EXIT_WITH_PARENT_PROPERTY}{@code =true}: it exits
 * when its standard-input pipe closes, so a test JVM that dies, even by SIGKILL, takes its
 * children with it; {@link #close()} (SIGKILL) covers the ordinary end of a test.
 */
final class ServiceProcess implements AutoCloseable {
    /** The exit status of a JVM killed by SIGKILL: 128 + 9. */
    static final int SIGKILL_EXIT_STATUS = 137;
    private static final Pattern RUNNING = Pattern.compile("streams state \\w+ -> RUNNING");

    private final String name;
    private final Path logFile;
    private final Map<String, String> settings;
    private final List<String> jvmOptions;
    private Process process;
    private long logOffset;
    private int starts;

    ServiceProcess(String name, Path workDir, Map<String, String> settings, List<String> jvmOptions) {
        this.name = name;
        this.logFile = workDir.resolve(name + ".log");
        this.settings = new LinkedHashMap<>(settings);
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    String name() {
        return name;
    }

    Path logFile() {
        return logFile;
    }

    synchronized int starts() {
        return starts;
    }

    /** Starts the child; it must not be running. */
    synchronized ServiceProcess start() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(ChildJvm.javaExecutable());
        command.add("-Xmx1g");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(ChildJvm.absoluteClasspath());
        command.add(ServiceChildMain.class.getName());
        settings.forEach((key, value) -> {
            command.add("--set");
            command.add(key + "=" + value);
        });
        try {
            starts++;
            Files.createDirectories(logFile.getParent());
            Files.writeString(logFile, "\n===== " + name + " start #" + starts + " at " + Instant.now() + " =====\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            logOffset = Files.size(logFile);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.PIPE) // never written: its end tells the child we are gone
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        return this;
    }

    /**
     * Waits until this start of the child logs that Kafka Streams is RUNNING.
     *
     * @throws AssertionError if the child exits or the timeout passes first, with the log's tail
     */
    void awaitRunning(Duration timeout) throws InterruptedException {
        awaitLog(RUNNING, timeout);
    }

    /** Waits until this start's output matches {@code pattern}; fails (with the log's tail) on exit or timeout. */
    void awaitLog(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (pattern.matcher(currentLog()).find()) {
                return;
            }
            Process p = process();
            if (p == null || !p.isAlive()) {
                throw new AssertionError(name + " exited (" + (p == null ? "never started" : "status " + p.exitValue())
                        + ") before logging /" + pattern + "/" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not log /" + pattern + "/ within " + timeout + tail());
            }
            Thread.sleep(100);
        }
    }

    /** SIGKILL, then waits for the process to be gone; returns its exit status (137). */
    synchronized int kill() throws InterruptedException {
        Process p = requireRunning();
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " (pid " + p.pid() + ") survived SIGKILL for 30 s");
        }
        int status = p.exitValue();
        if (status != SIGKILL_EXIT_STATUS) {
            throw new AssertionError(name + " exited with status " + status + ", not " + SIGKILL_EXIT_STATUS
                    + " (SIGKILL): it was not killed by the signal (crashed before?)" + tail());
        }
        return status;
    }

    /** SIGTERM (a clean stop through the shutdown hook); SIGKILL if it is not gone within {@code timeout}. */
    synchronized int stop(Duration timeout) throws InterruptedException {
        Process p = process;
        if (p == null) {
            return -1;
        }
        p.destroy();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        return p.exitValue();
    }

    /** A new child with the same settings and state directory; the previous one must be gone. */
    synchronized ServiceProcess restart() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is still running; kill() or stop() it first");
        }
        return start();
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    private synchronized Process process() {
        return process;
    }

    private Process requireRunning() {
        if (process == null || !process.isAlive()) {
            throw new AssertionError(name + " is not running" + (process == null ? "" : " (exited with status "
                    + process.exitValue() + ")") + tail());
        }
        return process;
    }

    /** This start's output so far. */
    String currentLog() {
        try {
            byte[] all = Files.readAllBytes(logFile);
            int from = (int) Math.min(logOffset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of the whole log, for failure messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return "\n--- last lines of " + logFile + " ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return " (no log: " + e + ")";
        }
    }

    /** Kills the child if it runs (the end of a test: nothing to commit). */
    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
