/**
 * A compact Schema Registry client, compatible with Confluent's REST API and configuration keys,
 * for Avro schemas.
 *
 * <ul>
 *   <li>{@link io.alignstream.registry.client.SchemaRegistryClient}: the operations;</li>
 *   <li>{@link io.alignstream.registry.client.RestSchemaRegistryClient}: the operations over the
 *   REST API, with caches; its requests go through {@code RegistryHttpTransport}, which alone
 *   speaks HTTP(S): fail-over, bounded retries, timeouts, basic auth, TLS, and error answers
 *   mapped to exceptions;</li>
 *   <li>{@link io.alignstream.registry.client.InMemorySchemaRegistryClient} and
 *   {@link io.alignstream.registry.client.MockSchemaRegistry}: in memory, for tests, also through
 *   {@code schema.registry.url=mock://<scope>};</li>
 *   <li>{@link io.alignstream.registry.client.SchemaRegistryClientConfig}: the keys, declared once;
 *   {@link io.alignstream.registry.client.SchemaRegistryClientFactory} builds the right client;</li>
 *   <li>{@link io.alignstream.registry.client.SchemaRegistryException} and its subclasses: the
 *   registry's errors with Confluent's codes, and
 *   {@link io.alignstream.registry.client.SchemaRegistryUnavailableException} when none answers.</li>
 * </ul>
 */
package io.alignstream.registry.client;
