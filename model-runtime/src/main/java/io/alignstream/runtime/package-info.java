/**
 * The model runtime: {@link io.alignstream.runtime.ModelRuntime} opens a validated bundle on a
 * device and hands out the heads. Subpackages, one concern each: {@code bundle} (loading and
 * startup validation), {@code engine} (devices and ONNX Runtime sessions through DJL),
 * {@code heads} (the computations), {@code retrieval} (TEVI scoring from sparse codes),
 * {@code onnx} (reading ONNX files without ONNX Runtime).
 */
package io.alignstream.runtime;
