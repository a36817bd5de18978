package io.alignstream.monitoring.window;

import io.alignstream.text.CaptionLength;
import io.alignstream.topology.state.BinaryFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What the monitor keeps of a published record: the figures it needs, not the record (a TEVI
 * record's aligned embedding is recomputed from the code and mask when needed). Encoded
 * compactly for the monitor's internal topic and stores; no registry.
 */
public sealed interface Observation permits Observation.Pair, Observation.Image, Observation.DeadLetter {

    /**
     * A published TEVI pair. It keeps the caption embedding t only: the caption's query embedding
     * and mask are re-derived from t by the TEVI head when a window closes (image-independent),
     * so stored entries need no format change when a bundle has a caption adapter.
     *
     * @param subCaptions how many sub-captions the caption was embedded as (the record's
     *                    {@code subCaptions}; {@link CaptionLength#of}); 0 when unknown: a record
     *                    from before TeviEmbedding v3, or an observation stored in format 1
     */
    record Pair(String imageId, String captionId, float[] imageEmbedding, int[] codeIndices, float[] codeValues,
                float[] captionEmbedding, float[] alignedEmbedding, long eventTimeMs, int subCaptions) implements Observation {
        public Pair {
            Objects.requireNonNull(imageEmbedding, "imageEmbedding");
            Objects.requireNonNull(captionEmbedding, "captionEmbedding");
            Objects.requireNonNull(alignedEmbedding, "alignedEmbedding");
            if (codeIndices.length != codeValues.length) {
                throw new IllegalArgumentException("code indices and values differ in length");
            }
            if (subCaptions < 0) {
                throw new IllegalArgumentException("subCaptions must not be negative: " + subCaptions);
            }
        }

        /** Short or long; empty when the count is unknown. */
        public Optional<CaptionLength> captionLength() {
            return CaptionLength.ofKnown(subCaptions);
        }
    }

    /** A published AlignVLM image: its top words and their weights. */
    record Image(String imageId, List<String> topWords, float[] topWeights) implements Observation {
    }

    /** A published dead letter (only its reason counts). */
    record DeadLetter(String reason) implements Observation {
    }

    /** Format 1 had no sub-caption count: its pairs read with 0 (unknown length). */
    byte FORMAT_WITHOUT_SUB_CAPTIONS = 1;
    byte FORMAT = 2;

    static Serde<Observation> serde() {
        return Serdes.serdeFrom((topic, value) -> value == null ? null : encode(value), (topic, data) -> decode(data));
    }

    static byte[] encode(Observation observation) {
        return BinaryFormat.encode(FORMAT, out -> {
            if (observation instanceof Pair pair) {
                out.writeByte(1);
                out.writeUTF(pair.imageId());
                out.writeUTF(pair.captionId());
                BinaryFormat.writeFloats(out, pair.imageEmbedding());
                BinaryFormat.writeInts(out, pair.codeIndices());
                BinaryFormat.writeFloats(out, pair.codeValues());
                BinaryFormat.writeFloats(out, pair.captionEmbedding());
                BinaryFormat.writeFloats(out, pair.alignedEmbedding());
                out.writeLong(pair.eventTimeMs());
                out.writeInt(pair.subCaptions());
            } else if (observation instanceof Image image) {
                out.writeByte(2);
                out.writeUTF(image.imageId());
                out.writeInt(image.topWords().size());
                for (String word : image.topWords()) {
                    out.writeUTF(word);
                }
                BinaryFormat.writeFloats(out, image.topWeights());
            } else {
                out.writeByte(3);
                out.writeUTF(((DeadLetter) observation).reason());
            }
        });
    }

    /**
     * Reads both formats: entries written before the sub-caption count was kept (format 1, in the
     * monitor's changelogged windows, its reference store and its repartition topic after an
     * upgrade) read as pairs of unknown caption length.
     */
    static Observation decode(byte[] data) {
        boolean withCount = data == null || data.length == 0 || data[0] != FORMAT_WITHOUT_SUB_CAPTIONS;
        return BinaryFormat.decode(data, withCount ? FORMAT : FORMAT_WITHOUT_SUB_CAPTIONS, "observation", in -> {
            byte kind = in.readByte();
            return switch (kind) {
                case 1 -> new Pair(in.readUTF(), in.readUTF(), BinaryFormat.readFloats(in), BinaryFormat.readInts(in),
                        BinaryFormat.readFloats(in), BinaryFormat.readFloats(in), BinaryFormat.readFloats(in), in.readLong(),
                        withCount ? in.readInt() : 0);
                case 2 -> {
                    String imageId = in.readUTF();
                    int count = in.readInt();
                    if (count < 0 || count > 4096) {
                        throw new IOException("implausible word count " + count);
                    }
                    List<String> words = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        words.add(in.readUTF());
                    }
                    yield new Image(imageId, words, BinaryFormat.readFloats(in));
                }
                case 3 -> new DeadLetter(in.readUTF());
                default -> throw new IOException("unknown observation kind " + kind);
            };
        });
    }
}
