package io.alignstream.cli;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Option;

/**
 * {@code --config} and {@code --set} of every command that connects to Kafka and the Schema
 * Registry ({@code run}, {@code produce}, {@code consume}): a properties file, ALIGNSTREAM_*
 * environment variables, then overrides.
 */
final class ConnectionOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Properties file (default: $ALIGNSTREAM_CONFIG_FILE if set).")
    Path configFile;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "Overrides one key (repeatable), e.g. bootstrap.servers=b:9092.")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** The configuration; throws ConfigException or IllegalArgumentException when it is wrong. */
    AlignstreamConfig load() {
        Optional<Path> file = Optional.ofNullable(configFile)
                .or(() -> Optional.ofNullable(System.getenv(ConfigSources.CONFIG_FILE_VARIABLE)).map(Path::of));
        return ConfigSources.load(file, System.getenv(), overrides);
    }

    /**
     * The configuration, or empty after writing why it is wrong to {@code err} (the commands then
     * exit with 2, the code for a configuration error).
     */
    Optional<AlignstreamConfig> loadOrReport(PrintStream err) {
        try {
            return Optional.of(load());
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("alignstream: configuration error: " + e.getMessage());
            return Optional.empty();
        }
    }
}
