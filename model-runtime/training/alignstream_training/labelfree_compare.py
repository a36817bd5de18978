"""Bundles' TEVI heads side by side on one training-data directory, with the label-free report's
metrics: retrieval raw vs TEVI (R@1/5/10 both directions, short and long captions), dictionary
health, and label probes where the directory has labels (evaluation only).

    python3 -m alignstream_training.labelfree_compare --data DATA_DIR --bundle NAME=DIR ... [--report OUT.md]

The heads are read from each bundle's tevi.onnx, so any bundle compares, whoever trained it.
Give a data directory of images none of the bundles trained on: every image there is evaluated
(the probes fit on its train split and score on the rest).
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import labelfree_data as LD
from . import labelfree_eval as LE
from .models import CaptionAdapter, CaptionMask, TopKSAE


def read_tevi(bundle_dir):
    """(sae, mask, adapter or None, manifest) with the weights of the bundle's tevi.onnx."""
    with open(os.path.join(bundle_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    dims = manifest["dims"]
    d, m, k = dims["embedding"], dims["sae_latents"], dims["sae_k"]
    graph = onnx.load(os.path.join(bundle_dir, manifest["heads"]["tevi"]["file"])).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    hidden = next(w.shape[0] for n, w in weights.items() if n.endswith("mask.net.0.weight"))
    sae, mask = TopKSAE(d, m, k), CaptionMask(d, m, hidden)

    def named(suffix):
        return torch.from_numpy(next(w for n, w in weights.items() if n.endswith(suffix)).copy())

    with torch.no_grad():
        sae.b_dec.copy_(named("sae.b_dec"))
        sae.b_enc.copy_(named("sae.b_enc"))
        # The exporter folds W_enc.t() [d, m] and W_dec.t() [m, d] into MatMul constants.
        unnamed = [w for n, w in weights.items() if not n.startswith(("sae.", "mask.", "adapter."))]
        sae.W_enc.copy_(torch.from_numpy(next(w for w in unnamed if w.shape == (d, m)).T.copy()))
        sae.W_dec.copy_(torch.from_numpy(next(w for w in unnamed if w.shape == (m, d)).T.copy()))
        for name in ("net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"):
            dict(mask.named_parameters())[name].copy_(named("mask." + name))
        mask.gain.copy_(named("mask.gain"))
        adapter = None
        if any(n.startswith("adapter.") for n in weights):
            adapter = CaptionAdapter(d, next(w.shape[0] for n, w in weights.items() if n.endswith("adapter.net.0.weight")))
            for name in ("net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"):
                dict(adapter.named_parameters())[name].copy_(named("adapter." + name))
            adapter.eval()
    return sae.eval(), mask.eval(), adapter, manifest


def compare(data_dir, bundles):
    data = LD.load(data_dir)
    everything = np.arange(len(data.image_ids))
    train, test = data.images("train"), np.concatenate([data.images("validation"), data.images("test")])
    out = {"data": {"images": int(len(everything)), "captions": int(len(data.cap_text))}, "bundles": {}}
    for name, path in bundles:
        sae, mask, adapter, manifest = read_tevi(path)
        rs = LE.RetrievalSet(data, everything)
        out["bundles"][name] = {
            "bundle": f"{manifest['model_id']} {manifest['version']}",
            "retrieval": rs.metrics(sae, mask, adapter),
            "dictionary": LE.dictionary_health(sae, mask, data.x[everything], rs, adapter),
            "probes": LE.probes(data, sae, mask, train, test, {"probe_images": 5000}, adapter),
            "named_probes": LE.named_probes(data, sae, mask, train, test, {"probe_images": 5000}, adapter),
        }
    return out


def markdown(r):
    names = list(r["bundles"])
    lines = [f"{r['data']['images']} images, {r['data']['captions']} captions, none seen in training by either bundle.",
             "", "| captions | direction | metric | raw | " + " | ".join(f"TEVI {n}" for n in names) + " |",
             "| --- | --- | --- | ---: | " + " | ".join("---:" for _ in names) + " |"]
    first = r["bundles"][names[0]]["retrieval"]
    for kind in ("short", "long"):
        for direction in ("t2i", "i2t"):
            for k in ("R@1", "R@5", "R@10"):
                raw = first[kind]["raw"][direction][k]
                tevi = [r["bundles"][n]["retrieval"][kind]["tevi"][direction][k] for n in names]
                label = "text->image" if direction == "t2i" else "image->text"
                lines.append(f"| {kind} ({first[kind]['captions']}) | {label} | {k} | {100 * raw:.1f} | "
                             + " | ".join(f"{100 * v:.1f}" for v in tevi) + " |")
    lines += ["", "| dictionary | " + " | ".join(names) + " |", "| --- | " + " | ".join("---:" for _ in names) + " |"]
    for key in ("latents", "dead_share", "test_fvu", "mean_active", "dense_latents", "dense_mass_share", "mean_mask",
                "kept_share_of_active", "kept_mass"):
        lines.append(f"| {key} | " + " | ".join(f"{r['bundles'][n]['dictionary'][key]:.3g}" for n in names) + " |")
    probes = r["bundles"][names[0]]["probes"]
    if probes:
        lines += ["", "| probe (accuracy) | chance | raw | " + " | ".join(f"TEVI {n}" for n in names) + " |",
                  "| --- | ---: | ---: | " + " | ".join("---:" for _ in names) + " |"]
        for attr, row in probes.items():
            lines.append(f"| {attr} | {100 * row['chance']:.1f} | {100 * row['raw']:.1f} | "
                         + " | ".join(f"{100 * r['bundles'][n]['probes'][attr]['tevi_own_caption']:.1f}" for n in names)
                         + " |")
    named = r["bundles"][names[0]].get("named_probes")
    if named:
        lines += ["", "Named against unnamed (probe accuracy on TEVI conditioned on a short caption naming the "
                  "attribute / not naming it; targets: named >= 90% of raw, unnamed loses >= half of raw - chance):", "",
                  "| attribute | chance | raw | " + " | ".join(f"{n} named | {n} unnamed" for n in names) + " |",
                  "| --- | ---: | ---: | " + " | ".join("---: | ---:" for _ in names) + " |"]
        for attr, row in named.items():
            cells = " | ".join(f"{100 * r['bundles'][n]['named_probes'][attr]['named']:.1f} | "
                               f"{100 * r['bundles'][n]['named_probes'][attr]['unnamed']:.1f}" for n in names)
            lines.append(f"| {attr} | {100 * row['chance']:.1f} | {100 * row['raw']:.1f} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--bundle", action="append", required=True, metavar="NAME=DIR")
    ap.add_argument("--report", help="markdown output (a .json next to it)")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    r = compare(args.data, [b.split("=", 1) for b in args.bundle])
    text = markdown(r)
    print(text)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(text)
        with open(os.path.splitext(args.report)[0] + ".json", "w", encoding="utf-8") as f:
            json.dump(r, f, indent=2)


if __name__ == "__main__":
    main()
