package io.alignstream.topology.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.deadletter.SourceCoordinates;
import io.alignstream.events.CaptionEvent;
import io.alignstream.world.Split;
import io.alignstream.world.SyntheticWorld;
import io.alignstream.world.events.SyntheticEventFactory;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A waiting caption's store encoding: what this version writes, and what older versions wrote. */
class PendingCaptionTest {
    private static final CaptionEvent CAPTION = new SyntheticEventFactory(new SyntheticWorld(3), Split.TEST)
            .scene(0, Instant.parse("2026-11-22T12:00:00Z")).captions().get(4);
    private static final SourceCoordinates SOURCE = new SourceCoordinates("alignstream.captions", 2, 41, null);
    private static final float[] EMBEDDING = {0.6f, 0.8f};

    @Test
    void aWaitingCaptionKeepsItsSubCaptionCountThroughTheStore() {
        // given a held long description, embedded as 2 sub-captions
        PendingCaption held = new PendingCaption(CAPTION, EMBEDDING, 2, SOURCE, 1_000, 2_000, 3_000);

        // when it is written and read back
        PendingCaption back = PendingCaption.decode(held.encode());

        // then nothing is lost
        assertThat(back.caption()).isEqualTo(CAPTION);
        assertThat(back.captionEmbedding()).containsExactly(EMBEDDING);
        assertThat(back.subCaptions()).isEqualTo(2);
        assertThat(back.source()).isEqualTo(SOURCE);
        assertThat(back.timestamp()).isEqualTo(1_000);
        assertThat(back.heldSinceMs()).isEqualTo(2_000);
        assertThat(back.heldAtStreamTimeMs()).isEqualTo(3_000);
    }

    @Test
    void anEntryOfTheFormatBeforeTheCountReadsWithAnUnknownCount() {
        // given the bytes the previous version (format 2: no sub-caption count) wrote for a held caption
        byte[] format2 = BinaryFormat.encode((byte) 2, out -> {
            BinaryFormat.writeBytes(out, new EventCodec<>(CaptionEvent.class).encode(CAPTION));
            BinaryFormat.writeFloats(out, EMBEDDING);
            BufferedInput.writeSource(out, SOURCE);
            out.writeLong(1_000);
            out.writeLong(2_000);
            out.writeLong(3_000);
        });

        // when this version restores it from the changelog
        PendingCaption back = PendingCaption.decode(format2);

        // then every field reads as written, and the count is 0 (unknown: recounted from the text when it pairs)
        assertThat(back.caption()).isEqualTo(CAPTION);
        assertThat(back.captionEmbedding()).containsExactly(EMBEDDING);
        assertThat(back.subCaptions()).isZero();
        assertThat(back.source()).isEqualTo(SOURCE);
        assertThat(back.timestamp()).isEqualTo(1_000);
        assertThat(back.heldSinceMs()).isEqualTo(2_000);
        assertThat(back.heldAtStreamTimeMs()).isEqualTo(3_000);
    }

    @Test
    void anEntryOfTheFirstFormatStillReads() {
        // given format 1's bytes: no stream time and no count
        byte[] format1 = BinaryFormat.encode((byte) 1, out -> {
            BinaryFormat.writeBytes(out, new EventCodec<>(CaptionEvent.class).encode(CAPTION));
            BinaryFormat.writeFloats(out, EMBEDDING);
            BufferedInput.writeSource(out, SOURCE);
            out.writeLong(1_000);
            out.writeLong(2_000);
        });

        // then its stream-time grace counts from its timestamp, and its count is unknown
        PendingCaption back = PendingCaption.decode(format1);
        assertThat(back.heldAtStreamTimeMs()).isEqualTo(1_000);
        assertThat(back.heldSinceMs()).isEqualTo(2_000);
        assertThat(back.subCaptions()).isZero();
    }
}
