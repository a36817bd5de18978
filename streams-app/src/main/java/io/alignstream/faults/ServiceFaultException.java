package io.alignstream.faults;

import java.time.Duration;

/**
 * A fault that is not the input's (a model runtime failing on known-good input, an operator's
 * image server down, image memory exhausted) that outlasted the retry budget. It is thrown, not
 * dead-lettered: the stream task fails, the application replaces the stream thread, and Kafka
 * Streams (exactly_once_v2) resumes from the last commit, so the input is processed again later.
 */
public final class ServiceFaultException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String what;
    private final int tries;
    private final Duration elapsed;

    /**
     * @param what    what failed, for people (the stage, the host, the budget)
     * @param tries   how many times it was tried
     * @param elapsed how long it was tried for
     * @param cause   the last failure, or null
     */
    public ServiceFaultException(String what, int tries, Duration elapsed, Throwable cause) {
        super(what + " (gave up after " + tries + (tries == 1 ? " try" : " tries") + " over "
                + elapsed.toMillis() + " ms; not the input's fault, so the task fails and resumes from its last commit)",
                cause);
        this.what = what;
        this.tries = tries;
        this.elapsed = elapsed;
    }

    public String what() {
        return what;
    }

    public int tries() {
        return tries;
    }

    public Duration elapsed() {
        return elapsed;
    }
}
