package io.alignstream.topology.batching;

import org.apache.avro.specific.SpecificRecord;

/**
 * Re-encodes an input event in the wire format of its source topic, for the payload of a dead
 * letter found after the event was re-keyed (the original bytes are no longer at hand there).
 */
@FunctionalInterface
public interface PayloadEncoder {
    byte[] encode(String sourceTopic, SpecificRecord event);
}
