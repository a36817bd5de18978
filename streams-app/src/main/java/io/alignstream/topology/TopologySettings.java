package io.alignstream.topology;

import io.alignstream.schemas.TopicNames;
import io.alignstream.events.TensorDType;
import io.alignstream.fetch.FetchLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the topology needs to know, already validated. The service's come from its configuration
 * ({@code AlignstreamConfig.topologySettings()}), where every default is declared; to change a
 * few, use {@link #toBuilder()}.
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
 * @param maxRecordBytes         the largest record the service's producer writes (its {@code max.request.size}):
 *                               a larger input is dead-lettered (OVER_LIMIT) before it reaches a repartition topic
 * @param stateRetentionMs       how long, in event time, stored image embeddings and published-caption fingerprints
 *                               are kept; {@link #KEEP_FOREVER} keeps them forever
 */
public record TopologySettings(TopicNames topics, int partitions, int batchMaxSize, int batchMaxInputs,
                               Duration batchMaxWait, Duration captionGrace, FetchLimits fetchLimits,
                               int captionMaxCharacters, int captionMaxSubCaptions, boolean includeRawEmbedding, TensorDType alignVlmDtype,
                               int maxRecordBytes, long stateRetentionMs) {

    /** {@link #stateRetentionMs()} that keeps state forever (Kafka's own "no limit" value for retention.ms). */
    public static final long KEEP_FOREVER = -1;

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
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("maxRecordBytes must be at least 1, not " + maxRecordBytes);
        }
        if (stateRetentionMs != KEEP_FOREVER && stateRetentionMs < 1) {
            throw new IllegalArgumentException("stateRetentionMs must be -1 (forever) or at least 1, not " + stateRetentionMs);
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

    /** A builder with nothing set: every field must be given (the service's values come from its configuration). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change a few of them. */
    public Builder toBuilder() {
        return new Builder().topics(topics).partitions(partitions).batch(batchMaxSize, batchMaxInputs, batchMaxWait)
                .captionGrace(captionGrace).fetchLimits(fetchLimits).captionMaxCharacters(captionMaxCharacters)
                .captionMaxSubCaptions(captionMaxSubCaptions).includeRawEmbedding(includeRawEmbedding)
                .alignVlmDtype(alignVlmDtype).maxRecordBytes(maxRecordBytes).stateRetentionMs(stateRetentionMs);
    }

    /** Builds {@link TopologySettings}; {@link #build()} refuses a field left unset, naming it. */
    public static final class Builder {
        private TopicNames topics;
        private Integer partitions;
        private Integer batchMaxSize;
        private Integer batchMaxInputs;
        private Duration batchMaxWait;
        private Duration captionGrace;
        private FetchLimits fetchLimits;
        private Integer captionMaxCharacters;
        private Integer captionMaxSubCaptions;
        private Boolean includeRawEmbedding;
        private TensorDType alignVlmDtype;
        private Integer maxRecordBytes;
        private Long stateRetentionMs;

        private Builder() {
        }

        public Builder topics(TopicNames value) {
            topics = value;
            return this;
        }

        public Builder partitions(int value) {
            partitions = value;
            return this;
        }

        /** Model calls of up to {@code maxSize} items; a batch holds up to {@link #INPUTS_PER_IMAGE_SLOT} times that. */
        public Builder batch(int maxSize, Duration maxWait) {
            return batch(maxSize, maxSize * INPUTS_PER_IMAGE_SLOT, maxWait);
        }

        public Builder batch(int maxSize, int maxInputs, Duration maxWait) {
            batchMaxSize = maxSize;
            batchMaxInputs = maxInputs;
            batchMaxWait = maxWait;
            return this;
        }

        public Builder captionGrace(Duration value) {
            captionGrace = value;
            return this;
        }

        public Builder fetchLimits(FetchLimits value) {
            fetchLimits = value;
            return this;
        }

        public Builder captionMaxCharacters(int value) {
            captionMaxCharacters = value;
            return this;
        }

        public Builder captionMaxSubCaptions(int value) {
            captionMaxSubCaptions = value;
            return this;
        }

        public Builder includeRawEmbedding(boolean value) {
            includeRawEmbedding = value;
            return this;
        }

        public Builder alignVlmDtype(TensorDType value) {
            alignVlmDtype = value;
            return this;
        }

        public Builder maxRecordBytes(int value) {
            maxRecordBytes = value;
            return this;
        }

        public Builder stateRetentionMs(long value) {
            stateRetentionMs = value;
            return this;
        }

        public TopologySettings build() {
            return new TopologySettings(required(topics, "topics"), required(partitions, "partitions"),
                    required(batchMaxSize, "batchMaxSize"), required(batchMaxInputs, "batchMaxInputs"),
                    required(batchMaxWait, "batchMaxWait"), required(captionGrace, "captionGrace"),
                    required(fetchLimits, "fetchLimits"), required(captionMaxCharacters, "captionMaxCharacters"),
                    required(captionMaxSubCaptions, "captionMaxSubCaptions"),
                    required(includeRawEmbedding, "includeRawEmbedding"), required(alignVlmDtype, "alignVlmDtype"),
                    required(maxRecordBytes, "maxRecordBytes"), required(stateRetentionMs, "stateRetentionMs"));
        }

        // No field has a default here: the defaults are the configuration's (AlignstreamConfig), stated once.
        private static <T> T required(T value, String field) {
            if (value == null) {
                throw new IllegalStateException("TopologySettings." + field + " is not set");
            }
            return value;
        }
    }
}
