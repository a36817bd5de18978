package io.alignstream.registry.serde;

import io.alignstream.registry.client.SchemaRegistryClient;
import io.alignstream.registry.client.SchemaRegistryClientFactory;
import java.util.Objects;

/**
 * The registry client of a serializer, a deserializer or a Serde, and who closes it. The rules,
 * for all three:
 *
 * <ul>
 *   <li>A client given to the constructor is used as it is and never closed here: whoever made it
 *   closes it.</li>
 *   <li>Otherwise the first {@link #configure} builds one from the {@code schema.registry.url}
 *   settings ({@link SchemaRegistryClientFactory}), and {@link #close()} closes it.</li>
 *   <li>Configuring again keeps the client held, whether given, lent or built; once
 *   {@link #close()} has closed a built client, the next {@link #configure} builds a new one.</li>
 *   <li>A Serde whose halves have no client builds one on configure and {@link #lend}s it to both
 *   halves: they use it but never close it; closing the Serde does.</li>
 * </ul>
 *
 * <p>Not thread-safe, like Kafka's configure and close.
 */
final class RegistryClientHolder {

    private SchemaRegistryClient client;
    private boolean built;

    /** Holds nothing until {@link #configure} builds a client. */
    RegistryClientHolder() {
    }

    /** Holds {@code given}, which it never closes. */
    RegistryClientHolder(SchemaRegistryClient given) {
        this.client = Objects.requireNonNull(given, "client");
    }

    /** Uses {@code lent}, which someone else closes, instead of building one. */
    void lend(SchemaRegistryClient lent) {
        this.client = Objects.requireNonNull(lent, "lent");
        this.built = false;
    }

    /** Whether a client was given, lent or built already. */
    boolean hasClient() {
        return client != null;
    }

    /** The client held, built from {@code config} if there is none. */
    SchemaRegistryClient configure(AvroSerdeConfig config) {
        if (client == null) {
            client = SchemaRegistryClientFactory.create(config.clientConfig());
            built = true;
        }
        return client;
    }

    /**
     * The client held.
     *
     * @param user the class asking, for the message
     * @throws IllegalStateException when there is none: {@code user} was neither given a client nor configured
     */
    SchemaRegistryClient client(String user) {
        if (client == null) {
            throw new IllegalStateException(user + " is not configured: call configure(...) or pass a "
                    + "SchemaRegistryClient to the constructor");
        }
        return client;
    }

    /** Closes the client if it was built here, and forgets it; leaves a given or lent one alone. */
    void close() {
        if (built && client != null) {
            client.close();
            client = null;
        }
    }
}
