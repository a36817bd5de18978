package io.alignstream.demo;

import java.io.PrintStream;

/** The demo's output: steps with the seconds since it started, and the summary table's rows. */
final class DemoConsole {
    private final PrintStream out;
    private final long started = System.nanoTime();

    DemoConsole(PrintStream out) {
        this.out = out;
    }

    PrintStream out() {
        return out;
    }

    /** Seconds since the demo started. */
    double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    void step(String what) {
        out.printf("[%5.1f s] %s%n", seconds(), what);
    }

    void row(String what, String value) {
        out.printf("  %-30s %s%n", what, value);
    }
}
