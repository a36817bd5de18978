package io.alignstream.registry.client;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/** Builds the client a configuration asks for. */
public final class SchemaRegistryClientFactory {

    private SchemaRegistryClientFactory() {
    }

    /**
     * The client for {@code configs}: the shared in-memory registry of the scope for
     * {@code schema.registry.url=mock://<scope>}, otherwise a {@link RestSchemaRegistryClient}.
     *
     * @throws ConfigException when the URL is missing or a setting is invalid, naming the key
     */
    public static SchemaRegistryClient create(Map<String, ?> configs) {
        return create(new SchemaRegistryClientConfig(configs));
    }

    public static SchemaRegistryClient create(SchemaRegistryClientConfig config) {
        if (config.urls().isEmpty()) {
            throw new ConfigException(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG + " is not set: give the "
                    + "registry's base URL, e.g. http://localhost:8081 (or mock://<scope> for tests)");
        }
        String scope = config.mockScope();
        if (scope != null) {
            return MockSchemaRegistry.clientForScope(scope);
        }
        return new RestSchemaRegistryClient(config);
    }
}
