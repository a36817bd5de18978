package io.alignstream.embedded.kafka;

import java.nio.file.Path;

/**
 * A stand-in for {@code java -jar alignstream.jar} in tests: starts an embedded broker on the data
 * directory given as argument, prints {@code BROKER <bootstrap> <pid>}, and runs until its
 * standard input closes.
 */
public final class JarLaunchedBrokerMain {

    private JarLaunchedBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .dataDir(Path.of(args[0]))
                .start()) {
            System.out.println("BROKER " + broker.bootstrapServers() + " " + broker.pid());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for end of input
            }
        }
    }
}
