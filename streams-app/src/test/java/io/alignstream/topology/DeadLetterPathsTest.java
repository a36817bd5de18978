package io.alignstream.topology;

import static io.alignstream.topology.AlignstreamTopologyTest.bytes;
import static io.alignstream.topology.AlignstreamTopologyTest.scene;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.app.config.DefaultConfig;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.ImageReference;
import io.alignstream.events.InlineImage;
import io.alignstream.fetch.FetchLimits;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every failure class goes to the dead-letter topic as a DeadLetter with its reason, where it
 * came from and its payload, and the stream goes on: after each bad record, a good scene still
 * yields its embeddings.
 */
class DeadLetterPathsTest {
    private static final TopologySettings SETTINGS = DefaultConfig.topologySettings().toBuilder()
            .batch(8, Duration.ofMillis(50)).captionGrace(Duration.ofSeconds(30)).build();

    @TempDir
    Path files;

    @Test
    void anUndeserialisableImageIsDeadLetteredWithItsExactBytes() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given bytes that are not the Confluent wire format
            byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);

            // when they arrive on the images topic, followed by a good scene
            topology.sendRawImage("k1".getBytes(StandardCharsets.UTF_8), garbage);
            DeadLetter letter = onlyDeadLetterThenStreamGoesOn(topology);

            // then the dead letter has the reason, the coordinates, the key and the bytes as read
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.DESERIALIZATION_FAILED);
            assertThat(letter.getSourceTopic()).isEqualTo(SETTINGS.topics().images());
            assertThat(letter.getOffset()).isZero();
            assertThat(bytes(letter.getKey())).isEqualTo("k1".getBytes(StandardCharsets.UTF_8));
            assertThat(bytes(letter.getPayload())).isEqualTo(garbage);
        }
    }

    @Test
    void anImageWithAnUnknownSchemaIdIsDeadLetteredAsSuch() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a well-formed record whose schema id no registry knows
            byte[] valid = topology.encode(SETTINGS.topics().images(), scene(50).image());
            byte[] unknownId = valid.clone();
            ByteBuffer.wrap(unknownId).putInt(1, 987_654);

            // when it arrives
            topology.sendRawImage(null, unknownId);

            // then it is dead-lettered as UNKNOWN_SCHEMA_ID with its bytes
            DeadLetter letter = onlyDeadLetterThenStreamGoesOn(topology);
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA_ID);
            assertThat(letter.getMessage()).contains("987654");
            assertThat(bytes(letter.getPayload())).isEqualTo(unknownId);
        }
    }

    @Test
    void anInvalidEventIsDeadLetteredWithTheBytesThatWereRead() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given an image event without an image id, and a caption without a caption id
            ImageEvent noId = ImageEvent.newBuilder(scene(51).image()).setImageId(" ").build();
            CaptionEvent noCaptionId = CaptionEvent.newBuilder(scene(51).captions().get(0)).setCaptionId("").build();

            // when they arrive
            topology.send(noId);
            topology.send(noCaptionId);
            topology.flushBatches();

            // then both are dead-lettered as INVALID_EVENT, each with the bytes of its own topic
            List<DeadLetter> letters = topology.deadLetters();
            assertThat(letters).extracting(DeadLetter::getReason).containsOnly(DeadLetterReason.INVALID_EVENT);
            assertThat(letters).extracting(DeadLetter::getSourceTopic)
                    .containsExactly(SETTINGS.topics().images(), SETTINGS.topics().captions());
            assertThat(letters.get(0).getMessage()).contains("imageId is empty");
            assertThat(bytes(letters.get(0).getPayload())).isEqualTo(topology.encode(SETTINGS.topics().images(), noId));
            assertThat(topology.alignVlm()).isEmpty();
            assertThat(topology.tevi()).isEmpty();
        }
    }

    @Test
    void aDamagedImageIsDeadLetteredAsABadImage() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a PNG cut in half
            ImageEvent image = scene(52).image();
            byte[] png = inline(image);
            ImageEvent truncated = withInline(image, Arrays.copyOf(png, png.length / 2));

            // when it arrives
            topology.send(truncated);

            // then BAD_IMAGE, with where it came from, and the payload replays the original event
            DeadLetter letter = onlyDeadLetterThenStreamGoesOn(topology);
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.BAD_IMAGE);
            assertThat(letter.getSourceTopic()).isEqualTo(SETTINGS.topics().images());
            assertThat(letter.getMessage()).contains(image.getImageId());
            assertThat(bytes(letter.getPayload())).isEqualTo(topology.encode(SETTINGS.topics().images(), truncated));
        }
    }

    @Test
    void anImageOverTheSizeLimitIsDeadLetteredAsOverLimit() {
        // given a fetch limit smaller than the synthetic world's PNGs
        ImageEvent image = scene(53).image();
        int size = inline(image).length;
        TopologySettings small = SETTINGS.toBuilder().fetchLimits(new FetchLimits(size - 1, Duration.ofSeconds(2),
                java.util.Set.of("file", "http", "https"), java.util.Optional.empty(), 3)).build();
        try (TopologyHarness topology = new TopologyHarness(small, SharedModels.real())) {
            // when the image arrives
            topology.send(image);
            topology.flushBatches();

            // then it is OVER_LIMIT
            assertThat(topology.deadLetters()).singleElement()
                    .satisfies(letter -> assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OVER_LIMIT));
            assertThat(topology.alignVlm()).isEmpty();
        }
    }

    @Test
    void anImageReferenceThatCannotBeReadIsDeadLetteredAsUnreachable() {
        try (TopologyHarness topology = new TopologyHarness(readingFilesUnder(files), SharedModels.real())) {
            // given an image by reference to a file that does not exist
            ImageEvent missing = ImageEvent.newBuilder(scene(54).image())
                    .setContent(ImageReference.newBuilder().setUri(files.resolve("missing.png").toUri().toString()).build())
                    .build();

            // when it arrives
            topology.send(missing);

            // then UNREACHABLE_REFERENCE
            DeadLetter letter = onlyDeadLetterThenStreamGoesOn(topology);
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNREACHABLE_REFERENCE);
            assertThat(letter.getMessage()).contains("missing.png");
        }
    }

    @Test
    void anImageByFileReferenceIsFetchedAndEmbedded() throws Exception {
        try (TopologyHarness topology = new TopologyHarness(readingFilesUnder(files), SharedModels.real())) {
            // given an image stored as a file and sent by reference
            SceneEvents scene = scene(55);
            Path png = files.resolve("scene-55.png");
            java.nio.file.Files.write(png, inline(scene.image()));
            ImageEvent byReference = ImageEvent.newBuilder(scene.image())
                    .setContent(ImageReference.newBuilder().setUri(png.toUri().toString()).build()).build();

            // when it and a caption arrive
            topology.send(byReference);
            topology.send(scene.captions().get(0));
            topology.flushBatches();

            // then it is embedded like an inline image
            assertThat(topology.alignVlm()).hasSize(1);
            assertThat(topology.tevi()).hasSize(1);
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void byDefaultAFileReferenceIsRefusedUnreadAsAnInvalidEvent() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given the default settings (images inline only) and a reference to /etc/passwd
            ImageEvent passwd = byReference(scene(56).image(), "file:///etc/passwd");

            // when it arrives
            topology.send(passwd);

            // then INVALID_EVENT for its scheme, and nothing of the file in the message
            DeadLetter letter = onlyDeadLetterThenStreamGoesOn(topology);
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
            assertThat(letter.getMessage()).contains("scheme 'file'").contains("not allowed").doesNotContain("root:");
        }
    }

    @Test
    void aFileUnderTheRootThatIsNoImageIsABadImageWhoseMessageQuotesNoneOfIt() throws Exception {
        try (TopologyHarness topology = new TopologyHarness(readingFilesUnder(files), SharedModels.real())) {
            // given a text file under the root, sent by reference as if it were an image
            Path text = files.resolve("passwd.png");
            Files.writeString(text, "root:x:0:0:root:/root:/bin/bash\n");

            // when it arrives
            topology.send(byReference(scene(57).image(), text.toUri().toString()));

            // then BAD_IMAGE with its size, and not one byte of it, as text or as hex
            DeadLetter letter = onlyDeadLetterThenStreamGoesOn(topology);
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.BAD_IMAGE);
            assertThat(letter.getMessage()).contains("32 bytes")
                    .doesNotContain("root:").doesNotContain("72 6f 6f 74").doesNotContain("starts with");
        }
    }

    @Test
    void aFileReferenceOutsideTheRootIsDeadLetteredLikeAMissingOneWithoutReadingIt() {
        try (TopologyHarness topology = new TopologyHarness(readingFilesUnder(files), SharedModels.real())) {
            // given a root, and a reference to /etc/passwd outside it
            topology.send(byReference(scene(58).image(), "file:///etc/passwd"));

            // then UNREACHABLE_REFERENCE, in the sentence a missing file gets
            DeadLetter letter = onlyDeadLetterThenStreamGoesOn(topology);
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNREACHABLE_REFERENCE);
            assertThat(letter.getMessage()).endsWith(
                    "file reference file:///etc/passwd is not a readable regular file under the file root");
        }
    }

    @Test
    void anEmptyOrOverlongCaptionIsDeadLettered() {
        TopologySettings limited = SETTINGS.toBuilder().captionMaxCharacters(4096).captionMaxSubCaptions(1).build();
        try (TopologyHarness topology = new TopologyHarness(limited, SharedModels.real())) {
            // given a scene's image, a blank caption, and its long caption, which needs more than one sub-caption
            SceneEvents scene = scene(56);
            CaptionEvent blank = CaptionEvent.newBuilder(scene.captions().get(0)).setText(" \t\n").build();
            CaptionEvent longCaption = scene.captions().get(scene.captions().size() - 1);

            // when they arrive
            topology.send(scene.image());
            topology.send(blank);
            topology.send(longCaption);
            topology.flushBatches();

            // then INVALID_EVENT for the blank one and OVER_LIMIT for the long one; the image is still published
            assertThat(topology.deadLetters()).extracting(DeadLetter::getReason)
                    .containsExactlyInAnyOrder(DeadLetterReason.INVALID_EVENT, DeadLetterReason.OVER_LIMIT);
            assertThat(topology.alignVlm()).hasSize(1);
            assertThat(topology.tevi()).isEmpty();
        }
    }

    @Test
    void aCaptionTooLargeToWriteIsDeadLetteredAtKeyingAsOverLimit() {
        // given a service whose producer writes records of at most 64 KiB, and a scene's caption
        // grown to 100 KB (it reached the input compressed; re-keyed, it could never be written)
        TopologySettings small = SETTINGS.toBuilder().maxRecordBytes(64 * 1024).build();
        CaptionEvent caption = scene(61).captions().get(0);
        CaptionEvent huge = CaptionEvent.newBuilder(caption).setText(caption.getText() + " ".repeat(100_000)).build();
        try (TopologyHarness topology = new TopologyHarness(small, SharedModels.real())) {
            // when it arrives
            topology.send(huge);

            // then OVER_LIMIT at the keyer, with its size and the limit, the bytes as read, and a good scene still goes through
            DeadLetter letter = onlyDeadLetterThenStreamGoesOn(topology);
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OVER_LIMIT);
            assertThat(letter.getSourceTopic()).isEqualTo(SETTINGS.topics().captions());
            byte[] asRead = topology.encode(SETTINGS.topics().captions(), huge);
            java.util.regex.Matcher size = java.util.regex.Pattern.compile("is (\\d+) bytes").matcher(letter.getMessage());
            assertThat(size.find()).as(letter.getMessage()).isTrue();
            // the value as written plus the image id key and the source headers (under 200 bytes)
            assertThat(Integer.parseInt(size.group(1))).isBetween(asRead.length, asRead.length + 200);
            assertThat(letter.getMessage()).contains("at most " + (64 * 1024 - 1024) + " (producer max.request.size 65536");
            assertThat(bytes(letter.getPayload())).isEqualTo(asRead);
        }
    }

    @Test
    void aBatchDeadLetterOfALargeEventCarriesAPayloadCutToStayWritable() {
        // given a 64 KiB producer limit and a caption of 60 KB of words: writable, but over 4096 characters
        TopologySettings small = SETTINGS.toBuilder().maxRecordBytes(64 * 1024).build();
        SceneEvents scene = scene(63);
        CaptionEvent caption = scene.captions().get(0);
        CaptionEvent wordy = CaptionEvent.newBuilder(caption)
                .setText((caption.getText() + " ").repeat(60_000 / (caption.getText().length() + 1) + 1)).build();
        try (TopologyHarness topology = new TopologyHarness(small, SharedModels.real())) {
            // when it arrives with its image
            topology.send(scene.image());
            topology.send(wordy);
            topology.flushBatches();

            // then its OVER_LIMIT dead letter carries the re-encoded event's first 48 KiB, saying so
            byte[] reencoded = topology.encode(SETTINGS.topics().captions(), wordy);
            int kept = 64 * 1024 - 16 * 1024;
            assertThat(topology.deadLetters()).singleElement().satisfies(letter -> {
                assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OVER_LIMIT);
                assertThat(letter.getMessage()).contains("[payload cut to its first " + kept + " of " + reencoded.length + " bytes]");
                assertThat(bytes(letter.getPayload())).isEqualTo(Arrays.copyOf(reencoded, kept));
            });
            assertThat(topology.alignVlm()).hasSize(1);
        }
    }

    @Test
    void anEventJustUnderTheWritableSizeIsNotDeadLettered() {
        // given the same 64 KiB limit and a caption of 60 KB: large, but writable
        TopologySettings small = SETTINGS.toBuilder().maxRecordBytes(64 * 1024).build();
        SceneEvents scene = scene(62);
        CaptionEvent caption = scene.captions().get(0);
        CaptionEvent large = CaptionEvent.newBuilder(caption).setText(caption.getText() + " ".repeat(60_000)).build();
        try (TopologyHarness topology = new TopologyHarness(small, SharedModels.real())) {
            // when it arrives with its image
            topology.send(scene.image());
            topology.send(large);
            topology.flushBatches();

            // then it is not dead-lettered at the keyer (the batch may still judge its text by its own rules)
            assertThat(topology.deadLetters()).extracting(DeadLetter::getMessage)
                    .noneMatch(message -> message.contains("max.request.size"));
            assertThat(topology.alignVlm()).hasSize(1);
        }
    }

    @Test
    void aModelErrorFailsOnlyTheImageThatCausesIt() {
        // given a vision tower that fails on one particular image
        SceneEvents poison = scene(57);
        SceneEvents good = scene(58);
        SharedModels.FailingFor models = SharedModels.FailingFor.image(AlignstreamTopologyTest.preprocess(poison.image()));
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, models)) {
            // when it arrives in one batch with a good scene
            topology.send(poison.image());
            topology.send(good.image());
            good.captions().forEach(topology::send);
            topology.flushBatches();

            // then only it is dead-lettered, as MODEL_ERROR, and the good scene is published in full
            assertThat(topology.deadLetters()).singleElement().satisfies(letter -> {
                assertThat(letter.getReason()).isEqualTo(DeadLetterReason.MODEL_ERROR);
                assertThat(letter.getMessage()).contains("simulated device fault");
            });
            assertThat(topology.alignVlm()).extracting(a -> a.getImageId()).containsExactly(good.image().getImageId());
            assertThat(topology.tevi()).hasSize(good.captions().size());
        }
    }

    @Test
    void aBatchThatFailsAsAWholeFailsTheTaskAndDeadLettersNothing() {
        // given a tokenizer that breaks (a fault that is no input's own)
        SharedModels.Decorated broken = new SharedModels.Decorated(SharedModels.real()) {
            @Override
            public io.alignstream.text.TokenCounter tokenCounter() {
                return text -> {
                    throw new IllegalStateException("tokenizer crashed");
                };
            }
        };
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, broken)) {
            SceneEvents scene = scene(59);
            // when a batch with an image and a caption runs
            topology.send(scene.image());
            topology.send(scene.captions().get(0));

            // then the task fails with the cause, the batch's size and its first input, and nothing is dead-lettered
            org.assertj.core.api.Assertions.assertThatThrownBy(topology::flushBatches)
                    .hasRootCauseMessage("tokenizer crashed")
                    .satisfies(e -> assertThat(causes(e)).anySatisfy(cause -> assertThat(cause)
                            .isInstanceOf(io.alignstream.faults.BatchFailedException.class)
                            .hasMessageContaining("a batch of 2 inputs").hasMessageContaining("task 0_0")));
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void aBatchThatFailsAfterPublishingItsImagesLeavesExactlyOneOutcomePerInputWhenItRunsAgain() {
        // given a pair aligner that fails once with a memory fault, after the batch's images were
        // embedded, stored and published, and a driver that keeps every store write made before it
        // (as at_least_once does; exactly-once would abort them)
        java.util.concurrent.atomic.AtomicInteger thrown = new java.util.concurrent.atomic.AtomicInteger();
        SharedModels.Decorated failingOnce = new SharedModels.Decorated(SharedModels.real()) {
            @Override
            protected List<io.alignstream.runtime.heads.TeviAlignment> align(io.alignstream.inference.InferenceSession session,
                                                                            List<float[]> images, List<float[]> captions) {
                if (thrown.getAndIncrement() == 0) {
                    throw new OutOfMemoryError("simulated: Java heap space");
                }
                return session.align(images, captions);
            }
        };
        // (the batch runs when its inputs are in: a failed wall-clock punctuation is not rescheduled
        // by the test driver, while a real task that fails is rebuilt with its punctuations)
        SceneEvents scene = scene(60);
        int inputs = 1 + scene.captions().size();
        TopologySettings runOnArrival = SETTINGS.toBuilder()
                .batch(Math.min(SETTINGS.batchMaxSize(), inputs), inputs, SETTINGS.batchMaxWait()).build();
        try (TopologyHarness topology = new TopologyHarness(runOnArrival, failingOnce)) {
            topology.send(scene.image());
            scene.captions().subList(0, scene.captions().size() - 1).forEach(topology::send);

            // when the batch fails on its last input's arrival, and runs again when the next input arrives
            CaptionEvent last = scene.captions().get(scene.captions().size() - 1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> topology.send(last))
                    .satisfies(e -> assertThat(causes(e)).anySatisfy(cause -> assertThat(cause).isInstanceOf(OutOfMemoryError.class)));
            SceneEvents next = scene(62);
            topology.send(next.image());
            topology.flushBatches();

            // then each image has its one AlignVLM record, every caption its one TEVI record, and no
            // input was dead-lettered or dropped as already seen
            assertThat(thrown).as("align calls, the first failed").hasValueGreaterThan(1);
            assertThat(topology.alignVlm()).extracting(a -> a.getImageId())
                    .containsExactlyInAnyOrder(scene.image().getImageId(), next.image().getImageId());
            assertThat(topology.tevi()).extracting(t -> t.getCaptionId())
                    .containsExactlyInAnyOrderElementsOf(scene.captions().stream().map(c -> c.getCaptionId()).toList());
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void aDeadLetteredImageReplayedAfterItsCauseIsFixedIsEmbedded() throws Exception {
        try (TopologyHarness topology = new TopologyHarness(readingFilesUnder(files), SharedModels.real())) {
            // given an image by reference to a file not there yet: dead-lettered
            SceneEvents scene = scene(61);
            Path png = files.resolve("scene-61.png");
            ImageEvent byReference = byReference(scene.image(), png.toUri().toString());
            topology.send(byReference);
            topology.flushBatches();
            assertThat(topology.deadLetters()).singleElement()
                    .satisfies(letter -> assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNREACHABLE_REFERENCE));

            // when the file is put there and the same event is replayed to the input topic
            Files.write(png, inline(scene.image()));
            topology.send(byReference);
            topology.flushBatches();

            // then it is embedded, with no second dead letter: no fingerprint was stored for the dead-lettered attempt
            assertThat(topology.alignVlm()).extracting(a -> a.getImageId()).containsExactly(scene.image().getImageId());
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    private static List<Throwable> causes(Throwable error) {
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = error; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** The one dead letter so far; then a good scene still goes through (nothing blocks the partition). */
    private static DeadLetter onlyDeadLetterThenStreamGoesOn(TopologyHarness topology) {
        topology.flushBatches();
        List<DeadLetter> letters = topology.deadLetters();
        assertThat(letters).hasSize(1);
        SceneEvents next = scene(99);
        topology.send(next.image());
        next.captions().forEach(topology::send);
        topology.flushBatches();
        assertThat(topology.alignVlm()).extracting(a -> a.getImageId()).contains(next.image().getImageId());
        assertThat(topology.tevi()).hasSize(next.captions().size());
        return letters.get(0);
    }

    /** The default settings, but taking file: references under {@code root}. */
    private static TopologySettings readingFilesUnder(Path root) {
        FetchLimits defaults = SETTINGS.fetchLimits();
        return SETTINGS.toBuilder().fetchLimits(new FetchLimits(defaults.maxBytes(), defaults.timeout(),
                Set.of("file"), Optional.of(root), defaults.maxRedirects(), defaults.allow())).build();
    }

    private static ImageEvent byReference(ImageEvent image, String uri) {
        return ImageEvent.newBuilder(image).setContent(ImageReference.newBuilder().setUri(uri).build()).build();
    }

    private static byte[] inline(ImageEvent image) {
        return bytes(((InlineImage) image.getContent()).getData());
    }

    private static ImageEvent withInline(ImageEvent image, byte[] data) {
        return ImageEvent.newBuilder(image).setContent(InlineImage.newBuilder().setData(ByteBuffer.wrap(data)).build()).build();
    }
}
