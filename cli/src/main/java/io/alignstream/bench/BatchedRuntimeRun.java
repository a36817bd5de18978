package io.alignstream.bench;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.fetch.ImageFetcher;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.text.SubCaptionSplitter;
import io.alignstream.topology.TopologySettings;
import io.alignstream.topology.embedding.CaptionEmbedder;
import io.alignstream.topology.embedding.EmbeddedImage;
import io.alignstream.topology.embedding.ImageEmbedder;
import io.alignstream.topology.embedding.StageResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measurement 1: the topology's model work with no Kafka, through the topology's own
 * {@link ImageEmbedder} and {@link CaptionEmbedder} on an {@link InferenceSession}: images
 * decoded, embedded, coded and projected in batches of {@code batchMaxSize}; captions prepared
 * (sub-caption rule) and embedded in batches of {@code batchMaxSize}; then every pair
 * TEVI-aligned in batches of {@code batchMaxSize}. Each head sees full batches of one kind, the
 * best case for batching.
 *
 * <p>With {@code workers} above one the scenes are dealt to that many threads, each with its own
 * session, as the topology's stream threads each run their own tasks: the baseline then uses the
 * cores the topology uses, and the ratio between them stays like for like.
 */
public final class BatchedRuntimeRun {
    private final InferenceModels models;
    private final TopologySettings settings;
    private final int workers;

    public BatchedRuntimeRun(InferenceModels models, TopologySettings settings, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        this.models = models;
        this.settings = settings;
        this.workers = workers;
    }

    public RoundResult run(BenchWorkload workload, int round) {
        StageProfile profile = new StageProfile();
        List<List<ImageEvent>> images = new ArrayList<>();
        List<List<CaptionEvent>> captions = new ArrayList<>();
        Map<String, Integer> workerOfImage = new HashMap<>();
        for (int w = 0; w < workers; w++) {
            images.add(new ArrayList<>());
            captions.add(new ArrayList<>());
        }
        for (int i = 0; i < workload.images().size(); i++) {
            ImageEvent image = workload.images().get(i);
            images.get(i % workers).add(image);
            workerOfImage.put(image.getImageId(), i % workers);
        }
        workload.captions().forEach(caption -> captions.get(workerOfImage.get(caption.getImageId())).add(caption));
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            Optional<ThreadCpu> cpuAtStart = ThreadCpu.now();
            long start = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int share = w;
                running.add(pool.submit(() -> embed(images.get(share), captions.get(share), profile)));
            }
            for (Future<?> worker : running) {
                worker.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // Read while the workers still live: a thread that ended is not counted (ThreadCpu.since).
            ThreadCpu.now().ifPresent(done -> profile.withCpu(done.since(cpuAtStart.orElseThrow())));
            return new RoundResult(Measurement.RUNTIME, round, workload.scenes(), workload.pairs(), seconds, seconds,
                    0, profile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the runtime workers ran", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a runtime worker failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One worker's share: its images, then their captions, then their pairs, on a session of its own. */
    private void embed(List<ImageEvent> imageEvents, List<CaptionEvent> captionEvents, StageProfile profile) {
        int batch = settings.batchMaxSize();
        CaptionPreparer preparer = new CaptionPreparer(
                new SubCaptionSplitter(models.tokenCounter(), SubCaptionSplitter.DEFAULT_MAX_TOKENS),
                settings.captionMaxCharacters(), settings.captionMaxSubCaptions());
        try (InferenceSession session = models.openSession();
             ImageFetcher fetcher = new ImageFetcher(settings.fetchLimits());
             ImageEmbedder images = new ImageEmbedder(session, fetcher, models.preprocessor(), profile)) {
            CaptionEmbedder captions = new CaptionEmbedder(session, preparer, profile);
            Map<String, float[]> imageEmbeddings = new HashMap<>();
            for (List<ImageEvent> chunk : settings.inModelCalls(imageEvents)) {
                List<StageResult<EmbeddedImage>> done = images.embed(chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    imageEmbeddings.put(chunk.get(i).getImageId(), value(done.get(i)).vision().embedding());
                }
            }
            List<float[]> captionEmbeddings = new ArrayList<>(captionEvents.size());
            for (List<CaptionEvent> chunk : settings.inModelCalls(captionEvents)) {
                captions.embed(chunk).forEach(result -> captionEmbeddings.add(value(result).embedding()));
            }
            for (int from = 0; from < captionEvents.size(); from += batch) {
                int to = Math.min(captionEvents.size(), from + batch);
                List<float[]> imagesOfPairs = captionEvents.subList(from, to).stream()
                        .map(caption -> imageEmbeddings.get(caption.getImageId())).toList();
                long t = System.nanoTime();
                session.align(imagesOfPairs, captionEmbeddings.subList(from, to));
                profile.batch(InferenceStage.TEVI, to - from, System.nanoTime() - t);
            }
        }
    }

    private static <T> T value(StageResult<T> result) {
        if (result instanceof StageResult.Done<T> done) {
            return done.value();
        }
        throw new IllegalStateException("a benchmark input was rejected: " + ((StageResult.Rejected<T>) result).message());
    }
}
