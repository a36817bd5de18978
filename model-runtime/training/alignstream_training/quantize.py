"""Dynamic int8 quantization of a bundle's heads, written with the `onnx` package alone.

    python3 -m alignstream_training.quantize --bundle DIR [--heads align,text,vision] \
        [--source text=PATH.onnx] [--reduce-range] [--keep-float REGEX]

For each named head (default: align,text, the heavy ones) it reads the fp32 ONNX file, writes
`<stem>.int8.onnx` beside the manifest, and records it as `heads.<name>.int8` (`file`, and the
fp32 head's `macs_per_item` when it has one) and in `files` (`sha256`, `bytes`). A head whose
file comes from a Maven artifact (`files.<name>` has `maven`/`resource`, like the default's
MiniLM) is quantized only from `--source <head>=PATH`, checked against the manifest's sha256.

The rewrite (no ONNX Runtime for Python here, so not its quantizer): every MatMul whose B is a
constant float32 [K, N] initializer, and every Gemm with a constant B, becomes

    DynamicQuantizeLinear(A) -> MatMulInteger(A_q, W_q, A_zp, W_zp) -> Cast(float)
        -> Mul(., Mul(A_scale, W_scale)) [-> Add(., bias)]

the pattern ONNX Runtime fuses into MatMulIntegerToFloat and then DynamicQuantizeMatMul (its
fast u8 x s8 kernels). Activations: uint8, per tensor, scale and zero point computed at run
time over the whole input tensor (so over the whole batch). Weights: int8, symmetric, one scale
per output column, zero point 0, values in [-127, 127] (`--reduce-range`: [-64, 64], for x86
CPUs without VNNI, see QMAX_REDUCED). MatMuls of two run-time tensors (attention) and every
other op stay float, as do MatMuls with fewer than SMALL weights.
"""
import argparse
import json
import os
import re
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .export import _sha256

DEFAULT_HEADS = ("align", "text")
# Below this many weights a MatMul costs less than the quantize/dequantize around it.
SMALL = 4096
# Symmetric: -128 is left out so that w and -w quantize to q and -q, with zero exactly 0.
QMAX = 127
# x86 u8 x s8 kernels without VNNI (SSE4.1, AVX2, AVX-512 without VNNI: vpmaddubsw) add two
# u8*s8 products into an int16 with saturation; 255 * 127 * 2 = 64770 can saturate, 255 * 64 * 2
# = 32640 cannot. ONNX Runtime's reduce_range and the langchain4j MiniLM -q use these 7 bits.
# VNNI (vpdpbusd) sums into int32 and needs no such care: the build machines have it.
QMAX_REDUCED = 64
MIN_OPSET = 11  # DynamicQuantizeLinear


def _quantize_weight(w, qmax=QMAX):
    """Per-column symmetric int8: w[:, n] ~ q[:, n] * scale[n]."""
    peak = np.abs(w).max(axis=0)
    scale = np.where(peak > 0, peak / qmax, 1.0).astype(np.float32)
    q = np.clip(np.round(w / scale), -qmax, qmax).astype(np.int8)
    return q, scale


class _Names:
    """Fresh tensor and node names, never clashing with the graph's own."""

    def __init__(self, graph):
        self.used = {i.name for i in graph.initializer} | {i.name for i in graph.input}
        for node in graph.node:
            self.used.update(node.input)
            self.used.update(node.output)
            self.used.add(node.name)

    def __call__(self, name):
        fresh, i = name, 1
        while fresh in self.used:
            fresh, i = f"{name}_{i}", i + 1
        self.used.add(fresh)
        return fresh


def _attr(node, name, default):
    return next((helper.get_attribute_value(a) for a in node.attribute if a.name == name), default)


