package io.alignstream.monitoring.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.events.CaptionEvent;
import io.alignstream.text.CaptionLength;
import io.alignstream.topology.state.BinaryFormat;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The monitor's stored observations (its changelogged windows, its reference store, its
 * repartition topic): what this version writes, and that entries written before the caption's
 * sub-caption count was kept (format 1) still read.
 */
class ObservationTest {
    private static final Instant TIME = Instant.parse("2026-11-22T12:00:00Z");
    /** A scene's long description (its fifth caption), as the ids of a real pair. */
    private static final CaptionEvent DESCRIPTION = new SyntheticEventFactory(new SyntheticWorld(3), Split.TEST)
            .scene(0, TIME).captions().get(4);
    private static final float[] IMAGE = {0.6f, 0.8f};
    private static final int[] CODE_INDICES = {3, 17};
    private static final float[] CODE_VALUES = {1.5f, 0.25f};
    private static final float[] CAPTION = {0.8f, 0.6f};
    private static final float[] ALIGNED = {1f, 0f};

    @Test
    void aPairKeepsItsCaptionsSubCaptionCount() {
        // given a pair whose caption was embedded as 2 sub-captions: a long one
        Observation.Pair pair = new Observation.Pair(DESCRIPTION.getImageId(), DESCRIPTION.getCaptionId(), IMAGE, CODE_INDICES,
                CODE_VALUES, CAPTION, ALIGNED, TIME.toEpochMilli(), 2);

        // when it is written and read back
        Observation back = Observation.decode(Observation.encode(pair));

        // then it reads as written, long
        assertThat(back).isInstanceOfSatisfying(Observation.Pair.class, p -> {
            assertSameFigures(p);
            assertThat(p.subCaptions()).isEqualTo(2);
            assertThat(p.captionLength()).contains(CaptionLength.LONG);
        });
    }

    @Test
    void entriesOfTheFormatBeforeTheCountStillReadAsPairsOfUnknownLength() {
        // given the bytes the previous version (format 1) wrote for a pair, an image and a dead letter
        byte[] pair = BinaryFormat.encode((byte) 1, out -> {
            out.writeByte(1);
            out.writeUTF(DESCRIPTION.getImageId());
            out.writeUTF(DESCRIPTION.getCaptionId());
            BinaryFormat.writeFloats(out, IMAGE);
            BinaryFormat.writeInts(out, CODE_INDICES);
            BinaryFormat.writeFloats(out, CODE_VALUES);
            BinaryFormat.writeFloats(out, CAPTION);
            BinaryFormat.writeFloats(out, ALIGNED);
            out.writeLong(TIME.toEpochMilli());
        });
        byte[] image = BinaryFormat.encode((byte) 1, out -> {
            out.writeByte(2);
            out.writeUTF(DESCRIPTION.getImageId());
            out.writeInt(2);
            out.writeUTF("circle");
            out.writeUTF("red");
            BinaryFormat.writeFloats(out, new float[] {0.7f, 0.3f});
        });
        byte[] letter = BinaryFormat.encode((byte) 1, out -> {
            out.writeByte(3);
            out.writeUTF("BAD_IMAGE");
        });

        // when this version reads them (restored windows and reference after an upgrade)
        // then the pair has every figure it had and an unknown caption length (it counts in the
        // window's figures, in neither the short nor the long ones)
        assertThat(Observation.decode(pair)).isInstanceOfSatisfying(Observation.Pair.class, p -> {
            assertSameFigures(p);
            assertThat(p.subCaptions()).isZero();
            assertThat(p.captionLength()).isEmpty();
        });
        // and images and dead letters read as before
        assertThat(Observation.decode(image)).isInstanceOfSatisfying(Observation.Image.class, i -> {
            assertThat(i.topWords()).isEqualTo(List.of("circle", "red"));
            assertThat(i.topWeights()).containsExactly(0.7f, 0.3f);
        });
        assertThat(Observation.decode(letter)).isEqualTo(new Observation.DeadLetter("BAD_IMAGE"));
    }

    private static void assertSameFigures(Observation.Pair p) {
        assertThat(p.imageId()).isEqualTo(DESCRIPTION.getImageId());
        assertThat(p.captionId()).isEqualTo(DESCRIPTION.getCaptionId());
        assertThat(p.imageEmbedding()).containsExactly(IMAGE);
        assertThat(p.codeIndices()).containsExactly(CODE_INDICES);
        assertThat(p.codeValues()).containsExactly(CODE_VALUES);
        assertThat(p.captionEmbedding()).containsExactly(CAPTION);
        assertThat(p.alignedEmbedding()).containsExactly(ALIGNED);
        assertThat(p.eventTimeMs()).isEqualTo(TIME.toEpochMilli());
    }
}
