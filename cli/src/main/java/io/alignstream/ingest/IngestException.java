package io.alignstream.ingest;

/** Input the producer cannot send: a missing file, malformed JSON, an image that is not there. */
public final class IngestException extends RuntimeException {
    public IngestException(String message) {
        super(message);
    }

    public IngestException(String message, Throwable cause) {
        super(message, cause);
    }
}
