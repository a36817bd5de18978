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

/**
 * Measurement 1: the topology's model work with no Kafka, through the topology's own
 * {@link ImageEmbedder} and {@link CaptionEmbedder} on an {@link InferenceSession}: images
 * decoded, embedded, coded and projected in batches of {@code batchMaxSize}; captions prepared
 * (sub-caption rule) and embedded in batches of {@code batchMaxSize}; then every pair
 * TEVI-aligned in batches of {@code batchMaxSize}. Each head sees full batches of one kind, the
 * best case for batching.
 */
public final class BatchedRuntimeRun {
    private final InferenceModels models;
    private final TopologySettings settings;

    public BatchedRuntimeRun(InferenceModels models, TopologySettings settings) {
        this.models = models;
        this.settings = settings;
    }

    public RoundResult run(BenchWorkload workload, int round) {
        StageProfile profile = new StageProfile();
        int batch = settings.batchMaxSize();
        CaptionPreparer preparer = new CaptionPreparer(
                new SubCaptionSplitter(models.tokenCounter(), SubCaptionSplitter.DEFAULT_MAX_TOKENS),
                settings.captionMaxCharacters(), settings.captionMaxSubCaptions());
        try (InferenceSession session = models.openSession();
             ImageFetcher fetcher = new ImageFetcher(settings.fetchLimits());
             ImageEmbedder images = new ImageEmbedder(session, fetcher, models.preprocessor(), profile)) {
            CaptionEmbedder captions = new CaptionEmbedder(session, preparer, profile);
            Optional<ThreadCpu> cpuAtStart = ThreadCpu.now();
            long start = System.nanoTime();
            Map<String, float[]> imageEmbeddings = new HashMap<>();
            for (List<ImageEvent> chunk : settings.inModelCalls(workload.images())) {
                List<StageResult<EmbeddedImage>> done = images.embed(chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    imageEmbeddings.put(chunk.get(i).getImageId(), value(done.get(i)).vision().embedding());
                }
            }
            List<float[]> captionEmbeddings = new ArrayList<>(workload.pairs());
            for (List<CaptionEvent> chunk : settings.inModelCalls(workload.captions())) {
                captions.embed(chunk).forEach(result -> captionEmbeddings.add(value(result).embedding()));
            }
            for (int from = 0; from < workload.pairs(); from += batch) {
                int to = Math.min(workload.pairs(), from + batch);
                List<float[]> imagesOfPairs = workload.captions().subList(from, to).stream()
                        .map(caption -> imageEmbeddings.get(caption.getImageId())).toList();
                long t = System.nanoTime();
                session.align(imagesOfPairs, captionEmbeddings.subList(from, to));
                profile.batch(InferenceStage.TEVI, to - from, System.nanoTime() - t);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            ThreadCpu.now().ifPresent(done -> profile.withCpu(done.since(cpuAtStart.orElseThrow())));
            return new RoundResult(Measurement.RUNTIME, round, workload.scenes(), workload.pairs(), seconds, seconds,
                    0, profile);
        }
    }

    private static <T> T value(StageResult<T> result) {
        if (result instanceof StageResult.Done<T> done) {
            return done.value();
        }
        throw new IllegalStateException("a benchmark input was rejected: " + ((StageResult.Rejected<T>) result).message());
    }
}
