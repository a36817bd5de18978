/**
 * Retrieval-quality figures of a monitoring window (issue 6): pure computation, no Kafka, no
 * Prometheus. {@link io.alignstream.monitoring.quality.WindowEvaluator} turns a
 * {@link io.alignstream.monitoring.quality.QualityWindow} (pairs of image and caption with their
 * raw embeddings, TEVI code and mask; AlignVLM top words; a dead-letter count), and optionally a
 * {@link io.alignstream.monitoring.quality.ReferenceWindow} for drift, into
 * {@link io.alignstream.monitoring.quality.QualityFigures}. docs/monitoring-figures.md defines
 * every figure.
 */
package io.alignstream.monitoring.quality;
