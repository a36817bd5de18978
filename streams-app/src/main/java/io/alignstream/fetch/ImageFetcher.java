package io.alignstream.fetch;

import static io.alignstream.fetch.ImageFetchException.Reason.MALFORMED_REFERENCE;
import static io.alignstream.fetch.ImageFetchException.Reason.NOT_ALLOWED;
import static io.alignstream.fetch.ImageFetchException.Reason.TOO_LARGE;

import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.events.InlineImage;
import io.alignstream.faults.ImageMemoryBudget;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Gets the encoded bytes of an {@link ImageEvent}'s image, inline or by reference ({@code file:},
 * {@code http:}, {@code https:}), within {@link FetchLimits}.
 *
 * <p>References are untrusted: {@code file:} is read only under the configured root, and an HTTP
 * hop (the first request and every redirect) is refused when its host resolves to a non-public
 * address the allow-list does not name; the connection goes to the address that was checked.
 * Failure messages name sizes, statuses and limits, never bytes that were read.
 *
 * <p>Share one fetcher between fetches and {@link #close()} it when done. Fetching is blocking and
 * bounded by {@link FetchLimits#timeout()} for HTTP. One call is one try: a failure worth another
 * says so ({@link ImageFetchException#transientFault()}) and the caller retries
 * ({@code ImageEmbedder}). No proxy and no authentication (see {@code docs/image-fetching.md}).
 * Thread-safe.
 */
public final class ImageFetcher implements AutoCloseable {

    private final FetchLimits limits;
    private final FileImageSource files;
    private final HttpImageSource http;
    private volatile boolean closed;

    public ImageFetcher(FetchLimits limits) {
        this(limits, Optional.empty());
    }

    /** With a given TLS context, for tests against a server with a self-signed certificate. */
    ImageFetcher(FetchLimits limits, Optional<SSLContext> sslContext) {
        this(limits, sslContext, Network.system());
    }

    /** With a given TLS context and network, for tests that answer names and watch connections. */
    ImageFetcher(FetchLimits limits, Optional<SSLContext> sslContext, Network network) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.files = new FileImageSource(limits);
        this.http = new HttpImageSource(limits, sslContext, Objects.requireNonNull(network, "network"));
    }

    /**
     * The image's bytes and content type.
     *
     * @throws ImageFetchException when the image is over the size limit, cannot be reached in time,
     *     is refused by policy, or its reference is malformed; {@link ImageFetchException#deadLetterReason()}
     *     says how to dead-letter it
     * @throws IllegalStateException after {@link #close()}
     */
    public FetchedImage fetch(ImageEvent event) throws ImageFetchException {
        try (Held held = fetch(event, UNBUDGETED, Long.MAX_VALUE)) {
            return held.image();
        }
    }

    /** The limits every fetch runs under (its time-out, size, schemes, allow-list). */
    public FetchLimits limits() {
        return limits;
    }

    /** A fetched image and the image memory its bytes hold: close it once the bytes are no longer needed. */
    public record Held(FetchedImage image, ImageMemoryBudget.Reservation memory) implements AutoCloseable {
        @Override
        public void close() {
            memory.close();
        }
    }

    /**
     * Like {@link #fetch(ImageEvent)}, with the bytes reserved from {@code memory} before they are
     * read (waiting for room until {@code deadlineNanos}), and the fetch ending by {@code deadlineNanos}
     * at the latest. An image that alone needs more memory than one image may hold is {@code TOO_LARGE}.
     *
     * @throws io.alignstream.faults.ServiceFaultException when no room came free before the deadline
     */
    public Held fetch(ImageEvent event, ImageMemoryBudget memory, long deadlineNanos) throws ImageFetchException {
        Objects.requireNonNull(event, "event");
        if (closed) {
            throw new IllegalStateException("ImageFetcher is closed");
        }
        HttpResponseReader.BodyMemory reserve = bytes -> {
            try {
                return memory.reserve(ImageMemoryBudget.Use.FETCHED, bytes, deadlineNanos, "image " + event.getImageId());
            } catch (ImageMemoryBudget.TooLarge e) {
                throw new ImageFetchException(TOO_LARGE, e.getMessage(), e);
            }
        };
        Object content = event.getContent();
        if (content instanceof InlineImage inline) {
            return inline(event, inline, reserve);
        }
        if (content instanceof ImageReference reference) {
            return fetchReference(event, reference.getUri(), reserve, deadlineNanos);
        }
        throw new ImageFetchException(MALFORMED_REFERENCE, "image " + event.getImageId()
                + " has neither inline bytes nor a reference (content: " + content + ")");
    }

    /** For {@link #fetch(ImageEvent)}: no budget (tests, tools), so nothing waits. */
    private static final ImageMemoryBudget UNBUDGETED = new ImageMemoryBudget(Long.MAX_VALUE);

    private Held inline(ImageEvent event, InlineImage inline, HttpResponseReader.BodyMemory memory)
            throws ImageFetchException {
        ByteBuffer data = inline.getData();
        ImageMemoryBudget.Reservation reserved = memory.reserve(data == null ? 0 : data.remaining());
        try {
            return new Held(image(event, inlineBytes(inline), ""), reserved);
        } catch (ImageFetchException | RuntimeException | Error e) {
            reserved.close();
            throw e;
        }
    }

    private byte[] inlineBytes(InlineImage inline) throws ImageFetchException {
        ByteBuffer data = inline.getData();
        if (data == null) {
            throw new ImageFetchException(MALFORMED_REFERENCE, "inline image has no data");
        }
        int size = data.remaining();
        if (size > limits.maxBytes()) {
            throw new ImageFetchException(TOO_LARGE,
                    "inline image is " + size + " bytes, over the limit of " + limits.maxBytes() + " bytes");
        }
        byte[] bytes = new byte[size];
        // A duplicate, so the event's buffer keeps its position for whoever reads it next (the Serde, a dead letter).
        data.duplicate().get(bytes);
        return bytes;
    }

    private Held fetchReference(ImageEvent event, String raw, HttpResponseReader.BodyMemory memory, long deadlineNanos)
            throws ImageFetchException {
        if (raw == null || raw.isEmpty()) {
            throw new ImageFetchException(MALFORMED_REFERENCE, "image reference is empty");
        }
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new ImageFetchException(MALFORMED_REFERENCE, "unparsable image reference '" + raw + "': " + e.getMessage(), e);
        }
        if (uri.getScheme() == null) {
            throw new ImageFetchException(MALFORMED_REFERENCE,
                    "image reference '" + raw + "' has no scheme (expected one of " + allowed() + ")");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!limits.allowedSchemes().contains(scheme)) {
            throw new ImageFetchException(NOT_ALLOWED,
                    "scheme '" + scheme + "' of image reference " + raw + " is not allowed (allowed: " + allowed() + ")");
        }
        if (scheme.equals("file")) {
            HttpResponseReader.Body body = files.read(uri, memory);
            return new Held(image(event, body.bytes(), ""), body.memory());
        }
        HttpImageSource.Result result = http.fetch(uri, memory, deadlineNanos);
        return new Held(image(event, result.bytes(), result.contentType()), result.memory());
    }

    private String allowed() {
        return limits.allowedSchemes().isEmpty() ? "none" : String.join(", ", limits.allowedSchemes().stream().sorted().toList());
    }

    private static FetchedImage image(ImageEvent event, byte[] bytes, String fetchedContentType) {
        // The producer's declared type wins: servers often send application/octet-stream.
        String declared = event.getContentType();
        return new FetchedImage(bytes, declared != null && !declared.isBlank() ? declared : fetchedContentType);
    }

    /** Ends the lookup threads and any connection in flight. Idempotent; fetches after it fail. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            http.close();
        }
    }
}
