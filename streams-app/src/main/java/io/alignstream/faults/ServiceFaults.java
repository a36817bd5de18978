package io.alignstream.faults;

import java.util.Objects;

/**
 * How one instance treats faults that are not an input's: how long they are retried, and the image
 * memory all its tasks share. Created once per instance with its models ({@code InferenceModels.faults()}),
 * so every task and fetch thread reserves from the same budget.
 */
public record ServiceFaults(RetryBudget retry, ImageMemoryBudget memory) {

    public ServiceFaults {
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(memory, "memory");
    }
}
