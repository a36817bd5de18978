package io.alignstream.app;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The service's own entry point, what the container images run: loads the configuration (a
 * properties file, {@code ALIGNSTREAM_*} environment variables, then {@code --set} overrides),
 * starts the service and waits until it is stopped. {@code alignstream run} does the same through
 * the command line; this one needs no command-line library, so the service's classpath has none.
 *
 * <pre>java -jar alignstream-service.jar [--config FILE] [--set KEY=VALUE]...</pre>
 * Exit codes: 0 stopped cleanly, 1 Kafka Streams failed, 2 configuration error.
 */
public final class AlignstreamService {

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java -jar alignstream-service.jar [--config FILE] [--set KEY=VALUE]...",
            "Runs the alignstream service until SIGTERM (docs/configuration.md).",
            "  -c, --config FILE      Properties file (default: $" + ConfigSources.CONFIG_FILE_VARIABLE + " if set).",
            "  -s, --set KEY=VALUE    Overrides one key (repeatable), e.g. bootstrap.servers=b:9092.",
            "  -h, --help             Prints this and exits.");

    private AlignstreamService() {
    }

    public static void main(String[] args) throws InterruptedException {
        // Avro's SpecificDatumReader refuses generated classes outside these packages; set it
        // before any Avro class loads, unless the operator set it already.
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null) {
            System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.alignstream");
        }
        Arguments arguments = parse(args, System.getenv(), System.out, System.err);
        System.exit(arguments.config().isPresent() ? run(arguments.config().get()) : arguments.exitCode());
    }

    /**
     * What the command line asked for: a configuration to run, or an exit code after the usage
     * was printed ({@code --help}: 0, to {@code out}) or after why the arguments or the
     * configuration are wrong was printed (2, to {@code err}).
     */
    record Arguments(Optional<AlignstreamConfig> config, int exitCode) {
    }

    /** The configuration {@code args} and {@code environment} describe (see {@link Arguments}). */
    static Arguments parse(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return new Arguments(Optional.empty(), 0);
                    }
                    case "-c", "--config" -> file = Path.of(value(args, ++i, arg));
                    case "-s", "--set" -> {
                        String pair = value(args, ++i, arg);
                        int eq = pair.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException(arg + " takes KEY=VALUE, got '" + pair + "'");
                        }
                        overrides.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
            }
            return new Arguments(Optional.of(ConfigSources.load(Optional.ofNullable(file), environment, overrides)), 0);
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("alignstream: configuration error: " + e.getMessage());
            err.println(USAGE);
            return new Arguments(Optional.empty(), 2);
        }
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    /**
     * Starts the service and waits until it stops (SIGTERM or Ctrl-C close it cleanly: the current
     * batch finishes and is committed).
     *
     * @return the process exit code: 1 when Kafka Streams ended in ERROR, else 0
     */
    public static int run(AlignstreamConfig config) throws InterruptedException {
        AlignstreamApp app = AlignstreamApp.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "alignstream-shutdown"));
        app.awaitStopped();
        return app.state() == KafkaStreams.State.ERROR ? 1 : 0;
    }
}
