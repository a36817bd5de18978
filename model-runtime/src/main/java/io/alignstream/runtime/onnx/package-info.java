/**
 * A minimal reader of ONNX model files (protobuf wire format, no protobuf dependency): declared
 * inputs and outputs, nodes and initializers. Used to check bundles against their manifest and
 * to read the TEVI decoder's weights.
 */
package io.alignstream.runtime.onnx;
