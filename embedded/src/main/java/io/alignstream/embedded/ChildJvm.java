package io.alignstream.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Paths;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a parent JVM and the child JVMs it starts from its own classpath share: the {@code java}
 * of this JVM, this JVM's classpath made absolute, and, in the child, the watch on its standard
 * input that makes it exit when the parent is gone.
 *
 * <p>The parent starts the child with {@code ProcessBuilder.Redirect.PIPE} as standard input and
 * never writes to it. When the parent dies, even by SIGKILL (which skips its shutdown hooks), the
 * operating system closes the pipe; the child reads end of input and calls {@code System.exit(0)},
 * which runs the child's own shutdown hooks (a clean stop). Used by the embedded broker
 * ({@code BrokerProcessMain}) and by the service ({@code AlignstreamCommand}, with
 * {@code -D}{@value #EXIT_WITH_PARENT_PROPERTY}{@code =true}).
 */
public final class ChildJvm {

    /** System property that makes the {@code alignstream} command exit when its parent process goes away. */
    public static final String EXIT_WITH_PARENT_PROPERTY = "alignstream.exitWithParent";

    private ChildJvm() {
    }

    /** The {@code java} launcher of this JVM. */
    public static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * This JVM's {@code java.class.path} with every entry made absolute, so a child started in
     * another working directory finds the same classes.
     */
    public static String absoluteClasspath() {
        String classpath = System.getProperty("java.class.path", "");
        return Stream.of(classpath.split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Paths.get(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * In the child: starts a daemon thread that reads standard input and exits this JVM (status 0,
     * shutdown hooks run) at its end, which means the parent is gone or is stopping us.
     *
     * @param what names the child in the message printed to standard error
     */
    public static void exitWhenParentDies(String what) {
        Thread watcher = new Thread(() -> {
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            try {
                while (in.read(buffer) >= 0) {
                    // the parent never writes; anything read is ignored
                }
            } catch (IOException e) {
                // a broken pipe also means the parent is gone
            }
            System.err.println("Standard input closed (the parent is gone or stopping us):"
                    + " shutting " + what + " down");
            System.exit(0);
        }, "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
