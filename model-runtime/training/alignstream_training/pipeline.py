"""One command: train every part of the bundle, evaluate on the held-out split, export.

python3 -m alignstream_training.pipeline --data DIR --minilm-jar JAR --bundle DIR --results-md FILE
"""
import argparse
import hashlib
import json
import math
import os
import time
import zipfile

import numpy as np
import torch

from . import data as D
from . import evaluate as E
from . import stages as S
from .export import export_bundle
from .models import AlignConnector, MlpConnector
from .report import write_results
from .vocabulary import WordPiece, read_minilm, restricted_vocabulary

FULL = dict(seed=1234, batch=256, vision_batch=128, vision_lr=2e-3, vision_epochs=16,
            sae_m=3072, sae_k=32, sae_lr=1e-3, sae_steps=1500, sae_dead_after=20000, sae_aux_coef=1 / 32,
            mask_hidden=256, mask_lr=1e-3, mask_steps=1500, mask_sparsity=0.05, mask_final_gain=8.0, mask_invariance=0.5,
            align_vocab=2048, connector_lr=2e-3, connector_epochs=16, align_temperature_init=4.0, connector_tokens=16, word_weight=1.0, word_consensus_power=2.0, version="0.2.0")
QUICK = dict(FULL, vision_epochs=2, sae_steps=300, mask_steps=200, connector_epochs=1)


REUSED = []


def with_overrides(cfg, assignments):
    """cfg with KEY=VALUE assignments applied, each value parsed as the default's type."""
    out = dict(cfg)
    for assignment in assignments:
        key, _, value = assignment.partition("=")
        if key not in out:
            raise SystemExit(f"--set {assignment}: unknown setting {key!r}; known: {', '.join(sorted(out))}")
        out[key] = type(out[key])(value)
    return out


def _cached(path, reuse, build):
    if reuse and os.path.exists(path):
        S.log(f"reusing {path}")
        REUSED.append(os.path.basename(path))
        return torch.load(path)
    value = build()
    torch.save(value, path)
    return value


