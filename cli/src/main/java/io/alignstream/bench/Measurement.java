package io.alignstream.bench;

/** The three things the topology benchmark measures on the same inputs. */
public enum Measurement {
    /** The model work alone, in batches of the configured size, no Kafka. */
    RUNTIME("runtime, batched (no Kafka)"),
    /** alignstream's topology on the embedded broker, exactly-once. */
    TOPOLOGY("alignstream topology (EOS v2)"),
    /** The baseline: a per-record model call in mapValues, exactly-once. */
    NAIVE("naive per-record mapValues (EOS v2)");

    private final String label;

    Measurement(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
