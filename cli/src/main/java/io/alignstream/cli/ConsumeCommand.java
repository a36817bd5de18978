package io.alignstream.cli;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.export.EmbeddingExporter;
import io.alignstream.ingest.ClientSettings;
import io.alignstream.schemas.TopicNames;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints or exports the published embeddings as JSON Lines. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = {"Reads the published TEVI and AlignVLM embeddings (read_committed: only",
                "what the service committed) and writes one JSON object a line: topic, key,",
                "imageId, captionId, model, the embeddings, the sparse code and scores (TEVI),",
                "or the pooled vector, top words, token shape, dtype and base64 token bytes",
                "(AlignVLM). Connection: as for run."},
        footer = {"", "Without --group, it reads every partition from the beginning",
                "(--from-beginning) or only what is published after it starts. With --group",
                "it resumes from the group's committed offsets and commits what it wrote;",
                "where the group has none, --from-beginning starts at the beginning.", "",
                "Example:",
                "  alignstream consume -s bootstrap.servers=localhost:9092 \\",
                "      -s schema.registry.url=http://localhost:8081 \\",
                "      --from-beginning --topic tevi --timeout 10s --out tevi.jsonl"})
final class ConsumeCommand implements Callable<Integer> {

    enum Which { tevi, alignvlm, both }

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--topic", defaultValue = "both", paramLabel = "tevi|alignvlm|both",
            description = "Which embeddings to read (default: ${DEFAULT-VALUE}).")
    Which topic;

    @Option(names = "--from-beginning", description = "Start at the oldest record, not at new ones.")
    boolean fromBeginning;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP",
            description = "Consumer group: resume from its committed offsets, commit progress.")
    String group;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
    Path outFile;

    @Option(names = "--include-deletes",
            description = "Also write a line for each deleted image (a tombstone): type delete, its imageId.")
    boolean includeDeletes;

    @Option(names = "--max", defaultValue = "0", paramLabel = "N",
            description = "Stop after N records (default: no limit).")
    long max;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop after DURATION with no new record, e.g. 10s, 2m, PT30S "
                    + "(default: run until Ctrl-C).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        if (max < 0) {
            System.err.println("alignstream consume: --max must be 0 (no limit) or more");
            return 2;
        }
        Optional<AlignstreamConfig> loaded = connection.loadOrReport(System.err);
        if (loaded.isEmpty()) {
            return 2;
        }
        AlignstreamConfig config = loaded.get();
        TopicNames names = config.topicNames();
        List<String> topics = switch (topic) {
            case tevi -> List.of(names.tevi());
            case alignvlm -> List.of(names.alignVlm());
            case both -> List.of(names.tevi(), names.alignVlm());
        };
        Until until = Until.stopped().orMaxRecords(max);
        if (timeout != null) {
            until = until.orIdle(timeout);
        }
        OutputReader.Builder builder = OutputReader.builder(ClientSettings.consumer(config), config.serdeConfig())
                .topics(topics).fromBeginning(fromBeginning).group(group).clientId("alignstream-consume");
        if (includeDeletes) {
            builder.includeTombstones();
        }
        try (PrintWriter out = writer();
             OutputReader reader = builder.open()) {
            Thread stopper = new Thread(reader::stop, "alignstream-consume-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            long written;
            try {
                written = new EmbeddingExporter().export(reader, until, out);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopper);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running
                }
            }
            System.err.println("alignstream consume: wrote " + written + " record(s)"
                    + (outFile == null ? "" : " to " + outFile));
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("alignstream consume: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("alignstream consume: cannot write " + outFile + ": " + e.getMessage());
            return 1;
        }
    }

    private PrintWriter writer() throws IOException {
        if (outFile == null) {
            return new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false) {
                @Override
                public void close() {
                    flush(); // never close stdout
                }
            };
        }
        return new PrintWriter(new BufferedWriter(Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)));
    }
}
