/**
 * Where the heads run: the device setting (cpu, cuda, tensorrt, auto), what this host can run,
 * and ONNX Runtime session options for DJL's ONNX Runtime engine (docs/gpu.md).
 */
package io.alignstream.runtime.engine;
