package io.alignstream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU time of every thread of this JVM and of its child processes (the embedded broker), native
 * threads included (ONNX Runtime's workers, the JIT compilers), from Linux's {@code /proc}; the stream
 * threads' own from the JVM, which knows their full names. Two snapshots tell what ran on the cores
 * beside the model calls during a round: the machine has two cores, and the broker, both JVMs' JIT
 * compilers and the benchmark's reader share them with the service (docs/performance.md, issue 18).
 */
final class ThreadCpu {
    /** Linux's clock ticks per second ({@code USER_HZ}), 100 on every Linux the JVM runs on. */
    private static final double TICKS_PER_SECOND = 100.0;
    /** Kafka Streams names its processing threads {@code <client id>-StreamThread-<n>}. */
    private static final String STREAM_THREAD = "-StreamThread-";

    /**
     * CPU seconds between two snapshots.
     *
     * @param streamThreads   Kafka Streams' processing threads (where the model calls run, and their
     *                        ONNX Runtime work when it takes one thread)
     * @param compilers       this JVM's JIT compiler threads
     * @param restOfJvm       every other thread of this JVM (ONNX Runtime's extra workers, the Kafka
     *                        clients' I/O threads, the collectors, the benchmark's reader)
     * @param broker          the child processes (the embedded broker), all their threads
     * @param brokerCompilers of {@code broker}, its JIT compiler threads
     */
    record Shares(double streamThreads, double compilers, double restOfJvm, double broker, double brokerCompilers) {
        double total() {
            return streamThreads + compilers + restOfJvm + broker;
        }
    }

    private final Map<String, Long> jvmTicks;      // "tid name" -> utime + stime
    private final Map<String, Long> childTicks;
    private final long streamThreadNanos;

    private ThreadCpu(Map<String, Long> jvmTicks, Map<String, Long> childTicks, long streamThreadNanos) {
        this.jvmTicks = jvmTicks;
        this.childTicks = childTicks;
        this.streamThreadNanos = streamThreadNanos;
    }

    /** Now; empty where {@code /proc} is not there. */
    static Optional<ThreadCpu> now() {
        Path self = Path.of("/proc/self/task");
        if (!Files.isDirectory(self)) {
            return Optional.empty();
        }
        Map<String, Long> jvm = new HashMap<>();
        read(self, jvm);
        Map<String, Long> children = new HashMap<>();
        ProcessHandle.current().descendants().forEach(child ->
                read(Path.of("/proc", Long.toString(child.pid()), "task"), children));
        return Optional.of(new ThreadCpu(jvm, children, streamThreadNanos()));
    }

    /** What ran since {@code before}. A thread that ended in between is not counted. */
    Shares since(ThreadCpu before) {
        double jvm = delta(jvmTicks, before.jvmTicks, false);
        double compilers = delta(jvmTicks, before.jvmTicks, true);
        double stream = Math.max(0, (streamThreadNanos - before.streamThreadNanos) / 1e9);
        return new Shares(stream, compilers, Math.max(0, jvm - compilers - stream),
                delta(childTicks, before.childTicks, false), delta(childTicks, before.childTicks, true));
    }

    /** A HotSpot JIT compiler thread, by the name Linux keeps (15 characters: "C2 CompilerThre"). */
    static boolean compiler(String threadName) {
        return threadName.matches("C[12] CompilerThre.*");
    }

    /** utime + stime of one {@code /proc/<pid>/task/<tid>/stat} line (proc(5): fields 14 and 15). */
    static long ticks(String statLine) {
        // The name (field 2) is in parentheses and may hold spaces: count the fields after its last ')'.
        String[] after = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[11]) + Long.parseLong(after[12]);
    }

    /** The thread name of a stat line, as Linux keeps it. */
    static String name(String statLine) {
        return statLine.substring(statLine.indexOf('(') + 1, statLine.lastIndexOf(')'));
    }

    private static double delta(Map<String, Long> now, Map<String, Long> before, boolean compilersOnly) {
        long ticks = 0;
        for (Map.Entry<String, Long> thread : now.entrySet()) {
            if (!compilersOnly || compiler(thread.getKey().substring(thread.getKey().indexOf(' ') + 1))) {
                ticks += Math.max(0, thread.getValue() - before.getOrDefault(thread.getKey(), 0L));
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    private static void read(Path tasks, Map<String, Long> into) {
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path thread : threads) {
                try {
                    String stat = Files.readString(thread.resolve("stat"), StandardCharsets.US_ASCII);
                    into.put(thread.getFileName() + " " + name(stat), ticks(stat));
                } catch (IOException | RuntimeException ended) {
                    // the thread ended while its directory was read
                }
            }
        } catch (IOException | RuntimeException ended) {
            // the process ended
        }
    }

    private static long streamThreadNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains(STREAM_THREAD)) {
                nanos += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return nanos;
    }
}
