package io.alignstream.bench.runtime.batching;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The result of one item: its output, or the error that failed it alone.
 *
 * @param <O> output type
 */
public sealed interface Outcome<O> permits Outcome.Success, Outcome.Failure {

    /** The item's output (may be {@code null} if the function returned null for it). */
    record Success<O>(O value) implements Outcome<O> {
    }

    /** The error that failed this item, as thrown (not wrapped in a CompletionException). */
    record Failure<O>(Throwable error) implements Outcome<O> {
        public Failure {
            Objects.requireNonNull(error, "error");
        }
    }

    static <O> Outcome<O> success(O value) {
        return new Success<>(value);
    }

    static <O> Outcome<O> failure(Throwable error) {
        return new Failure<>(error);
    }

    default boolean isSuccess() {
        return this instanceof Success;
    }

    /** The output, or a {@link CompletionException} whose cause is the item's error. */
    default O getOrThrow() {
        if (this instanceof Success<O> success) {
            return success.value();
        }
        throw new CompletionException(((Failure<O>) this).error());
    }

    /**
     * The outcome of a future that is already done: its value, its unwrapped error, or a
     * {@link CancellationException} if it was cancelled.
     *
     * @throws IllegalStateException if the future is not done yet
     */
    static <O> Outcome<O> of(CompletableFuture<? extends O> future) {
        if (!future.isDone()) {
            throw new IllegalStateException("future is not done yet");
        }
        try {
            return success(future.getNow(null));
        } catch (CancellationException e) {
            return failure(e);
        } catch (CompletionException e) {
            return failure(unwrap(e));
        }
    }

    /** The cause of a {@link CompletionException} or {@link ExecutionException}, else itself. */
    static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
