package io.alignstream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.app.config.DefaultConfig;
import io.alignstream.events.AlignVlmEmbedding;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.DeadLetter;
import io.alignstream.events.DeadLetterReason;
import io.alignstream.events.ImageEvent;
import io.alignstream.events.TeviEmbedding;
import io.alignstream.inference.InferenceSession;
import io.alignstream.world.events.SyntheticEventFactory;
import io.alignstream.world.events.SyntheticEventFactory.SceneEvents;
import io.alignstream.runtime.heads.TeviAlignment;
import io.alignstream.runtime.heads.VisionEmbedding;
import io.alignstream.text.CaptionLength;
import io.alignstream.text.LongCaptionEncoder;
import io.alignstream.text.SubCaptionSplitter;
import io.alignstream.topology.embedding.TensorEncoding;
import io.alignstream.topology.join.CaptionJoin;
import io.alignstream.topology.state.PendingCaption;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The topology's paths in a TopologyTestDriver over the real model bundle: images and captions
 * in any order, several captions per image, re-sent events, batching. Dead letters have their
 * own specification ({@link DeadLetterPathsTest}).
 */
class AlignstreamTopologyTest {
    static final SyntheticEventFactory EVENTS = new SyntheticEventFactory(new SyntheticWorld(11), Split.TEST);
    private static final TopologySettings SETTINGS = DefaultConfig.topologySettings().toBuilder()
            .batch(8, Duration.ofMillis(50)).captionGrace(Duration.ofSeconds(30)).build();

    static SceneEvents scene(int index) {
        return EVENTS.scene(index, TopologyHarness.START.plusSeconds(index));
    }

    @Test
    void anImageAndItsCaptionsYieldOneAlignVlmRecordAndOneTeviRecordPerCaption() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a scene with several captions
            SceneEvents scene = scene(0);
            assertThat(scene.captions()).hasSizeGreaterThan(1);

            // when the image and then its captions arrive and the batch runs
            topology.send(scene.image());
            scene.captions().forEach(topology::send);
            topology.flushBatches();

