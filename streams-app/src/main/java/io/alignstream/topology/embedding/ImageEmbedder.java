package io.alignstream.topology.embedding;

import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.InlineImage;
import io.alignstream.fetch.FetchedImage;
import io.alignstream.fetch.ImageFetchException;
import io.alignstream.fetch.ImageFetcher;
import io.alignstream.inference.InferenceSession;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.metrics.PipelineMetrics;
import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.runtime.image.ImagePreprocessor;
import io.alignstream.runtime.image.ImageRejectedException;
import io.alignstream.faults.ImageMemoryBudget;
import io.alignstream.faults.RetryBudget;
import io.alignstream.faults.ServiceFaultException;
import io.alignstream.faults.ServiceFaults;
import io.alignstream.runtime.image.ImageHeader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Images of one batch, to embeddings: fetch and decode (references concurrently on a small pool,
 * each fetch and its retries ending by the batch's retry deadline, so a batch waits about one retry
 * budget at worst, not one per image), then the vision tower,
 * the TEVI sparse code and the AlignVLM projection, each once per batch.
 *
 * <p>Fetched and decoded bytes are reserved from the instance's image memory budget before they
 * are read or decoded, and released as soon as the image is resized (docs/image-fetching.md).
 * Transient fetch faults are retried inside the retry budget, shared by the whole batch; past it an
 * operator-declared host fails the task ({@link ServiceFaultException}), a producer's host is
 * dead-lettered. An {@link Error} anywhere fails the task: it is never the input's fault.
 */
public final class ImageEmbedder implements AutoCloseable {
    /** Concurrent reference fetches per task; a batch has at most this many network waits at once. */
    static final int FETCH_THREADS = 8;

    /**
     * Bytes a decoded pixel takes at most in the decoder's image for 8-bit images (RGBA); 16-bit
     * images take twice that, and are rare enough to be covered by the rest of the heap.
     */
    static final int DECODED_BYTES_PER_PIXEL = 4;

    /** The grey of the canary image: what the preprocessor makes of a plain mid-grey picture. */
    private static final float CANARY_GREY = 128f;

    private final InferenceSession session;
    private final ImageFetcher fetcher;
    private final ImagePreprocessor preprocessor;
    private final PipelineMetrics metrics;
    private final ServiceFaults faults;
    private final IsolatingCall<float[], VisionEmbedding> vision;
    private final IsolatingCall<float[], SparseCode> codes;
    private final IsolatingCall<float[], AlignVlmProjection> projections;
    private VisionEmbedding canaryEmbedding;
    private ExecutorService fetchPool;

    public ImageEmbedder(InferenceSession session, ImageFetcher fetcher, ImagePreprocessor preprocessor,
                         PipelineMetrics metrics) {
        this.session = session;
        this.fetcher = fetcher;
        this.preprocessor = preprocessor;
        this.metrics = metrics;
        this.faults = session.faults();
        this.vision = new IsolatingCall<>(InferenceStage.VISION, session::embedImages, this::greyImage, metrics,
                faults.retry());
        this.codes = new IsolatingCall<>(InferenceStage.TEVI, session::sparseCodes,
                () -> canaryEmbedding().embedding(), metrics, faults.retry());
        this.projections = new IsolatingCall<>(InferenceStage.ALIGNVLM, session::project,
                () -> canaryEmbedding().patchTokens(), metrics, faults.retry());
    }

    private float[] greyImage() {
        float[] pixels = new float[preprocessor.inputLength()];
        Arrays.fill(pixels, CANARY_GREY);
        return pixels;
    }

    /** The vision tower's output for the grey image: the canary of the heads after it. */
    private VisionEmbedding canaryEmbedding() {
        if (canaryEmbedding == null) {
            canaryEmbedding = session.embedImages(List.of(greyImage())).get(0);
        }
        return canaryEmbedding;
    }

    /** One result per image, in order, with a retry budget of its own started now. */
    public List<StageResult<EmbeddedImage>> embed(List<ImageEvent> images) {
        return embed(images, faults.retry().start().deadlineNanos());
    }

