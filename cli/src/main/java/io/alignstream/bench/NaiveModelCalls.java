package io.alignstream.bench;

import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.fetch.ImageFetcher;
import io.alignstream.inference.InferenceModels;
import io.alignstream.inference.InferenceSession;
import io.alignstream.metrics.InferenceStage;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.text.SubCaptionSplitter;
import io.alignstream.topology.TopologySettings;
import io.alignstream.topology.embedding.CaptionEmbedder;
import io.alignstream.topology.embedding.EmbeddedCaption;
import io.alignstream.topology.embedding.EmbeddedImage;
import io.alignstream.topology.embedding.EmbeddingRecords;
import io.alignstream.topology.embedding.ImageEmbedder;
import io.alignstream.topology.embedding.StageResult;
import java.time.Instant;
import java.util.List;

/**
 * The baseline's model calls: one record at a time (every head called with a batch of one),
 * through the same embedders and record builders as the topology, so the work per record is the
 * same and only the batching differs. Calls are serialised on one session (the baseline runs one
 * stream thread). Not product code.
 */
final class NaiveModelCalls implements AutoCloseable {
    /** An image's outputs: its AlignVLM record and what the join needs. */
    record EmbeddedImageRecord(AlignVlmEmbedding alignVlm, NaiveSerdes.ImageVector vector) { }

    /** A joined pair before its TEVI call. */
    record Pair(NaiveSerdes.CaptionVector caption, NaiveSerdes.ImageVector image) { }

    private final InferenceSession session;
    private final ImageFetcher fetcher;
    private final ImageEmbedder images;
    private final CaptionEmbedder captions;
    private final EmbeddingRecords records;
    private final StageProfile profile;

    NaiveModelCalls(InferenceModels models, TopologySettings settings, StageProfile profile) {
        this.profile = profile;
        this.session = models.openSession();
        this.fetcher = new ImageFetcher(settings.fetchLimits());
        this.images = new ImageEmbedder(session, fetcher, models.preprocessor(), profile);
        this.captions = new CaptionEmbedder(session, new CaptionPreparer(
                new SubCaptionSplitter(models.tokenCounter(), SubCaptionSplitter.DEFAULT_MAX_TOKENS),
                settings.captionMaxCharacters(), settings.captionMaxSubCaptions()), profile);
        this.records = new EmbeddingRecords(models.modelRef(), settings.alignVlmDtype(), settings.includeRawEmbedding(),
                session.dictionarySize(), session.hasCaptionAdapter());
    }

    /** Decode, vision tower, TEVI code and AlignVLM projection of one image. */
    synchronized EmbeddedImageRecord embedImage(ImageEvent image) {
        EmbeddedImage embedded = value(images.embed(List.of(image)).get(0));
        AlignVlmEmbedding alignVlm = records.alignVlm(image, embedded.vision(), embedded.projection(), Instant.now());
        return new EmbeddedImageRecord(alignVlm, new NaiveSerdes.ImageVector(embedded.vision().embedding(),
                image.getEventTime().toEpochMilli()));
    }

    /** The caption's embedding (sub-caption rule) on its own. */
    synchronized NaiveSerdes.CaptionVector embedCaption(CaptionEvent caption) {
        EmbeddedCaption embedded = value(captions.embed(List.of(caption)).get(0));
        return new NaiveSerdes.CaptionVector(caption, embedded.embedding(), embedded.subCaptions());
    }

    /** The TEVI-aligned embedding of one pair. */
    synchronized TeviEmbedding align(Pair pair) {
        long start = System.nanoTime();
        TeviAlignment alignment = session.align(List.of(pair.image().embedding()),
                List.of(pair.caption().embedding())).get(0);
        profile.batch(InferenceStage.TEVI, 1, System.nanoTime() - start);
        return records.tevi(pair.caption().caption(), pair.caption().embedded(), pair.image().embedding(),
                Instant.ofEpochMilli(pair.image().eventTimeMs()), alignment, Instant.now());
    }

    private static <T> T value(StageResult<T> result) {
        if (result instanceof StageResult.Done<T> done) {
            return done.value();
        }
        throw new IllegalStateException("rejected: " + ((StageResult.Rejected<T>) result).message());
    }

    @Override
    public synchronized void close() {
        images.close();
        fetcher.close();
        session.close();
    }
}
