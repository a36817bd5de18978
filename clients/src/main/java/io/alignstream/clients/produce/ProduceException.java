package io.alignstream.clients.produce;

/** Kafka refused a record that {@link EventProducer} sent (the first such refusal; later sends stop). */
public final class ProduceException extends RuntimeException {
    ProduceException(Exception cause) {
        super("Kafka refused a record: " + cause, cause);
    }
}
