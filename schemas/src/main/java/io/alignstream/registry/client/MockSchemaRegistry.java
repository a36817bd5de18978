package io.alignstream.registry.client;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The in-memory registries behind Confluent's {@code mock://<scope>} URL convention: every client
 * built for {@code schema.registry.url=mock://<scope>} in this JVM shares one
 * {@link InMemorySchemaRegistryClient}, so a topology test's Serdes and the test itself see the same
 * schemas. Drop a scope after a test to start the next one empty.
 */
public final class MockSchemaRegistry {

    private static final ConcurrentMap<String, InMemorySchemaRegistryClient> SCOPES = new ConcurrentHashMap<>();

    private MockSchemaRegistry() {
    }

    /** The registry of {@code scope}, created empty on first use. */
    public static InMemorySchemaRegistryClient clientForScope(String scope) {
        return SCOPES.computeIfAbsent(scope,
                s -> new InMemorySchemaRegistryClient("the in-memory Schema Registry mock://" + s));
    }

    /** Forgets the registry of {@code scope}; the next use of the scope starts empty. */
    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }
}
