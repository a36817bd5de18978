package io.alignstream.embedded.kafka;

import io.alignstream.embedded.ChildJvm;

/**
 * Entry point of the child JVM that {@link EmbeddedKafkaBroker} starts: formats the storage
 * directory if it is not formatted yet ({@code kafka.tools.StorageTool format --ignore-formatted}),
 * then hands over to Kafka's own {@code kafka.Kafka} main class, exactly as {@code
 * kafka-server-start.sh} would.
 *
 * <p>Doing the format in the same JVM saves one JVM start (about 1.5 s on two cores).
 *
 * <p>With {@code -D}{@value #EXIT_WITH_PARENT_PROPERTY}{@code =true} a daemon thread reads
 * standard input, which the parent holds open as a pipe; end of input means the parent is gone
 * (even after a SIGKILL, which skips its shutdown hooks), and the broker shuts down cleanly
 * ({@link ChildJvm#exitWhenParentDies}).
 *
 * <p>Arguments: {@code <server.properties> <cluster-id>}.
 */
public final class BrokerProcessMain {

    /** System property that makes the broker exit when its parent process goes away. */
    public static final String EXIT_WITH_PARENT_PROPERTY = "alignstream.broker.exitWithParent";

    private BrokerProcessMain() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: BrokerProcessMain <server.properties> <cluster-id>");
            System.exit(2);
        }
        String serverProperties = args[0];
        String clusterId = args[1];
        if (Boolean.getBoolean(EXIT_WITH_PARENT_PROPERTY)) {
            ChildJvm.exitWhenParentDies("the broker");
        }
        int formatted = kafka.tools.StorageTool.execute(
                new String[] {"format", "--config", serverProperties, "--cluster-id", clusterId,
                    "--ignore-formatted"},
                System.out);
        if (formatted != 0) {
            System.err.println("kafka-storage format failed with exit code " + formatted);
            System.exit(formatted);
        }
        kafka.Kafka.main(new String[] {serverProperties});
    }
}
