package io.alignstream.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root folder, for tests that check a document against the code. */
public final class RepositoryRoot {
    private RepositoryRoot() {
    }

    /** The first folder holding {@code mvnw}, from the working directory (a module's, under Surefire) upwards. */
    public static Path find() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
