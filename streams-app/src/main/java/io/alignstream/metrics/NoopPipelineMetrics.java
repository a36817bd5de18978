package io.alignstream.metrics;

import io.alignstream.events.DeadLetterReason;

/** {@link PipelineMetrics#noop()}: discards everything. */
enum NoopPipelineMetrics implements PipelineMetrics {
    INSTANCE;

    @Override
    public void eventIn(String topic) {
    }

    @Override
    public void eventOut(String topic) {
    }

    @Override
    public void deadLetter(String sourceTopic, DeadLetterReason reason) {
    }

    @Override
    public void batch(InferenceStage stage, int size, long durationNanos) {
    }

    @Override
    public void endToEndLatency(String outputTopic, long millis) {
    }

    @Override
    public void captionJoinWait(long millis) {
    }

    @Override
    public void pendingCaptions(int taskPartition, long count) {
    }
}
