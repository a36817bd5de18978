package io.alignstream.fetch;

import static io.alignstream.fetch.ImageFetchException.Reason.MALFORMED_REFERENCE;
import static io.alignstream.fetch.ImageFetchException.Reason.NOT_ALLOWED;
import static io.alignstream.fetch.ImageFetchException.Reason.TOO_LARGE;
import static io.alignstream.fetch.ImageFetchException.Reason.UNREACHABLE;

import java.io.IOException;
import java.io.InputStream;
import io.alignstream.faults.ImageMemoryBudget;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads {@code file:} references, only under the configured root, bounded in size. Without a root
 * every {@code file:} reference is refused. A reference that is missing, resolves outside the root
 * (by {@code ..} or a symlink), is not a regular file or cannot be read gets one and the same
 * message, so that dead letters cannot be used to probe which files exist on the host.
 */
final class FileImageSource {

    private final FetchLimits limits;

    FileImageSource(FetchLimits limits) {
        this.limits = limits;
    }

    /** The file's bytes, their memory reserved (its size) before they are read. */
    HttpResponseReader.Body read(URI uri, HttpResponseReader.BodyMemory memory) throws ImageFetchException {
        if (limits.fileRoot().isEmpty()) {
            throw new ImageFetchException(NOT_ALLOWED, "file reference " + uri
                    + " is refused: file: references are read only under a configured file root, and none is set");
        }
        Path path;
        try {
            path = Path.of(uri);
        } catch (IllegalArgumentException e) {
            // e.g. file:relative (opaque), file://host/x (authority), a query or fragment
            throw new ImageFetchException(MALFORMED_REFERENCE,
                    "not a usable file URI: " + uri + " (" + e.getMessage() + ")", e);
        }
        Path realRoot = realRoot(limits.fileRoot().get());
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            throw unreadable(uri, e);
        }
        // Compared on real paths, component by component: '..' and symlinks cannot escape,
        // and /data/images2 is not under /data/images.
        if (!real.startsWith(realRoot)) {
            throw unreadable(uri, null);
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                // Directories, devices (/dev/zero) and pipes have no honest size and may never end.
                throw unreadable(uri, null);
            }
            // NOFOLLOW_LINKS: the path was already resolved, so a symlink swapped in since is refused.
            try (SeekableByteChannel channel = Files.newByteChannel(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                 InputStream in = Channels.newInputStream(channel)) {
                long size = channel.size();
                if (size > limits.maxBytes()) {
                    throw tooLarge(uri, size);
                }
                ImageMemoryBudget.Reservation reserved = memory.reserve(size);
                try {
                    // Bounded read: a file that grew since the size check still costs at most maxBytes + 1.
                    byte[] bytes = in.readNBytes((int) Math.min(limits.maxBytes() + 1, Math.max(size, 0) + 1));
                    if (bytes.length > size) {
                        throw new ImageFetchException(UNREACHABLE, "file reference " + uri
                                + " grew while it was read", null, HttpResponseReader.TRANSPORT);
                    }
                    reserved.settle(bytes.length);
                    return new HttpResponseReader.Body(bytes, reserved);
                } catch (IOException | ImageFetchException | RuntimeException | Error e) {
                    reserved.close();
                    throw e;
                }
            }
        } catch (IOException e) {
            throw unreadable(uri, e);
        }
    }

    /** The one message for every file that is not there to be read, whatever the reason. */
    private static ImageFetchException unreadable(URI uri, Exception cause) {
        return new ImageFetchException(UNREACHABLE,
                "file reference " + uri + " is not a readable regular file under the file root", cause);
    }

    private ImageFetchException tooLarge(URI uri, long size) {
        return new ImageFetchException(TOO_LARGE,
                "file reference " + uri + " is " + size + " bytes, over the limit of " + limits.maxBytes() + " bytes");
    }

    /**
     * The root's real path; a root that is gone is the operator's problem, and says so: retried, then
     * the task fails (a volume not mounted yet must not dead-letter every file reference).
     */
    private static Path realRoot(Path root) throws ImageFetchException {
        try {
            return root.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ImageFetchException(UNREACHABLE, "file root " + root + " does not exist", e, OPERATOR_FILES);
        } catch (AccessDeniedException e) {
            throw new ImageFetchException(UNREACHABLE, "file root " + root + ": permission denied", e, OPERATOR_FILES);
        } catch (IOException e) {
            throw new ImageFetchException(UNREACHABLE, "file root " + root + " could not be resolved: " + e, e,
                    OPERATOR_FILES);
        }
    }

    /** The file root is the operator's: its faults are the service's. */
    private static final ImageFetchException.Transient OPERATOR_FILES = new ImageFetchException.Transient(true, null);
}
