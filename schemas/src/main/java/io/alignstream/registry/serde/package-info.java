/**
 * Kafka Serdes for Avro in Confluent's wire format, configured with Confluent's keys, so that
 * alignstream's topics can be read and written by any Confluent-compatible client.
 *
 * <pre>{@code
 * Map<String, Object> config = Map.of(
 *         "schema.registry.url", "http://registry:8081",
 *         "auto.register.schemas", false);          // schemas are registered by the release step
 * SpecificAvroSerde<CaptionEvent> captions = new SpecificAvroSerde<>(CaptionEvent.class);
 * captions.configure(config, false);
 * }</pre>
 *
 * <p>Generated classes must be in a package listed in the system property
 * {@code org.apache.avro.SERIALIZABLE_PACKAGES} (e.g. {@code io.alignstream}) for Avro to create them.
 * Topology tests can use {@code schema.registry.url=mock://<scope>} instead of a registry.
 */
package io.alignstream.registry.serde;