def quantize_model(model, reduce_range=False, keep_float=None):
    """Returns (a quantized copy of model, stats). The input model is left as it is.
    reduce_range: weights in [-64, 64] instead of [-127, 127] (QMAX_REDUCED).
    keep_float: a regular expression; a MatMul/Gemm whose node name or weight name it finds
    (re.search) stays float (the layers whose int8 error costs the most, docs/int8.md)."""
    keep = re.compile(keep_float) if keep_float else None
    model_out = onnx.ModelProto()
    model_out.CopyFrom(model)
    graph = model_out.graph
    # An initializer that is also a graph input can be fed at run time: not a constant.
    inputs = {i.name for i in graph.input}
    weights = {i.name: i for i in graph.initializer if i.name not in inputs}
    names = _Names(graph)
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    stats = {"quantized": 0, "float_dynamic": 0, "float_small": 0, "float_other": 0, "float_kept": 0}
    quantized_weights = {}  # (initializer, transposed, alpha) -> (W_q name, scale name, zp name)
    replaced = set()
    nodes = []
    for node in graph.node:
        if node.op_type not in ("MatMul", "Gemm") or node.domain not in ("", "ai.onnx"):
            nodes.append(node)
            continue
        b = weights.get(node.input[1])
        gemm = node.op_type == "Gemm"
        if b is None or b.data_type != TensorProto.FLOAT or len(b.dims) != 2:
            stats["float_dynamic"] += 1
            nodes.append(node)
            continue
        bias = None
        if gemm:
            c = node.input[2] if len(node.input) > 2 and node.input[2] else None
            if _attr(node, "transA", 0) or (c is not None and c not in weights):
                stats["float_other"] += 1  # rare forms, not worth their own rewrite
                nodes.append(node)
                continue
            transposed, alpha = bool(_attr(node, "transB", 0)), float(_attr(node, "alpha", 1.0))
            if c is not None:
                bias = numpy_helper.to_array(weights[c]).astype(np.float32) * np.float32(_attr(node, "beta", 1.0))
        else:
            transposed, alpha = False, 1.0
        if b.dims[0] * b.dims[1] < SMALL:
            stats["float_small"] += 1
            nodes.append(node)
            continue
        if keep is not None and (keep.search(node.name) or keep.search(b.name)):
            stats["float_kept"] += 1
            nodes.append(node)
            continue
        key = (b.name, transposed, alpha)
        if key not in quantized_weights:
            w = numpy_helper.to_array(b).astype(np.float32)
            w = (w.T if transposed else w) * np.float32(alpha)  # [K, N] as MatMulInteger wants it
            q, scale = _quantize_weight(w, QMAX_REDUCED if reduce_range else QMAX)
            quantized = (names(f"{b.name}_quantized"), names(f"{b.name}_scale"), names(f"{b.name}_zero_point"))
            graph.initializer.extend([numpy_helper.from_array(q, quantized[0]),
                                      numpy_helper.from_array(scale, quantized[1]),
                                      numpy_helper.from_array(np.zeros(len(scale), np.int8), quantized[2])])
            quantized_weights[key] = quantized
        w_q, w_scale, w_zp = quantized_weights[key]
        replaced.add(b.name)
        base = node.name or node.output[0]
        a_q, a_scale, a_zp = names(f"{base}_quant"), names(f"{base}_quant_scale"), names(f"{base}_quant_zero_point")
        product, as_float, scale = names(f"{base}_int32"), names(f"{base}_float"), names(f"{base}_scale")
        scaled = names(f"{base}_scaled") if bias is not None else node.output[0]
        # One DynamicQuantizeLinear per MatMul, even where several share an input (Q, K, V):
        # ONNX Runtime folds it into DynamicQuantizeMatMul only when its outputs feed one MatMul.
        # Scale Mul inputs in this order: the fusion reads A's scale first, then W's.
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [node.input[0]], [a_q, a_scale, a_zp], names(f"{base}_quant")),
            helper.make_node("MatMulInteger", [a_q, w_q, a_zp, w_zp], [product], names(f"{base}_MatMulInteger")),
            helper.make_node("Cast", [product], [as_float], names(f"{base}_Cast"), to=TensorProto.FLOAT),
            helper.make_node("Mul", [a_scale, w_scale], [scale], names(f"{base}_scale_Mul")),
            helper.make_node("Mul", [as_float, scale], [scaled], names(f"{base}_Mul")),
        ]
        if bias is not None:
            # A [1, N] or [N] bias as 1-D [N]: the shape the fusion takes into its kernel.
            if bias.ndim == 2 and bias.shape[0] == 1:
                bias = bias.reshape(-1)
            bias_name = names(f"{base}_bias")
            graph.initializer.append(numpy_helper.from_array(bias, bias_name))
            replaced.add(node.input[2])
            nodes.append(helper.make_node("Add", [scaled, bias_name], [node.output[0]], names(f"{base}_bias_Add")))
        else:
            _bias_second(consumers.get(node.output[0], []), weights)
        stats["quantized"] += 1
    # Copied out before the field is cleared: `nodes` holds the graph's own node messages.
    rewritten = onnx.GraphProto()
    rewritten.node.extend(nodes)
    del graph.node[:]
    graph.node.extend(rewritten.node)
    _remove_unused(graph, replaced)
    for opset in model_out.opset_import:
        if opset.domain in ("", "ai.onnx") and opset.version < MIN_OPSET:
            opset.version = MIN_OPSET
    onnx.checker.check_model(model_out)
    onnx.shape_inference.infer_shapes(model_out, check_type=True, strict_mode=True)
    return model_out, stats


def _bias_second(users, weights):
    """PyTorch exports a Linear as MatMul then Add(bias, product); ONNX Runtime's fusion takes the
    bias into its kernel only as the Add's second input. Add commutes, so swap it."""
    if len(users) == 1 and users[0].op_type == "Add" and users[0].input[0] in weights:
        bias = weights[users[0].input[0]]
        if len(bias.dims) == 1 and bias.dims[0] > 1:
            first, second = users[0].input
            users[0].input[:] = [second, first]


