package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reading Linux's per-thread CPU times, and telling the stream threads, the compilers and a child process apart. */
class ThreadCpuTest {

    @Test
    void aStatLineGivesItsNameAndUserPlusSystemTicks() {
        // given a /proc/<pid>/task/<tid>/stat line whose name holds spaces and a parenthesis (proc(5):
        // utime and stime are fields 14 and 15)
        String line = "4242 (C2 CompilerThre) S 1 4240 4240 0 -1 4194368 12 0 0 0 731 69 0 0 20 0 33 0 8913 0 0";
        String odd = "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 0 0";

        // then the name is between the first '(' and the last ')', and the ticks are 731 + 69
        assertThat(ThreadCpu.name(line)).isEqualTo("C2 CompilerThre");
        assertThat(ThreadCpu.ticks(line)).isEqualTo(800);
        assertThat(ThreadCpu.name(odd)).isEqualTo("a (b) c");
        assertThat(ThreadCpu.ticks(odd)).isEqualTo(11);
    }

    @Test
    void hotSpotsCompilerThreadsAreKnownByTheirTruncatedNames() {
        assertThat(ThreadCpu.compiler("C1 CompilerThre")).isTrue();
        assertThat(ThreadCpu.compiler("C2 CompilerThre")).isTrue();
        assertThat(ThreadCpu.compiler("GC Thread#0")).isFalse();
        assertThat(ThreadCpu.compiler("alignstream-ben")).isFalse();
    }

    @Test
    void aStreamThreadsWorkAndAChildProcesssWorkAreCountedApart() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux /proc");
        // given a snapshot
        ThreadCpu before = ThreadCpu.now().orElseThrow();

        // when a thread named as Kafka Streams names its threads spends 0.3 s of CPU and stays alive
        CountDownLatch spent = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread stream = new Thread(() -> {
            var mx = ManagementFactory.getThreadMXBean();
            double x = 0;
            while (mx.getCurrentThreadCpuTime() < 300_000_000L) {
                for (int i = 0; i < 100_000; i++) {
                    x += Math.sqrt(i);
                }
            }
            spent.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (x < 0) {
                throw new AssertionError("kept so the loop is not optimised away");
            }
        }, "app-1a2b-StreamThread-1");
        // and a child process spends CPU too (a shell loop), then stays alive
        Process child = new ProcessBuilder("sh", "-c",
                "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; echo looped; sleep 60").start();
        stream.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            assertThat(out.readLine()).isEqualTo("looped");
            assertThat(spent.await(60, TimeUnit.SECONDS)).isTrue();
            ThreadCpu.Shares shares = ThreadCpu.now().orElseThrow().since(before);

            // then the thread's CPU is the stream threads' (the JVM's own clock: exact), not the rest of the JVM's
            assertThat(shares.streamThreads()).isBetween(0.3, 60.0);
            // and the child's is the broker's, none of it a JIT compiler's
            assertThat(shares.broker()).as("the child's loop").isGreaterThan(0.05);
            assertThat(shares.brokerCompilers()).isZero();
            assertThat(shares.total()).isGreaterThan(shares.streamThreads() + shares.broker() - 1e-9);
        } finally {
            release.countDown();
            stream.join();
            child.destroyForcibly().waitFor();
        }
    }
}
