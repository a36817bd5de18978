/**
 * Importing a user's own CLIP-style model (issue 16): reads a directory in Hugging Face Optimum's
 * CLIP export layout ({@code vision_model.onnx}, {@code text_model.onnx}, {@code tokenizer.json},
 * {@code preprocessor_config.json}, optionally under {@code onnx/}), checks names, shapes and
 * types, learns the dimensions the files leave symbolic by running each model once, and writes a
 * format-2 bundle with the vision and text heads (docs/bundle-format-2.md).
 */
package io.alignstream.runtime.imports;
