package io.alignstream.topology.state;

import io.alignstream.deadletter.SourceCoordinates;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * An input event waiting in the inference buffer for its batch, with what its outputs and dead
 * letters need later.
 *
 * @param event       an {@link ImageEvent} or a {@link CaptionEvent}
 * @param timestamp   the input record's timestamp (outputs carry it)
 * @param arrivedAtMs wall-clock time it entered the buffer (for the batch's maximum wait)
 */
public record BufferedInput(SpecificRecordBase event, SourceCoordinates source, long timestamp, long arrivedAtMs) {
    private static final byte FORMAT = 1;
    private static final byte IMAGE = 1;
    private static final byte CAPTION = 2;
    private static final EventCodec<ImageEvent> IMAGES = new EventCodec<>(ImageEvent.class);
    private static final EventCodec<CaptionEvent> CAPTIONS = new EventCodec<>(CaptionEvent.class);

    public BufferedInput {
        Objects.requireNonNull(source, "source");
        if (!(event instanceof ImageEvent) && !(event instanceof CaptionEvent)) {
            throw new IllegalArgumentException("not an image or caption event: " + event);
        }
    }

    public static Serde<BufferedInput> serde() {
        return Serdes.serdeFrom((topic, input) -> input == null ? null : input.encode(),
                (topic, data) -> decode(data));
    }

    byte[] encode() {
        return BinaryFormat.encode(FORMAT, out -> {
            if (event instanceof ImageEvent image) {
                out.writeByte(IMAGE);
                BinaryFormat.writeBytes(out, IMAGES.encode(image));
            } else {
                out.writeByte(CAPTION);
                BinaryFormat.writeBytes(out, CAPTIONS.encode((CaptionEvent) event));
            }
            writeSource(out, source);
            out.writeLong(timestamp);
            out.writeLong(arrivedAtMs);
        });
    }

    static BufferedInput decode(byte[] data) {
        return BinaryFormat.decode(data, FORMAT, "buffered input", in -> {
            byte kind = in.readByte();
            byte[] event = BinaryFormat.readBytes(in);
            SpecificRecordBase decoded = switch (kind) {
                case IMAGE -> IMAGES.decode(event);
                case CAPTION -> CAPTIONS.decode(event);
                default -> throw new IOException("unknown event kind " + kind);
            };
            return new BufferedInput(decoded, readSource(in), in.readLong(), in.readLong());
        });
    }

    static void writeSource(DataOutputStream out, SourceCoordinates source) throws IOException {
        out.writeUTF(source.topic());
        out.writeInt(source.partition());
        out.writeLong(source.offset());
        BinaryFormat.writeBytes(out, source.key());
    }

    static SourceCoordinates readSource(DataInputStream in) throws IOException {
        return new SourceCoordinates(in.readUTF(), in.readInt(), in.readLong(), BinaryFormat.readBytes(in));
    }
}
