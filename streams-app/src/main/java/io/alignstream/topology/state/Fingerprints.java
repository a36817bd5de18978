package io.alignstream.topology.state;

import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.events.InlineImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * 64-bit content fingerprints that tell a re-sent event (same content: skipped, so it yields
 * no second output) from a changed one (recomputed). SHA-256 truncated: collisions are not a
 * practical concern at 64 bits for one image id's versions.
 */
public final class Fingerprints {
    private Fingerprints() {
    }

    /** Of an image's content: its inline bytes, or its reference uri (a changed file behind the same uri is not seen). */
    public static long of(ImageEvent image) {
        MessageDigest digest = sha256();
        if (image.getContent() instanceof InlineImage inline) {
            digest.update((byte) 1);
            digest.update(inline.getData().duplicate());
        } else {
            digest.update((byte) 2);
            digest.update(((ImageReference) image.getContent()).getUri().getBytes(StandardCharsets.UTF_8));
        }
        return ByteBuffer.wrap(digest.digest()).getLong();
    }

    /** Of a caption's text as sent. */
    public static long of(String text) {
        MessageDigest digest = sha256();
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest.digest()).getLong();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
