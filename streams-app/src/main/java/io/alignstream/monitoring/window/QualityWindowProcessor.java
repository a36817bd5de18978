package io.alignstream.monitoring.window;

import io.alignstream.events.ModelRef;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.WindowKind;
import io.alignstream.inference.InferenceSession;
import io.alignstream.monitoring.MonitorSettings;
import io.alignstream.monitoring.QualityExport;
import io.alignstream.monitoring.QualityMetricNames;
import io.alignstream.monitoring.ReferenceControl;
import io.alignstream.monitoring.quality.AlignVlmSample;
import io.alignstream.monitoring.quality.PairSample;
import io.alignstream.monitoring.quality.QualityFigures;
import io.alignstream.monitoring.quality.QualityWindow;
import io.alignstream.monitoring.quality.ReferenceWindow;
import io.alignstream.monitoring.quality.WindowEvaluator;
import io.alignstream.runtime.heads.CaptionQuery;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.topology.state.SequencedBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's one task (its input is re-keyed to one partition): observations wait in two
 * changelogged buffers, a count window closing every {@code windowPairs} pairs and a time
 * window every {@code windowTime}; a closed window is evaluated ({@link WindowEvaluator}),
 * published as a {@link RetrievalQualityReport} and exported as gauges. The first count
 * window, and the next one after a reset request, becomes the drift reference, kept in its own
 * store so it survives restarts.
 */
public final class QualityWindowProcessor implements Processor<String, Observation, String, RetrievalQualityReport> {
    public static final String COUNT_WINDOW_STORE = "quality-count-window";
    public static final String TIME_WINDOW_STORE = "quality-time-window";
    public static final String REFERENCE_STORE = "quality-reference";
    private static final Logger log = LoggerFactory.getLogger(QualityWindowProcessor.class);
    /** Caption queries and masks are computed in chunks of this many (the TEVI head's batch). */
    private static final int QUERY_CHUNK = 256;

    private final MonitorSettings settings;
    private final Supplier<InferenceSession> sessions;
    private final WindowEvaluator evaluator;
    private final ModelRef model;
    private final QualityExport export;
    private final ReferenceControl referenceControl;

    private ProcessorContext<String, RetrievalQualityReport> context;
    private InferenceSession session;
    private SequencedBuffer<Observation> countWindow;
    private SequencedBuffer<Observation> timeWindow;
    private KeyValueStore<Long, Observation> referenceStore;
    private int countWindowPairs;
    private long countWindowStartMs;
    private long timeWindowStartMs;
    private ReferenceWindow reference;
    private QualityFigures referenceFigures;
    /** Set at start when configured: the next count window replaces the kept reference. */
    private boolean replaceReference;

    public QualityWindowProcessor(MonitorSettings settings, Supplier<InferenceSession> sessions, WindowEvaluator evaluator,
                                  ModelRef model, QualityExport export, ReferenceControl referenceControl) {
        this.settings = settings;
        this.sessions = sessions;
        this.evaluator = evaluator;
        this.model = model;
        this.export = export;
        this.referenceControl = referenceControl;
    }

    @Override
    public void init(ProcessorContext<String, RetrievalQualityReport> context) {
        this.context = context;
        this.session = sessions.get();
        this.countWindow = new SequencedBuffer<>(context.getStateStore(COUNT_WINDOW_STORE), observation -> 0L);
        this.timeWindow = new SequencedBuffer<>(context.getStateStore(TIME_WINDOW_STORE), observation -> 0L);
        this.referenceStore = context.getStateStore(REFERENCE_STORE);
        this.countWindowPairs = (int) countWindow.peek().stream().filter(o -> o instanceof Observation.Pair).count();
        this.countWindowStartMs = context.currentSystemTimeMs();
        this.timeWindowStartMs = context.currentSystemTimeMs();
        restoreReference();
        replaceReference = settings.newReferenceOnStart();
        long tick = Math.max(100, Math.min(1000, settings.windowTime().toMillis() / 4));
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
    }

    @Override
    public void process(Record<String, Observation> record) {
        Observation observation = record.value();
        if (observation == null) {
            return;
        }
        countWindow.add(observation);
        timeWindow.add(observation);
        if (observation instanceof Observation.Pair) {
            countWindowPairs++;
            if (countWindowPairs >= settings.windowPairs()) {
                long start = countWindowStartMs;
                countWindowStartMs = context.currentSystemTimeMs();
                countWindowPairs = 0;
                close(WindowKind.COUNT, start, countWindow.drain());
            }
        }
    }

    private void onTick(long nowMs) {
        if (nowMs - timeWindowStartMs >= settings.windowTime().toMillis()) {
            long start = timeWindowStartMs;
            timeWindowStartMs = nowMs;
            close(WindowKind.TIME, start, timeWindow.drain());
        }
    }

