package io.alignstream.runtime.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Where a bundle's files come from: the classpath (the default bundle), a directory, or a zip.
 * Files are read whole into memory, at most a stated number of bytes, so a file larger than
 * its manifest entry (or a zip bomb) is refused while reading rather than exhausting memory.
 */
public interface BundleSource extends AutoCloseable {

    /** Classpath folder of the default bundle inside model-runtime's jar. */
    String DEFAULT_RESOURCE_ROOT = "io/alignstream/bundle/default/";

    /** Human-readable location, used in every error message. */
    String describe();

    /**
     * The file's bytes, or empty when the bundle has no such file.
     *
     * @throws FileTooLargeException when the file holds more than {@code maxBytes}
     */
    Optional<byte[]> read(String name, long maxBytes) throws IOException;

    @Override
    default void close() throws IOException {
    }

    /** The default bundle on the classpath. */
    static BundleSource defaultBundle() {
        return classpath(DEFAULT_RESOURCE_ROOT, BundleSource.class.getClassLoader());
    }

    static BundleSource classpath(String root, ClassLoader loader) {
        String prefix = root.endsWith("/") ? root : root + "/";
        return new BundleSource() {
            @Override
            public String describe() {
                return "classpath:" + prefix;
            }

            @Override
            public Optional<byte[]> read(String name, long maxBytes) throws IOException {
                InputStream in = loader.getResourceAsStream(prefix + name);
                if (in == null) {
                    return Optional.empty();
                }
                try (in) {
                    return Optional.of(readBounded(in, name, maxBytes));
                }
            }
        };
    }

    /** A directory holding manifest.json and the files it lists, or a zip of one. */
    static BundleSource open(Path path) {
        if (Files.isDirectory(path)) {
            return directory(path);
        }
        if (Files.isRegularFile(path)) {
            return zip(path);
        }
        throw new InvalidBundleException(path.toString(),
                List.of("bundle: no such directory or zip file: " + path.toAbsolutePath()));
    }

    static BundleSource directory(Path directory) {
        return new BundleSource() {
            @Override
            public String describe() {
                return directory.toAbsolutePath().toString();
            }

            @Override
            public Optional<byte[]> read(String name, long maxBytes) throws IOException {
                Path file = directory.resolve(name).normalize();
                if (!file.startsWith(directory.normalize())) {
                    throw new IOException(name + " points outside the bundle directory");
                }
                try (InputStream in = Files.newInputStream(file)) {
                    return Optional.of(readBounded(in, name, maxBytes));
                } catch (NoSuchFileException e) {
                    return Optional.empty();
                }
            }
        };
    }

    /**
     * A zip holding the bundle, either at its root or inside one top-level folder (as zipping a
     * directory usually produces). Entries are found by name; nothing is extracted to disk.
     */
    static BundleSource zip(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new InvalidBundleException(file.toString(),
                    List.of("bundle: not a readable zip file: " + e.getMessage()));
        }
        Map<String, ZipEntry> entries = new HashMap<>();
        String root = null;
        Enumeration<? extends ZipEntry> all = zip.entries();
        while (all.hasMoreElements()) {
            ZipEntry entry = all.nextElement();
            entries.put(entry.getName(), entry);
            if (entry.getName().endsWith(BundleLoader.MANIFEST)) {
                String folder = entry.getName().substring(0, entry.getName().length() - BundleLoader.MANIFEST.length());
                if (folder.isEmpty() || folder.indexOf('/') == folder.length() - 1) {
                    root = root == null || folder.length() < root.length() ? folder : root;
                }
            }
        }
        String prefix = root == null ? "" : root;
        return new BundleSource() {
            @Override
            public String describe() {
                return file.toAbsolutePath() + (prefix.isEmpty() ? "" : "!/" + prefix);
            }

            @Override
            public Optional<byte[]> read(String name, long maxBytes) throws IOException {
                ZipEntry entry = entries.get(prefix + name);
                if (entry == null || entry.isDirectory()) {
                    return Optional.empty();
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    return Optional.of(readBounded(in, name, maxBytes));
                }
            }

            @Override
            public void close() throws IOException {
                zip.close();
            }
        };
    }

    private static byte[] readBounded(InputStream in, String name, long maxBytes) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) {
            throw new FileTooLargeException(name, maxBytes);
        }
        return bytes;
    }

    /** A file longer than it may be (its manifest size, or the manifest's own limit). */
    final class FileTooLargeException extends IOException {
        FileTooLargeException(String name, long maxBytes) {
            super(name + " is larger than " + maxBytes + " bytes");
        }
    }
}
