/**
 * The model calls of one batch: images fetched, decoded and embedded once each (vision tower,
 * TEVI sparse code, AlignVLM projection); captions prepared and embedded (MiniLM, the
 * sub-caption rule); (image, caption) pairs aligned by TEVI; and the output records. A batch
 * call that throws is retried item by item so one bad input fails alone.
 */
package io.alignstream.topology.embedding;
