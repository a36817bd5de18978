package io.alignstream.demo;

import io.alignstream.cli.DurationConverter;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default end to end on one machine: the {@link DemoStack} (broker, registry,
 * service), the {@link DemoTraffic} (synthetic scenes with a sprinkling of bad events), the
 * {@link DemoAudit} (everything read back read_committed), progress every 2 seconds from the
 * service's own metrics, and the {@link DemoReport} at the end.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs alignstream end to end on this machine: a real single-node KRaft",
                "broker, the embedded Schema Registry, the embedding service (exactly-once,",
                "default model bundle on CPU), synthetic scenes in with a few bad events",
                "among them, TEVI and AlignVLM embeddings and dead letters out. Shows",
                "progress every 2 s and ends with a summary table. Runs for --scenes N",
                "(default), --duration, or --until-stopped (Ctrl-C)."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--scenes", defaultValue = "40",
            description = {"Synthetic scenes to send, then stop (default: ${DEFAULT-VALUE}: four quality",
                    "windows of 10 scenes, so TEVI's gain on short and on long captions has a spread)."})
    int scenes;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Send scenes continuously for this long (30s, 2m, PT1M), then drain and stop.")
    Duration duration;

    @Option(names = "--until-stopped", description = "Send scenes continuously until Ctrl-C, then drain and summarise.")
    boolean untilStopped;

    @Option(names = "--rate", defaultValue = "10",
            description = "Scenes per second with --duration or --until-stopped (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--seed", defaultValue = "42", description = "Synthetic world seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--http-port", defaultValue = "9464",
            description = "Port for /metrics and /health (0 = any free port; default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--timeout", defaultValue = "PT120S", converter = DurationConverter.class,
            description = "How long to wait for every embedding after sending (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--keep-running", description = "Keep the broker, registry and service up until Ctrl-C.")
    boolean keepRunning;

    /**
     * Scenes per quality window in count mode: 10 images, 40 short web captions and 10 long
     * descriptions, enough for a per-window figure, while the default 40 scenes still close 4
     * windows in about a second of processing.
     */
    static final int WINDOW_SCENES = 10;

    private final PrintStream out = System.out;
    private final AtomicBoolean stopRequested = new AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        if (duration != null && untilStopped) {
            System.err.println("alignstream demo: give --duration or --until-stopped, not both");
            return 2;
        }
        List<Runnable> restore = stopProducingOnSignals();
        try {
            return runDemo(duration != null || untilStopped);
        } finally {
            restore.forEach(Runnable::run);
        }
    }

    private int runDemo(boolean continuous) throws Exception {
        DemoConsole console = new DemoConsole(out);
        SyntheticEventFactory world = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
        // Count mode: quality windows of about WINDOW_SCENES scenes each, as many as fit, so the
        // summary can say how TEVI's gain varies from window to window; continuous: every 200 pairs.
        int pairsPerScene = DemoTraffic.pairsPerScene(world);
        int windowPairs = continuous ? 200 : Math.max(2, windowScenes(scenes) * pairsPerScene);
        int reportsNeeded = continuous ? 0 : scenes * pairsPerScene / windowPairs;
        try (DemoStack stack = DemoStack.start(console, windowPairs, httpPort)) {
            if (!stack.awaitRunning()) {
                return 1;
            }
            DemoTraffic.Sent sent = new DemoTraffic.Sent();
            DemoAudit audit = DemoAudit.start(stack, sent);
            try (audit; DemoProgress progress = DemoProgress.start(stack, console)) {
                try (DemoTraffic traffic = new DemoTraffic(stack, world, sent)) {
                    if (continuous) {
                        console.step("Producing " + rate + " scenes/s "
                                + (untilStopped ? "until Ctrl-C" : "for " + human(duration))
                                + ", a bad event every 5 scenes up to 20, then every " + DemoTraffic.BAD_EVENT_EVERY_SCENES);
                        traffic.continuously(rate, duration, stopRequested);
                    } else {
                        traffic.countMode(scenes);
                    }
                }
                console.step(sent.produced());
                audit.received().await(sent, reportsNeeded, timeout);
            }
            boolean ok = new DemoReport(console, timeout).print(sent, audit.received(), stack.app());
            if (keepRunning && !stopRequested.get()) {
                out.println("Running until Ctrl-C: bootstrap.servers=" + stack.bootstrapServers()
                        + " schema.registry.url=" + stack.registryUrl());
                while (!stopRequested.get()) {
                    Thread.sleep(200);
                }
            }
            return ok ? 0 : 1;
        }
    }

    /**
     * Ctrl-C and SIGTERM stop the producer and let the demo drain and print its summary. They
     * must not start JVM shutdown: its hooks (the embedded broker's among them) run at once and
     * would take the broker away mid-drain. A second signal exits at once.
     *
     * @return what puts the previous handlers back
     */
    private List<Runnable> stopProducingOnSignals() {
        List<Runnable> restore = new ArrayList<>();
        for (String name : List.of("INT", "TERM")) {
            try {
                sun.misc.Signal signal = new sun.misc.Signal(name);
                sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[1];
                previous[0] = sun.misc.Signal.handle(signal, s -> {
                    if (stopRequested.getAndSet(true)) {
                        previous[0].handle(s);
                    } else {
                        out.println("SIG" + name + ": stopping the producer, draining, then the summary"
                                + " (again to exit at once)");
                    }
                });
                restore.add(() -> sun.misc.Signal.handle(signal, previous[0]));
            } catch (IllegalArgumentException | UnsupportedOperationException unavailable) {
                // no such signal here (or the JVM was started with -Xrs): the default applies
            }
        }
        return restore;
    }

    /**
     * Scenes per count window: {@link #WINDOW_SCENES} or a little more, so that they divide the
     * scenes sent into {@code round(scenes / WINDOW_SCENES)} windows (one at least), leaving fewer
     * scenes than windows outside a closed window.
     */
    static int windowScenes(int scenes) {
        int windows = Math.max(1, Math.round(scenes / (float) WINDOW_SCENES));
        return Math.max(1, scenes / windows);
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
