/**
 * The topology benchmark ({@code alignstream bench topology}): the same synthetic backlog through
 * the model runtime alone (batched, no Kafka), through alignstream's topology on the embedded
 * broker, and through a deliberately naive per-record topology ({@link
 * io.alignstream.bench.NaivePerRecordTopology}, a baseline, not product code), each timed in
 * interleaved rounds and reported in Markdown.
 */
package io.alignstream.bench;