    /**
     * One result per image, in order.
     *
     * @param deadlineNanos when retries of faults that are not an image's (fetches, memory waits,
     *                      model faults) must end: the batch's one retry budget ({@link System#nanoTime()} terms)
     */
    public List<StageResult<EmbeddedImage>> embed(List<ImageEvent> images, long deadlineNanos) {
        List<StageResult<float[]>> decoded = fetchAndDecodeAll(images, deadlineNanos);
        List<StageResult<EmbeddedImage>> results = new ArrayList<>(images.size());
        List<Integer> decodedAt = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            results.add(null);
            if (decoded.get(i) instanceof StageResult.Done<float[]> done) {
                pixels.add(done.value());
                decodedAt.add(i);
            } else {
                results.set(i, retype(decoded.get(i)));
            }
        }

        List<StageResult<VisionEmbedding>> embeddings = vision.run(pixels, deadlineNanos);
        List<Integer> embeddedAt = new ArrayList<>();
        List<VisionEmbedding> embedded = new ArrayList<>();
        for (int j = 0; j < embeddings.size(); j++) {
            int i = decodedAt.get(j);
            if (embeddings.get(j) instanceof StageResult.Done<VisionEmbedding> done) {
                embeddedAt.add(i);
                embedded.add(done.value());
            } else {
                results.set(i, retype(embeddings.get(j)));
            }
        }
        List<StageResult<SparseCode>> sparse = codes.run(embedded.stream().map(VisionEmbedding::embedding).toList(), deadlineNanos);
        List<StageResult<AlignVlmProjection>> projected = projections.run(
                embedded.stream().map(VisionEmbedding::patchTokens).toList(), deadlineNanos);
        for (int j = 0; j < embedded.size(); j++) {
            int i = embeddedAt.get(j);
            if (sparse.get(j) instanceof StageResult.Rejected<SparseCode>) {
                results.set(i, retype(sparse.get(j)));
            } else if (projected.get(j) instanceof StageResult.Rejected<AlignVlmProjection>) {
                results.set(i, retype(projected.get(j)));
            } else {
                results.set(i, StageResult.done(new EmbeddedImage(embedded.get(j),
                        ((StageResult.Done<SparseCode>) sparse.get(j)).value(),
                        ((StageResult.Done<AlignVlmProjection>) projected.get(j)).value())));
            }
        }
        return results;
    }

    /**
     * Every image fetched and decoded to the vision tower's input; references on the pool, so an
     * image's fetched bytes are released as soon as it is decoded, not when the whole batch is.
     */
    private List<StageResult<float[]>> fetchAndDecodeAll(List<ImageEvent> images, long deadlineNanos) {
        long start = System.nanoTime();
        // The batch's one retry budget (deadlineNanos): its fetches, retries and memory waits end together.
        List<CompletableFuture<StageResult<float[]>>> pending = new ArrayList<>(images.size());
        int references = 0;
        for (ImageEvent image : images) {
            if (image.getContent() instanceof InlineImage) {
                pending.add(completed(() -> fetchAndDecode(image, deadlineNanos)));
            } else {
                references++;
                pending.add(CompletableFuture.supplyAsync(() -> fetchAndDecode(image, deadlineNanos), pool()));
            }
        }
        List<StageResult<float[]>> results = new ArrayList<>(images.size());
        Throwable failure = null;
        for (CompletableFuture<StageResult<float[]>> future : pending) {
            try {
                results.add(future.join());
            } catch (CompletionException | CancellationException e) {
                // Wait for every fetch before failing, so none is left holding image memory.
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                failure = failure == null || (cause instanceof Error && !(failure instanceof Error)) ? cause : failure;
            }
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        if (references > 0) {
            metrics.batch(InferenceStage.FETCH, references, System.nanoTime() - start);
        }
        return results;
    }

    private static <T> CompletableFuture<T> completed(java.util.function.Supplier<T> work) {
        try {
            return CompletableFuture.completedFuture(work.get());
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** One image: fetched (retried while its faults are transient), then decoded within the memory budget. */
    private StageResult<float[]> fetchAndDecode(ImageEvent image, long deadlineNanos) {
        StageResult<ImageFetcher.Held> fetched = fetch(image, deadlineNanos);
        if (fetched instanceof StageResult.Rejected<ImageFetcher.Held> rejected) {
            return retype(rejected);
        }
        try (ImageFetcher.Held held = ((StageResult.Done<ImageFetcher.Held>) fetched).value()) {
            return decode(image, held.image(), deadlineNanos);
        }
    }

    private StageResult<float[]> decode(ImageEvent image, FetchedImage fetched, long deadlineNanos) {
        long start = System.nanoTime();
        try {
            ImageHeader header = preprocessor.inspect(fetched.bytes(), fetched.contentType());
            long bytes = header.pixels() * DECODED_BYTES_PER_PIXEL;
            try (ImageMemoryBudget.Reservation ignored = faults.memory().reserve(ImageMemoryBudget.Use.DECODED, bytes,
                    deadlineNanos, "decoding image " + image.getImageId() + " (" + header.width() + " x " + header.height()
                            + " pixels)")) {
                return StageResult.done(preprocessor.preprocess(fetched.bytes(), fetched.contentType()));
            }
        } catch (ImageRejectedException e) {
            return StageResult.rejected(e.reason().overLimit() ? DeadLetterReason.OVER_LIMIT : DeadLetterReason.BAD_IMAGE,
                    "image " + image.getImageId() + ": " + e.getMessage());
        } catch (ImageMemoryBudget.TooLarge e) {
            return StageResult.rejected(DeadLetterReason.OVER_LIMIT, "image " + image.getImageId() + ": " + e.getMessage());
        } finally {
            metrics.batch(InferenceStage.PREPROCESS, 1, System.nanoTime() - start);
        }
    }

    /**
     * The image's bytes, or why it is dead-lettered. Transient faults are tried again with backoff
     * until the batch's retry budget is spent; then a host the operator declared fails the task, and
     * a host the producer chose is the input's (UNREACHABLE_REFERENCE, replayable later).
     */
    private StageResult<ImageFetcher.Held> fetch(ImageEvent image, long deadlineNanos) {
        RetryBudget.Attempts attempts = null;
        while (true) {
            // A first try gets its own time-out however late it starts (queued behind other fetches, after
            // memory waits, or with a budget of 0): a host is judged on a fair try. Retries end by the deadline.
            long tryDeadline = attempts != null ? deadlineNanos
                    : Math.max(deadlineNanos, System.nanoTime() + fetcher.limits().timeout().toNanos());
            try {
                return StageResult.done(fetcher.fetch(image, faults.memory(), tryDeadline));
            } catch (ImageFetchException e) {
                Optional<ImageFetchException.Transient> fault = e.transientFault();
                if (fault.isEmpty()) {
                    return StageResult.rejected(e.deadLetterReason(), "image " + image.getImageId() + ": " + e.getMessage());
                }
                if (attempts == null) {
                    attempts = faults.retry().startUntil(deadlineNanos);
                }
                if (attempts.pause(fault.get().retryAfter())) {
                    continue;
                }
                if (fault.get().operatorHost()) {
                    throw attempts.giveUp("fetching image " + image.getImageId() + " from a source the operator declared ("
                            + e.getMessage() + ")", e);
                }
                return StageResult.rejected(DeadLetterReason.UNREACHABLE_REFERENCE, "image " + image.getImageId() + ": "
                        + e.getMessage() + " (after " + attempts.tries() + " tries over "
                        + String.format(Locale.ROOT, "%.1f", attempts.elapsed().toMillis() / 1000.0) + " s)");
            }
        }
    }

    private synchronized ExecutorService pool() {
        if (fetchPool == null) {
            AtomicInteger count = new AtomicInteger();
            ThreadFactory threads = runnable -> {
                Thread thread = new Thread(runnable, "alignstream-fetch-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            };
            fetchPool = Executors.newFixedThreadPool(FETCH_THREADS, threads);
        }
        return fetchPool;
    }

    private static <A, B> StageResult<B> retype(StageResult<A> rejected) {
        StageResult.Rejected<A> r = (StageResult.Rejected<A>) rejected;
        return StageResult.rejected(r.reason(), r.message());
    }

    @Override
    public synchronized void close() {
        if (fetchPool != null) {
            fetchPool.shutdownNow();
        }
    }
}
