package io.alignstream.metrics;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The token the state-changing endpoints require ({@link MetricsServer#adminRoute}), or none, which
 * disables them. Only its SHA-256 digest is kept, and {@link #toString()} never shows it.
 */
public final class AdminToken {
    private final byte[] digest;
    private final String configuredBy;

    private AdminToken(byte[] digest, String configuredBy) {
        this.digest = digest;
        this.configuredBy = Objects.requireNonNull(configuredBy, "configuredBy");
    }

    /**
     * @param token        the token; null or blank means none. Surrounding whitespace is dropped: an
     *                     HTTP header value cannot carry it, and secret files often end in a newline
     * @param configuredBy where an operator sets it (a key, a variable), for the message of a
     *                     disabled endpoint
     */
    public static AdminToken of(String token, String configuredBy) {
        if (token == null || token.isBlank()) {
            return none(configuredBy);
        }
        return new AdminToken(sha256(token.strip()), configuredBy);
    }

    /** No token: the state-changing endpoints answer 403 and say where to set one. */
    public static AdminToken none(String configuredBy) {
        return new AdminToken(null, configuredBy);
    }

    public boolean configured() {
        return digest != null;
    }

    /** Where an operator sets the token. */
    public String configuredBy() {
        return configuredBy;
    }

    /**
     * Whether {@code presented} is the token. In constant time: the digests have one length
     * whatever was sent, and {@link MessageDigest#isEqual} looks at every byte, so the time taken
     * tells neither how much of a guess was right nor how long the token is.
     */
    boolean matches(String presented) {
        return digest != null && presented != null
                && MessageDigest.isEqual(digest, sha256(presented));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return configured() ? "AdminToken[hidden]" : "AdminToken[none]";
    }
}
