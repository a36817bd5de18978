package io.alignstream.faults;

/**
 * A batch failed as a whole, for a reason that is no one input's (its stages reject an input's
 * own faults themselves): nothing of it is dead-lettered, the task fails and resumes from its
 * last commit with its inputs still in the buffer. Thrown from {@code process()} as well as from
 * the punctuation, so the processing exception handler fails the task for it instead of
 * dead-lettering the record that happened to fill the batch.
 */
public final class BatchFailedException extends RuntimeException {
    public BatchFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