def _remove_unused(graph, candidates):
    used = {o.name for o in graph.output}
    for node in graph.node:
        used.update(node.input)
        for attribute in node.attribute:  # names a subgraph (If, Loop) reads from outside
            for sub in list(attribute.graphs) + ([attribute.g] if attribute.HasField("g") else []):
                used.update(n for sub_node in sub.node for n in sub_node.input)
    for initializer in [i for i in graph.initializer if i.name in candidates and i.name not in used]:
        graph.initializer.remove(initializer)


def count_ops(model):
    counts = {}
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def _int8_name(file):
    stem, ext = os.path.splitext(file)
    return f"{stem}.int8{ext}"


def quantize_bundle(bundle, heads=DEFAULT_HEADS, sources=None, log=print, reduce_range=False, keep_float=None):
    """Quantizes the named heads and updates manifest.json. sources: {head: fp32 file path} for
    heads whose file is not in the bundle folder. Returns {head: stats} of the heads written;
    a referenced head without a source is skipped (and logged), a wrong source refused."""
    sources = dict(sources or {})
    path = os.path.join(bundle, "manifest.json")
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    files = manifest.setdefault("files", {})
    unknown = [h for h in heads if h not in manifest.get("heads", {})]
    if unknown:
        raise ValueError(f"{path}: no head {', '.join(unknown)} (heads: {', '.join(manifest.get('heads', {}))})")
    unused = [h for h in sources if h not in heads]
    if unused:
        raise ValueError(f"--source for {', '.join(unused)}, which is not among the heads to quantize")
    # Every source checked before anything is written.
    plan = []
    for head in heads:
        file = manifest["heads"][head]["file"]
        entry = files.get(file, {})
        if head in sources:
            source = sources[head]
            if _sha256(source) != entry.get("sha256") or os.path.getsize(source) != entry.get("bytes"):
                raise ValueError(f"{source} is not {file} of {path} (sha256 or size differs)")
        elif "maven" in entry or "resource" in entry:
            log(f"{head}: skipped: {file} comes from {entry.get('maven', 'a Maven artifact')}, "
                f"not the bundle folder; give it with --source {head}=PATH")
            continue
        else:
            source = os.path.join(bundle, file)
            if "sha256" in entry and _sha256(source) != entry["sha256"]:
                raise ValueError(f"{source}: sha256 differs from {path}'s; not quantizing a file the manifest does not name")
        plan.append((head, file, source))
    results = {}
    for head, file, source in plan:
        quantized, stats = quantize_model(onnx.load(source), reduce_range, keep_float)
        target = _int8_name(file)
        onnx.save(quantized, os.path.join(bundle, target))
        int8 = {"file": target}
        if "macs_per_item" in manifest["heads"][head]:
            int8["macs_per_item"] = manifest["heads"][head]["macs_per_item"]
        manifest["heads"][head]["int8"] = int8
        written = os.path.join(bundle, target)
        files[target] = {"sha256": _sha256(written), "bytes": os.path.getsize(written)}
        stats.update(fp32_bytes=os.path.getsize(source), int8_bytes=files[target]["bytes"], file=target)
        results[head] = stats
        log(f"{head}: {file} -> {target}: MatMul/Gemm {stats['quantized']} quantized, "
            f"{sum(n for kind, n in stats.items() if kind.startswith('float_'))} left float "
            f"({stats['float_dynamic']} without a constant 2-D float weight, {stats['float_small']} small, "
            f"{stats['float_other']} other, {stats['float_kept']} kept by --keep-float); {stats['fp32_bytes']:,} -> {stats['int8_bytes']:,} bytes")
    if results:
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    return results


def _regex(text):
    """An argparse type: the expression itself, refused with argparse's usage message when it does not compile."""
    try:
        re.compile(text)
    except re.error as e:
        raise argparse.ArgumentTypeError(f"not a regular expression: {e}")
    return text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", required=True, help="bundle folder with manifest.json")
    ap.add_argument("--heads", default=",".join(DEFAULT_HEADS), help="comma-separated head names")
    ap.add_argument("--source", action="append", default=[], metavar="HEAD=PATH",
                    help="the fp32 file of a head the bundle references from a Maven artifact")
    ap.add_argument("--reduce-range", action="store_true",
                    help="7-bit weights ([-64, 64]) for x86 CPUs without VNNI, where 8-bit ones can saturate")
    ap.add_argument("--keep-float", metavar="REGEX", type=_regex,
                    help="MatMul/Gemm nodes whose node or weight name matches stay float, "
                         "e.g. the feed-forward output projections of a BERT text tower")
    args = ap.parse_args(argv)
    sources = {}
    for item in args.source:
        head, sep, source = item.partition("=")
        if not sep or not head or not source:
            ap.error(f"--source {item}: expected HEAD=PATH")
        sources[head] = source
    heads = [h for h in args.heads.split(",") if h]
    if "tevi" in heads:
        # The runtime scores TEVI from its fp32 decoder and refuses heads.tevi.int8 (docs/int8.md).
        ap.error("--heads tevi: the TEVI head runs in fp32 only")
    try:
        quantize_bundle(args.bundle, heads, sources, reduce_range=args.reduce_range, keep_float=args.keep_float)
    except ValueError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main()
