package io.alignstream.world;

import java.util.Map;

/**
 * A caption with the attributes it names (family key to value), which is what retrieval
 * counts as a hit: an image matches a caption when it has every named attribute.
 */
public record Caption(CaptionKind kind, String text, Map<String, String> named) {

    public Caption {
        named = Map.copyOf(named);
    }

    /** The named attributes as "family=value" joined by ';' in family order, for dataset files. */
    public String namedAsString() {
        StringBuilder out = new StringBuilder();
        for (AttributeFamily family : AttributeFamily.values()) {
            String value = named.get(family.key());
            if (value != null) {
                if (out.length() > 0) {
                    out.append(';');
                }
                out.append(family.key()).append('=').append(value);
            }
        }
        return out.toString();
    }
}
