package io.alignstream.cli;

import io.alignstream.demo.DemoCommand;
import io.alignstream.embedded.ChildJvm;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code alignstream} command line: one executable jar, a subcommand per job. */
@Command(name = "alignstream",
        mixinStandardHelpOptions = true,
        versionProvider = AlignstreamCommand.Version.class,
        description = "Turns image and caption events into TEVI-aligned and AlignVLM-projected embeddings.",
        subcommands = {RunCommand.class, DemoCommand.class, ProduceCommand.class, ConsumeCommand.class,
                BenchCommand.class, ModelCommand.class, CommandLine.HelpCommand.class})
public final class AlignstreamCommand implements Runnable {

    static {
        // Avro's SpecificDatumReader refuses generated classes outside these packages; set it
        // before any Avro class loads, unless the operator set it already.
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null) {
            System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.alignstream");
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Started as a child of another JVM (tests, a supervisor): exit when that parent dies.
        if (Boolean.getBoolean(ChildJvm.EXIT_WITH_PARENT_PROPERTY)) {
            ChildJvm.exitWhenParentDies("alignstream");
        }
        System.exit(new CommandLine(new AlignstreamCommand()).execute(args));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = AlignstreamCommand.class.getPackage().getImplementationVersion();
            return new String[] {"alignstream " + (version == null ? "(development build)" : version)};
        }
    }
}
