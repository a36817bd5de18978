package io.alignstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.AlignstreamService.Arguments;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service's own command line: what the container images run, with no command-line library. */
class AlignstreamServiceTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Arguments parse(Map<String, String> environment, String... args) {
        return AlignstreamService.parse(args, environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsageAndExitsZeroWithoutRunning() {
        Arguments arguments = parse(Map.of(), "--help");

        assertThat(arguments.config()).isEmpty();
        assertThat(arguments.exitCode()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--config FILE").contains("--set KEY=VALUE");
    }

    @Test
    void aFileTheEnvironmentAndOverridesMakeTheConfigurationOverridesWinning(@TempDir Path dir) throws IOException {
        // given a properties file with the connection and a batch size
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "bootstrap.servers=file-broker:9092\nschema.registry.url=http://registry:8081\n"
                + "alignstream.batch.max.size=16\n");

        // when the environment sets the batch size too, and --set overrides the broker
        Arguments arguments = parse(Map.of("ALIGNSTREAM_BATCH_MAX_SIZE", "32"),
                "--config", file.toString(), "--set", "bootstrap.servers=override:9092");

        // then the environment wins over the file, and --set over both
        assertThat(arguments.config()).isPresent();
        assertThat(arguments.config().get().batchMaxSize()).isEqualTo(32);
        assertThat(arguments.config().get().streamsProperties().get("bootstrap.servers")).isEqualTo("override:9092");
    }

    @Test
    void aBadValueIsAConfigurationErrorNamingTheKeyWithExitCodeTwo() {
        Arguments arguments = parse(Map.of(), "--set", "bootstrap.servers=localhost:1",
                "--set", "schema.registry.url=http://localhost:1", "--set", "alignstream.batch.max.size=0");

        assertThat(arguments.config()).isEmpty();
        assertThat(arguments.exitCode()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("configuration error").contains("alignstream.batch.max.size");
    }

    @Test
    void anUnknownArgumentOrAnOverrideWithoutEqualsSignIsRefused() {
        assertThat(parse(Map.of(), "run").exitCode()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown argument 'run'");

        assertThat(parse(Map.of(), "--set", "bootstrap.servers").exitCode()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--set takes KEY=VALUE");

        assertThat(parse(Map.of(), "--config").exitCode()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--config needs a value");
    }
}
