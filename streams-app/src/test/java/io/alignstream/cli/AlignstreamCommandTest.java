package io.alignstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line as a user meets it: help, and the embedded-default demo against real parts. */
class AlignstreamCommandTest {

    @Test
    void helpListsTheCommands() {
        Run run = run("--help");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("Usage: alignstream").contains("demo");
    }

    @Test
    void demoHelpSaysWhatItRunsAndWhatIsNotBuiltYet() {
        Run run = run("demo", "--help");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("--scenes").contains("KRaft broker").contains("not built yet");
        assertThat(run.out.lines()).allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80));
    }

    @Test
    void demoRoundTripsSyntheticEventsThroughTheRealBrokerAndRegistry() {
        // when the demo runs with two scenes on the embedded default
        Run run = run("demo", "--scenes", "2");

        // then every schema is registered and every event comes back identical
        assertThat(run.exitCode).as(run.out).isZero();
        assertThat(run.out)
                .contains("alignstream.images-value")
                .contains("alignstream.dead-letters-value")
                .contains("sent 2 image and 10 caption events, read back 12; identical: true")
                .contains("Round trip through the Avro Serde over the broker: OK");
    }

    private static Run run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new AlignstreamCommand()).execute(args);
            return new Run(exit, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    private record Run(int exitCode, String out) { }
}
