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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Images of one batch, to embeddings: fetch (references concurrently, so a batch waits about
 * one fetch timeout at worst, not one per image), decode and resize one at a time on the stream
 * thread (so at most one decoded image per task is in memory), then the vision tower, the TEVI
 * sparse code and the AlignVLM projection, each once per batch.
 */
public final class ImageEmbedder implements AutoCloseable {
    /** Concurrent reference fetches per task; a batch has at most this many network waits at once. */
    static final int FETCH_THREADS = 8;

    private final InferenceSession session;
    private final ImageFetcher fetcher;
    private final ImagePreprocessor preprocessor;
    private final PipelineMetrics metrics;
    private final IsolatingCall call;
    private ExecutorService fetchPool;

    public ImageEmbedder(InferenceSession session, ImageFetcher fetcher, ImagePreprocessor preprocessor,
                         PipelineMetrics metrics) {
        this.session = session;
        this.fetcher = fetcher;
        this.preprocessor = preprocessor;
        this.metrics = metrics;
        this.call = new IsolatingCall(metrics);
    }

    /** One result per image, in order. */
    public List<StageResult<EmbeddedImage>> embed(List<ImageEvent> images) {
        List<StageResult<FetchedImage>> fetched = fetchAll(images);
        List<StageResult<EmbeddedImage>> results = new ArrayList<>(images.size());
        List<Integer> decodedAt = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < images.size(); i++) {
            results.add(null);
            if (fetched.get(i) instanceof StageResult.Rejected<FetchedImage> rejected) {
                results.set(i, StageResult.rejected(rejected.reason(), rejected.message()));
                continue;
            }
            FetchedImage image = ((StageResult.Done<FetchedImage>) fetched.get(i)).value();
            try {
                pixels.add(preprocessor.preprocess(image.bytes(), image.contentType()));
                decodedAt.add(i);
            } catch (ImageRejectedException e) {
                results.set(i, StageResult.rejected(
                        e.reason().overLimit() ? DeadLetterReason.OVER_LIMIT : DeadLetterReason.BAD_IMAGE,
                        "image " + images.get(i).getImageId() + ": " + e.getMessage()));
            }
        }
        metrics.batch(InferenceStage.PREPROCESS, images.size(), System.nanoTime() - start);

        List<StageResult<VisionEmbedding>> vision = call.run(InferenceStage.VISION, pixels, session::embedImages);
        List<Integer> embeddedAt = new ArrayList<>();
        List<VisionEmbedding> embedded = new ArrayList<>();
        for (int j = 0; j < vision.size(); j++) {
            int i = decodedAt.get(j);
            if (vision.get(j) instanceof StageResult.Done<VisionEmbedding> done) {
                embeddedAt.add(i);
                embedded.add(done.value());
            } else {
                results.set(i, retype(vision.get(j)));
            }
        }
        List<StageResult<SparseCode>> codes = call.run(InferenceStage.TEVI,
                embedded.stream().map(VisionEmbedding::embedding).toList(), session::sparseCodes);
        List<StageResult<AlignVlmProjection>> projections = call.run(InferenceStage.ALIGNVLM,
                embedded.stream().map(VisionEmbedding::patchTokens).toList(), session::project);
        for (int j = 0; j < embedded.size(); j++) {
            int i = embeddedAt.get(j);
            if (codes.get(j) instanceof StageResult.Rejected<SparseCode>) {
                results.set(i, retype(codes.get(j)));
            } else if (projections.get(j) instanceof StageResult.Rejected<AlignVlmProjection>) {
                results.set(i, retype(projections.get(j)));
            } else {
                results.set(i, StageResult.done(new EmbeddedImage(embedded.get(j),
                        ((StageResult.Done<SparseCode>) codes.get(j)).value(),
                        ((StageResult.Done<AlignVlmProjection>) projections.get(j)).value())));
            }
        }
        return results;
    }

    private List<StageResult<FetchedImage>> fetchAll(List<ImageEvent> images) {
        long start = System.nanoTime();
        List<CompletableFuture<StageResult<FetchedImage>>> pending = new ArrayList<>(images.size());
        int references = 0;
        for (ImageEvent image : images) {
            if (image.getContent() instanceof InlineImage) {
                pending.add(CompletableFuture.completedFuture(fetch(image)));
            } else {
                references++;
                pending.add(CompletableFuture.supplyAsync(() -> fetch(image), pool()));
            }
        }
        List<StageResult<FetchedImage>> results = pending.stream().map(CompletableFuture::join).toList();
        if (references > 0) {
            metrics.batch(InferenceStage.FETCH, references, System.nanoTime() - start);
        }
        return results;
    }

    private StageResult<FetchedImage> fetch(ImageEvent image) {
        try {
            return StageResult.done(fetcher.fetch(image));
        } catch (ImageFetchException e) {
            return StageResult.rejected(e.deadLetterReason(), "image " + image.getImageId() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            return StageResult.rejected(DeadLetterReason.UNREACHABLE_REFERENCE,
                    "image " + image.getImageId() + ": fetch failed: " + e);
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
