package io.alignstream.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under {@code java -jar alignstream.jar} the JVM's {@code java.class.path} is just the jar; the
 * broker's child JVM must still find Kafka through the jar's manifest {@code Class-Path}. This
 * packs a jar laid out like the real one (manifest naming {@code lib/...} entries, here links to
 * this test's classpath), runs it, and then kills it outright to check the broker does not
 * outlive it.
 */
class BrokerLaunchedFromJavaJarIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void aBrokerStartedUnderJavaJarRunsAndDoesNotOutliveAKilledApplication() throws Exception {
        // given an application jar whose manifest Class-Path lists lib/ entries
        Path jar = applicationJar(JarLaunchedBrokerMain.class.getName());
        Path dataDir = Files.createDirectories(dir.resolve("data"));

        // when it is run with java -jar and starts an embedded broker
        Process app = new ProcessBuilder(javaBinary(), "-jar", jar.toString(), dataDir.toString())
                .redirectError(dir.resolve("app.log").toFile())
                .start();
        try {
            String[] ready = awaitBrokerLine(app);
            String bootstrap = ready[1];
            long brokerPid = Long.parseLong(ready[2]);

            // then the broker serves requests
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertThat(admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(1);
            }

            // and when the application is killed with SIGKILL (no shutdown hooks run)
            app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

            // then the broker shuts itself down
            Optional<ProcessHandle> broker = ProcessHandle.of(brokerPid);
            if (broker.isPresent()) {
                broker.get().onExit().get(60, TimeUnit.SECONDS);
            }
            assertThat(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive)).isNotEqualTo(
                    Optional.of(true));
        } finally {
            app.destroyForcibly();
        }
    }

    private String[] awaitBrokerLine(Process app) throws IOException {
        BufferedReader out = new BufferedReader(
                new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("BROKER ")) {
                return line.split(" ");
            }
        }
        throw new AssertionError("The application ended without starting a broker; its log:\n"
                + Files.readString(dir.resolve("app.log")));
    }

    /** An empty jar with Main-Class and a Class-Path of relative lib/ links to our classpath. */
    private Path applicationJar(String mainClass) throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        List<String> classPath = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path target = Paths.get(entry).toAbsolutePath();
            if (!Files.exists(target)) {
                continue;
            }
            boolean directory = Files.isDirectory(target);
            String name = (i++) + "-" + (directory ? "classes" : target.getFileName().toString());
            Files.createSymbolicLink(lib.resolve(name), target);
            classPath.add("lib/" + name + (directory ? "/" : ""));
        }
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(Attributes.Name.MAIN_CLASS, mainClass);
        main.put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
        Path jar = dir.resolve("app.jar");
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream ignored = new JarOutputStream(file, manifest)) {
            // the manifest is the whole jar
        }
        return jar;
    }

    private static String javaBinary() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }
}
