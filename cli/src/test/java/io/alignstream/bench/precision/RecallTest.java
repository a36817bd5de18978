package io.alignstream.bench.precision;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Recall@k on small hand-built score matrices: labelfree_eval's definition, and the tie rule. */
class RecallTest {

    private static final double FULL = 100;

    @Test
    void aHitRankedFirstCountsAtOneAndOneRankedSecondOnlyAtFive() {
        // given two queries over three candidates: the first ranks its hit first, the second second
        double[][] scores = {
            {0.9, 0.5, 0.1},
            {0.9, 0.5, 0.1}};
        boolean[][] hits = {
            {true, false, false},
            {false, true, false}};

        // when recall is computed at 1 and 5
        Recall.Result result = Recall.of(scores, hits, 1, 5);

        // then half the queries hit at 1 and all at 5
        assertThat(result.counted()).isEqualTo(scores.length);
        assertThat(result.points(1)).isEqualTo(FULL / scores.length);
        assertThat(result.points(5)).isEqualTo(FULL);
    }

    @Test
    void aHitTiedWithANonHitCountsAsRankedAfterIt() {
        // given a query whose hit scores exactly as much as a non-hit, above everything else
        double tied = 0.7;
        double[][] scores = {{tied, tied, tied / 2}};
        boolean[][] hits = {{false, true, false}};

        // when recall is computed
        Recall.Result result = Recall.of(scores, hits, 1, 5);

        // then it misses at 1 (the non-hit is ranked first) but is found at 5
        assertThat(result.points(1)).isZero();
        assertThat(result.points(5)).isEqualTo(FULL);
    }

    @Test
    void tiesAmongHitsDoNotPushTheBestHitDown() {
        // given a query with two hits tied at the top (e.g. two images with byte-identical captions)
        double top = 0.8;
        double[][] scores = {{top, top, top / 2}};
        boolean[][] hits = {{true, true, false}};

        // then it is a hit at 1
        assertThat(Recall.of(scores, hits, 1).points(1)).isEqualTo(FULL);
    }

    @Test
    void aQueryWithoutAnyHitIsSkippedNotCountedAsAMiss() {
        // given one query that finds its hit first and one with no hit among the candidates
        double[][] scores = {
            {0.9, 0.2},
            {0.9, 0.2}};
        boolean[][] hits = {
            {true, false},
            {false, false}};

        // when recall is computed
        Recall.Result result = Recall.of(scores, hits, 1);

        // then only the first query counts, and recall is full
        assertThat(result.counted()).isEqualTo(1);
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.points(1)).isEqualTo(FULL);
    }

    @Test
    void noCountedQueryGivesNotANumberRatherThanZero() {
        double[][] scores = {{0.5}};
        boolean[][] hits = {{false}};

        assertThat(Recall.of(scores, hits, 1).points(1)).isNaN();
    }
}