    private void close(WindowKind kind, long startMs, List<Observation> observations) {
        List<Observation.Pair> pairs = new ArrayList<>();
        List<AlignVlmSample> images = new ArrayList<>();
        long deadLetters = 0;
        for (Observation observation : observations) {
            if (observation instanceof Observation.Pair pair) {
                pairs.add(pair);
            } else if (observation instanceof Observation.Image image) {
                images.add(new AlignVlmSample(image.imageId(), image.topWords(), image.topWeights()));
            } else {
                deadLetters++;
            }
        }
        String window = kind == WindowKind.COUNT ? QualityMetricNames.WINDOW_COUNT : QualityMetricNames.WINDOW_TIME;
        // minPairs is the time window's floor (alignstream.monitor.window.min.pairs); a count window
        // always holds windowPairs pairs, which may be fewer
        if (kind == WindowKind.TIME && pairs.size() < settings.minPairs()) {
            log.debug("{} window with {} pairs: too few to evaluate", window, pairs.size());
            return;
        }
        try {
            long started = System.nanoTime();
            QualityWindow data = new QualityWindow(samples(pairs), images, deadLetters);
            if (kind == WindowKind.COUNT && (reference == null || replaceReference
                    || referenceControl.takeResetRequest())) {
                replaceReference = false;
                setReference(pairs, data);
            }
            QualityFigures figures = evaluator.evaluate(data, Optional.ofNullable(reference));
            long endMs = context.currentSystemTimeMs();
            export.windowClosed(window, figures, Optional.ofNullable(referenceFigures), endMs);
            context.forward(new Record<>(window, report(kind, startMs, endMs, figures), endMs));
            log.info("{} window closed: {} pairs, {} images, evaluated in {} ms", window, pairs.size(),
                    figures.volume().images(), (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            // Monitoring must never stop the service: a window that cannot be evaluated is skipped.
            log.error("{} window of {} pairs could not be evaluated; skipped", window, pairs.size(), e);
        }
    }

    private void setReference(List<Observation.Pair> pairs, QualityWindow data) {
        List<Long> old = new ArrayList<>();
        try (KeyValueIterator<Long, Observation> it = referenceStore.all()) {
            it.forEachRemaining(entry -> old.add(entry.key));
        }
        old.forEach(referenceStore::delete);
        for (int i = 0; i < pairs.size(); i++) {
            referenceStore.put((long) i, pairs.get(i));
        }
        reference = evaluator.reference(data);
        referenceFigures = evaluator.evaluate(data, Optional.of(reference));
        log.info("drift reference set from a count window of {} pairs", pairs.size());
    }

    private void restoreReference() {
        List<Observation.Pair> pairs = new ArrayList<>();
        try (KeyValueIterator<Long, Observation> it = referenceStore.all()) {
            while (it.hasNext()) {
                KeyValue<Long, Observation> entry = it.next();
                if (entry.value instanceof Observation.Pair pair) {
                    pairs.add(pair);
                }
            }
        }
        if (!pairs.isEmpty()) {
            QualityWindow data = new QualityWindow(samples(pairs), List.of(), 0);
            reference = evaluator.reference(data);
            referenceFigures = evaluator.evaluate(data, Optional.of(reference));
            log.info("drift reference restored ({} pairs)", pairs.size());
        }
    }

    /**
     * The pairs with each caption's query embedding and mask re-derived from its embedding t by
     * the TEVI head (image-independent), so an observation stores t alone.
     */
    private List<PairSample> samples(List<Observation.Pair> pairs) {
        List<CaptionQuery> queries = new ArrayList<>(pairs.size());
        for (int start = 0; start < pairs.size(); start += QUERY_CHUNK) {
            List<Observation.Pair> chunk = pairs.subList(start, Math.min(pairs.size(), start + QUERY_CHUNK));
            queries.addAll(session.queries(chunk.stream().map(Observation.Pair::captionEmbedding).toList()));
        }
        List<PairSample> samples = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            Observation.Pair pair = pairs.get(i);
            samples.add(new PairSample(pair.imageId(), pair.captionId(), pair.imageEmbedding(),
                    new SparseCode(pair.codeIndices(), pair.codeValues()), pair.captionEmbedding(),
                    queries.get(i).query(), queries.get(i).mask(), pair.alignedEmbedding(),
                    pair.captionLength().orElse(null)));
        }
        return samples;
    }

    private RetrievalQualityReport report(WindowKind kind, long startMs, long endMs, QualityFigures figures) {
        return RetrievalQualityReport.newBuilder()
                .setWindowStart(Instant.ofEpochMilli(startMs))
                .setWindowEnd(Instant.ofEpochMilli(endMs))
                .setWindowKind(kind)
                .setModel(ModelRef.newBuilder(model).build())
                .setPairCount(figures.volume().pairs())
                .setDeadLetterCount(figures.volume().deadLetters())
                .setMetrics(new java.util.TreeMap<>(figures.metrics()))
                .setTopWords(figures.topWords())
                .build();
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
    }
}
