package io.alignstream.cli;

import io.alignstream.app.AlignstreamApp;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.embedded.registry.EmbeddedSchemaRegistry;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.InlineImage;
import io.alignstream.events.RetrievalQualityReport;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.events.VocabularyWeight;
import io.alignstream.liveview.QualityHistory;
import io.alignstream.liveview.ThroughputSampler;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import io.alignstream.registry.compatibility.CompatibilityLevel;
import io.alignstream.registry.serde.SpecificAvroSerde;
import io.alignstream.schemas.EventTopic;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default end to end on one machine: a real KRaft broker, the embedded Schema
 * Registry, the service itself (exactly-once, the default model bundle on ONNX Runtime CPU),
 * synthetic scenes produced as a producing team would (with a sprinkling of bad events), and the
 * embeddings read back as an indexing feed would (read_committed). Progress every 2 seconds
 * from the service's own metrics; a summary table at the end.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs alignstream end to end on this machine: a real single-node KRaft",
                "broker, the embedded Schema Registry, the embedding service (exactly-once,",
                "default model bundle on CPU), synthetic scenes in with a few bad events",
                "among them, TEVI and AlignVLM embeddings and dead letters out. Shows",
                "progress every 2 s and ends with a summary table. Runs for --scenes N",
                "(default), --duration, or --until-stopped (Ctrl-C)."})
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    /** The caption grace the demo runs with, so that an orphan caption is dead-lettered soon. */
    static final long DEMO_CAPTION_GRACE_MS = 3000;
    /** In continuous modes, one bad event after this many scenes. */
    static final int BAD_EVENT_EVERY_SCENES = 25;

    @Option(names = "--scenes", defaultValue = "4",
            description = "Synthetic scenes to send, then stop (default: ${DEFAULT-VALUE}).")
    int scenes;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Send scenes continuously for this long (30s, 2m, PT1M), then drain and stop.")
    Duration duration;

    @Option(names = "--until-stopped", description = "Send scenes continuously until Ctrl-C, then drain and summarise.")
    boolean untilStopped;

    @Option(names = "--rate", defaultValue = "10",
            description = "Scenes per second with --duration or --until-stopped (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--seed", defaultValue = "42", description = "Synthetic world seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--http-port", defaultValue = "9464",
            description = "Port for /metrics and /health (0 = any free port; default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--timeout", defaultValue = "PT120S", converter = DurationConverter.class,
            description = "How long to wait for every embedding after sending (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--keep-running", description = "Keep the broker, registry and service up until Ctrl-C.")
    boolean keepRunning;

    private final PrintStream out = System.out;
    private final AtomicBoolean stopRequested = new AtomicBoolean();

    /** The kinds of bad event the demo sprinkles among the good ones, with the reason each must get. */
    enum BadEvent {
        UNDESERIALISABLE("an image record that is not Avro", DeadLetterReason.DESERIALIZATION_FAILED),
        EMPTY_IMAGE_ID("an image with an empty id", DeadLetterReason.INVALID_EVENT),
        TRUNCATED_PNG("an image whose PNG is cut short", DeadLetterReason.BAD_IMAGE),
        ORPHAN_CAPTION("a caption whose image never comes", DeadLetterReason.CAPTION_WITHOUT_IMAGE);

        final String description;
        final DeadLetterReason reason;

        BadEvent(String description, DeadLetterReason reason) {
            this.description = description;
            this.reason = reason;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (duration != null && untilStopped) {
            System.err.println("alignstream demo: give --duration or --until-stopped, not both");
            return 2;
        }
        boolean continuous = duration != null || untilStopped;
        // Ctrl-C and SIGTERM stop the producer and let the demo drain and print its summary.
        // They must not start JVM shutdown: its hooks (the embedded broker's among them) run at
        // once and would take the broker away mid-drain. A second signal exits at once.
        List<Runnable> restore = new ArrayList<>();
        for (String name : List.of("INT", "TERM")) {
            try {
                sun.misc.Signal signal = new sun.misc.Signal(name);
                sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[1];
                previous[0] = sun.misc.Signal.handle(signal, s -> {
                    if (stopRequested.getAndSet(true)) {
                        previous[0].handle(s);
                    } else {
                        out.println("SIG" + name + ": stopping the producer, draining, then the summary"
                                + " (again to exit at once)");
                    }
                });
                restore.add(() -> sun.misc.Signal.handle(signal, previous[0]));
            } catch (IllegalArgumentException | UnsupportedOperationException unavailable) {
                // no such signal here (or the JVM was started with -Xrs): the default applies
            }
        }
        try {
            return runDemo(continuous);
        } finally {
            restore.forEach(Runnable::run);
        }
    }

    private int runDemo(boolean continuous) throws Exception {
        long started = System.nanoTime();
        Path state = Files.createTempDirectory("alignstream-demo-state");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().start()) {
            step(started, "Kafka broker (KRaft, 4.3.1) up at " + kafka.bootstrapServers());
            try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder()
                    .bootstrapServers(kafka.bootstrapServers())
                    .defaultCompatibility(CompatibilityLevel.BACKWARD_TRANSITIVE)
                    .start()) {
                step(started, "Schema Registry (Confluent-compatible) up at " + registry.url());
                registerSchemas(registry.url());
                SyntheticEventFactory factory = new SyntheticEventFactory(new SyntheticWorld(seed), Split.TEST);
                int pairsPerScene = factory.scene(0, Instant.now()).captions().size();
                // Count mode: one quality window over exactly the demo's good pairs, so the demo can
                // show it; continuous: a window every 200 pairs.
                int windowPairs = continuous ? 200 : Math.max(2, scenes * pairsPerScene);
                AlignstreamConfig config = ConfigSources.load(Optional.empty(), Map.of(), Map.of(
                        "bootstrap.servers", kafka.bootstrapServers(),
                        "schema.registry.url", registry.url(),
                        "state.dir", state.toString(),
                        AlignstreamConfig.TOPICS_PARTITIONS_CONFIG, "3",
                        AlignstreamConfig.CAPTION_GRACE_MS_CONFIG, Long.toString(DEMO_CAPTION_GRACE_MS),
                        AlignstreamConfig.MONITOR_WINDOW_PAIRS_CONFIG, Integer.toString(windowPairs),
                        AlignstreamConfig.HTTP_HOST_CONFIG, "127.0.0.1",
                        AlignstreamConfig.HTTP_PORT_CONFIG, Integer.toString(httpPort)));
                try (AlignstreamApp app = AlignstreamApp.start(config)) {
                    step(started, "Topics: " + app.topics().summary());
                    if (!app.awaitRunning(Duration.ofSeconds(60))) {
                        out.println("The service did not reach RUNNING (state " + app.state() + ")");
                        return 1;
                    }
                    step(started, "Service RUNNING (exactly_once_v2, caption grace " + DEMO_CAPTION_GRACE_MS
                            + " ms); live view at http://127.0.0.1:" + app.httpPort() + "/ (also /metrics, /health)");
                    Sent sent = new Sent();
                    Received received = new Received();
                    Reader reader = new Reader(config, registry.url(), sent, received);
                    Thread readerThread = new Thread(reader, "demo-reader");
                    readerThread.setDaemon(true);
                    readerThread.start();
                    received.firstSentNanos = System.nanoTime();
                    try (ThroughputSampler sampler = ThroughputSampler.start(app.metrics(), PROGRESS_INTERVAL);
                         Progress progress = new Progress(app, config, sampler, received, started)) {
                        try (Producer producer = new Producer(config, registry.url(), factory, sent)) {
                            if (continuous) {
                                step(started, "Producing " + rate + " scenes/s "
                                        + (untilStopped ? "until Ctrl-C" : "for " + human(duration))
                                        + ", a bad event every 5 scenes up to 20, then every " + BAD_EVENT_EVERY_SCENES);
                                produceContinuously(producer);
                            } else {
                                producer.countMode(scenes);
                            }
                        }
                        step(started, "Produced " + sent.images.size() + " images and " + sent.pairs.get()
                                + " captions, plus " + sent.bad.size() + " bad events ("
                                + sent.bad.stream().map(b -> b.name().toLowerCase(java.util.Locale.ROOT))
                                        .distinct().collect(Collectors.joining(", ")) + ")");
                        received.await(sent, !continuous, timeout);
                    }
                    reader.stop();
                    readerThread.join(5000);
                    boolean ok = report(sent, received, app, started);
                    if (keepRunning && !stopRequested.get()) {
                        out.println("Running until Ctrl-C: bootstrap.servers=" + kafka.bootstrapServers()
                                + " schema.registry.url=" + registry.url());
                        while (!stopRequested.get()) {
                            Thread.sleep(200);
                        }
                    }
                    return ok ? 0 : 1;
                }
            }
        }
    }

    static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(2);

    private int badSent;

    private void produceContinuously(Producer producer) throws InterruptedException {
        long begin = System.nanoTime();
        long end = duration == null ? Long.MAX_VALUE : begin + duration.toNanos();
        double perSceneNanos = 1e9 / Math.max(0.01, rate);
        long index = 0;
        while (!stopRequested.get() && System.nanoTime() < end) {
            producer.scene(index, index % 2 == 1);
            index++;
            // every kind of bad event early on (so even a short run shows each), then one every so often
            boolean early = index <= 5L * BadEvent.values().length;
            if (early ? index % 5 == 0 : index % BAD_EVENT_EVERY_SCENES == 0) {
                producer.bad(BadEvent.values()[badSent++ % BadEvent.values().length]);
            }
            long due = begin + (long) (index * perSceneNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }

    private void registerSchemas(String registryUrl) {
        try (SchemaRegistryClient client = SchemaRegistryClientFactory.create(Map.of("schema.registry.url", registryUrl))) {
            out.printf("  %-50s %s%n", "subject", "schema id");
            for (EventTopic topic : EventTopic.values()) {
                out.printf("  %-50s %d%n", topic.defaultValueSubject(),
                        client.register(topic.defaultValueSubject(), topic.valueSchema()));
            }
        }
    }

    /** What was sent: good images and pairs (with send times, for end-to-end latency) and bad events. */
    static final class Sent {
        final Map<String, ImageEvent> images = new ConcurrentHashMap<>();
        final Map<String, Long> imageSentMs = new ConcurrentHashMap<>();
        final Map<String, Long> captionSentMs = new ConcurrentHashMap<>();
        final AtomicInteger pairs = new AtomicInteger();
        final List<BadEvent> bad = new CopyOnWriteArrayList<>();

        Map<DeadLetterReason, Long> expectedReasons() {
            return bad.stream().collect(Collectors.groupingBy(b -> b.reason, () -> new EnumMap<>(DeadLetterReason.class),
                    Collectors.counting()));
        }
    }

    /** Sends scenes as a producing team does: keyed by image id, some captions before their image. */
    private final class Producer implements AutoCloseable {
        private final SpecificAvroSerde<SpecificRecord> values = new SpecificAvroSerde<>();
        private final KafkaProducer<byte[], byte[]> producer;
        private final SyntheticEventFactory factory;
        private final Sent sent;
        private final String imageTopic;
        private final String captionTopic;
        private int badCount;

        Producer(AlignstreamConfig config, String registryUrl, SyntheticEventFactory factory, Sent sent) {
            values.configure(Map.of("schema.registry.url", registryUrl), false);
            this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    config.streamsProperties().get("bootstrap.servers"), ProducerConfig.LINGER_MS_CONFIG, 5),
                    new ByteArraySerializer(), new ByteArraySerializer());
            this.factory = factory;
            this.sent = sent;
            this.imageTopic = config.topicNames().images();
            this.captionTopic = config.topicNames().captions();
        }

        /** Every scene, with each of the bad events sprinkled among them. */
        void countMode(int count) {
            BadEvent[] bad = BadEvent.values();
            int[] after = new int[bad.length];
            for (int b = 0; b < bad.length; b++) {
                after[b] = (int) ((long) (b + 1) * count / (bad.length + 1)); // spread over the run
            }
            for (int i = 0; i < count; i++) {
                for (int b = 0; b < bad.length; b++) {
                    if (after[b] == i) {
                        bad(bad[b]);
                    }
                }
                scene(i, i % 2 == 1);
            }
            for (int b = 0; b < bad.length; b++) {
                if (after[b] >= count) {
                    bad(bad[b]);
                }
            }
            producer.flush();
        }

        void scene(long index, boolean captionsFirst) {
            SceneEvents scene = factory.scene(index, Instant.now());
            String id = scene.image().getImageId();
            byte[] key = id.getBytes(StandardCharsets.UTF_8);
            sent.images.put(id, scene.image());
            ProducerRecord<byte[], byte[]> image = new ProducerRecord<>(imageTopic, key,
                    values.serializer().serialize(imageTopic, scene.image()));
            if (!captionsFirst) {
                sendImage(id, image);
            }
            for (CaptionEvent caption : scene.captions()) {
                sent.captionSentMs.put(caption.getCaptionId(), System.currentTimeMillis());
                producer.send(new ProducerRecord<>(captionTopic, key, values.serializer().serialize(captionTopic, caption)));
                sent.pairs.incrementAndGet();
            }
            if (captionsFirst) {
                sendImage(id, image); // this scene's captions came first: they wait for it
            }
        }

        private void sendImage(String id, ProducerRecord<byte[], byte[]> image) {
            sent.imageSentMs.put(id, System.currentTimeMillis());
            producer.send(image);
        }

        void bad(BadEvent kind) {
            int n = ++badCount;
            SceneEvents template = factory.scene(1_000_000L + n, Instant.now());
            switch (kind) {
                case UNDESERIALISABLE -> producer.send(new ProducerRecord<>(imageTopic, null,
                        ("not an Avro record #" + n).getBytes(StandardCharsets.UTF_8)));
                case EMPTY_IMAGE_ID -> {
                    ImageEvent image = ImageEvent.newBuilder(template.image()).setImageId("").build();
                    producer.send(new ProducerRecord<>(imageTopic, new byte[0], values.serializer().serialize(imageTopic, image)));
                }
                case TRUNCATED_PNG -> {
                    String id = "demo-bad-png-" + n;
                    byte[] png = ((InlineImage) template.image().getContent()).getData().array();
                    ImageEvent image = ImageEvent.newBuilder(template.image()).setImageId(id)
                            .setContent(InlineImage.newBuilder().setData(ByteBuffer.wrap(Arrays.copyOf(png, png.length / 2))).build())
                            .build();
                    producer.send(new ProducerRecord<>(imageTopic, id.getBytes(StandardCharsets.UTF_8),
                            values.serializer().serialize(imageTopic, image)));
                }
                case ORPHAN_CAPTION -> {
                    String id = "demo-never-sent-" + n;
                    CaptionEvent caption = CaptionEvent.newBuilder(template.captions().get(0))
                            .setImageId(id).setCaptionId(id + "-caption").build();
                    producer.send(new ProducerRecord<>(captionTopic, id.getBytes(StandardCharsets.UTF_8),
                            values.serializer().serialize(captionTopic, caption)));
                }
                default -> throw new IllegalStateException(kind.name());
            }
            sent.bad.add(kind);
        }

        @Override
        public void close() {
            producer.close();
            values.close();
        }
    }

    /** What came back, read_committed, with the demo's own end-to-end latency (sent to read). */
    static final class Received {
        final List<TeviEmbedding> tevi = new CopyOnWriteArrayList<>();
        final List<AlignVlmEmbedding> align = new CopyOnWriteArrayList<>();
        final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
        final List<RetrievalQualityReport> reports = new CopyOnWriteArrayList<>();
        final List<Long> latencyMs = new CopyOnWriteArrayList<>();
        final java.util.Set<String> teviKeys = ConcurrentHashMap.newKeySet();
        final java.util.Set<String> alignKeys = ConcurrentHashMap.newKeySet();
        /** When the first event was sent and the last embedding read back (System.nanoTime). */
        volatile long firstSentNanos;
        volatile long lastReadNanos;

        boolean complete(Sent sent, boolean needReport) {
            Map<DeadLetterReason, Long> got = letters.stream().collect(Collectors.groupingBy(DeadLetter::getReason,
                    () -> new EnumMap<>(DeadLetterReason.class), Collectors.counting()));
            boolean lettersIn = sent.expectedReasons().entrySet().stream()
                    .allMatch(e -> got.getOrDefault(e.getKey(), 0L) >= e.getValue());
            return teviKeys.size() >= sent.pairs.get() && alignKeys.size() >= sent.images.size() && lettersIn
                    && (!needReport || !reports.isEmpty());
        }

        void await(Sent sent, boolean needReport, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!complete(sent, needReport) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
    }

    private static final class Reader implements Runnable {
        private final Map<String, Object> consumerConfig = new HashMap<>();
        private final AlignstreamConfig config;
        private final String registryUrl;
        private final Sent sent;
        private final Received received;
        private volatile boolean stopped;

        Reader(AlignstreamConfig config, String registryUrl, Sent sent, Received received) {
            this.config = config;
            this.registryUrl = registryUrl;
            this.sent = sent;
            this.received = received;
            consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.streamsProperties().get("bootstrap.servers"));
            consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "alignstream-demo-reader");
            consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            try (SpecificAvroSerde<SpecificRecord> values = new SpecificAvroSerde<>()) {
                values.configure(Map.of("schema.registry.url", registryUrl), false);
                try (KafkaConsumer<String, SpecificRecord> consumer =
                             new KafkaConsumer<>(consumerConfig, new StringDeserializer(), values.deserializer())) {
                    consumer.subscribe(List.of(config.topicNames().tevi(), config.topicNames().alignVlm(),
                            config.topicNames().deadLetters(), config.topicNames().retrievalQuality()));
                    while (!stopped) {
                        consumer.poll(Duration.ofMillis(100)).forEach(record -> take(record.value()));
                    }
                }
            }
        }

        private void take(SpecificRecord value) {
            long now = System.currentTimeMillis();
            if (value instanceof TeviEmbedding || value instanceof AlignVlmEmbedding) {
                received.lastReadNanos = System.nanoTime();
            }
            if (value instanceof TeviEmbedding t) {
                received.tevi.add(t);
                received.teviKeys.add(t.getCaptionId());
                Long image = sent.imageSentMs.get(t.getImageId());
                Long caption = sent.captionSentMs.get(t.getCaptionId());
                if (image != null && caption != null) {
                    received.latencyMs.add(now - Math.max(image, caption));
                }
            } else if (value instanceof AlignVlmEmbedding a) {
                received.align.add(a);
                received.alignKeys.add(a.getImageId());
                Long image = sent.imageSentMs.get(a.getImageId());
                if (image != null) {
                    received.latencyMs.add(now - image);
                }
            } else if (value instanceof DeadLetter d) {
                received.letters.add(d);
            } else if (value instanceof RetrievalQualityReport q) {
                received.reports.add(q);
            }
        }
    }

    /** One line every 2 s from the service's own metrics and quality history. */
    private final class Progress implements AutoCloseable {
        private final java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "demo-progress");
                    t.setDaemon(true);
                    return t;
                });
        private final AlignstreamApp app;
        private final AlignstreamConfig config;
        private final ThroughputSampler sampler;
        private final long started;

        Progress(AlignstreamApp app, AlignstreamConfig config, ThroughputSampler sampler, Received received, long started) {
            this.app = app;
            this.config = config;
            this.sampler = sampler;
            this.started = started;
            long periodMs = PROGRESS_INTERVAL.toMillis();
            timer.scheduleAtFixedRate(this::printQuietly, periodMs, periodMs, TimeUnit.MILLISECONDS);
        }

        private void printQuietly() {
            try {
                out.println(line());
            } catch (RuntimeException e) {
                out.println("(progress unavailable: " + e + ")");
            }
        }

        String line() {
            String tevi = config.topicNames().tevi();
            String align = config.topicNames().alignVlm();
            Optional<ThroughputSampler.Totals> totals = sampler.totals();
            double in = totals.map(t -> sum(t.eventsIn())).orElse(0.0);
            double teviOut = totals.map(t -> t.eventsOut().getOrDefault(tevi, 0.0)).orElse(0.0);
            double alignOut = totals.map(t -> t.eventsOut().getOrDefault(align, 0.0)).orElse(0.0);
            long dead = totals.map(ThroughputSampler.Totals::deadLetters).orElse(0L);
            List<ThroughputSampler.Sample> samples = sampler.samples();
            String rates = "-";
            String latency = "e2e p50 - p99 -";
            if (!samples.isEmpty()) {
                ThroughputSampler.Sample last = samples.get(samples.size() - 1);
                rates = String.format("%.0f in/s, %.0f out/s", sum(last.eventsInPerSecond()),
                        last.eventsOutPerSecond().getOrDefault(tevi, 0.0) + last.eventsOutPerSecond().getOrDefault(align, 0.0));
                ThroughputSampler.Quantiles q = last.endToEnd().get(tevi);
                if (q != null && q.p50() != null) {
                    latency = String.format("e2e p50 %s p99 %s", millis(q.p50()), millis(q.p99()));
                }
            }
            return String.format("[%5.1f s] in %,.0f | out %,.0f (TEVI %,.0f, AlignVLM %,.0f) | %s | %s | dead letters %d | %s",
                    (System.nanoTime() - started) / 1e9, in, teviOut + alignOut, teviOut, alignOut, rates, latency, dead,
                    recall(app).map(r -> "Recall@1 raw " + r).orElse("Recall@1: no window closed yet"));
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** The latest closed quality window's text-to-image Recall@1, "raw 0.41 -> TEVI 0.63" style. */
    static Optional<String> recall(AlignstreamApp app) {
        return app.qualityHistory().windows().values().stream().flatMap(List::stream)
                .filter(w -> w.recall().containsKey("text_to_image"))
                .max(java.util.Comparator.comparingLong(QualityHistory.WindowPoint::endMs))
                .map(w -> {
                    Map<String, Map<String, Double>> t2i = w.recall().get("text_to_image");
                    return String.format("%.2f -> TEVI %.2f (%s window, %d pairs)",
                            t2i.getOrDefault("raw", Map.of()).getOrDefault("1", Double.NaN),
                            t2i.getOrDefault("tevi", Map.of()).getOrDefault("1", Double.NaN), w.window(), w.pairs());
                });
    }

    private static double sum(Map<String, Double> values) {
        return values.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    private static String millis(Double seconds) {
        return seconds == null ? "-" : String.format("%.0f ms", seconds * 1000);
    }

    private boolean report(Sent sent, Received received, AlignstreamApp app, long started) {
        step(started, "Read back (read_committed): " + received.align.size() + " of " + sent.images.size()
                + " AlignVLM embeddings, " + received.tevi.size() + " of " + sent.pairs.get() + " TEVI embeddings, "
                + received.letters.size() + " dead letter(s), " + received.reports.size() + " retrieval-quality report(s)");
        out.println();
        out.println("AlignVLM: each image's top words in MiniLM's vocabulary, next to what the image shows (first 8)");
        for (AlignVlmEmbedding a : received.align.stream().limit(8).toList()) {
            ImageEvent image = sent.images.get(a.getImageId());
            String words = a.getTopWords().stream().limit(6).map(VocabularyWeight::getWord).collect(Collectors.joining(" "));
            out.printf("  %-28s shows %-44s top words: %s%n", a.getImageId(),
                    image == null ? "?" : new java.util.TreeMap<>(image.getAttributes()).toString(), words);
        }
        out.println();
        out.println("TEVI: cosine of caption and image embedding, raw -> TEVI-aligned (first 8 captions)");
        received.tevi.stream().limit(8).forEach(t -> out.printf("  %-36s raw %.3f -> tevi %.3f  (%d active latents, mask keeps %.0f%%)%n",
                t.getCaptionId(), t.getScores().getRaw(), t.getScores().getTevi(), t.getCodes().getIndices().size(),
                100 * t.getMask().getActiveKept()));
        out.println();
        received.letters.stream().limit(12).forEach(d -> out.printf("Dead letter: %s from %s-%d@%d: %s%n", d.getReason(),
                d.getSourceTopic(), d.getPartition(), d.getOffset(), d.getMessage()));
        if (received.letters.size() > 12) {
            out.println("  ... and " + (received.letters.size() - 12) + " more");
        }
        List<RetrievalQualityReport> reports = received.reports;
        for (RetrievalQualityReport report : reports.subList(Math.max(0, reports.size() - 3), reports.size())) {
            Map<String, Double> m = report.getMetrics();
            out.printf("Retrieval quality (%s window of %d pairs, %d dead letters): text->image Recall@1 raw %.2f, "
                            + "TEVI %.2f; Recall@5 raw %.2f, TEVI %.2f; true-pair cosine raw %.3f vs random %.3f%n",
                    report.getWindowKind(), report.getPairCount(), report.getDeadLetterCount(),
                    m.getOrDefault("raw.t2i.recall_at_1", Double.NaN), m.getOrDefault("tevi.t2i.recall_at_1", Double.NaN),
                    m.getOrDefault("raw.t2i.recall_at_5", Double.NaN), m.getOrDefault("tevi.t2i.recall_at_5", Double.NaN),
                    m.getOrDefault("alignment.raw.true_pair_cosine", Double.NaN),
                    m.getOrDefault("alignment.raw.random_pair_cosine", Double.NaN));
        }
        return summary(sent, received, app, started);
    }

    /** The final table; true when nothing good was lost and every bad event was dead-lettered. */
    private boolean summary(Sent sent, Received received, AlignstreamApp app, long started) {
        double seconds = (System.nanoTime() - started) / 1e9;
        int goodImages = sent.images.size();
        int goodPairs = sent.pairs.get();
        long lostTevi = sent.captionSentMs.keySet().stream().filter(id -> !received.teviKeys.contains(id)).count();
        long lostAlign = sent.images.keySet().stream().filter(id -> !received.alignKeys.contains(id)).count();
        long duplicates = (received.tevi.size() - received.teviKeys.size()) + (received.align.size() - received.alignKeys.size());
        Map<DeadLetterReason, Long> expected = sent.expectedReasons();
        Map<DeadLetterReason, Long> got = received.letters.stream().collect(Collectors.groupingBy(DeadLetter::getReason,
                () -> new EnumMap<>(DeadLetterReason.class), Collectors.counting()));
        long badSent = sent.bad.size();
        List<Long> latencies = new ArrayList<>(received.latencyMs);
        java.util.Collections.sort(latencies);
        out.println();
        out.println("Summary");
        row("images sent (good + bad)", (goodImages + countImageBad(sent)) + " (" + goodImages + " + " + countImageBad(sent) + ")");
        row("captions sent (good + bad)", (goodPairs + countCaptionBad(sent)) + " (" + goodPairs + " + " + countCaptionBad(sent) + ")");
        row("bad events sent", Long.toString(badSent));
        row("TEVI records out", received.tevi.size() + " of " + goodPairs + " expected");
        row("AlignVLM records out", received.align.size() + " of " + goodImages + " expected");
        row("good records lost", Long.toString(lostTevi + lostAlign) + " (TEVI " + lostTevi + ", AlignVLM " + lostAlign + ")");
        row("duplicates", Long.toString(duplicates));
        row("dead letters", received.letters.size() + " of " + badSent + " expected");
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            long e = expected.getOrDefault(reason, 0L);
            long g = got.getOrDefault(reason, 0L);
            if (e > 0 || g > 0) {
                row("  " + reason, g + " of " + e + " expected");
            }
        }
        double busy = Math.max(1e-3, (received.lastReadNanos - received.firstSentNanos) / 1e9);
        row("throughput", String.format("%.1f embeddings/s (%d in %.1f s, first sent to last read back; whole demo %.1f s)",
                (received.tevi.size() + received.align.size()) / busy, received.tevi.size() + received.align.size(), busy, seconds));
        row("end-to-end latency", latencies.isEmpty() ? "-" : String.format("p50 %d ms, p99 %d ms (sent -> read back, %d records)",
                percentile(latencies, 0.5), percentile(latencies, 0.99), latencies.size()));
        row("Recall@1 text->image", recall(app).map(r -> "raw " + r).orElse("no quality window closed"));
        boolean lettersOk = expected.entrySet().stream().allMatch(e -> got.getOrDefault(e.getKey(), 0L).equals(e.getValue()))
                && received.letters.size() == badSent;
        boolean complete = lostTevi + lostAlign == 0 && duplicates == 0 && lettersOk;
        out.println(complete ? "Demo complete: every embedding arrived exactly once, every bad event was dead-lettered with its reason."
                : "Demo INCOMPLETE: some records did not arrive as expected within " + timeout);
        return complete;
    }

    private static long countImageBad(Sent sent) {
        return sent.bad.stream().filter(b -> b != BadEvent.ORPHAN_CAPTION).count();
    }

    private static long countCaptionBad(Sent sent) {
        return sent.bad.stream().filter(b -> b == BadEvent.ORPHAN_CAPTION).count();
    }

    private static long percentile(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1 < 0 ? 0
                : (int) Math.ceil(q * sorted.size()) - 1));
    }

    private void row(String what, String value) {
        out.printf("  %-30s %s%n", what, value);
    }

    private void step(long started, String what) {
        out.printf("[%5.1f s] %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /** 30s, 2m, 1h, 500ms, or ISO-8601 (PT30S). */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            try {
                return Duration.parse(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (java.time.format.DateTimeParseException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is not a duration (30s, 2m, 1h, 500ms or ISO-8601 like PT30S)");
            }
        }
    }
}
