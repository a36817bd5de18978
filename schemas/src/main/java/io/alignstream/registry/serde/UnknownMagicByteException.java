package io.alignstream.registry.serde;

import org.apache.kafka.common.errors.SerializationException;

/** The payload does not start with Confluent's magic byte 0: it was not written by a Schema Registry serializer. */
public class UnknownMagicByteException extends SerializationException {

    private final byte magicByte;

    public UnknownMagicByteException(byte[] payload, String topic) {
        super(String.format("Unknown magic byte 0x%02X in a %d-byte record from topic '%s': not Confluent wire "
                        + "format (expected 0x00, a 4-byte schema id, then Avro binary). The producer did not use a "
                        + "Schema Registry Avro serializer%s. First bytes: %s", payload[0] & 0xff, payload.length,
                topic, payload[0] == '{' ? " (the payload looks like JSON)" : "", WireFormat.hexPrefix(payload, 16)));
        this.magicByte = payload[0];
    }

    /** The first byte found. */
    public byte magicByte() {
        return magicByte;
    }
}
