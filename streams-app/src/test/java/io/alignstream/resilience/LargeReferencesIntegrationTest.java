package io.alignstream.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.clients.consume.OutputReader;
import io.alignstream.clients.consume.OutputReader.Until;
import io.alignstream.clients.produce.EventProducer;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.runtime.image.ImageLimits;
import io.alignstream.schemas.TopicNames;
import io.alignstream.testing.EmbeddedKafkaAndRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's memory case, as a user met it: 64 image references of about 20 MB each in one batch,
 * at an 820 MB heap (what the container image gives the JVM), used to dead-letter 43 of the 64
 * good images, most as "could not fetch: OutOfMemoryError". The service runs in a child JVM with
 * that heap; the images come from an HTTP server in this JVM, on loopback (allowed explicitly).
 */
class LargeReferencesIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaAndRegistry PLATFORM = new EmbeddedKafkaAndRegistry();

    private static final int IMAGES = 64;
    /** The container image's heap (ops/docker: 0.8 GiB). */
    private static final String SMALL_HEAP = "-Xmx820m";

    @TempDir
    Path work;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sixtyFourLargeReferencesUnderASmallHeapAreAllEmbeddedWithoutAnOutOfMemoryError() throws Exception {
        // given a PNG of noise just under the fetch limit (noise does not compress: about 20 MB)
        byte[] png = noisePng(2_600, 2_600);
        assertThat((long) png.length).isLessThanOrEqualTo(ImageLimits.DEFAULT_MAX_ENCODED_BYTES)
                .isGreaterThan(ImageLimits.DEFAULT_MAX_ENCODED_BYTES * 9 / 10);
        HttpServer images = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        images.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, png.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(png);
            }
        });
        ExecutorService serving = Executors.newFixedThreadPool(8);
        images.setExecutor(serving);
        images.start();
        String host = "127.0.0.1:" + images.getAddress().getPort();

        Map<String, String> settings = Rig.settings(PLATFORM, "fault-large-references", work.resolve("state"),
                "fault-large-references");
        settings.put(AlignstreamConfig.IMAGE_FETCH_SCHEMES_CONFIG, "http");
        settings.put(AlignstreamConfig.IMAGE_FETCH_ALLOW_CONFIG, host);
        TopicNames topics = Rig.topics(settings);
        try (ServiceProcess service = new ServiceProcess("large-references", Rig.logDir("large-references"),
                settings, withSmallHeap())) {
            service.start().awaitRunning(Duration.ofSeconds(90));

            // when 64 references to it arrive together (one batch: alignstream.batch.max.size is 64)
            List<String> ids = new ArrayList<>();
            try (EventProducer producer = EventProducer.builder(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers()),
                    Map.of("schema.registry.url", PLATFORM.registryUrl()), topics).build()) {
                for (int i = 0; i < IMAGES; i++) {
                    String id = "large-" + i;
                    ids.add(id);
                    producer.sendImage(ImageEvent.newBuilder().setImageId(id).setSource("fault-injection")
                            .setContentType("image/png")
                            .setContent(new ImageReference("http://" + host + "/large/" + i + ".png"))
                            .setEventTime(Instant.now()).build());
                }
                producer.flush();
            }

            // then all 64 are embedded, none is dead-lettered, and the service never ran out of memory
            List<String> embedded = new ArrayList<>();
            List<String> deadLetters = new ArrayList<>();
            try (OutputReader reader = OutputReader.builder(
                            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, PLATFORM.bootstrapServers()),
                            Map.of("schema.registry.url", PLATFORM.registryUrl()))
                    .topics(topics.alignVlm(), topics.deadLetters()).group("large-references-" + System.nanoTime())
                    .fromBeginning(true).open()) {
                reader.read(Until.timeout(Duration.ofMinutes(3)), record -> {
                    if (record.value() instanceof AlignVlmEmbedding embedding) {
                        embedded.add(embedding.getImageId());
                    } else if (record.value() instanceof DeadLetter letter) {
                        deadLetters.add(letter.getReason() + ": " + letter.getMessage());
                    }
                    return embedded.size() + deadLetters.size() < IMAGES;
                });
                reader.read(Until.timeout(Duration.ofSeconds(2)), record -> true);
            }
            assertThat(deadLetters).as("dead letters").isEmpty();
            assertThat(embedded).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(service.currentLog()).doesNotContain("OutOfMemoryError");
            assertThat(service.isAlive()).isTrue();
        } finally {
            images.stop(0);
            serving.shutdownNow();
        }
    }

    private static List<String> withSmallHeap() {
        List<String> options = new ArrayList<>(Rig.CHILD_JVM_OPTIONS);
        options.add(SMALL_HEAP); // after ServiceProcess's -Xmx1g: the last -Xmx wins
        return options;
    }

    /** Seeded noise: the same bytes every run, and as large as an RGB PNG of that size gets. */
    private static byte[] noisePng(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(14);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
