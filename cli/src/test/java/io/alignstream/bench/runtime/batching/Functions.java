package io.alignstream.bench.runtime.batching;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Deterministic test functions and a gate for holding a worker inside a batch. */
final class Functions {

    private Functions() {
    }

    /** The SplitMix64 finalizer (Steele, Lea and Flood 2014): a pure, well-mixing long -> long. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static List<Long> mixAll(List<Long> inputs) {
        return inputs.stream().map(Functions::mix).toList();
    }

    /** Fails the whole call if any input is negative, the way a model fails on one bad tensor. */
    static List<Long> mixRefusingNegatives(List<Long> inputs) {
        for (long x : inputs) {
            if (x < 0) {
                throw new IllegalArgumentException("poison: " + x);
            }
        }
        return mixAll(inputs);
    }

    /** Lets a test hold the worker inside the batch function until it opens the gate. */
    static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);

        /** Call from the batch function: signals entry, then waits (interruptibly) for the gate. */
        void pass() throws InterruptedException {
            entered.countDown();
            open.await();
        }

        void awaitEntered() throws InterruptedException {
            if (!entered.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError("the batch function was never called");
            }
        }

        void open() {
            open.countDown();
        }
    }
}
