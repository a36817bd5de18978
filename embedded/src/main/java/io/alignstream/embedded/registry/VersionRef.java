package io.alignstream.embedded.registry;

/**
 * A version as it appears in a URL: a number from 1 to 2^31-1, or {@code latest} (also {@code
 * -1}, as Confluent accepts).
 */
record VersionRef(int number) {

    private static final int LATEST = -1;

    static VersionRef latest() {
        return new VersionRef(LATEST);
    }

    boolean isLatest() {
        return number == LATEST;
    }

    /**
     * Parses a path segment.
     *
     * @throws RegistryError {@code 42202} for anything else
     */
    static VersionRef parse(String text) {
        if ("latest".equalsIgnoreCase(text.trim())) {
            return latest();
        }
        try {
            int n = Integer.parseInt(text.trim());
            if (n == LATEST || n >= 1) {
                return new VersionRef(n);
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw RegistryError.invalidVersion(text);
    }

    @Override
    public String toString() {
        return isLatest() ? "latest" : Integer.toString(number);
    }
}
