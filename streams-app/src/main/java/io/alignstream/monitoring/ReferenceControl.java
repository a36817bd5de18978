package io.alignstream.monitoring;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lets an operator replace the drift reference: after {@link #requestReset()}, the next count
 * window becomes the reference (the first count window ever is one too). Shared between the
 * HTTP endpoint and the monitor's stream thread.
 */
public final class ReferenceControl {
    private final AtomicBoolean resetRequested = new AtomicBoolean();

    public void requestReset() {
        resetRequested.set(true);
    }

    /** True once per request. */
    public boolean takeResetRequest() {
        return resetRequested.getAndSet(false);
    }
}
