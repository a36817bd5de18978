/**
 * An embedded, Confluent-compatible Schema Registry (Avro only) whose state lives in a compacted
 * Kafka topic: {@link io.alignstream.embedded.registry.EmbeddedSchemaRegistry}.
 *
 * <ul>
 *   <li>{@code RegistryHttpHandler}: the REST API: routes, JSON in and out, Confluent's errors.
 *   <li>{@code RequestGuard}: what a request must show before its body is read: a Host naming
 *       the registry, a body within the limit, a JSON media type.
 *   <li>{@code SchemaStore}: the rules (ids, versions, soft/hard deletes, levels) and state.
 *   <li>Compatibility: {@link io.alignstream.registry.compatibility.CompatibilityChecker} from
 *       alignstream-schemas, the same rules the in-memory registry applies.
 *   <li>{@code SchemaLog} / {@code KafkaSchemaLog} / {@code SchemaLogCodec}: durable storage in
 *       the {@code _schemas} topic, in Confluent's record format.
 *   <li>{@code RegistryError}: failures with Confluent's HTTP statuses and error codes.
 * </ul>
 */
package io.alignstream.embedded.registry;
