package io.alignstream.health;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's uncaught-exception handler: every stream thread that dies is replaced (its tasks
 * resume from their last commit, so nothing is lost or duplicated), and each death is recorded so
 * that liveness can tell a crash loop from a one-off. Liveness fails when
 * <ul>
 *   <li>the same task failed {@link LivenessSettings#taskFailuresMax()} times within the window
 *       (an input that fails every time it is read, or a fault that is not the input's and does
 *       not go away), or</li>
 *   <li>stream threads were replaced {@link LivenessSettings#threadReplacementsMax()} times
 *       within the window, whatever the task (exceptions that name no task, or many tasks failing).</li>
 * </ul>
 *
 * <p>Once not live, it stays so until the process restarts. A verdict that healed when the window
 * slid past the failures would flap for a loop slower than the probe (a thread replaced, the task
 * reassigned, read again, failed again), and an orchestrator restarts a pod only after several
 * failed probes in a row: the crash loop would run for ever behind an intermittent 200, which is
 * the bug this fixes. A restart is what the verdict asks for, and it clears whatever in-process
 * state (a wedged model runtime, a cache) may be the cause. docs/metrics.md, "Health", says more.
 *
 * <p>Thread-safe: stream threads report, the HTTP server's threads read. Memory is bounded: at most
 * {@code threadReplacementsMax} failures are kept.
 */
public final class CrashLoopDetector implements StreamsUncaughtExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(CrashLoopDetector.class);
    /** Longest failure description kept and served: enough for the exception chain's first lines. */
    public static final int MAX_DESCRIPTION_CHARS = 400;
    /** Causes read for the task id and the description; a chain is rarely deeper, and may be cyclic. */
    private static final int MAX_CAUSES = 8;
    /** The {@code task} label of failures that named no task. */
    static final String NO_TASK = "none";

    private final LivenessSettings settings;
    private final Clock clock;
    private final Counter replacements;
    private final Counter taskFailures;
    private final Gauge live;
    /** Failures within the window, oldest first, while live. */
    private final Deque<Liveness.Failure> recent = new ArrayDeque<>();
    private Liveness.Failure latest;
    /** The verdict that ended liveness; null while live. */
    private Liveness down;

    /**
     * @param registry where the replacement and task-failure counters and the liveness gauge are
     *                 registered (docs/metrics.md); one detector per registry
     */
    public CrashLoopDetector(LivenessSettings settings, PrometheusRegistry registry) {
        this(settings, registry, Clock.systemUTC());
    }

    CrashLoopDetector(LivenessSettings settings, PrometheusRegistry registry, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(registry, "registry");
        replacements = Counter.builder()
                .name("alignstream_stream_thread_replacements_total")
                .help("Stream threads that died of an uncaught exception and were replaced.")
                .register(registry);
        taskFailures = Counter.builder()
                .name("alignstream_task_failures_total")
                .help("Uncaught exceptions of stream threads, by the task they named ('none' when they named none).")
                .labelNames("task")
                .register(registry);
        live = Gauge.builder()
                .name("alignstream_live")
                .help("1 while no crash loop was seen, 0 once one was (until the process restarts); "
                        + "/health answers 503 while it is 0.")
                .register(registry);
        live.set(1);
    }

    /** Records the failure, logs it with its stack trace, and replaces the thread. */
    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        Liveness after = failed(exception);
        if (after.live()) {
            log.error("a stream thread failed (task {}, {} failure(s) within {}); replacing it", taskOf(exception)
                    .orElse(NO_TASK), after.failures(), human(settings.window()), exception);
        } else {
            log.error("a stream thread failed (task {}); replacing it. Liveness is DOWN: {} /health answers 503 "
                    + "until the process restarts", taskOf(exception).orElse(NO_TASK), after.reason(), exception);
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** Records one failure now, as the handler does (without logging); returns the verdict after it. */
    public Liveness failed(Throwable exception) {
        return record(new Liveness.Failure(clock.instant(), taskOf(exception), describe(exception)));
    }

    synchronized Liveness record(Liveness.Failure failure) {
        replacements.inc();
        taskFailures.labelValues(failure.task().orElse(NO_TASK)).inc();
        latest = failure;
        if (down != null) {
            return down;
        }
        forgetBefore(failure.time().minus(settings.window()));
        recent.addLast(failure);
        long sameTask = failure.task().isEmpty() ? 0
                : recent.stream().filter(f -> f.task().equals(failure.task())).count();
        if (sameTask >= settings.taskFailuresMax()) {
            trip("task " + failure.task().get() + " failed " + sameTask + " times within " + human(settings.window())
                    + " (at most " + settings.taskFailuresMax() + " allowed): it fails every time it is retried.",
                    (int) sameTask, failure);
        } else if (recent.size() >= settings.threadReplacementsMax()) {
            trip("stream threads were replaced " + recent.size() + " times within " + human(settings.window())
                    + " (at most " + settings.threadReplacementsMax() + " allowed).", recent.size(), failure);
        }
        return down != null ? down : new Liveness(true, "", recent.size(), Optional.of(failure));
    }

    /** The verdict now: not live for good once tripped; else live, with the failures still within the window. */
    public synchronized Liveness liveness() {
        if (down != null) {
            return down;
        }
        forgetBefore(clock.instant().minus(settings.window()));
        return new Liveness(true, "", recent.size(), Optional.ofNullable(latest));
    }

    private void trip(String reason, int failures, Liveness.Failure last) {
        down = new Liveness(false, reason, failures, Optional.of(last));
        recent.clear();
        live.set(0);
    }

    private void forgetBefore(Instant horizon) {
        while (!recent.isEmpty() && recent.peekFirst().time().isBefore(horizon)) {
            recent.removeFirst();
        }
    }

    /** The task the exception or one of its causes names (Kafka Streams wraps a task's failure in one that does). */
    static Optional<String> taskOf(Throwable exception) {
        for (Throwable t : chain(exception)) {
            if (t instanceof StreamsException streams && streams.taskId().isPresent()) {
                return Optional.of(streams.taskId().get().toString());
            }
        }
        return Optional.empty();
    }

    /**
     * Each exception of the chain as {@code SimpleName: first line of its message}, joined by
     * {@code " <- "}; control and other unprintable characters as {@code ?}; at most
     * {@link #MAX_DESCRIPTION_CHARS}. Only a message's first line: Kafka Streams puts the cause's
     * stack trace after it, and the log has that already.
     */
    static String describe(Throwable exception) {
        StringBuilder text = new StringBuilder();
        for (Throwable t : chain(exception)) {
            if (!text.isEmpty()) {
                text.append(" <- ");
            }
            String name = t.getClass().getSimpleName();
            text.append(name.isEmpty() ? t.getClass().getName() : name);
            String message = t.getMessage();
            if (message != null && !message.isBlank()) {
                text.append(": ").append(message.lines().findFirst().orElse("").strip());
            }
            if (text.length() > MAX_DESCRIPTION_CHARS) {
                break;
            }
        }
        return printable(text.toString(), MAX_DESCRIPTION_CHARS);
    }

    private static Iterable<Throwable> chain(Throwable exception) {
        Deque<Throwable> chain = new ArrayDeque<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = exception; t != null && chain.size() < MAX_CAUSES && seen.add(t); t = t.getCause()) {
            chain.addLast(t);
        }
        return chain;
    }

    /** {@code text} with anything but visible characters and spaces as '?', cut to {@code max} chars with "...". */
    static String printable(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        int limit = max - 3;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            if (out.length() + width > limit && text.length() - i > max - out.length()) {
                return out.append("...").toString();
            }
            out.appendCodePoint(visible(cp) ? cp : '?');
            i += width;
        }
        return out.toString();
    }

    private static boolean visible(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            case Character.SPACE_SEPARATOR -> cp == ' ';
            default -> true;
        };
    }

    /** 10 minutes, 90 seconds, 1500 ms: the window as an operator writes it. */
    static String human(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 60_000 == 0) {
            return millis / 60_000 + (millis == 60_000 ? " minute" : " minutes");
        }
        return millis % 1000 == 0 ? millis / 1000 + " seconds" : millis + " ms";
    }
}
