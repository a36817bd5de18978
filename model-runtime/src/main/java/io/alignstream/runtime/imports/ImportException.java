package io.alignstream.runtime.imports;

import java.util.List;

/** An import refused: every problem found, each saying what the files have and how to fix it. */
public final class ImportException extends RuntimeException {

    private final List<String> problems;

    public ImportException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0)
                : problems.size() + " problems: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
