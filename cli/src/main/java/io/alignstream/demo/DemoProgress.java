package io.alignstream.demo;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.liveview.QualityHistory;
import io.alignstream.liveview.ThroughputSampler;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** One line every 2 s from the service's own metrics (through the live view's sampler) and quality history. */
final class DemoProgress implements AutoCloseable {
    static final Duration INTERVAL = Duration.ofSeconds(2);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-progress");
        t.setDaemon(true);
        return t;
    });
    private final AlignstreamApp app;
    private final String tevi;
    private final String align;
    private final ThroughputSampler sampler;
    private final DemoConsole console;

    private DemoProgress(DemoStack stack, DemoConsole console) {
        this.app = stack.app();
        this.tevi = stack.config().topicNames().tevi();
        this.align = stack.config().topicNames().alignVlm();
        this.sampler = ThroughputSampler.start(app.metrics(), INTERVAL);
        this.console = console;
    }

    static DemoProgress start(DemoStack stack, DemoConsole console) {
        DemoProgress progress = new DemoProgress(stack, console);
        long periodMs = INTERVAL.toMillis();
        progress.timer.scheduleAtFixedRate(progress::printQuietly, periodMs, periodMs, TimeUnit.MILLISECONDS);
        return progress;
    }

    private void printQuietly() {
        try {
            console.out().println(line());
        } catch (RuntimeException e) {
            console.out().println("(progress unavailable: " + e + ")");
        }
    }

    private String line() {
        Optional<ThroughputSampler.Totals> totals = sampler.totals();
        double in = totals.map(t -> sum(t.eventsIn())).orElse(0.0);
        double teviOut = totals.map(t -> t.eventsOut().getOrDefault(tevi, 0.0)).orElse(0.0);
        double alignOut = totals.map(t -> t.eventsOut().getOrDefault(align, 0.0)).orElse(0.0);
        long dead = totals.map(ThroughputSampler.Totals::deadLetters).orElse(0L);
        List<ThroughputSampler.Sample> samples = sampler.samples();
        String rates = "-";
        String latency = "e2e p50 - p99 -";
        if (!samples.isEmpty()) {
            ThroughputSampler.Sample last = samples.get(samples.size() - 1);
            rates = String.format("%.0f in/s, %.0f out/s", sum(last.eventsInPerSecond()),
                    last.eventsOutPerSecond().getOrDefault(tevi, 0.0) + last.eventsOutPerSecond().getOrDefault(align, 0.0));
            ThroughputSampler.Quantiles q = last.endToEnd().get(tevi);
            if (q != null && q.p50() != null) {
                latency = String.format("e2e p50 %s p99 %s", millis(q.p50()), millis(q.p99()));
            }
        }
        return String.format("[%5.1f s] in %,.0f | out %,.0f (TEVI %,.0f, AlignVLM %,.0f) | %s | %s | dead letters %d | %s",
                console.seconds(), in, teviOut + alignOut, teviOut, alignOut, rates, latency, dead,
                recall(app).map(r -> "Recall@1 raw " + r).orElse("Recall@1: no window closed yet"));
    }

    /** The latest closed quality window's text-to-image Recall@1, "raw 0.41 -> TEVI 0.63" style. */
    static Optional<String> recall(AlignstreamApp app) {
        return app.qualityHistory().windows().values().stream().flatMap(List::stream)
                .filter(w -> w.recall().containsKey("text_to_image"))
                .max(Comparator.comparingLong(QualityHistory.WindowPoint::endMs))
                .map(w -> {
                    Map<String, Map<String, Double>> t2i = w.recall().get("text_to_image");
                    return String.format("%.2f -> TEVI %.2f (latest %s window, %d pairs)",
                            t2i.getOrDefault("raw", Map.of()).getOrDefault("1", Double.NaN),
                            t2i.getOrDefault("tevi", Map.of()).getOrDefault("1", Double.NaN), w.window(), w.pairs());
                });
    }

    private static double sum(Map<String, Double> values) {
        return values.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    private static String millis(Double seconds) {
        return seconds == null ? "-" : String.format("%.0f ms", seconds * 1000);
    }

    @Override
    public void close() {
        try {
            timer.shutdownNow();
        } finally {
            sampler.close();
        }
    }
}
