package io.alignstream.world;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The runtime's caption rules and text encoder, as a dataset of this world needs them: the
 * world generates scenes and captions but knows no model, so whoever writes a dataset for a
 * runtime supplies that runtime's rules (the command line adapts the MiniLM caption encoder).
 */
public interface CaptionEncoding {

    /** A CLIPS partial caption of {@code caption}: sentences picked in order, at most {@link #maxTokens()}. */
    String subCaption(String caption, RandomGenerator random);

    /** {@code caption} cut to its first {@link #maxTokens()} tokens. */
    String truncated(String caption);

    /** The sub-caption length in tokens. */
    int maxTokens();

    /** The width of a caption embedding. */
    int dimension();

    /** Each caption's embedding by the runtime's long-caption rule, in order. */
    float[][] embedAll(List<String> captions);
}
