package io.alignstream.topology.embedding;

import io.alignstream.runtime.heads.AlignVlmProjection;
import io.alignstream.runtime.heads.SparseCode;
import io.alignstream.runtime.heads.VisionEmbedding;

/** Everything computed from one image, once: raw embedding and patch tokens, TEVI code, AlignVLM projection. */
public record EmbeddedImage(VisionEmbedding vision, SparseCode code, AlignVlmProjection projection) {
}
