package io.alignstream.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real tool a test drives (promtool, prometheus, chromium), found on PATH. A missing tool
 * fails the test, never skips it: {@code .ci/run} installs the Debian package that has it.
 */
public final class DebianTool {
    private DebianTool() {
    }

    /** The executable {@code command}, or a failed test naming the Debian package to install. */
    public static Path require(String command, String debianPackage) {
        Path found = onPath(command);
        if (found == null) {
            fail(command + " is not on PATH. It comes from Debian's '" + debianPackage + "' package, which .ci/run "
                    + "installs (apt-get install -y " + debianPackage + "); install it to run this test.");
        }
        return found;
    }

    /** The executable {@code command} on PATH, or null. */
    public static Path onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
