/**
 * Batched inference inside Kafka Streams without losing exactly-once: inputs wait for their
 * batch in a changelogged state store, so a committed input offset always comes with either
 * the input's outputs or the input itself in the store's changelog, in the same transaction.
 * A batch runs when it is full or its oldest input has waited the maximum wait (wall-clock
 * punctuation). Reasoning and measurements: docs/batching-in-streams.md.
 */
package io.alignstream.topology.batching;
