package io.alignstream.metrics;

import io.alignstream.events.DeadLetterReason;

/**
 * What the streaming topology reports about its own work. Implementations are thread-safe: every
 * stream thread calls the same instance. A call never blocks on I/O and never throws for a valid
 * argument, so it is safe on the processing path.
 *
 * <p>{@link PrometheusPipelineMetrics} is the real one; {@link #noop()} is for tests and tools that
 * do not export metrics.
 */
public interface PipelineMetrics {

    /**
     * One record was read from an input topic (counted before any validation, so dead-lettered
     * records are included).
     *
     * @param topic the input topic the record came from
     */
    void eventIn(String topic);

    /**
     * One record was published to an output topic (an embedding topic or the dead-letter topic).
     *
     * @param topic the output topic the record was sent to
     */
    void eventOut(String topic);

    /**
     * One record could not be processed and was sent to the dead-letter topic.
     *
     * @param sourceTopic the topic the failed record was read from
     * @param reason      why it failed, as written in the dead letter
     */
    void deadLetter(String sourceTopic, DeadLetterReason reason);

    /**
     * One batch of one inference stage ran.
     *
     * @param stage         the stage that ran
     * @param size          how many items the batch held (at least 1)
     * @param durationNanos how long the batch took, wall clock, in nanoseconds
     */
    void batch(InferenceStage stage, int size, long durationNanos);

    /**
     * A result was published: the time from the input event's {@code eventTime} to its
     * publication. Negative values (clock skew between producer and service) count as zero.
     *
     * @param outputTopic the output topic the result was published to
     * @param millis      milliseconds from the input event's eventTime to publication
     */
    void endToEndLatency(String outputTopic, long millis);

    /**
     * A caption that arrived before its image was joined with it.
     *
     * @param millis how long the caption waited for its image, in milliseconds (negative counts as
     *               zero)
     */
    void captionJoinWait(long millis);

    /**
     * How many captions one stream task currently holds waiting for their image. Replaces the
     * previous value for that task's partition.
     *
     * @param taskPartition the partition of the task holding the captions
     * @param count         the number of captions held now
     */
    void pendingCaptions(int taskPartition, long count);

    /**
     * Metrics that are discarded: every method does nothing.
     *
     * @return the shared no-op instance
     */
    static PipelineMetrics noop() {
        return NoopPipelineMetrics.INSTANCE;
    }
}
