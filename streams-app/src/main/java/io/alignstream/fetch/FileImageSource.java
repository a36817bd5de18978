package io.alignstream.fetch;

import static io.alignstream.fetch.ImageFetchException.Reason.MALFORMED_REFERENCE;
import static io.alignstream.fetch.ImageFetchException.Reason.NOT_ALLOWED;
import static io.alignstream.fetch.ImageFetchException.Reason.TOO_LARGE;
import static io.alignstream.fetch.ImageFetchException.Reason.UNREACHABLE;

import java.io.IOException;
import java.io.InputStream;
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

/** Reads {@code file:} references, bounded in size and, when a root is set, confined to it. */
final class FileImageSource {

    private final FetchLimits limits;

    FileImageSource(FetchLimits limits) {
        this.limits = limits;
    }

    byte[] read(URI uri) throws ImageFetchException {
        Path path;
        try {
            path = Path.of(uri);
        } catch (IllegalArgumentException e) {
            // e.g. file:relative (opaque), file://host/x (authority), a query or fragment
            throw new ImageFetchException(MALFORMED_REFERENCE,
                    "not a usable file URI: " + uri + " (" + e.getMessage() + ")", e);
        }
        Path real = realPath(path, "file " + path);
        if (limits.fileRoot().isPresent()) {
            Path root = limits.fileRoot().get();
            Path realRoot = realPath(root, "file root " + root);
            // Compared on real paths, component by component: '..' and symlinks cannot escape,
            // and /data/images2 is not under /data/images.
            if (!real.startsWith(realRoot)) {
                throw new ImageFetchException(NOT_ALLOWED,
                        "file " + path + " resolves to " + real + ", outside the allowed root " + realRoot);
            }
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                // Directories, devices (/dev/zero) and pipes have no honest size and may never end.
                throw new ImageFetchException(UNREACHABLE, "not a regular file: " + real);
            }
            // NOFOLLOW_LINKS: the path was already resolved, so a symlink swapped in since is refused.
            try (SeekableByteChannel channel = Files.newByteChannel(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                 InputStream in = Channels.newInputStream(channel)) {
                long size = channel.size();
                if (size > limits.maxBytes()) {
                    throw tooLarge(real, size);
                }
                // Bounded read: a file that grew since the size check still costs at most maxBytes + 1.
                byte[] bytes = in.readNBytes((int) limits.maxBytes() + 1);
                if (bytes.length > limits.maxBytes()) {
                    throw tooLarge(real, bytes.length);
                }
                return bytes;
            }
        } catch (AccessDeniedException e) {
            throw new ImageFetchException(UNREACHABLE, "permission denied reading " + real, e);
        } catch (IOException e) {
            throw new ImageFetchException(UNREACHABLE, "could not read " + real + ": " + e, e);
        }
    }

    private ImageFetchException tooLarge(Path file, long size) {
        return new ImageFetchException(TOO_LARGE,
                "file " + file + " is " + size + " bytes, over the limit of " + limits.maxBytes() + " bytes");
    }

    private static Path realPath(Path path, String what) throws ImageFetchException {
        try {
            return path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ImageFetchException(UNREACHABLE, what + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new ImageFetchException(UNREACHABLE, what + ": permission denied", e);
        } catch (IOException e) {
            throw new ImageFetchException(UNREACHABLE, what + " could not be resolved: " + e, e);
        }
    }
}
