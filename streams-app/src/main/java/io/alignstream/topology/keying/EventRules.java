package io.alignstream.topology.keying;

import io.alignstream.deadletter.RejectedRecordException;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.events.InlineImage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What an event must satisfy before it is worth re-keying; returns its image id or throws
 * {@link RejectedRecordException} (INVALID_EVENT). Content checks that need the model (image
 * decoding, caption length in tokens) come later, in the batch. A tombstone (null value) on the
 * images topic deletes that image: its image id is its key (docs/topology.md, "Deletes").
 */
@FunctionalInterface
public interface EventRules<V> {
    /** Longest accepted id; ids are keys, store keys and headers, not documents. */
    int MAX_ID_CHARACTERS = 512;

    /** Longest tombstone key read: the longest id in UTF-8 (4 bytes a character) in the Confluent wire format. */
    int MAX_KEY_BYTES = MAX_ID_CHARACTERS * 4 + WireKey.PREFIX_BYTES + 2;

    String imageIdOf(V event);

    /** The image id a tombstone (a null value) with this key deletes; by default, tombstones are refused. */
    default String imageIdOfTombstone(byte[] key) {
        throw invalid("a null event (a tombstone) on this topic: only the images topic takes deletes");
    }

    EventRules<ImageEvent> IMAGES = new EventRules<>() {
        @Override
        public String imageIdOf(ImageEvent event) {
            requirePresent(event, "image");
            String imageId = requireId(event.getImageId(), "imageId");
            if (event.getContent() instanceof ImageReference reference && reference.getUri().isBlank()) {
                throw invalid("image " + imageId + " has an empty reference uri");
            }
            if (event.getContent() instanceof InlineImage inline && !inline.getData().hasRemaining()) {
                throw invalid("image " + imageId + " has empty inline data");
            }
            return imageId;
        }

        /**
         * The key as producers write it: the id in UTF-8 ({@code EventProducer}, most clients), or
         * an Avro string in the Confluent wire format (Confluent's legacy Python {@code AvroProducer}
         * only sends Avro keys). A UTF-8 id cannot start with NUL, the wire format's magic byte.
         */
        @Override
        public String imageIdOfTombstone(byte[] key) {
            if (key == null || key.length == 0) {
                throw invalid("an image tombstone without a key: its key must be the image id to delete");
            }
            if (key.length > MAX_KEY_BYTES) {
                throw invalid("an image tombstone's key has " + key.length + " bytes; at most " + MAX_KEY_BYTES
                        + " are read");
            }
            ByteBuffer id = key[0] == WireKey.MAGIC ? WireKey.avroString(key) : ByteBuffer.wrap(key);
            try {
                return requireId(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(id).toString(), "the tombstone key (imageId)");
            } catch (CharacterCodingException e) {
                throw invalid("an image tombstone's key is neither UTF-8 nor an Avro string in the wire format");
            }
        }
    };

    EventRules<CaptionEvent> CAPTIONS = new EventRules<>() {
        @Override
        public String imageIdOf(CaptionEvent event) {
            return captionImageId(event);
        }

        @Override
        public String imageIdOfTombstone(byte[] key) {
            // Captions are keyed by image id downstream (TEVI), so one caption cannot be deleted on its own.
            throw invalid("a null caption event (a tombstone): a caption is deleted with its image, by a tombstone "
                    + "keyed by the image id on the images topic");
        }
    };

    private static String captionImageId(CaptionEvent event) {
        requirePresent(event, "caption");
        requireId(event.getCaptionId(), "captionId");
        String imageId = requireId(event.getImageId(), "imageId");
        if (event.getCaptionId().indexOf('\u0000') >= 0) {
            throw invalid("captionId contains a NUL character");
        }
        return imageId;
    }

    private static void requirePresent(Object event, String what) {
        if (event == null) {
            throw invalid("a null " + what + " event");
        }
    }

    private static String requireId(String id, String field) {
        if (id == null || id.isBlank()) {
            throw invalid(field + " is empty");
        }
        if (id.length() > MAX_ID_CHARACTERS) {
            throw invalid(field + " has " + id.length() + " characters; at most " + MAX_ID_CHARACTERS + " are accepted");
        }
        if (id.indexOf('\u0000') >= 0) {
            throw invalid(field + " contains a NUL character");
        }
        return id;
    }

    private static RejectedRecordException invalid(String message) {
        return new RejectedRecordException(DeadLetterReason.INVALID_EVENT, message);
    }

    /** A key in the Confluent wire format: magic byte 0, a 4-byte schema id, then (here) an Avro string. */
    final class WireKey {
        static final byte MAGIC = 0;
        static final int PREFIX_BYTES = 5;

        private WireKey() {
        }

        /** The string's UTF-8 bytes: a zig-zag varint length, then exactly that many bytes, nothing after. */
        static ByteBuffer avroString(byte[] key) {
            int at = PREFIX_BYTES;
            long raw = 0;
            for (int shift = 0; ; shift += 7) {
                if (at >= key.length || shift > 28) {
                    throw invalid("an image tombstone's key starts like the wire format but holds no Avro string");
                }
                byte b = key[at++];
                raw |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            long length = (raw >>> 1) ^ -(raw & 1);
            if (length != key.length - at) {
                throw invalid("an image tombstone's key starts like the wire format but holds no Avro string");
            }
            return ByteBuffer.wrap(key, at, (int) length);
        }
    }
}
