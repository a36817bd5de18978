package io.alignstream.fetch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How much, how long and from where an {@link ImageFetcher} may fetch one image. The service's
 * come from its configuration ({@code AlignstreamConfig.fetchLimits()}), where the defaults are
 * declared.
 *
 * @param maxBytes largest image accepted, in bytes (1 to {@link #MAX_BYTES_CEILING}); inline bytes,
 *     files and HTTP bodies over it fail with {@link ImageFetchException.Reason#TOO_LARGE}
 * @param timeout deadline for one whole fetch (connect, every redirect hop and the body together);
 *     positive and at most one hour
 * @param allowedSchemes the reference schemes to accept, a subset of {@code file}, {@code http},
 *     {@code https} (case-insensitive, stored lower-case); may be empty to accept inline images only
 * @param fileRoot when present, {@code file:} references must resolve (after {@code ..} and symlinks)
 *     to a path under this directory; when empty, every {@code file:} reference is refused
 * @param maxRedirects how many HTTP redirects one fetch follows, 0 or more
 * @param allow the non-public addresses and hosts HTTP fetches may reach after all; every hop to any
 *     other non-public address (loopback, private, link-local, ...) is refused before it connects
 */
public record FetchLimits(long maxBytes, Duration timeout, Set<String> allowedSchemes, Optional<Path> fileRoot,
                          int maxRedirects, FetchAllowList allow) {

    /** The schemes this fetcher knows how to read; anything else is refused. */
    static final Set<String> SUPPORTED_SCHEMES = Set.of("file", "http", "https");

    /** How many redirects the service follows; no configuration key sets it. */
    public static final int SERVICE_MAX_REDIRECTS = 3;

    /** Largest {@code maxBytes}: the image is returned as one Java array. */
    public static final long MAX_BYTES_CEILING = Integer.MAX_VALUE - 16;

    // A fetch runs on a stream thread; longer than this would stall the consumer out of its group.
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    public FetchLimits {
        if (maxBytes < 1 || maxBytes > MAX_BYTES_CEILING) {
            throw new IllegalArgumentException(
                    "maxBytes must be between 1 and " + MAX_BYTES_CEILING + ", got " + maxBytes);
        }
        if (timeout == null) {
            throw new IllegalArgumentException("timeout must not be null");
        }
        if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout must be positive and at most " + MAX_TIMEOUT + ", got " + timeout);
        }
        if (allowedSchemes == null) {
            throw new IllegalArgumentException("allowedSchemes must not be null (use an empty set to refuse all references)");
        }
        Set<String> schemes = new TreeSet<>();
        for (String scheme : allowedSchemes) {
            String lower = scheme == null ? null : scheme.toLowerCase(Locale.ROOT);
            if (lower == null || !SUPPORTED_SCHEMES.contains(lower)) {
                throw new IllegalArgumentException(
                        "allowedSchemes may only contain file, http and https, got '" + scheme + "'");
            }
            schemes.add(lower);
        }
        allowedSchemes = Set.copyOf(schemes);
        if (fileRoot == null) {
            throw new IllegalArgumentException("fileRoot must not be null (use Optional.empty() for no root)");
        }
        // Absolute and normalised now so messages and the containment check do not depend on the working directory.
        fileRoot = fileRoot.map(root -> root.toAbsolutePath().normalize());
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("maxRedirects must be 0 or more, got " + maxRedirects);
        }
        if (allow == null) {
            throw new IllegalArgumentException("allow must not be null (use FetchAllowList.NONE for public addresses only)");
        }
    }

    /** Limits whose HTTP fetches reach public addresses only. */
    public FetchLimits(long maxBytes, Duration timeout, Set<String> allowedSchemes, Optional<Path> fileRoot,
                       int maxRedirects) {
        this(maxBytes, timeout, allowedSchemes, fileRoot, maxRedirects, FetchAllowList.NONE);
    }
}
