/**
 * Dynamic batching for model inference, independent of DJL: {@link
 * io.alignstream.bench.runtime.batching.DynamicBatcher} groups single requests from many threads into
 * batches for any {@link io.alignstream.bench.runtime.batching.BatchFunction}, with a bounded queue
 * that pushes back, per-item error isolation, an observer hook for metrics, and helpers for a
 * consumer thread that must have all its results before it commits ({@link
 * io.alignstream.bench.runtime.batching.PendingResults}). {@link
 * io.alignstream.bench.runtime.batching.LatencyRecorder} is the percentile recorder the benchmarks
 * share. See {@code docs/batching.md}.
 */
package io.alignstream.bench.runtime.batching;
