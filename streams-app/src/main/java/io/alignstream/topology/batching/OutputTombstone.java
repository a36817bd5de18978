package io.alignstream.topology.batching;

/**
 * What {@link EmbeddingProcessor} forwards for a deleted image, one per output topic: a null
 * value cannot be routed by its type, so the topology routes this marker to its topic and
 * writes it as a tombstone (the image id as key, a null value).
 */
public enum OutputTombstone {
    ALIGNVLM,
    TEVI
}
