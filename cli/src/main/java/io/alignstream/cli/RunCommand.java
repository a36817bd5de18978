package io.alignstream.cli;

import io.alignstream.app.AlignstreamService;
import io.alignstream.app.config.AlignstreamConfig;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Runs the service against a Kafka cluster and Schema Registry until stopped (SIGTERM or
 * Ctrl-C closes it cleanly: the current batch finishes and is committed).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the alignstream service: consumes image and caption events and",
                "publishes TEVI and AlignVLM embeddings and dead letters, until stopped.",
                "Configuration: a properties file, ALIGNSTREAM_* environment variables, then",
                "--set overrides (docs/configuration.md)."})
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Override
    public Integer call() throws Exception {
        Optional<AlignstreamConfig> loaded = connection.loadOrReport(System.err);
        if (loaded.isEmpty()) {
            return 2;
        }
        return AlignstreamService.run(loaded.get());
    }
}
