package io.alignstream.topology.batching;

import io.alignstream.deadletter.DeadLetters;
import io.alignstream.deadletter.SourceCoordinates;
import io.alignstream.faults.BatchFailedException;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.fetch.ImageFetcher;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.text.SubCaptionSplitter;
import io.alignstream.topology.StoreNames;
import io.alignstream.topology.TopologySettings;
import io.alignstream.topology.embedding.CaptionEmbedder;
import io.alignstream.topology.embedding.EmbeddedCaption;
import io.alignstream.topology.embedding.EmbeddedImage;
import io.alignstream.topology.embedding.EmbeddingRecords;
import io.alignstream.topology.embedding.ImageEmbedder;
import io.alignstream.topology.embedding.PairAligner;
import io.alignstream.topology.embedding.StageResult;
import io.alignstream.topology.join.CaptionJoin;
import io.alignstream.topology.state.BufferedInput;
import io.alignstream.topology.state.EmittedCaption;
import io.alignstream.topology.state.Fingerprints;
import io.alignstream.topology.state.PendingCaption;
import io.alignstream.topology.state.SequencedBuffer;
import io.alignstream.topology.state.StoredImage;
import io.alignstream.topology.state.TimeIndexedStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one stateful step: image and caption events keyed by image id in, TEVI embeddings,
 * AlignVLM embeddings and dead letters out (forwarded as {@link SpecificRecord}s and routed by
 * type), and {@link OutputTombstone}s for a deleted image (an image tombstone: a null value). Inputs wait in a changelogged {@link SequencedBuffer}; a batch runs when it holds
 * {@code batchMaxSize} images or {@code batchMaxInputs} inputs, or when its oldest has waited
 * {@code batchMaxWait} and no input came in the last tick (the task's input paused). Counting
 * images, not inputs, is what fills the vision tower's calls: captions outnumber images, and a
 * batch of 64 inputs held about 11 images (docs/batching-in-streams.md). In a batch, images are
 * embedded first (once each), so captions of the same batch find them; captions and pairs go to
 * their models {@code batchMaxSize} at a time.
 */
public final class EmbeddingProcessor implements Processor<String, SpecificRecordBase, String, Object> {
    private static final Logger log = LoggerFactory.getLogger(EmbeddingProcessor.class);
    /** Retention sweeps run at least this often in stream time (more often when the retention is shorter). */
    private static final long MAX_SWEEP_INTERVAL_MS = 60_000;
    /**
     * At most this many entries per store per sweep, so a sweep's deletes (and their changelog
     * tombstones) stay a small part of a transaction after the retention is lowered; at 10,000
     * images/s on 256 partitions a task adds about 2,400 images and 12,000 captions a minute.
     */
    private static final int MAX_EXPIRED_PER_SWEEP = 50_000;

    private final TopologySettings settings;
    private final InferenceModels models;
    private final PipelineMetrics metrics;
    private final PayloadEncoder payloads;

    private ProcessorContext<String, Object> context;
    private SequencedBuffer<BufferedInput> buffer;
    private TimeIndexedStore<StoredImage> images;
    private CaptionJoin join;
    private InferenceSession session;
    private ImageFetcher fetcher;
    private ImageEmbedder imageEmbedder;
    private CaptionEmbedder captionEmbedder;
    private PairAligner aligner;
    private EmbeddingRecords records;
    private long lastGraceCheckMs;
    /** When this task instance started (after restoration): wall-clock grace counts from here at the earliest. */
    private long startedAtMs;
    /** Inputs since the previous grace check: none means the task has caught up (wall-clock grace may end a wait). */
    private int inputsSinceGraceCheck;
    /** Inputs since the previous tick: a task whose input paused runs its partial batch, a busy one fills it. */
    private int inputsSinceTick;
    /** Image events in the buffer (rebuilt from the store when the task starts). */
    private int imagesWaiting;

    public EmbeddingProcessor(TopologySettings settings, InferenceModels models, PipelineMetrics metrics,
                              PayloadEncoder payloads) {
        this.settings = settings;
        this.models = models;
        this.metrics = metrics;
        this.payloads = payloads;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.buffer = new SequencedBuffer<>(context.getStateStore(StoreNames.INFERENCE_BUFFER), BufferedInput::arrivedAtMs);
        this.images = new TimeIndexedStore<>(context.getStateStore(StoreNames.IMAGE_EMBEDDINGS),
                context.getStateStore(StoreNames.IMAGE_EMBEDDINGS_BY_TIME), StoredImage::eventTimeMs);
        this.join = new CaptionJoin(context.getStateStore(StoreNames.PENDING_CAPTIONS),
                new TimeIndexedStore<>(context.getStateStore(StoreNames.EMITTED_CAPTIONS),
                        context.getStateStore(StoreNames.EMITTED_CAPTIONS_BY_TIME), EmittedCaption::eventTimeMs));
        this.session = models.openSession();
        this.fetcher = new ImageFetcher(settings.fetchLimits());
        this.imageEmbedder = new ImageEmbedder(session, fetcher, models.preprocessor(), metrics);
        CaptionPreparer preparer = new CaptionPreparer(
                new SubCaptionSplitter(models.tokenCounter(), SubCaptionSplitter.DEFAULT_MAX_TOKENS),
                settings.captionMaxCharacters(), settings.captionMaxSubCaptions());
        this.captionEmbedder = new CaptionEmbedder(session, preparer, metrics);
        this.aligner = new PairAligner(session, metrics);
        this.records = new EmbeddingRecords(models.modelRef(), settings.alignVlmDtype(), settings.includeRawEmbedding(),
                session.dictionarySize(), session.hasCaptionAdapter());
        this.imagesWaiting = (int) buffer.peek().stream().filter(input -> input.event() instanceof ImageEvent).count();
        this.startedAtMs = context.currentSystemTimeMs();
        this.lastGraceCheckMs = startedAtMs;
        context.schedule(tickInterval(), PunctuationType.WALL_CLOCK_TIME, this::onTick);
        if (settings.stateRetentionMs() != TopologySettings.KEEP_FOREVER) {
            // Stream time, not wall clock: a replay or a restore does not expire everything at once.
            context.schedule(Duration.ofMillis(Math.min(MAX_SWEEP_INTERVAL_MS, settings.stateRetentionMs())),
                    PunctuationType.STREAM_TIME, this::expireOldState);
        }
        if (buffer.size() > 0) {
            log.info("task {}: {} inputs restored into the inference buffer; they run in the next batch",
                    context.taskId(), buffer.size());
        }
    }

    /** Often enough to honour both the batch wait and the caption grace, and never busier than every millisecond. */
    private Duration tickInterval() {
        long waitMs = settings.batchMaxWait().toMillis();
        return Duration.ofMillis(Math.min(Math.max(1, waitMs / 2), graceCheckIntervalMs()));
    }

    /** How often waiting captions are checked against the grace period: a quarter of it, 1 ms to 1 s. */
    private long graceCheckIntervalMs() {
        return Math.max(1, Math.min(1000, settings.captionGrace().toMillis() / 4));
    }

    @Override
    public void process(Record<String, SpecificRecordBase> record) {
        if (record.value() == null) {
            deleteImage(record.key(), record.timestamp());
            return;
        }
        SourceCoordinates here = context.recordMetadata()
                .map(m -> new SourceCoordinates(m.topic(), m.partition(), m.offset(), null))
                .orElse(new SourceCoordinates("unknown", -1, -1, null));
        SourceCoordinates source = SourceCoordinates.readFrom(record.headers(), here);
        buffer.add(new BufferedInput(record.value(), source, record.timestamp(), context.currentSystemTimeMs()));
        inputsSinceTick++;
        inputsSinceGraceCheck++;
        if (record.value() instanceof ImageEvent) {
            imagesWaiting++;
        }
        if (imagesWaiting >= settings.batchMaxSize() || buffer.size() >= settings.batchMaxInputs()) {
            runBatch();
        }
    }

    private void onTick(long nowMs) {
        // The wait only ends a batch once this task's input has paused for a tick. Under a backlog
        // the thread is busy running other tasks' batches for longer than the wait, so a
        // wall-clock wait alone would run every task's batch half full (measured: docs/performance.md).
        boolean inputPaused = inputsSinceTick == 0;
        inputsSinceTick = 0;
        if (inputPaused && buffer.due(nowMs, settings.batchMaxWait().toMillis())) {
            runBatch();
        }
        if (nowMs - lastGraceCheckMs >= graceCheckIntervalMs()) {
            lastGraceCheckMs = nowMs;
            // Caught up: no input since the previous check (every tick of it paused), not one quiet tick.
            boolean caughtUp = inputsSinceGraceCheck == 0;
            inputsSinceGraceCheck = 0;
            expireWaitingCaptions(nowMs, caughtUp);
        }
    }

    /**
     * An image tombstone (the caption keyer refuses caption tombstones, so a null value here is
     * an image's): the batch waiting runs first, so a tombstone after its image wins; then the
     * image's embedding, the fingerprints of its published captions and the captions still
     * waiting for it are removed, and a tombstone goes to each output topic, also for an image
     * never seen (downstream may hold records this task's state no longer knows: deletes are
     * idempotent). All of it commits in the task's transaction.
     */
    private void deleteImage(String imageId, long timestamp) {
        if (buffer.size() > 0) {
            runBatch();
        }
        boolean stored = images.delete(imageId) != null;
        int dropped = join.forget(imageId);
        log.debug("task {}: image {} deleted (embedding stored: {}, waiting captions dropped: {})",
                context.taskId(), imageId, stored, dropped);
        for (OutputTombstone output : OutputTombstone.values()) {
            context.forward(new Record<>(imageId, output, timestamp, new RecordHeaders()));
        }
        metrics.eventOut(settings.topics().alignVlm());
        metrics.eventOut(settings.topics().tevi());
        if (dropped > 0) {
            metrics.pendingCaptions(context.taskId().partition(), join.waiting());
        }
    }

    /**
     * Drops image embeddings and published-caption fingerprints older than the retention, counted
     * back from stream time (never from past the wall clock, so one record with a far-future
     * timestamp cannot expire everything). Stream time moves only with input, so an idle
     * partition expires nothing; it does not grow either.
     */
    private void expireOldState(long streamTimeMs) {
        long cutoff = Math.min(streamTimeMs, context.currentSystemTimeMs()) - settings.stateRetentionMs();
        int expiredImages = images.expireBefore(cutoff, MAX_EXPIRED_PER_SWEEP);
        int expiredCaptions = join.expireEmittedBefore(cutoff, MAX_EXPIRED_PER_SWEEP);
        if (expiredImages > 0 || expiredCaptions > 0) {
            log.debug("task {}: {} image embeddings and {} caption fingerprints older than {} expired",
                    context.taskId(), expiredImages, expiredCaptions, Instant.ofEpochMilli(cutoff));
        }
    }

    /**
     * Runs the buffer's inputs as one batch. They leave the buffer only after every outcome of the
     * batch is recorded (peek, run, remove): a batch that fails leaves them all waiting, whatever
     * the processing guarantee keeps of its store writes (docs/exactly-once.md).
     */
    private void runBatch() {
        List<BufferedInput> inputs = buffer.peek();
        try {
            new Batch(inputs).run();
        } catch (RuntimeException e) {
            // Not any one input's fault (the stages reject an input's own faults themselves), so
            // nothing is dead-lettered: the task fails and resumes from its last commit. The first
            // input's coordinates let an operator find a poison input if it fails again and again.
            String failure = "task " + context.taskId() + ": a batch of " + inputs.size() + " inputs failed (the first "
                    + (inputs.isEmpty() ? "none" : inputs.get(0).source()) + "); failing the task, nothing dead-lettered";
            log.error(failure, e);
            throw new BatchFailedException(failure + ": " + DeadLetters.describe(e), e);
        }
        buffer.removeOldest(inputs.size());
        imagesWaiting = 0;
        metrics.pendingCaptions(context.taskId().partition(), join.waiting());
    }

    private void expireWaitingCaptions(long nowMs, boolean caughtUp) {
        CaptionJoin.GraceClock clock = new CaptionJoin.GraceClock(streamTimeMs(), nowMs, startedAtMs, caughtUp);
        long graceMs = settings.captionGrace().toMillis();
        List<PendingCaption> expired = join.expired(clock, graceMs);
        for (PendingCaption caption : expired) {
            deadLetter(caption.source(), caption.caption(), caption.timestamp(), DeadLetterReason.CAPTION_WITHOUT_IMAGE,
                    "caption " + caption.caption().getCaptionId() + " waited for image " + caption.caption().getImageId()
                            + " longer than the grace period of " + graceMs + " ms (" + clock.streamTimeWaited(caption)
                            + " ms of stream time; " + clock.wallClockWaited(caption) + " ms of wall-clock time while "
                            + "this task ran)");
            join.settled(caption.caption());
        }
        if (!expired.isEmpty()) {
            metrics.pendingCaptions(context.taskId().partition(), join.waiting());
        }
    }

    /**
     * The task's stream time (the largest record timestamp it has read), counted no further than
     * the wall clock: one record from a producer whose clock runs ahead cannot end every waiting
     * caption's grace at once.
     */
    private long streamTimeMs() {
        return Math.min(context.currentStreamTimeMs(), context.currentSystemTimeMs());
    }

    /** One batch's work; the order of its steps is what lets captions meet images of the same batch. */
    private final class Batch {
        private final List<BufferedInput> inputs;
        private final Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        /**
         * One retry budget for the whole batch, shared by its fetches and every model stage, so a
         * batch meeting faults in several stages still ends inside its transaction (docs/dead-letters.md).
         */
        private final long retryDeadlineNanos = session.faults().retry().start().deadlineNanos();
        private final List<Pair> pairs = new ArrayList<>();
        /** Record timestamps of images embedded in this batch, for their pairs' output timestamps. */
        private final Map<String, Long> imageTimestamps = new HashMap<>();

        Batch(List<BufferedInput> inputs) {
            this.inputs = inputs;
        }

        // Every state write below follows the outcome it records (an output or a dead letter
        // forwarded): images.put after the AlignVLM record, markEmitted and settled after the TEVI
        // record or dead letter. A batch that fails in between leaves its inputs to run again,
        // and nothing is recorded as done that was not.
        void run() {
            embedImages();
            embedCaptions();
            alignPairs();
        }

        private void embedImages() {
            List<BufferedInput> fresh = new ArrayList<>();
            List<Long> freshFingerprints = new ArrayList<>();
            Map<String, Long> seen = new HashMap<>();
            for (BufferedInput input : inputs) {
                if (input.event() instanceof ImageEvent image) {
                    long fingerprint = Fingerprints.of(image);
                    Long inBatch = seen.get(image.getImageId());
                    if (inBatch != null && inBatch == fingerprint) {
                        continue; // the same image twice in this batch: it is being published once
                    }
                    StoredImage known = inBatch == null ? images.get(image.getImageId()) : null;
                    if (known != null && known.fingerprint() == fingerprint) {
                        // Re-sent: its output was published with this fingerprint. A caption can only be
                        // waiting for it still if a batch failed after that and its store writes were
                        // kept (at_least_once): it meets its image now.
                        joinWaitingCaptions(image.getImageId(), known, input.timestamp());
                        continue;
                    }
                    seen.put(image.getImageId(), fingerprint);
                    fresh.add(input);
                    freshFingerprints.add(fingerprint);
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            List<StageResult<EmbeddedImage>> results = imageEmbedder.embed(
                    fresh.stream().map(input -> (ImageEvent) input.event()).toList(), retryDeadlineNanos);
            for (int i = 0; i < fresh.size(); i++) {
                BufferedInput input = fresh.get(i);
                ImageEvent image = (ImageEvent) input.event();
                if (results.get(i) instanceof StageResult.Rejected<EmbeddedImage> rejected) {
                    // No fingerprint stored: the dead letter, replayed after a fix, is embedded.
                    deadLetter(input.source(), image, input.timestamp(), rejected.reason(), rejected.message());
                    continue;
                }
                EmbeddedImage embedded = ((StageResult.Done<EmbeddedImage>) results.get(i)).value();
                StoredImage stored = new StoredImage(freshFingerprints.get(i), embedded.vision().embedding(),
                        embedded.code(), image.getEventTime().toEpochMilli());
                publish(image.getImageId(), records.alignVlm(image, embedded.vision(), embedded.projection(), now),
                        input.timestamp(), settings.topics().alignVlm(), image.getEventTime());
                images.put(image.getImageId(), stored);
                imageTimestamps.put(image.getImageId(), input.timestamp());
                joinWaitingCaptions(image.getImageId(), stored, input.timestamp());
            }
        }

        /** Pairs the captions waiting for {@code imageId} with it; they keep waiting until their pair's outcome. */
        private void joinWaitingCaptions(String imageId, StoredImage image, long imageTimestamp) {
            for (PendingCaption waiting : join.waitingFor(imageId)) {
                metrics.captionJoinWait(now.toEpochMilli() - waiting.heldSinceMs());
                // held by a version that did not keep the count: the same rule on the same text gives it
                int subCaptions = waiting.subCaptions() > 0 ? waiting.subCaptions()
                        : captionEmbedder.subCaptions(waiting.caption());
                pairs.add(new Pair(waiting.caption(), new EmbeddedCaption(waiting.captionEmbedding(), subCaptions),
                        waiting.source(), Math.max(waiting.timestamp(), imageTimestamp), image, true));
            }
        }

        private void embedCaptions() {
            List<BufferedInput> fresh = new ArrayList<>();
            Map<String, BufferedInput> latest = new HashMap<>();
            for (BufferedInput input : inputs) {
                if (input.event() instanceof CaptionEvent caption) {
                    String key = CaptionJoin.pairKey(caption.getImageId(), caption.getCaptionId());
                    BufferedInput earlier = latest.get(key);
                    if (earlier != null && ((CaptionEvent) earlier.event()).getText().equals(caption.getText())) {
                        continue; // the same caption twice in one batch
                    }
                    if (join.isDuplicate(caption, Fingerprints.of(caption.getText()))) {
                        continue; // published, or waiting, with this text already
                    }
                    latest.put(key, input);
                    fresh.add(input);
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            List<StageResult<EmbeddedCaption>> results = new ArrayList<>(fresh.size());
            for (List<BufferedInput> call : settings.inModelCalls(fresh)) {
                results.addAll(captionEmbedder.embed(call.stream().map(input -> (CaptionEvent) input.event()).toList(),
                        retryDeadlineNanos));
            }
            for (int i = 0; i < fresh.size(); i++) {
                BufferedInput input = fresh.get(i);
                CaptionEvent caption = (CaptionEvent) input.event();
                if (results.get(i) instanceof StageResult.Rejected<EmbeddedCaption> rejected) {
                    deadLetter(input.source(), caption, input.timestamp(), rejected.reason(), rejected.message());
                    continue;
                }
                EmbeddedCaption embedding = ((StageResult.Done<EmbeddedCaption>) results.get(i)).value();
                StoredImage image = images.get(caption.getImageId());
                if (image != null) {
                    long imageTimestamp = imageTimestamps.getOrDefault(caption.getImageId(), image.eventTimeMs());
                    pairs.add(new Pair(caption, embedding, input.source(), Math.max(input.timestamp(), imageTimestamp),
                            image, false));
                } else if (settings.captionGrace().isZero()) {
                    deadLetter(input.source(), caption, input.timestamp(), DeadLetterReason.CAPTION_WITHOUT_IMAGE,
                            "caption " + caption.getCaptionId() + ": image " + caption.getImageId()
                                    + " is unknown and the grace period is 0");
                } else {
                    // Its image is unknown: the caption waits. Wall-clock grace counts from when it
                    // arrived, not from when its batch ran; stream-time grace from the stream time
                    // now, or its own timestamp if later (a producer's clock behind the others' does
                    // not make it expire at once), neither past the wall clock.
                    long heldAtStreamTimeMs = Math.min(Math.max(input.timestamp(), context.currentStreamTimeMs()),
                            context.currentSystemTimeMs());
                    join.hold(new PendingCaption(caption, embedding.embedding(), embedding.subCaptions(), input.source(),
                            input.timestamp(), input.arrivedAtMs(), heldAtStreamTimeMs));
                }
            }
        }

        private void alignPairs() {
            // Released captions can make this longer than a batch: align in batch-sized chunks.
            for (List<Pair> chunk : settings.inModelCalls(pairs)) {
                List<StageResult<TeviAlignment>> aligned = alignChunk(chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    Pair pair = chunk.get(i);
                    if (aligned.get(i) instanceof StageResult.Rejected<TeviAlignment> rejected) {
                        deadLetter(pair.source(), pair.caption(), pair.timestamp(), rejected.reason(), rejected.message());
                    } else {
                        TeviAlignment alignment = ((StageResult.Done<TeviAlignment>) aligned.get(i)).value();
                        publish(pair.caption().getImageId(), records.tevi(pair.caption(), pair.captionEmbedded(),
                                        pair.image().embedding(), Instant.ofEpochMilli(pair.image().eventTimeMs()), alignment,
                                        now),
                                pair.timestamp(), settings.topics().tevi(), laterOf(pair));
                        join.markEmitted(pair.caption(), Fingerprints.of(pair.caption().getText()));
                    }
                    if (pair.waited()) {
                        join.settled(pair.caption());
                    }
                }
            }
        }

        private List<StageResult<TeviAlignment>> alignChunk(List<Pair> chunk) {
            return aligner.align(chunk.stream()
                    .map(pair -> new PairAligner.Embeddings(pair.image().embedding(), pair.captionEmbedded().embedding()))
                    .toList(),
                    retryDeadlineNanos);
        }

        private Instant laterOf(Pair pair) {
            Instant caption = pair.caption().getEventTime();
            Instant image = Instant.ofEpochMilli(pair.image().eventTimeMs());
            return caption.isAfter(image) ? caption : image;
        }
    }

    /** A caption ready to be aligned with its image; {@code waited}: it is in pending-captions until its outcome. */
    private record Pair(CaptionEvent caption, EmbeddedCaption captionEmbedded, SourceCoordinates source, long timestamp,
                        StoredImage image, boolean waited) {
    }

    private void publish(String imageId, SpecificRecord value, long timestamp, String topic, Instant eventTime) {
        context.forward(new Record<>(imageId, value, timestamp, new RecordHeaders()));
        metrics.eventOut(topic);
        metrics.endToEndLatency(topic, Math.max(0, context.currentSystemTimeMs() - eventTime.toEpochMilli()));
    }

    private void deadLetter(SourceCoordinates source, SpecificRecordBase event, long timestamp, DeadLetterReason reason,
                            String message) {
        byte[] payload = null;
        String note = "";
        try {
            payload = payloads.encode(source.topic(), event);
        } catch (RuntimeException e) {
            note = " (payload not re-encoded: " + DeadLetters.describe(e) + ")";
        }
        // Cut like the handlers' dead letters, or a near-limit event would make an unwritable dead letter.
        int maxPayload = DeadLetters.maxPayloadBytes(settings.maxRecordBytes());
        if (payload != null && payload.length > maxPayload) {
            note = note + " " + DeadLetters.cutNote(maxPayload, payload.length).trim();
            payload = DeadLetters.cut(payload, maxPayload);
        }
        log.warn("dead-lettering {} ({}): {}", source, reason, message);
        context.forward(new Record<>(keyOf(event), DeadLetters.of(source, reason, message + note, payload,
                Instant.ofEpochMilli(context.currentSystemTimeMs())), timestamp, new RecordHeaders()));
        metrics.deadLetter(source.topic(), reason);
        metrics.eventOut(settings.topics().deadLetters());
    }

    private static String keyOf(SpecificRecordBase event) {
        return event instanceof ImageEvent image ? image.getImageId() : ((CaptionEvent) event).getImageId();
    }

    @Override
    public void close() {
        if (imageEmbedder != null) {
            imageEmbedder.close();
        }
        if (fetcher != null) {
            fetcher.close();
        }
        if (session != null) {
            session.close();
        }
    }
}
