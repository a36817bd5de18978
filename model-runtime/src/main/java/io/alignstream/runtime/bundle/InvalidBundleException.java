package io.alignstream.runtime.bundle;

import java.util.List;

/**
 * A model bundle that must not be served. Thrown at startup with every problem found, each
 * naming the file and the field, so one run tells the operator everything to fix.
 */
public final class InvalidBundleException extends RuntimeException {

    private final String bundle;
    private final List<String> problems;

    public InvalidBundleException(String bundle, List<String> problems) {
        super("invalid model bundle " + bundle + ":\n  - " + String.join("\n  - ", problems));
        this.bundle = bundle;
        this.problems = List.copyOf(problems);
    }

    /** Where the bundle was read from. */
    public String bundle() {
        return bundle;
    }

    /** One line per problem, each starting with the file it concerns. */
    public List<String> problems() {
        return problems;
    }
}
