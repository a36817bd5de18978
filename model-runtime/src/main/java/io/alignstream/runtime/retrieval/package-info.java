/**
 * TEVI retrieval: images indexed by sparse codes, captions as dictionary weights, scored with
 * the exact cosine of the aligned embedding (see {@link io.alignstream.runtime.retrieval.TeviRetrievalScorer}).
 */
package io.alignstream.runtime.retrieval;
