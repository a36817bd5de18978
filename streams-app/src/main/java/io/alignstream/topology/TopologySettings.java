package io.alignstream.topology;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.TensorDType;
import io.alignstream.fetch.FetchLimits;
import io.alignstream.text.CaptionPreparer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the topology needs to know, already validated (the application builds it from
 * {@code AlignstreamConfig}; tests build it directly).
 *
 * @param topics                 input, output and dead-letter topic names
 * @param partitions             partitions of the two internal re-keying topics (images and captions by image id)
 * @param batchMaxSize           the most items in one model call; a batch runs when this many images wait...
 * @param batchMaxInputs         ...or this many inputs (images and captions)...
 * @param batchMaxWait           ...or when the oldest has waited this long (wall clock) and the input paused
 * @param captionGrace           how long a caption waits for its image before it is dead-lettered
 * @param fetchLimits            limits on fetching images by reference
 * @param captionMaxCharacters   longer captions are dead-lettered (OVER_LIMIT)
 * @param captionMaxSubCaptions  captions with more sub-captions are dead-lettered (OVER_LIMIT)
 * @param includeRawEmbedding    whether TEVI records also carry the raw image embedding
 * @param alignVlmDtype          how AlignVLM token tensors are encoded
 */
public record TopologySettings(TopicNames topics, int partitions, int batchMaxSize, int batchMaxInputs,
                               Duration batchMaxWait, Duration captionGrace, FetchLimits fetchLimits,
                               int captionMaxCharacters, int captionMaxSubCaptions, boolean includeRawEmbedding, TensorDType alignVlmDtype) {

    public TopologySettings {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(batchMaxWait, "batchMaxWait");
        Objects.requireNonNull(captionGrace, "captionGrace");
        Objects.requireNonNull(fetchLimits, "fetchLimits");
        Objects.requireNonNull(alignVlmDtype, "alignVlmDtype");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
        }
        if (batchMaxSize < 1) {
            throw new IllegalArgumentException("batchMaxSize must be at least 1, not " + batchMaxSize);
        }
        if (batchMaxInputs < batchMaxSize) {
            throw new IllegalArgumentException("batchMaxInputs (" + batchMaxInputs + ") must be at least batchMaxSize ("
                    + batchMaxSize + ")");
        }
        if (batchMaxWait.isNegative() || captionGrace.isNegative()) {
            throw new IllegalArgumentException("batchMaxWait and captionGrace cannot be negative");
        }
        if (captionMaxCharacters < 1 || captionMaxSubCaptions < 1) {
            throw new IllegalArgumentException("caption limits must be at least 1");
        }
    }

    /** batchMaxInputs when only batchMaxSize is given: room for a full image batch with its captions. */
    public static final int INPUTS_PER_IMAGE_SLOT = 8;

    /** {@code items} cut, in order, into model calls of at most {@link #batchMaxSize()} each. */
    public <T> List<List<T>> inModelCalls(List<T> items) {
        List<List<T>> calls = new ArrayList<>();
        for (int from = 0; from < items.size(); from += batchMaxSize) {
            calls.add(items.subList(from, Math.min(items.size(), from + batchMaxSize)));
        }
        return calls;
    }

    /** The defaults documented in docs/configuration.md. */
    public static TopologySettings defaults() {
        return new TopologySettings(TopicNames.defaults(), 6, 64, 64 * INPUTS_PER_IMAGE_SLOT, Duration.ofMillis(20),
                Duration.ofMinutes(5), FetchLimits.defaults(), CaptionPreparer.DEFAULT_MAX_CHARACTERS,
                CaptionPreparer.DEFAULT_MAX_SUB_CAPTIONS, false, TensorDType.FLOAT32_LE);
    }

    public TopologySettings withTopics(TopicNames value) {
        return new TopologySettings(value, partitions, batchMaxSize, batchMaxInputs, batchMaxWait, captionGrace,
                fetchLimits, captionMaxCharacters, captionMaxSubCaptions, includeRawEmbedding, alignVlmDtype);
    }

    public TopologySettings withPartitions(int value) {
        return new TopologySettings(topics, value, batchMaxSize, batchMaxInputs, batchMaxWait, captionGrace,
                fetchLimits, captionMaxCharacters, captionMaxSubCaptions, includeRawEmbedding, alignVlmDtype);
    }

    /** Model calls of up to {@code maxSize} items; a batch holds up to {@link #INPUTS_PER_IMAGE_SLOT} times that. */
    public TopologySettings withBatch(int maxSize, Duration maxWait) {
        return withBatch(maxSize, maxSize * INPUTS_PER_IMAGE_SLOT, maxWait);
    }

    public TopologySettings withBatch(int maxSize, int maxInputs, Duration maxWait) {
        return new TopologySettings(topics, partitions, maxSize, maxInputs, maxWait, captionGrace, fetchLimits,
                captionMaxCharacters, captionMaxSubCaptions, includeRawEmbedding, alignVlmDtype);
    }

    public TopologySettings withCaptionGrace(Duration value) {
        return new TopologySettings(topics, partitions, batchMaxSize, batchMaxInputs, batchMaxWait, value,
                fetchLimits, captionMaxCharacters, captionMaxSubCaptions, includeRawEmbedding, alignVlmDtype);
    }

    public TopologySettings withFetchLimits(FetchLimits value) {
        return new TopologySettings(topics, partitions, batchMaxSize, batchMaxInputs, batchMaxWait, captionGrace,
                value, captionMaxCharacters, captionMaxSubCaptions, includeRawEmbedding, alignVlmDtype);
    }

    public TopologySettings withCaptionLimits(int maxCharacters, int maxSubCaptions) {
        return new TopologySettings(topics, partitions, batchMaxSize, batchMaxInputs, batchMaxWait, captionGrace,
                fetchLimits, maxCharacters, maxSubCaptions, includeRawEmbedding, alignVlmDtype);
    }

    public TopologySettings withOutput(boolean rawEmbedding, TensorDType dtype) {
        return new TopologySettings(topics, partitions, batchMaxSize, batchMaxInputs, batchMaxWait, captionGrace,
                fetchLimits, captionMaxCharacters, captionMaxSubCaptions, rawEmbedding, dtype);
    }
}
