/**
 * A real single-node Kafka cluster (KRaft, broker and controller in one child JVM) for tests and
 * for the service's embedded default: {@link io.alignstream.embedded.kafka.EmbeddedKafkaBroker}.
 */
package io.alignstream.embedded.kafka;
