"""Tests of the int8 rewrite and the bundle step (a few seconds).

cd model-runtime/training && /usr/bin/python3 -m unittest alignstream_training.quantize_test -v

No ONNX Runtime in Python here, so the rewritten graphs are run by a small numpy evaluator of
exactly the ops they use, written from the ONNX operator specs.
"""
import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
import unittest

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from . import quantize as Q


def _dynamic_quantize_linear(x):
    # ONNX spec: uint8, range stretched to include 0, round half to even, saturate.
    x = x.astype(np.float32)
    low, high = min(0.0, float(x.min())), max(0.0, float(x.max()))
    scale = np.float32((high - low) / 255.0)
    zero_point = np.uint8(np.clip(np.round(0.0 - low / scale), 0, 255))
    y = np.clip(np.round(x / scale) + zero_point, 0, 255).astype(np.uint8)
    return y, scale, zero_point


def _run(model, feeds):
    """Evaluates a graph built from the ops below, in node order (ONNX keeps them topological)."""
    values = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    values.update(feeds)
    for node in model.graph.node:
        x = [values[name] for name in node.input if name]
        op = node.op_type
        if op == "DynamicQuantizeLinear":
            out = _dynamic_quantize_linear(x[0])
        elif op == "MatMulInteger":
            a = x[0].astype(np.int32) - x[2].astype(np.int32)
            b = x[1].astype(np.int32) - x[3].astype(np.int32)
            out = (np.matmul(a, b),)
        elif op == "Cast":
            assert Q._attr(node, "to", None) == TensorProto.FLOAT
            out = (x[0].astype(np.float32),)
        elif op == "Mul":
            out = (np.multiply(x[0], x[1]).astype(np.float32),)
        elif op == "Add":
            out = (np.add(x[0], x[1]).astype(np.float32),)
        elif op == "MatMul":
            out = (np.matmul(x[0], x[1]),)
        elif op == "Gemm":
            a = x[0].T if Q._attr(node, "transA", 0) else x[0]
            b = x[1].T if Q._attr(node, "transB", 0) else x[1]
            y = Q._attr(node, "alpha", 1.0) * (a @ b)
            out = (y + Q._attr(node, "beta", 1.0) * x[2] if len(x) > 2 else y,)
        else:
            raise AssertionError(f"evaluator has no {op}")
        values.update(zip(node.output, out))
    return [values[o.name] for o in model.graph.output]


def _cosines(a, b):
    a, b = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def _export(module, example):
    """A torch module as ONNX (opset 17, dynamic batch), the way export.py writes heads."""
    buffer = io.BytesIO()
    torch.onnx.export(module.eval(), (example,), buffer, opset_version=17, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, do_constant_folding=True)
    return onnx.load_from_string(buffer.getvalue())


