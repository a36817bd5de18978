package io.alignstream.registry.serde;

import org.apache.kafka.common.errors.SerializationException;

/** The payload is shorter than the 5-byte header of Confluent's wire format. */
public class PayloadTooShortException extends SerializationException {

    public PayloadTooShortException(int length, String topic) {
        super("A " + length + "-byte record from topic '" + topic + "' is too short for Confluent wire format, "
                + "which needs at least " + WireFormat.HEADER_SIZE + " bytes (magic byte 0x00 and a 4-byte schema id) "
                + "before the Avro data; it was not written by a Schema Registry Avro serializer");
    }
}
