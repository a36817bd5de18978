"""Completes a format-2 bundle: tevi.onnx, align.onnx, golden.json and the manifest's entries."""
import base64
import json
import os

import torch

from . import labelfree_data as LD
from .export import OPSET, AlignExport, _export, _floats, _sha256, count_macs
from .models import TeviHead

TOLERANCE = 1e-4
WRITTEN = ("tevi.onnx", "align.onnx", "golden.json")


def golden_inputs(data):
    """The contract's golden set: the first G test images (file order), their Java-computed
    embeddings and patch tokens, and each image's first caption with its embedding."""
    images = LD.golden_indices(data)
    captions = []
    for i in images:
        own = data.captions_of(images[images == i])
        if len(own) == 0:
            raise SystemExit(f"golden image {data.image_ids[i]} has no caption")
        captions.append(int(own[0]))
    return images, captions


def export_heads(bundle_dir, manifest, data, sae, mask, align, cfg, adapter=None):
    sae.eval(), mask.eval(), align.eval()
    if adapter is not None:
        adapter.eval()
    head = TeviHead(sae, mask, adapter).eval()
    images, captions = golden_inputs(data)
    x, t = data.x[images], data.t[captions]
    tokens = data.patch_tokens(images)
    with torch.no_grad():
        tevi_out = head(x, t)
        align_out = align(tokens)
    tevi_path, align_path = (os.path.join(bundle_dir, name) for name in WRITTEN[:2])
    tevi_outputs = ["aligned_embedding", "sparse_codes", "mask"] + (["caption_aligned"] if adapter is not None else [])
    _export(head, (x, t), tevi_path, ["image_embedding", "caption_embedding"], tevi_outputs)
    _export(AlignExport(align), (tokens,), align_path, ["patch_tokens"], ["projected_tokens", "pooled", "top_ids", "top_weights"])

    golden = {
        "about": "PyTorch outputs of the label-free trained heads for the first test-split images of the training-data "
                 "directory (indices are rows of its images.jsonl); vision outputs and caption embeddings are the "
                 "Java-computed rows of image_embeddings.f32, patch_tokens.f32 and caption_embeddings.f32; captions "
                 "are each image's first caption.",
        "split": "test",
        "indices": [int(i) for i in images],
        "image_ids": [data.image_ids[i] for i in images],
        "image_hwc_uint8_base64": [base64.b64encode(data.golden_images[g].tobytes()).decode() for g in range(len(images))],
        "caption_text": [data.cap_text[c] for c in captions],
        "caption_embedding": [_floats(v) for v in t],
        "vision": {"embedding": [_floats(v) for v in x], "patch_tokens": [_floats(v) for v in tokens]},
        "tevi": _tevi_rows(tevi_out),
        "align": {"projected_tokens": [_floats(v) for v in align_out[0]],
                  "pooled": [_floats(v) for v in align_out[1]],
                  "top_ids": align_out[2].tolist(),
                  "top_weights": [_floats(v) for v in align_out[3]]},
        "tolerance": {"absolute": TOLERANCE},
    }
    with open(os.path.join(bundle_dir, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, separators=(",", ":"))

    d, m = data.d, cfg["sae_latents"]
    T, dp = int(data.patches.shape[1]), int(data.patches.shape[2])
    D, top = int(data.word_embeddings.shape[1]), int(align.top)
    manifest["dims"].update({"sae_latents": m, "sae_k": int(sae.k), "align_vocabulary": int(align.E_text.shape[0]),
                             "align_top": top, "word_embedding": D})
    manifest["heads"]["tevi"] = _tevi_entry(tevi_path, d, m, adapter is not None)
    manifest["heads"]["align"] = {
        "file": "align.onnx", "macs_per_item": count_macs(align_path),
        "inputs": {"patch_tokens": ["batch", T, dp]},
        "outputs": {"projected_tokens": ["batch", T, D], "pooled": ["batch", D],
                    "top_ids": ["batch", top], "top_weights": ["batch", top]}}
    manifest["onnx_opset"] = OPSET
    manifest["golden"] = "golden.json"
    _write_manifest(bundle_dir, manifest, WRITTEN)
    return list(WRITTEN)


def export_tevi(bundle_dir, manifest, data, sae, mask, adapter=None):
    """Replaces only the TEVI head of a complete bundle (a retrained caption side, issue 18):
    tevi.onnx, golden.json's tevi rows and the manifest's tevi entry and checksums. align.onnx,
    the other golden rows (int8 ones included) and every other file stay as they are. The golden
    inputs must be the bundle's own: the data directory must be the one its golden.json came from."""
    sae.eval(), mask.eval()
    if adapter is not None:
        adapter.eval()
    head = TeviHead(sae, mask, adapter).eval()
    images, captions = golden_inputs(data)
    x, t = data.x[images], data.t[captions]
    golden_path = os.path.join(bundle_dir, "golden.json")
    with open(golden_path, encoding="utf-8") as f:
        golden = json.load(f)
    same_inputs = (golden["indices"] == [int(i) for i in images]
                   and torch.allclose(torch.tensor(golden["caption_embedding"]), t, atol=TOLERANCE)
                   and torch.allclose(torch.tensor(golden["vision"]["embedding"]), x, atol=TOLERANCE))
    if not same_inputs:
        raise SystemExit(f"{golden_path}: its golden inputs are not this data directory's; "
                         "retrain the caption side on the data the bundle was built from")
    with torch.no_grad():
        tevi_out = head(x, t)
    tevi_path = os.path.join(bundle_dir, "tevi.onnx")
    outputs = ["aligned_embedding", "sparse_codes", "mask"] + (["caption_aligned"] if adapter is not None else [])
    _export(head, (x, t), tevi_path, ["image_embedding", "caption_embedding"], outputs)
    golden["tevi"] = _tevi_rows(tevi_out)
    with open(golden_path, "w", encoding="utf-8") as f:
        json.dump(golden, f, separators=(",", ":"))
    manifest["heads"]["tevi"] = _tevi_entry(tevi_path, data.d, int(sae.W_dec.shape[1]), adapter is not None)
    written = ("tevi.onnx", "golden.json")
    _write_manifest(bundle_dir, manifest, written)
    return list(written)


def _tevi_rows(tevi_out):
    names = ("aligned_embedding", "sparse_codes", "mask", "caption_aligned")
    return {name: [_floats(v) for v in out] for name, out in zip(names, tevi_out)}


def _tevi_entry(tevi_path, d, m, with_adapter):
    return {"file": "tevi.onnx", "macs_per_item": count_macs(tevi_path),
            "inputs": {"image_embedding": ["batch", d], "caption_embedding": ["batch", d]},
            "outputs": {"aligned_embedding": ["batch", d], "sparse_codes": ["batch", m], "mask": ["batch", m],
                        **({"caption_aligned": ["batch", d]} if with_adapter else {})}}


def _write_manifest(bundle_dir, manifest, written):
    files = manifest.setdefault("files", {})
    for name in written:
        path = os.path.join(bundle_dir, name)
        files[name] = {"sha256": _sha256(path), "bytes": os.path.getsize(path)}
    tmp = os.path.join(bundle_dir, "manifest.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(bundle_dir, "manifest.json"))
