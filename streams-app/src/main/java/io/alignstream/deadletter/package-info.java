/**
 * Dead letters: every record alignstream cannot process goes to one topic as a
 * {@link io.alignstream.events.DeadLetter} with a reason code, the original coordinates and the
 * payload, and the stream goes on. Failures Kafka Streams sees itself (undeserialisable
 * records, exceptions thrown while processing one record) go through Kafka's own dead-letter
 * support (KIP-1033/KIP-1034 handlers); failures found inside a batch are forwarded by the
 * topology. See docs/dead-letters.md.
 */
package io.alignstream.deadletter;