def training_device():
    """The first CUDA GPU when PyTorch sees one, else the CPU; TRAIN_DEVICE (cpu, cuda, cuda:1)
    overrides. Evaluation and export always run on the CPU, where the reference numbers are."""
    requested = os.environ.get("TRAIN_DEVICE")
    if requested:
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise SystemExit(f"TRAIN_DEVICE={requested}, but PyTorch sees no CUDA device")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--minilm-jar", required=True)
    ap.add_argument("--minilm-version", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--results-md", required=True)
    ap.add_argument("--dataset-seconds", type=float, default=None,
                    help="wall time of the Java dataset step, for the report")
    ap.add_argument("--quick", action="store_true", help="tiny configuration for development")
    ap.add_argument("--reuse", action="store_true", help="reuse stage checkpoints in --work")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override one training setting (for experiments; the committed bundle uses the defaults)")
    args = ap.parse_args()
    cfg = with_overrides(QUICK if args.quick else FULL, args.set)
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", os.cpu_count() or 1)))
    device = training_device()
    device_note = "cpu" if device.type == "cpu" else f"{device} ({torch.cuda.get_device_name(device)})"
    S.log(f"training on {device_note}")
    os.makedirs(args.work, exist_ok=True)
    timings = {}
    if args.dataset_seconds is not None:
        timings["dataset generation (Java, MiniLM embeddings)"] = args.dataset_seconds
    started = time.time()

    ds = D.load(args.data)
    S.log(f"dataset: {ds.train.size} train, {ds.test.size} test, {len(ds.texts)} texts")

    t0 = time.time()
    tower = VisionTowerState.load_or_train(args, ds, cfg, "clips", device)
    tower_trunc = VisionTowerState.load_or_train(args, ds, cfg, "trunc", device)
    timings["vision (both towers)"] = time.time() - t0

    x_train, tok_train = S.embed_images(tower, ds.train.images)
    x_test, tok_test = S.embed_images(tower, ds.test.images)
    x_trunc_test, _ = S.embed_images(tower_trunc, ds.test.images)

    t0 = time.time()
    # The SAE learns from every train-distribution image we have, captioned or not.
    x_sae = x_train
    if ds.unlabelled_images is not None:
        x_sae = torch.cat([x_train, S.embed_images(tower, ds.unlabelled_images, keep_tokens=False)[0]])
    S.log(f"SAE data: {x_sae.shape[0]} image embeddings")
    sae = _cached(os.path.join(args.work, "sae.pt"), args.reuse, lambda: S.train_sae(x_sae, cfg, device))
    mask = _cached(os.path.join(args.work, "mask.pt"), args.reuse, lambda: S.train_mask(ds, sae, x_train, cfg, device))
    for p in list(sae.parameters()) + list(mask.parameters()):
        p.requires_grad_(False)
    timings["TEVI (SAE + mask)"] = time.time() - t0

    t0 = time.time()
    word_matrix, vocab = read_minilm(args.minilm_jar)
    wordpiece = WordPiece(vocab)
    tokens_of = [wordpiece.ids(t) for t in ds.texts]
    caption_tokens = [i for split in (ds.train, ds.test) for ids in (split.web.reshape(-1), split.long)
                      for t in ids for i in tokens_of[t]]
    restricted = restricted_vocabulary(caption_tokens, vocab, cfg["align_vocab"])
    train_docs = [set(tokens_of[t]) for t in np.concatenate([ds.train.long, ds.train.web.reshape(-1)])]
    df = {}
    for doc in train_docs:
        for tok in doc:
            df[tok] = df.get(tok, 0) + 1
    idf = {tok: math.log(len(train_docs) / c) for tok, c in df.items() if vocab[tok].isalnum()}
    train_captions = np.concatenate([ds.train.web, ds.train.long[:, None]], axis=1)   # [n, 5]: all of an image's captions
    center = word_matrix[restricted].mean(axis=0)
    targets = S.bag_of_words_targets(tokens_of, word_matrix, idf, center)
    center = torch.from_numpy(center)
    align = _cached(os.path.join(args.work, "align.pt"), args.reuse, lambda: S.train_connector(
        AlignConnector(torch.from_numpy(word_matrix[restricted]), torch.from_numpy(restricted),
                       logit_gain=cfg["align_temperature_init"]),
        tok_train, ds, targets, center, cfg, "align",
        words=S.word_distributions(tokens_of, train_captions, restricted,
                                 S.word_specificity(tokens_of, train_captions), cfg["word_consensus_power"]), device=device))
    mlp = _cached(os.path.join(args.work, "mlp.pt"), args.reuse, lambda: S.train_connector(
        MlpConnector(), tok_train, ds, targets, center, cfg, "mlp", device=device))
    timings["connectors (ALIGN + MLP)"] = time.time() - t0

    t0 = time.time()
    word_ids = {w: wordpiece.index[w] for fam in ("colour", "shape") for w in ds.meta["values"][fam]}
    results = {
        "config": cfg,
        "dataset": {"train": ds.train.size, "test": ds.test.size, "texts": len(ds.texts),
                    "held_out": ds.meta["held_out_colour_by_shape"]},
        "retrieval": E.retrieval(ds, x_test, sae, mask),
        "probe": E.probe_experiment(ds, x_train, x_test, sae, mask, cfg["seed"]),
        "align_words": E.connector_words(ds, align, tok_test, word_ids),
        "align_noise": E.connector_noise(ds, {"ALIGN": align, "MLP": mlp}, tok_test, targets, center, cfg["seed"]),
        "clips_ablation": {"clips": E.retrieval(ds, x_test, None, None),
                           "truncation": E.retrieval(ds, x_trunc_test, None, None)},
        "vocabulary": {"size": int(len(restricted)), "from_captions": int(len(set(caption_tokens)))},
    }
    timings["evaluation"] = time.time() - t0

    t0 = time.time()
    with zipfile.ZipFile(args.minilm_jar) as jar:
        text_encoder = {"version": args.minilm_version,
                        "model_sha256": hashlib.sha256(jar.read("all-minilm-l6-v2.onnx")).hexdigest(),
                        "tokenizer_sha256": hashlib.sha256(jar.read("all-minilm-l6-v2-tokenizer.json")).hexdigest()}
    manifest = export_bundle(args.bundle, ds, tower, sae, mask, align, cfg, len(vocab), text_encoder)
    timings["export"] = time.time() - t0
    timings["total (training pipeline)"] = time.time() - started
    if args.dataset_seconds is not None:
        timings["total (generate + train + export + report)"] = time.time() - started + args.dataset_seconds
    results["bundle_bytes"] = sum(f["bytes"] for f in manifest["files"].values())
    results["timings_s"] = timings
    results["reused_checkpoints"] = REUSED
    results["threads"] = torch.get_num_threads()
    results["device"] = device_note
    with open(os.path.join(args.work, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    write_results(results, args.results_md)
    S.log(f"done in {timings['total (training pipeline)']:.0f}s; bundle {results['bundle_bytes'] / 1e6:.1f} MB")


class VisionTowerState:
    @staticmethod
    def load_or_train(args, ds, cfg, mode, device):
        return _cached(os.path.join(args.work, f"vision_{mode}.pt"), args.reuse,
                       lambda: S.train_vision(ds, cfg, mode, device))


if __name__ == "__main__":
    main()