def _graph_model(nodes, inputs, outputs, initializers, opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _float_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _weight(name, shape, seed):
    return numpy_helper.from_array(np.random.default_rng(seed).normal(size=shape).astype(np.float32), name)


def _ops(model):
    return Q.count_ops(model)


class QuantizeModelTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        # 2-D input: PyTorch writes a Linear as Gemm(transB=1); 3-D: MatMul then Add(bias, .).
        cls.linear = torch.nn.Linear(256, 128)
        cls.gemm_model = _export(cls.linear, torch.randn(2, 256))
        cls.matmul_model = _export(cls.linear, torch.randn(2, 5, 256))

    def test_evaluator_follows_the_spec_example(self):
        # Given the DynamicQuantizeLinear example of the ONNX operator documentation
        x = np.array([0, 2, -3, -2.5, 1.34, 0.5], dtype=np.float32)
        # When the evaluator quantizes it
        y, scale, zero_point = _dynamic_quantize_linear(x)
        # Then it gives the documented numbers
        self.assertAlmostEqual(float(scale), 5 / 255, places=7)
        self.assertEqual(int(zero_point), 153)
        np.testing.assert_array_equal(y, [153, 255, 0, 26, 221, 179])

    def test_gemm_linear_keeps_its_output_on_gaussian_inputs(self):
        # Given a Linear exported as Gemm, and gaussian inputs
        x = np.random.default_rng(1).normal(size=(64, 256)).astype(np.float32)
        with torch.no_grad():
            expected = self.linear(torch.from_numpy(x)).numpy()
        # When it is quantized and evaluated
        quantized, stats = Q.quantize_model(self.gemm_model)
        (y,) = _run(quantized, {"x": x})
        # Then every row points where the float one does, and the Gemm is gone
        self.assertGreater(_cosines(y, expected).min(), 0.999)
        self.assertEqual(stats, {"quantized": 1, "float_dynamic": 0, "float_small": 0, "float_other": 0, "float_kept": 0})
        self.assertEqual(_ops(quantized), {"DynamicQuantizeLinear": 1, "MatMulInteger": 1, "Cast": 1, "Mul": 2, "Add": 1})

    def test_matmul_linear_keeps_its_output_and_moves_the_bias_second(self):
        # Given a Linear on [batch, tokens, 256]: MatMul then Add(bias, product)
        self.assertEqual(_ops(self.matmul_model), {"MatMul": 1, "Add": 1})
        x = np.random.default_rng(2).normal(size=(3, 7, 256)).astype(np.float32)
        with torch.no_grad():
            expected = self.linear(torch.from_numpy(x)).numpy()
        # When it is quantized and evaluated
        quantized, _ = Q.quantize_model(self.matmul_model)
        (y,) = _run(quantized, {"x": x})
        # Then the output matches, and the bias is the Add's second input (what the fusion reads)
        self.assertGreater(_cosines(y, expected).min(), 0.999)
        (add,) = [n for n in quantized.graph.node if n.op_type == "Add"]
        self.assertIn(add.input[1], {i.name for i in quantized.graph.initializer})

    def test_the_pattern_is_the_one_onnx_runtime_fuses(self):
        # Given the quantized Gemm model
        quantized, _ = Q.quantize_model(self.gemm_model)
        graph = quantized.graph
        inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        by_type = {n.op_type: [m for m in graph.node if m.op_type == n.op_type] for n in graph.node}
        (dql,), (mmi,), (cast,) = by_type["DynamicQuantizeLinear"], by_type["MatMulInteger"], by_type["Cast"]
        (scale_mul,) = [n for n in by_type["Mul"] if n.input[0] == dql.output[1]]
        (out_mul,) = [n for n in by_type["Mul"] if n is not scale_mul]
        # Then: A_q and A_zp feed only the MatMulInteger, A_scale only the scale Mul (one consumer
        # each: the DynamicQuantizeMatMul fusion asks for that), weights are int8 initializers
        consumers = [name for n in graph.node for name in n.input]
        self.assertEqual([consumers.count(o) for o in dql.output], [1, 1, 1])
        self.assertEqual([mmi.input[0], mmi.input[2]], [dql.output[0], dql.output[2]])
        self.assertEqual(inits[mmi.input[1]].dtype, np.int8)
        self.assertEqual(inits[mmi.input[3]].dtype, np.int8)
        self.assertEqual(inits[scale_mul.input[1]].dtype, np.float32)
        self.assertEqual(list(cast.input), list(mmi.output))
        self.assertEqual(sorted(out_mul.input), sorted([cast.output[0], scale_mul.output[0]]))
        # and the graph keeps its inputs, outputs and opset, and passes the checker
        self.assertEqual([i.name for i in graph.input], ["x"])
        self.assertEqual([o.name for o in graph.output], ["y"])
        self.assertEqual([(o.domain, o.version) for o in quantized.opset_import], [("", 17)])
        onnx.checker.check_model(quantized)

    def test_projections_sharing_an_input_get_one_quantizer_each(self):
        # Given query and key projections of the same tokens, and one weight used twice
        nodes = [helper.make_node("MatMul", ["x", "wq"], ["q"]), helper.make_node("MatMul", ["x", "wk"], ["k"]),
                 helper.make_node("MatMul", ["x", "wq"], ["q2"])]
        outputs = [_float_input(name, ["batch", 64]) for name in ("q", "k", "q2")]
        model = _graph_model(nodes, [_float_input("x", ["batch", 128])], outputs,
                             [_weight("wq", (128, 64), 11), _weight("wk", (128, 64), 12)])
        # When they are quantized
        quantized, _ = Q.quantize_model(model)
        # Then each MatMulInteger has its own DynamicQuantizeLinear (the fusion needs one consumer),
        # while the shared weight is quantized once
        mmis = [n for n in quantized.graph.node if n.op_type == "MatMulInteger"]
        self.assertEqual(len({n.input[0] for n in mmis}), 3)
        self.assertEqual(len({n.input[1] for n in mmis}), 2)
        self.assertEqual(sum(1 for i in quantized.graph.initializer if i.data_type == TensorProto.INT8 and len(i.dims) == 2), 2)

    def test_weights_are_symmetric_per_column_within_half_a_step(self):
        # Given a weight whose columns differ in scale by four orders, one column peaking negative
        rng = np.random.default_rng(3)
        w = (rng.normal(size=(64, 128)) * np.logspace(-3, 1, 128)).astype(np.float32)
        w[5, 7] = -50.0
        model = _graph_model([helper.make_node("MatMul", ["x", "w"], ["y"])],
                             [_float_input("x", ["batch", 64])], [_float_input("y", ["batch", 128])],
                             [numpy_helper.from_array(w, "w")])
        # When it is quantized
        quantized, _ = Q.quantize_model(model)
        (mmi,) = [n for n in quantized.graph.node if n.op_type == "MatMulInteger"]
        (scale_mul,) = [n for n in quantized.graph.node if n.op_type == "Mul" and n.input[0].endswith("_quant_scale")]
        inits = {i.name: numpy_helper.to_array(i) for i in quantized.graph.initializer}
        q, zero_point, scale = inits[mmi.input[1]], inits[mmi.input[3]], inits[scale_mul.input[1]]
        # Then each column has its own scale max|w|/127, zero point 0, values in [-127, 127],
        # and dequantizes to within half a step
        np.testing.assert_allclose(scale, np.abs(w).max(axis=0) / 127, rtol=1e-6)
        np.testing.assert_array_equal(zero_point, np.zeros(128, np.int8))
        self.assertEqual(q.dtype, np.int8)
        self.assertEqual((int(q.min()), int(q.max())), (-127, 127))
        self.assertEqual(int(q[5, 7]), -127)
        self.assertTrue(np.all(np.abs(q * scale - w) <= scale / 2 * (1 + 1e-6)))
        self.assertNotIn("w", inits)  # the float weight is gone

    def test_reduced_range_weights_use_seven_bits(self):
        # Given a weight, quantized with reduce_range (for CPUs without VNNI)
        w = np.random.default_rng(13).normal(size=(128, 64)).astype(np.float32)
        model = _graph_model([helper.make_node("MatMul", ["x", "w"], ["y"])], [_float_input("x", ["batch", 128])],
                             [_float_input("y", ["batch", 64])], [numpy_helper.from_array(w, "w")])
        quantized, _ = Q.quantize_model(model, reduce_range=True)
        (mmi,) = [n for n in quantized.graph.node if n.op_type == "MatMulInteger"]
        q = numpy_helper.to_array([i for i in quantized.graph.initializer if i.name == mmi.input[1]][0])
        # Then every column reaches 64 and none goes past it: 255 * 64 * 2 fits an int16
        np.testing.assert_array_equal(np.abs(q.astype(np.int32)).max(axis=0), np.full(64, 64))
        x = np.random.default_rng(14).normal(size=(32, 128)).astype(np.float32)
        self.assertGreater(_cosines(_run(quantized, {"x": x})[0], x @ w).min(), 0.999)

    def test_gemm_without_transpose_folds_alpha_and_beta(self):
        # Given a Gemm with B [K, N] not transposed, alpha 0.5, beta 2 and a [1, N] bias
        rng = np.random.default_rng(4)
        node = helper.make_node("Gemm", ["x", "b", "c"], ["y"], alpha=0.5, beta=2.0)
        model = _graph_model([node], [_float_input("x", ["batch", 96])], [_float_input("y", ["batch", 80])],
                             [_weight("b", (96, 80), 5), numpy_helper.from_array(rng.normal(size=(1, 80)).astype(np.float32), "c")])
        x = rng.normal(size=(16, 96)).astype(np.float32)
        (expected,) = _run(model, {"x": x})
        # When it is quantized
        quantized, stats = Q.quantize_model(model)
        (y,) = _run(quantized, {"x": x})
        # Then the output matches, with a 1-D bias
        self.assertEqual(stats["quantized"], 1)
        self.assertGreater(_cosines(y, expected).min(), 0.999)
        (add,) = [n for n in quantized.graph.node if n.op_type == "Add"]
        self.assertEqual(numpy_helper.to_array([i for i in quantized.graph.initializer if i.name == add.input[1]][0]).shape, (80,))

    def test_attention_and_small_matmuls_stay_float(self):
        # Given q k^T (two run-time inputs), a projection with a weight, and a 32 x 32 weight
        nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]),
                 helper.make_node("MatMul", ["h", "k"], ["scores"]),
                 helper.make_node("MatMul", ["scores", "small"], ["y"])]
        model = _graph_model(nodes, [_float_input("x", ["batch", 16, 128]), _float_input("k", ["batch", 32, 32])],
                             [_float_input("y", ["batch", 16, 32])], [_weight("w", (128, 32), 6), _weight("small", (32, 32), 7)])
        # When it is quantized
        quantized, stats = Q.quantize_model(model)
        # Then only the projection is rewritten; the other two MatMuls are untouched
        self.assertEqual(stats, {"quantized": 1, "float_dynamic": 1, "float_small": 1, "float_other": 0, "float_kept": 0})
        matmuls = [list(n.input) for n in quantized.graph.node if n.op_type == "MatMul"]
        self.assertEqual(matmuls, [["h", "k"], ["scores", "small"]])
        self.assertEqual(_ops(quantized)["MatMulInteger"], 1)

    def test_a_matmul_named_by_keep_float_stays_float(self):
        # Given two projections, one named like a BERT feed-forward output
        nodes = [helper.make_node("MatMul", ["x", "w_up"], ["h"], "/layer.0/intermediate/dense/MatMul"),
                 helper.make_node("MatMul", ["h", "w_down"], ["y"], "/layer.0/output/dense/MatMul")]
        model = _graph_model(nodes, [_float_input("x", ["batch", 16, 128])], [_float_input("y", ["batch", 16, 128])],
                             [_weight("w_up", (128, 256), 8), _weight("w_down", (256, 128), 9)])
        # When it is quantized keeping the output projections float
        quantized, stats = Q.quantize_model(model, keep_float=r"/output/dense/")
        # Then only the other one is rewritten, and the kept one reads its float weight as before
        self.assertEqual((stats["quantized"], stats["float_kept"]), (1, 1))
        self.assertEqual([list(n.input) for n in quantized.graph.node if n.op_type == "MatMul"],
                         [["h", "w_down"]])
        self.assertEqual(_ops(quantized)["MatMulInteger"], 1)
        # And a pattern that matches a weight's name keeps that one instead
        _, by_weight = Q.quantize_model(model, keep_float=r"^w_up$")
        self.assertEqual((by_weight["quantized"], by_weight["float_kept"]), (1, 1))

    def test_an_old_opset_is_raised_to_11_and_the_input_model_left_alone(self):
        # Given an opset-10 model
        model = _graph_model([helper.make_node("MatMul", ["x", "w"], ["y"])], [_float_input("x", ["batch", 128])],
                             [_float_input("y", ["batch", 64])], [_weight("w", (128, 64), 8)], opset=10)
        before = model.SerializeToString()
        # When it is quantized
        quantized, _ = Q.quantize_model(model)
        # Then DynamicQuantizeLinear's opset is declared, and the original is unchanged
        self.assertEqual([(o.domain, o.version) for o in quantized.opset_import], [("", 11)])
        self.assertEqual(model.SerializeToString(), before)


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class QuantizeBundleTest(unittest.TestCase):
    """A bundle with an align head in its folder and a text head referenced from a Maven artifact."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="quantize-test-")
        self.bundle = os.path.join(self.tmp, "bundle")
        os.makedirs(self.bundle)
        align = _graph_model([helper.make_node("MatMul", ["patch_tokens", "w"], ["pooled"])],
                             [_float_input("patch_tokens", ["batch", 8, 128])], [_float_input("pooled", ["batch", 8, 96])],
                             [_weight("w", (128, 96), 9)])
        text = _graph_model([helper.make_node("Gemm", ["t", "b"], ["e"], transB=1)],
                            [_float_input("t", ["batch", 64])], [_float_input("e", ["batch", 80])], [_weight("b", (80, 64), 10)])
        onnx.save(align, os.path.join(self.bundle, "align.onnx"))
        self.text_source = os.path.join(self.tmp, "minilm.onnx")  # where the artifact's file would be
        onnx.save(text, self.text_source)
        self.manifest = {
            "format": 2, "model_id": "m",
            "heads": {"align": {"file": "align.onnx", "macs_per_item": 98304, "inputs": {}},
                      "text": {"file": "minilm.onnx", "pooling": "mean"}},
            "onnx_opset": 17,
            "files": {"align.onnx": {"sha256": _sha256(os.path.join(self.bundle, "align.onnx")),
                                     "bytes": os.path.getsize(os.path.join(self.bundle, "align.onnx"))},
                      "minilm.onnx": {"sha256": _sha256(self.text_source), "bytes": os.path.getsize(self.text_source),
                                      "maven": "g:a:1", "resource": "minilm.onnx"}}}
        self._write_manifest()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _write_manifest(self):
        with open(os.path.join(self.bundle, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(self.manifest, f, indent=2)
            f.write("\n")

    def _manifest(self):
        with open(os.path.join(self.bundle, "manifest.json"), encoding="utf-8") as f:
            text = f.read()
        return text, json.loads(text)

    def _quantize(self, argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            Q.main(["--bundle", self.bundle] + argv)
        return out.getvalue()

    def test_the_manifest_records_the_int8_file(self):
        # When the default heads are quantized without a source for the referenced text head
        printed = self._quantize([])
        text, manifest = self._manifest()
        # Then align gets an int8 entry with its MAC count and a checked file entry
        self.assertEqual(manifest["heads"]["align"]["int8"], {"file": "align.int8.onnx", "macs_per_item": 98304})
        path = os.path.join(self.bundle, "align.int8.onnx")
        self.assertEqual(manifest["files"]["align.int8.onnx"], {"sha256": _sha256(path), "bytes": os.path.getsize(path)})
        onnx.checker.check_model(onnx.load(path))
        # keeping everything else, in order, two-space indented
        self.assertEqual(list(manifest), list(self.manifest))
        self.assertEqual(list(manifest["heads"]["align"])[:-1], list(self.manifest["heads"]["align"]))
        self.assertTrue(text.startswith('{\n  "format": 2,'))
        # and the text head is skipped, saying why
        self.assertNotIn("int8", manifest["heads"]["text"])
        self.assertNotIn("minilm.int8.onnx", manifest["files"])
        self.assertIn("text: skipped", printed)
        self.assertIn("align: align.onnx -> align.int8.onnx: MatMul/Gemm 1 quantized, 0 left float", printed)

    def test_a_keep_float_that_is_not_a_regular_expression_is_refused_before_anything_is_written(self):
        # Given the bundle as it is
        _, before = self._manifest()
        # When --keep-float names an expression that does not compile, then argparse refuses it (exit 2)
        with self.assertRaises(SystemExit) as refused, contextlib.redirect_stderr(io.StringIO()) as err:
            self._quantize(["--keep-float", "/layer.[0-9+/"])
        self.assertEqual(refused.exception.code, 2)
        self.assertIn("not a regular expression", err.getvalue())
        # and nothing is written
        self.assertEqual(self._manifest()[1], before)
        self.assertFalse(os.path.exists(os.path.join(self.bundle, "align.int8.onnx")))

    def test_a_referenced_head_is_quantized_from_a_matching_source(self):
        # When the text head's fp32 file is given
        self._quantize(["--heads", "text", "--source", f"text={self.text_source}"])
        _, manifest = self._manifest()
        # Then its int8 file lands in the bundle folder (no MAC count: the fp32 head has none)
        self.assertEqual(manifest["heads"]["text"]["int8"], {"file": "minilm.int8.onnx"})
        path = os.path.join(self.bundle, "minilm.int8.onnx")
        self.assertEqual(manifest["files"]["minilm.int8.onnx"], {"sha256": _sha256(path), "bytes": os.path.getsize(path)})
        self.assertEqual(manifest["files"]["minilm.onnx"], self.manifest["files"]["minilm.onnx"])

    def test_a_source_with_another_checksum_is_refused(self):
        # Given a source that is not the manifest's file
        other = os.path.join(self.tmp, "other.onnx")
        shutil.copyfile(os.path.join(self.bundle, "align.onnx"), other)
        _, before = self._manifest()
        # When it is given for the text head, then nothing is written
        with self.assertRaises(ValueError) as refused:
            Q.quantize_bundle(self.bundle, ["align", "text"], {"text": other}, log=lambda line: None)
        self.assertIn("sha256", str(refused.exception))
        self.assertEqual(self._manifest()[1], before)
        self.assertFalse(os.path.exists(os.path.join(self.bundle, "align.int8.onnx")))

    def test_a_bundle_file_the_manifest_does_not_name_is_refused(self):
        # Given an align.onnx changed after the manifest was written
        shutil.copyfile(self.text_source, os.path.join(self.bundle, "align.onnx"))
        # When it is quantized, then it is refused
        with self.assertRaises(ValueError):
            Q.quantize_bundle(self.bundle, ["align"], log=lambda line: None)
        self.assertFalse(os.path.exists(os.path.join(self.bundle, "align.int8.onnx")))

    def test_an_unknown_head_is_refused(self):
        with self.assertRaises(ValueError):
            Q.quantize_bundle(self.bundle, ["tevi"], log=lambda line: None)


if __name__ == "__main__":
    unittest.main()
