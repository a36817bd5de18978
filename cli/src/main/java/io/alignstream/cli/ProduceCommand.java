package io.alignstream.cli;

import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.clients.produce.EventProducer;
import io.alignstream.clients.produce.ProduceException;
import io.alignstream.ingest.ClientSettings;
import io.alignstream.ingest.EventSources;
import io.alignstream.ingest.IngestException;
import io.alignstream.ingest.IngestSummary;
import io.alignstream.ingest.OutgoingEvents;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sends real data (a COCO captions sample, JSON Lines, or the synthetic world) to the input topics. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Sends images and captions to the image and caption topics: a COCO",
                "captions file with its image folder, a JSON Lines file of image paths and",
                "captions, or scenes of the synthetic world. Keys are image ids; values are",
                "Avro in the Schema Registry wire format; the producer is idempotent.",
                "Connection: as for run (bootstrap.servers, schema.registry.url, topic names",
                "and security keys; other keys are ignored)."},
        footer = {"", "Examples:",
                "  alignstream produce -s bootstrap.servers=localhost:9092 \\",
                "      -s schema.registry.url=http://localhost:8081 \\",
                "      --coco-captions captions_val2017.json --images val2017/",
                "  alignstream produce --jsonl pairs.jsonl --by-reference --rate 100",
                "  alignstream produce --synthetic 50 --seed 7"})
final class ProduceCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--coco-captions", paramLabel = "FILE",
            description = "COCO captions JSON (images[], annotations[]); needs --images.")
    Path cocoCaptions;

    @Option(names = "--images", paramLabel = "DIR",
            description = "Folder the COCO file_name entries are relative to.")
    Path imageDirectory;

    @Option(names = "--jsonl", paramLabel = "FILE",
            description = "JSON Lines: {\"image\": path, \"caption\": text, \"image_id\"?, "
                    + "\"caption_id\"?}; paths relative to the file.")
    Path jsonLines;

    @Option(names = "--synthetic", paramLabel = "N", description = "Sends N scenes of the synthetic world.")
    Long synthetic;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S",
            description = "Synthetic world seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "EVENTS_PER_SECOND",
            description = "Most events (images and captions) per second; 0 = unlimited (default).")
    double rate;

    @Option(names = "--by-reference",
            description = "Send each image as a file: URI instead of its bytes (the service must be "
                    + "allowed to read it: alignstream.image.fetch.schemes, .file.root).")
    boolean byReference;

    @Option(names = "--limit", defaultValue = "-1", paramLabel = "N",
            description = "Send at most N images (with their captions); default: all.")
    int limit;

    @Option(names = {"-q", "--quiet"}, description = "Print only the summary.")
    boolean quiet;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        int sources = (cocoCaptions != null ? 1 : 0) + (jsonLines != null ? 1 : 0) + (synthetic != null ? 1 : 0);
        if (sources != 1) {
            return usageError("give exactly one of --coco-captions FILE --images DIR, --jsonl FILE, --synthetic N");
        }
        if (cocoCaptions != null && imageDirectory == null) {
            return usageError("--coco-captions needs --images DIR, the folder of the images");
        }
        if (imageDirectory != null && cocoCaptions == null) {
            return usageError("--images goes with --coco-captions FILE");
        }
        if (synthetic != null && byReference) {
            return usageError("--by-reference needs image files: use it with --coco-captions or --jsonl");
        }
        if (rate < 0) {
            return usageError("--rate must be 0 (unlimited) or more");
        }
        Optional<AlignstreamConfig> loaded = connection.loadOrReport(err);
        if (loaded.isEmpty()) {
            return 2;
        }
        AlignstreamConfig config = loaded.get();
        Iterator<OutgoingEvents> events;
        Clock clock = Clock.systemUTC();
        try {
            if (cocoCaptions != null) {
                events = EventSources.coco(cocoCaptions, imageDirectory, limit, byReference, clock);
            } else if (jsonLines != null) {
                events = EventSources.jsonLines(jsonLines, limit, byReference, clock);
            } else {
                long count = limit >= 0 ? Math.min(limit, synthetic) : synthetic;
                events = EventSources.synthetic(seed, count, clock);
            }
        } catch (IngestException e) {
            err.println("alignstream: " + e.getMessage());
            return 1;
        }
        try (EventProducer producer = EventProducer.builder(ClientSettings.producer(config), config.serdeConfig(),
                config.topicNames()).clientId("alignstream-produce").eventsPerSecond(rate).build()) {
            long started = System.nanoTime();
            long images = 0;
            long captions = 0;
            while (events.hasNext()) {
                OutgoingEvents group = events.next();
                producer.send(group.image(), group.captions());
                images++;
                captions += group.captions().size();
                if (!quiet) {
                    out.println("Sent image " + group.imageId() + " with " + group.captions().size() + " caption(s)");
                }
            }
            producer.flush();
            IngestSummary summary = new IngestSummary(images, captions, producer.bytesSent(),
                    Duration.ofNanos(System.nanoTime() - started));
            out.println(summary.describe());
            out.println("Topics: " + config.topicNames().images() + ", " + config.topicNames().captions());
            return 0;
        } catch (IngestException | ProduceException e) {
            err.println("alignstream: " + e.getMessage());
            return 1;
        }
    }

    private int usageError(String message) {
        err.println("alignstream produce: " + message + " (see alignstream produce --help)");
        return 2;
    }
}
