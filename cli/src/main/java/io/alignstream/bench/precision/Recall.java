package io.alignstream.bench.precision;

import java.util.Arrays;

/**
 * Recall@k as {@code labelfree_eval._recall} defines it: over the queries (rows) that have at
 * least one hit among the candidates, the share with a hit among the top k; queries without a
 * hit are skipped, not counted as misses.
 *
 * <p>Ties: a hit tied with a non-hit counts as ranked after it. torch's unstable argsort leaves
 * ties to chance; a pessimistic rule gives the same number on every run and never credits a
 * precision for collapsing scores together (int8 makes more exact ties than fp32).
 */
public final class Recall {

    private Recall() {
    }

    /** Scores and hits of queries over candidates, read on demand (the matrices are large). */
    public interface Matrix {
        int queries();

        int candidates();

        double score(int query, int candidate);

        boolean hit(int query, int candidate);
    }

    /**
     * Recall at each k.
     *
     * @param ks      the cut-offs, as asked
     * @param found   per k, the counted queries with a hit in their top k
     * @param counted queries with at least one hit
     * @param skipped queries without any hit
     */
    public record Result(int[] ks, int[] found, int counted, int skipped) {

        /** Recall@k in points (0-100); NaN when no query was counted. */
        public double points(int k) {
            for (int i = 0; i < ks.length; i++) {
                if (ks[i] == k) {
                    return counted == 0 ? Double.NaN : 100.0 * found[i] / counted;
                }
            }
            throw new IllegalArgumentException("recall was not computed at " + k + " (only " + Arrays.toString(ks) + ")");
        }
    }

    public static Result of(Matrix matrix, int... ks) {
        int[] found = new int[ks.length];
        int counted = 0;
        int skipped = 0;
        for (int q = 0; q < matrix.queries(); q++) {
            int ahead = nonHitsAhead(matrix, q);
            if (ahead < 0) {
                skipped++;
                continue;
            }
            counted++;
            for (int i = 0; i < ks.length; i++) {
                if (ahead < ks[i]) {
                    found[i]++;
                }
            }
        }
        return new Result(ks.clone(), found, counted, skipped);
    }

    /** The same over a dense score matrix and hit matrix, [queries][candidates]. */
    public static Result of(double[][] scores, boolean[][] hits, int... ks) {
        return of(new Matrix() {
            @Override
            public int queries() {
                return scores.length;
            }

            @Override
            public int candidates() {
                return scores.length == 0 ? 0 : scores[0].length;
            }

            @Override
            public double score(int query, int candidate) {
                return scores[query][candidate];
            }

            @Override
            public boolean hit(int query, int candidate) {
                return hits[query][candidate];
            }
        }, ks);
    }

    /**
     * How many non-hits rank before the query's best hit (ties counted as before it), or -1 when
     * the query has no hit: its best hit is within the top k exactly when this is below k.
     */
    static int nonHitsAhead(Matrix matrix, int query) {
        double best = Double.NEGATIVE_INFINITY;
        boolean any = false;
        for (int c = 0; c < matrix.candidates(); c++) {
            if (matrix.hit(query, c)) {
                best = Math.max(best, matrix.score(query, c));
                any = true;
            }
        }
        if (!any) {
            return -1;
        }
        int ahead = 0;
        for (int c = 0; c < matrix.candidates(); c++) {
            if (!matrix.hit(query, c) && matrix.score(query, c) >= best) {
                ahead++;
            }
        }
        return ahead;
    }
}
