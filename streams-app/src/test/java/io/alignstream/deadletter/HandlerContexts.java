package io.alignstream.deadletter;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;

/** What Kafka Streams passes to an exception handler, for the handlers' tests. */
final class HandlerContexts {
    private HandlerContexts() {
    }

    /**
     * The current input at {@code topic-partition@offset} of task {@code 0_partition}, in processor
     * {@code node}; its raw key and value as Kafka Streams kept them (null after a send, where the
     * raw record is already freed).
     */
    static ErrorHandlerContext at(String topic, int partition, long offset, String node, byte[] rawKey, byte[] rawValue) {
        return new ErrorHandlerContext() {
            @Override public String topic() { return topic; }
            @Override public int partition() { return partition; }
            @Override public long offset() { return offset; }
            @Override public Headers headers() { return new RecordHeaders(); }
            @Override public String processorNodeId() { return node; }
            @Override public TaskId taskId() { return new TaskId(0, partition); }
            @Override public long timestamp() { return 0L; }
            @Override public byte[] sourceRawKey() { return rawKey; }
            @Override public byte[] sourceRawValue() { return rawValue; }
        };
    }
}
