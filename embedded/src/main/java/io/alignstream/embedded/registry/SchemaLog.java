package io.alignstream.embedded.registry;

import java.util.function.Consumer;

/** Durable, ordered storage of {@link SchemaLogRecord}s. */
interface SchemaLog extends AutoCloseable {

    /** Feeds every stored record, oldest first, to {@code sink}; returns at the end of the log. */
    void replay(Consumer<SchemaLogRecord> sink);

    /**
     * Stores {@code record} durably; returns only once it is stored.
     *
     * @throws RegistryError {@code 50001} if it could not be stored
     */
    void append(SchemaLogRecord record);

    @Override
    void close();
}
