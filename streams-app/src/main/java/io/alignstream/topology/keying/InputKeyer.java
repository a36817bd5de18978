package io.alignstream.topology.keying;

import io.alignstream.deadletter.SourceCoordinates;
import io.alignstream.metrics.PipelineMetrics;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Counts an input event, validates it with its {@link EventRules}, and forwards it keyed by its
 * image id with its original coordinates in headers. A rejected event is thrown to Kafka's
 * processing exception handler, which dead-letters the exact bytes that were read.
 */
public final class InputKeyer<V> implements Processor<byte[], V, String, V> {
    private final EventRules<V> rules;
    private final PipelineMetrics metrics;
    private ProcessorContext<String, V> context;

    public InputKeyer(EventRules<V> rules, PipelineMetrics metrics) {
        this.rules = rules;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, V> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], V> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow(
                () -> new IllegalStateException("an input keyer must be fed by a source topic"));
        metrics.eventIn(source.topic());
        String imageId = rules.imageIdOf(record.value());
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        new SourceCoordinates(source.topic(), source.partition(), source.offset(), record.key()).writeTo(headers);
        context.forward(record.withKey(imageId).withHeaders(headers));
    }
}