            // then one AlignVLM record for the image and one TEVI record per caption, keyed by image id
            List<AlignVlmEmbedding> align = topology.alignVlm();
            assertThat(align).singleElement().satisfies(a -> {
                assertThat(a.getImageId()).isEqualTo(scene.image().getImageId());
                assertThat(a.getTopWords()).isNotEmpty();
                assertThat(a.getPooled()).isNotEmpty();
            });
            List<TeviEmbedding> tevi = topology.tevi();
            assertThat(tevi).extracting(TeviEmbedding::getCaptionId)
                    .containsExactlyInAnyOrderElementsOf(scene.captions().stream().map(CaptionEvent::getCaptionId).toList());
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void publishedEmbeddingsAreTheModelsOwnOutputs() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real());
             InferenceSession direct = SharedModels.real().openSession()) {
            // given a scene's long caption and image
            SceneEvents scene = scene(1);
            CaptionEvent longCaption = scene.captions().get(scene.captions().size() - 1);

            // when they go through the topology
            topology.send(scene.image());
            topology.send(longCaption);
            topology.flushBatches();
            TeviEmbedding published = topology.tevi().get(0);
            AlignVlmEmbedding projected = topology.alignVlm().get(0);

            // then the records equal the heads run directly, with the sub-caption rule for the caption
            float[] pixels = preprocess(scene.image());
            VisionEmbedding vision = direct.embedImages(List.of(pixels)).get(0);
            List<String> chunks = new SubCaptionSplitter(SharedModels.real().tokenCounter(),
                    SubCaptionSplitter.DEFAULT_MAX_TOKENS).chunks(longCaption.getText());
            float[] caption = LongCaptionEncoder.meanOfNormalised(direct.embedTexts(chunks).toArray(float[][]::new));
            TeviAlignment expected = direct.align(List.of(vision.embedding()), List.of(caption)).get(0);
            assertClose(published.getCaptionEmbedding(), caption);
            assertClose(published.getAlignedEmbedding(), expected.alignedEmbedding());
            assertThat(published.getCodes().getIndices()).containsExactlyElementsOf(
                    java.util.Arrays.stream(expected.code().indices()).boxed().toList());
            float[] tokens = TensorEncoding.decode(projected.getTokens(), projected.getDtype());
            assertClose(tokens, direct.project(List.of(vision.patchTokens())).get(0).projectedTokens());
            assertThat(published.getScores().getTevi()).isGreaterThan(published.getScores().getRaw() - 1f);
            // and the default bundle's caption adapter gives the query embedding q, which TEVI's
            // score is against (a head without one publishes none and scores against t:
            // withACaptionAdapter... below decorates the other way round)
            assertThat(published.getQueryEmbedding()).isNotNull();
            assertClose(published.getQueryEmbedding(), expected.query());
            assertThat((double) published.getScores().getTevi())
                    .isCloseTo(cosine(expected.alignedEmbedding(), expected.query()), within(1e-5));
        }
    }

    @Test
    void withACaptionAdapterTheTeviRecordCarriesTheQueryEmbeddingAndIsScoredAgainstIt() {
        // given models whose TEVI head has a caption adapter (here: q is t with its halves swapped,
        // a unit vector unlike t, in place of the bundle's trained one)
        SharedModels.Decorated adapted = new SharedModels.Decorated(SharedModels.real()) {
            @Override
            protected boolean hasCaptionAdapter(InferenceSession session) {
                return true;
            }

            @Override
            protected List<TeviAlignment> align(InferenceSession session, List<float[]> images, List<float[]> captions) {
                List<TeviAlignment> real = session.align(images, captions);
                List<TeviAlignment> out = new java.util.ArrayList<>();
                for (int i = 0; i < real.size(); i++) {
                    TeviAlignment a = real.get(i);
                    out.add(new TeviAlignment(a.alignedEmbedding(), a.code(), a.mask(), halvesSwapped(captions.get(i))));
                }
                return out;
            }
        };
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, adapted)) {
            // when a scene's image and captions go through the topology
            SceneEvents scene = scene(4);
            topology.send(scene.image());
            scene.captions().forEach(topology::send);
            topology.flushBatches();

            // then every TEVI record keeps the text head's t as captionEmbedding, carries q as
            // queryEmbedding, and scores TEVI as cos(x_tevi, q)
            List<TeviEmbedding> tevi = topology.tevi();
            assertThat(tevi).hasSize(scene.captions().size()).allSatisfy(record -> {
                float[] t = floats(record.getCaptionEmbedding());
                float[] aligned = floats(record.getAlignedEmbedding());
                assertThat(record.getQueryEmbedding()).isNotNull();
                float[] q = floats(record.getQueryEmbedding());
                assertThat(q).containsExactly(halvesSwapped(t));
                assertThat((double) record.getScores().getTevi()).isCloseTo(cosine(aligned, q), within(1e-5));
                assertThat(Math.abs(record.getScores().getTevi() - cosine(aligned, t))).isGreaterThan(1e-3);
            });
        }
    }

    private static float[] halvesSwapped(float[] vector) {
        int half = vector.length / 2;
        float[] out = new float[vector.length];
        System.arraycopy(vector, half, out, 0, vector.length - half);
        System.arraycopy(vector, 0, out, vector.length - half, half);
        return out;
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    @Test
    void aCaptionThatArrivesBeforeItsImageWaitsAndIsJoinedWhenTheImageComes() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a caption whose image has not arrived
            SceneEvents scene = scene(2);
            CaptionEvent early = scene.captions().get(0);
            topology.send(early);
            topology.advance(Duration.ofSeconds(10));
            assertThat(topology.tevi()).isEmpty();

            // when the image arrives within the grace period
            topology.send(scene.image());
            topology.flushBatches();

            // then the held caption is joined with it, once
            assertThat(topology.tevi()).extracting(TeviEmbedding::getCaptionId).containsExactly(early.getCaptionId());
            assertThat(topology.deadLetters()).isEmpty();
            topology.advance(Duration.ofSeconds(60));
            assertThat(topology.tevi()).isEmpty();
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void eachTeviRecordSaysHowManySubCaptionsItsCaptionWasEmbeddedAsWhicheverCameFirst() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given two scenes (four web captions and one long description each): one image before its
            // captions, one after them
            SceneEvents first = scene(6);
            SceneEvents late = scene(7);
            topology.send(first.image());
            first.captions().forEach(topology::send);
            late.captions().forEach(topology::send);
            topology.advance(Duration.ofSeconds(1));
            topology.send(late.image());
            topology.flushBatches();

            // then every record carries its caption's count by the service's own rule (the text head's
            // tokenizer, 32-token sub-captions), held captions included
            SubCaptionSplitter splitter = new SubCaptionSplitter(SharedModels.real().tokenCounter(),
                    SubCaptionSplitter.DEFAULT_MAX_TOKENS);
            Map<String, String> texts = new HashMap<>();
            Stream.concat(first.captions().stream(), late.captions().stream())
                    .forEach(c -> texts.put(c.getCaptionId(), c.getText()));
            List<TeviEmbedding> tevi = topology.tevi();
            assertThat(tevi).hasSize(texts.size()).allSatisfy(record -> assertThat(record.getSubCaptions())
                    .as(record.getCaptionId()).isEqualTo(splitter.chunks(texts.get(record.getCaptionId())).size()));
            // and the web captions are one sub-caption (short), the long descriptions more (long)
            assertThat(tevi).filteredOn(r -> r.getCaptionId().contains("-web-"))
                    .hasSize(8).allSatisfy(r -> assertThat(CaptionLength.of(r.getSubCaptions())).isEqualTo(CaptionLength.SHORT));
            assertThat(tevi).filteredOn(r -> r.getCaptionId().endsWith("-long"))
                    .hasSize(2).allSatisfy(r -> assertThat(CaptionLength.of(r.getSubCaptions())).isEqualTo(CaptionLength.LONG));
        }
    }

    @Test
    void aCaptionHeldByAVersionThatKeptNoCountIsCountedFromItsTextWhenItsImageComes() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a scene's long description waiting for its image, as a pending-captions entry of a
            // version that did not keep the sub-caption count (format 2 reads as 0)
            SceneEvents scene = scene(8);
            CaptionEvent description = scene.captions().stream().filter(c -> c.getCaptionId().endsWith("-long"))
                    .findFirst().orElseThrow();
            topology.send(description);
            topology.flushBatches();
            KeyValueStore<String, PendingCaption> pending = topology.driver.getKeyValueStore(StoreNames.PENDING_CAPTIONS);
            String key = CaptionJoin.pairKey(description.getImageId(), description.getCaptionId());
            PendingCaption held = pending.get(key);
            assertThat(held.subCaptions()).isGreaterThan(1);
            pending.put(key, new PendingCaption(held.caption(), held.captionEmbedding(), 0, held.source(), held.timestamp(),
                    held.heldSinceMs(), held.heldAtStreamTimeMs()));

            // when its image comes
            topology.send(scene.image());
            topology.flushBatches();

            // then its record has the count its text gives, the same the caption was embedded with
            assertThat(topology.tevi()).singleElement()
                    .satisfies(record -> assertThat(record.getSubCaptions()).isEqualTo(held.subCaptions()));
        }
    }

    @Test
    void aCaptionWhoseImageNeverComesIsDeadLetteredAfterTheGracePeriod() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a caption whose image does not arrive
            SceneEvents scene = scene(3);
            CaptionEvent orphan = scene.captions().get(0);
            topology.send(orphan);

            // when less, then more than the grace period passes
            topology.advance(Duration.ofSeconds(20));
            assertThat(topology.deadLetters()).isEmpty();
            topology.advance(Duration.ofSeconds(15));

            // then it is dead-lettered with its reason and original bytes, and a late image no longer pairs with it
            DeadLetter letter = topology.deadLetters().get(0);
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.CAPTION_WITHOUT_IMAGE);
            assertThat(letter.getSourceTopic()).isEqualTo(SETTINGS.topics().captions());
            assertThat(letter.getMessage()).contains(orphan.getCaptionId(), "grace period");
            assertThat(bytes(letter.getPayload()))
                    .isEqualTo(topology.encode(SETTINGS.topics().captions(), orphan));
            topology.send(scene.image());
            topology.flushBatches();
            assertThat(topology.alignVlm()).hasSize(1);
            assertThat(topology.tevi()).isEmpty();
        }
    }

    @Test
    void reSentImagesAndCaptionsYieldNoSecondOutput() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given a scene processed once
            SceneEvents scene = scene(4);
            topology.send(scene.image());
            scene.captions().forEach(topology::send);
            topology.flushBatches();
            assertThat(topology.alignVlm()).hasSize(1);
            assertThat(topology.tevi()).hasSize(scene.captions().size());

            // when every event is sent again, in the same batch twice and in a later one
            topology.send(scene.image());
            topology.send(scene.image());
            scene.captions().forEach(topology::send);
            scene.captions().forEach(topology::send);
            topology.flushBatches();

            // then nothing new is published
            assertThat(topology.alignVlm()).isEmpty();
            assertThat(topology.tevi()).isEmpty();
            assertThat(topology.deadLetters()).isEmpty();
        }
    }

    @Test
    void aCaptionWhoseTextChangedIsPublishedAgain() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            SceneEvents scene = scene(5);
            CaptionEvent caption = scene.captions().get(0);
            topology.send(scene.image());
            topology.send(caption);
            topology.flushBatches();
            assertThat(topology.tevi()).hasSize(1);

            // when the same caption id comes with another text (a correction)
            CaptionEvent corrected = CaptionEvent.newBuilder(caption).setText(scene.captions().get(1).getText()).build();
            topology.send(corrected);
            topology.flushBatches();

            // then the corrected pair is published
            assertThat(topology.tevi()).singleElement().satisfies(t -> assertThat(t.getCaptionId())
                    .isEqualTo(caption.getCaptionId()));
        }
    }

    @Test
    void theVisionTowerRunsOncePerImageNotOncePerCaption() {
        SharedModels.Counting counting = new SharedModels.Counting();
        try (TopologyHarness topology = new TopologyHarness(SETTINGS.toBuilder().batch(64, Duration.ofMillis(50)).build(), counting)) {
            // given three scenes with all their captions, some captions before their image
            int captions = 0;
            for (int i = 10; i < 13; i++) {
                SceneEvents scene = scene(i);
                topology.send(scene.captions().get(0));
                topology.send(scene.image());
                scene.captions().subList(1, scene.captions().size()).forEach(topology::send);
                captions += scene.captions().size();
            }

            // when the batch runs
            topology.flushBatches();

            // then three images were embedded, in one vision call, and every caption was published
            assertThat(counting.imagesEmbedded.get()).isEqualTo(3);
            assertThat(counting.visionCalls.get()).isEqualTo(1);
            assertThat(topology.tevi()).hasSize(captions);
        }
    }

    @Test
    void aBatchRunsWhenFullOrWhenItsOldestInputHasWaitedTheMaximumWait() {
        SharedModels.Counting counting = new SharedModels.Counting();
        TopologySettings settings = SETTINGS.toBuilder().batch(3, Duration.ofMillis(200)).build();
        try (TopologyHarness topology = new TopologyHarness(settings, counting)) {
            // given two images: fewer than a batch
            topology.send(scene(20).image());
            topology.send(scene(21).image());
            topology.advance(Duration.ofMillis(100));
            assertThat(topology.alignVlm()).isEmpty();

            // when a third arrives, the batch is full and runs at once
            topology.send(scene(22).image());
            assertThat(topology.alignVlm()).hasSize(3);
            assertThat(counting.visionCalls.get()).isEqualTo(1);

            // and a lone image runs once the maximum wait has passed, not before
            topology.send(scene(23).image());
            topology.advance(Duration.ofMillis(150));
            assertThat(topology.alignVlm()).isEmpty();
            topology.advance(Duration.ofMillis(100));
            assertThat(topology.alignVlm()).hasSize(1);
        }
    }

    @Test
    void aBatchFillsWithImagesNotWithInputsSoCaptionsDoNotShrinkTheVisionCalls() {
        SharedModels.Counting counting = new SharedModels.Counting();
        TopologySettings settings = SETTINGS.toBuilder().batch(4, 64, Duration.ofMillis(50)).build();
        try (TopologyHarness topology = new TopologyHarness(settings, counting)) {
            // given three scenes, each an image and its captions: more inputs than a model call holds
            int captions = 0;
            for (int i = 80; i < 83; i++) {
                SceneEvents scene = scene(i);
                topology.send(scene.image());
                scene.captions().forEach(topology::send);
                captions += scene.captions().size();
            }
            assertThat(captions + 3).isGreaterThan(settings.batchMaxSize());
            assertThat(topology.alignVlm()).isEmpty();

            // when the fourth image arrives
            SceneEvents fourth = scene(83);
            topology.send(fourth.image());

            // then one batch ran: four images in one vision call, and every caption that had arrived
            assertThat(counting.visionCalls.get()).isEqualTo(1);
            assertThat(counting.imagesEmbedded.get()).isEqualTo(4);
            assertThat(topology.alignVlm()).hasSize(4);
            assertThat(topology.tevi()).hasSize(captions);
        }
    }

    @Test
    void aBatchAlsoRunsWhenItHoldsItsMaximumOfInputsWhateverTheirKind() {
        SharedModels.Counting counting = new SharedModels.Counting();
        TopologySettings settings = SETTINGS.toBuilder().batch(4, 6, Duration.ofMillis(50)).build();
        try (TopologyHarness topology = new TopologyHarness(settings, counting)) {
            // given an image already embedded
            SceneEvents scene = scene(90);
            topology.send(scene.image());
            topology.flushBatches();
            assertThat(scene.captions()).hasSizeLessThan(settings.batchMaxInputs());
            List<CaptionEvent> others = scene(91).captions();

            List<CaptionEvent> sent = java.util.stream.Stream.concat(scene.captions().stream(), others.stream())
                    .limit(settings.batchMaxInputs()).toList();
            sent.subList(0, sent.size() - 1).forEach(topology::send);
            assertThat(topology.tevi()).isEmpty();

            // when captions alone reach the batch's maximum of inputs (its own, then another scene's)
            topology.send(sent.get(sent.size() - 1));

            // then the batch ran without waiting: the scene's captions are published
            assertThat(topology.tevi()).extracting(TeviEmbedding::getCaptionId)
                    .containsExactlyInAnyOrderElementsOf(scene.captions().stream().map(CaptionEvent::getCaptionId).toList());
        }
    }

    @Test
    void whileInputKeepsArrivingTheWaitDoesNotRunAHalfFullBatch() {
        SharedModels.Counting counting = new SharedModels.Counting();
        TopologySettings settings = SETTINGS.toBuilder().batch(4, Duration.ofMillis(50)).build();
        try (TopologyHarness topology = new TopologyHarness(settings, counting)) {
            // given images arriving slower than the wait but without a pause (a backlog on a busy thread)
            for (int i = 70; i < 73; i++) {
                topology.send(scene(i).image());
                topology.advance(Duration.ofMillis(60));
            }
            assertThat(topology.alignVlm()).isEmpty();

            // when the fourth arrives
            topology.send(scene(73).image());

            // then one full batch ran, not several partial ones
            assertThat(topology.alignVlm()).hasSize(4);
            assertThat(counting.visionCalls.get()).isEqualTo(1);
            assertThat(counting.imagesEmbedded.get()).isEqualTo(4);
        }
    }

    @Test
    void captionsFromManyScenesInAnyOrderAllMeetTheirImages() {
        try (TopologyHarness topology = new TopologyHarness(SETTINGS, SharedModels.real())) {
            // given twelve scenes whose events arrive interleaved: captions of a scene before and after its image
            Set<String> expected = new java.util.HashSet<>();
            for (int i = 30; i < 42; i++) {
                SceneEvents scene = scene(i);
                scene.captions().forEach(c -> expected.add(c.getImageId() + "/" + c.getCaptionId()));
                if (i % 2 == 0) {
                    scene.captions().forEach(topology::send);
                }
            }
            for (int i = 30; i < 42; i++) {
                topology.send(scene(i).image());
            }
            for (int i = 31; i < 42; i += 2) {
                scene(i).captions().forEach(topology::send);
            }

            // when all batches have run
            topology.flushBatches();

            // then every (image, caption) pair was published exactly once
            List<String> published = topology.tevi().stream().map(t -> t.getImageId() + "/" + t.getCaptionId()).toList();
            assertThat(published).doesNotHaveDuplicates();
            assertThat(published.stream().collect(Collectors.toSet())).isEqualTo(expected);
            assertThat(topology.alignVlm()).hasSize(12);
        }
    }

    static float[] preprocess(ImageEvent image) {
        try {
            io.alignstream.events.InlineImage inline = (io.alignstream.events.InlineImage) image.getContent();
            byte[] bytes = new byte[inline.getData().remaining()];
            inline.getData().duplicate().get(bytes);
            return SharedModels.real().preprocessor().preprocess(bytes, image.getContentType());
        } catch (io.alignstream.runtime.image.ImageRejectedException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] bytes(java.nio.ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static void assertClose(List<Float> actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual.get(i)).isCloseTo(expected[i], within(1e-5f));
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f));
        }
    }
}
