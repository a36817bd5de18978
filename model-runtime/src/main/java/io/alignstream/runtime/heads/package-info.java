/**
 * The bundle's computations as batch APIs over float arrays with typed results: the vision
 * tower, TEVI alignment and AlignVLM projection. Each head instance wraps one DJL predictor and
 * is confined to one thread at a time; native memory is scoped to each call.
 */
package io.alignstream.runtime.heads;
