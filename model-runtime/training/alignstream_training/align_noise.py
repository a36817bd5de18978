"""AlignVLM's robustness claim, tested fairly (issue 17, item 4).

cd model-runtime/training
python3 -m alignstream_training.align_noise --data DATA_DIR --text-model TEXT_HEAD.onnx --report OUT.md
    [--quick] [--set key=value ...]

The paper's claim: visual tokens that are mixtures of the language model's word embeddings stay
where a language model can read them when the visual features are noisy, where a plain MLP
projector carries the noise straight into the language model. The earlier test (evaluate.py,
sigma 3 on layer-normalised tokens, two different objectives, ALIGN far below the MLP when clean)
could not tell. Here:

- The language model is the bundle's own text head (all-MiniLM-L6-v2, minilm_torch: rebuilt from
  its ONNX weights), frozen; it reads a connector's tokens as input embeddings between its [CLS]
  and [SEP] rows, and its pooled output (the text head's rule) is the downstream representation.
- Both connectors (models.AlignConnector, models.MlpConnector) are trained with ONE objective:
  symmetric InfoNCE between that pooled output and the image's own caption embeddings (the
  label-free positives of labelfree.CaptionIndex), on the train images with patch tokens, with
  FLIP-style token dropping; checkpoints chosen on validation (mean of both directions' R@1).
- Noise: Gaussian, per feature, sigma = s x that feature's standard deviation over the train
  patch tokens, s swept from 0.1 to 3.
- Per s: the per-token distance between a connector's clean and noisy outputs, relative to the
  distance between the same token positions of two different clean images (so 1.0 means the
  noise moved the tokens as far as a different image would); the same for the language model's
  pooled output; and the downstream retrieval R@1 (both directions) with noisy inputs.
- Matched clean quality: besides each connector's best checkpoint, the MLP checkpoint whose
  validation score is closest to ALIGN's chosen one is reported too.
No labels are read. The test split is touched once, after every choice.
"""
import argparse
import copy
import json
import math
import os
import time

import numpy as np
import torch

from . import labelfree_data as LD
from . import labelfree_eval as LE
from .labelfree import CaptionIndex, Checkpoints, restricted_vocabulary
from .losses import soft_infonce
from .minilm_torch import read_bert
from .models import AlignConnector, MlpConnector
from .pipeline import with_overrides
from .stages import cosine_lr, log

FULL = dict(seed=1234, batch=64, steps=600, lr=2e-3, tokens=16, evaluations=8, eval_images=400,
            align_vocabulary=2048, align_top=10, align_temperature_init=4.0, sigmas="0.1,0.3,1,3", pairs=4000)
QUICK = dict(FULL, batch=32, steps=30, evaluations=3, eval_images=60, align_vocabulary=256, pairs=500)


class Reader:
    """The frozen language model reading a connector's tokens: [CLS] tokens [SEP] -> pooled."""

    def __init__(self, bert, vocabulary):
        self.bert = bert
        self.cls = bert.words[vocabulary.index("[CLS]")]
        self.sep = bert.words[vocabulary.index("[SEP]")]

    def __call__(self, projected):
        b = projected.shape[0]
        embeds = torch.cat([self.cls.expand(b, 1, -1), projected, self.sep.expand(b, 1, -1)], dim=1)
        return self.bert.pooled(embeds, torch.ones(embeds.shape[:2], dtype=torch.long))


def reader_parity(reader, data, count=64):
    """Largest difference between the rebuilt language model's caption embeddings and the
    Java-computed ones (ONNX Runtime) over the first `count` single-chunk captions: the rebuild
    must be the text head itself, or the test would measure some other model."""
    from .minilm_torch import token_batch
    short = np.flatnonzero(~data.is_long(np.arange(len(data.cap_text))))[:count]
    vocabulary = data.vocabulary
    ids, mask = token_batch([data.cap_tokens[c] for c in short], vocabulary.index("[CLS]"), vocabulary.index("[SEP]"))
    with torch.no_grad():
        return (reader.bert.pooled(reader.bert.words[ids], mask) - data.t[short]).abs().max().item()


def pooled_outputs(connector, reader, tokens, chunk=100):
    with torch.no_grad():
        return torch.cat([reader(connector(tokens[s:s + chunk])[0]) for s in range(0, len(tokens), chunk)])


def retrieval(pooled, rs):
    """(text->image R@1, image->text R@1) of pooled image outputs against the split's captions."""
    s = pooled @ rs.t.t()
    return LE._recall(s.t(), rs.hits.t(), (1,))["R@1"], LE._recall(s, rs.hits, (1,))["R@1"]


def fit(name, connector, reader, data, index, val_rs, val_tokens, cfg):
    torch.manual_seed(cfg["seed"] + 7)
    gen = torch.Generator().manual_seed(cfg["seed"] + 17)
    tokens_all = data.patch_tokens(index.images)
    t_all = data.t
    logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    params = [p for p in connector.parameters() if p.requires_grad] + [logit_scale]
    opt = torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=0.01)
    n, steps, bs = len(index), cfg["steps"], min(cfg["batch"], len(index))
    T = tokens_all.shape[1]
    keep_n = min(cfg["tokens"], T)
    checkpoints = Checkpoints(name, steps, cfg["evaluations"])
    states = []
    for step in range(steps):
        cosine_lr(opt, cfg["lr"], step, steps, warmup=max(1, min(100, steps // 10)))
        connector.train()
        rows = torch.randperm(n, generator=gen)[:bs]
        caps = index.draw(rows, gen)
        pos = index.positives(rows, caps) | torch.eye(bs, dtype=torch.bool)
        keep = torch.rand(bs, T, generator=gen).argsort(dim=1)[:, :keep_n]
        subset = torch.gather(tokens_all[rows], 1, keep[:, :, None].expand(-1, -1, tokens_all.shape[2]))
        pooled = reader(connector(subset)[0])
        loss = soft_infonce(logit_scale.exp().clamp(max=100) * pooled @ t_all[caps].t(), pos)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if checkpoints.due(step):
            connector.eval()
            score = float(np.mean(retrieval(pooled_outputs(connector, reader, val_tokens), val_rs)))
            checkpoints.offer(step, score, connector)
            states.append((step + 1, score, copy.deepcopy(connector.state_dict())))
            log(f"{name} step {step + 1}/{steps} loss {loss.item():.4f} validation R@1 {score:.4f}")
    info = checkpoints.restore(connector)
    info["criterion"] = "R@1 of the language model's pooled output, mean of both directions"
    connector.eval()
    return info, states


def noise_sweep(connector, reader, tokens, rs, std, sigmas, pairs, seed):
    """Per sigma: relative per-token distance (connector output), relative pooled distance (the
    language model's output), and retrieval R@1 with noisy inputs."""
    gen = torch.Generator().manual_seed(seed)
    b, T = tokens.shape[:2]
    i = torch.randint(0, b, (pairs,), generator=gen)
    j = (i + 1 + torch.randint(0, b - 1, (pairs,), generator=gen)) % b              # a different image
    pos = torch.randint(0, T, (pairs,), generator=gen)
    with torch.no_grad():
        clean = connector(tokens)[0]
        pooled = pooled_outputs(connector, reader, tokens)
        token_between = (clean[i, pos] - clean[j, pos]).norm(dim=-1).mean().item()
        pooled_between = (pooled[i] - pooled[j]).norm(dim=-1).mean().item()
        t2i, i2t = retrieval(pooled, rs)
        rows = [{"sigma": 0.0, "token_distance": 0.0, "pooled_distance": 0.0, "t2i": t2i, "i2t": i2t}]
        for s in sigmas:
            noisy = tokens + s * std * torch.randn(tokens.shape, generator=gen)
            out = connector(noisy)[0]
            p = pooled_outputs(connector, reader, noisy)
            t2i, i2t = retrieval(p, rs)
            rows.append({"sigma": s,
                         "token_distance": (out - clean).norm(dim=-1).mean().item() / token_between,
                         "pooled_distance": (p - pooled).norm(dim=-1).mean().item() / pooled_between,
                         "t2i": t2i, "i2t": i2t})
    return {"between_images": {"token": token_between, "pooled": pooled_between}, "rows": rows}


def run(args):
    cfg = with_overrides(QUICK if args.quick else FULL, args.set)
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", 1 if args.quick else min(2, os.cpu_count() or 1))))
    torch.set_flush_denormal(True)
    started = time.time()
    data = LD.load(args.data)
    reader = Reader(read_bert(args.text_model), data.vocabulary)
    if reader.bert.words.shape != data.word_embeddings.shape:
        raise SystemExit(f"text model word embeddings {list(reader.bert.words.shape)} but the data has "
                         f"{list(data.word_embeddings.shape)}: give the text head the data was embedded with")
    parity = reader_parity(reader, data)
    log(f"rebuilt text head against the Java-computed caption embeddings: largest difference {parity:.2e}")
    if parity > 1e-4:
        raise SystemExit(f"the rebuilt text head differs from the data's caption embeddings by {parity:.2e}: "
                         "--text-model is not the text head the data was embedded with")
    train, val, test = (data.with_patches(data.images(s)) for s in LD.SPLITS)
    index = CaptionIndex(data, train)
    val_rs, test_rs = LE.RetrievalSet(data, val[:cfg["eval_images"]]), LE.RetrievalSet(data, test[:cfg["eval_images"]])
    val_tokens, test_tokens = data.patch_tokens(val_rs.images), data.patch_tokens(test_rs.images)
    restricted, _ = restricted_vocabulary(data, data.captions_of(train), cfg["align_vocabulary"])
    words = torch.from_numpy(data.word_embeddings)
    torch.manual_seed(cfg["seed"])
    dp = data.patches.shape[2]
    connectors = {
        "ALIGN": AlignConnector(words[torch.from_numpy(restricted)], torch.from_numpy(restricted),
                                top=cfg["align_top"], logit_gain=cfg["align_temperature_init"], patch_dim=dp),
        "MLP": MlpConnector(d=words.shape[1], patch_dim=dp),
    }
    log(f"align noise: {len(index)} train, {len(val_rs)} validation, {len(test_rs)} test images with patch tokens")
    choices, states, timings = {}, {}, {}
    for name, connector in connectors.items():
        t0 = time.time()
        choices[name], states[name] = fit(name, connector, reader, data, index, val_rs, val_tokens, cfg)
        timings[name] = time.time() - t0
    # The MLP at ALIGN's clean quality: its checkpoint whose validation score is closest.
    target = choices["ALIGN"]["validation_score"]
    step, score, state = min(states["MLP"], key=lambda s: (abs(s[1] - target), s[0]))
    matched = copy.deepcopy(connectors["MLP"])
    matched.load_state_dict(state)
    matched.eval()
    choices["MLP matched"] = {"chosen_step": step, "steps": cfg["steps"], "validation_score": score,
                              "criterion": "validation score closest to ALIGN's"}
    connectors["MLP matched"] = matched
    std = data.patch_tokens(train[:2000]).reshape(-1, dp).std(dim=0)
    sigmas = [float(s) for s in str(cfg["sigmas"]).split(",")]
    sweeps = {name: noise_sweep(c, reader, test_tokens, test_rs, std, sigmas, cfg["pairs"], cfg["seed"] + 31)
              for name, c in connectors.items()}
    timings["total"] = time.time() - started
    results = {"config": cfg, "reader_parity": parity, "choices": choices, "sweeps": sweeps, "timings_s": timings,
               "images": {"train": len(index), "validation": len(val_rs), "test": len(test_rs)}}
    if args.report:
        write_report(results, args.report)
    return results


def write_report(r, path):
    with open(os.path.splitext(path)[0] + ".json", "w", encoding="utf-8") as f:
        json.dump(r, f, indent=2)
    names = list(r["sweeps"])
    lines = ["# AlignVLM robustness: ALIGN against the MLP connector, one objective", "",
             f"Images with patch tokens: {r['images']['train']} train, {r['images']['validation']} validation, "
             f"{r['images']['test']} test. Frozen language model: the bundle's text head, reading the connector's "
             "tokens as input embeddings; both connectors trained with InfoNCE between its pooled output and the "
             "image's caption embeddings. Noise sigma in units of each feature's standard deviation. The rebuilt "
             f"language model matches the Java-computed caption embeddings to {r['reader_parity']:.1e}.", "",
             "| connector | chosen step | validation R@1 |", "| --- | ---: | ---: |"]
    for n in names:
        c = r["choices"][n]
        lines.append(f"| {n} | {c['chosen_step']} | {100 * c['validation_score']:.1f} |")
    lines += ["", "Distance clean -> noisy relative to the distance between two different clean images "
              "(token: connector output; pooled: the language model's output), and test R@1 (text->image / "
              "image->text) with noisy inputs:", "",
              "| sigma | " + " | ".join(f"{n} token | {n} pooled | {n} R@1" for n in names) + " |",
              "| ---: | " + " | ".join("---: | ---: | ---:" for _ in names) + " |"]
    for k, row in enumerate(r["sweeps"][names[0]]["rows"]):
        cells = []
        for n in names:
            x = r["sweeps"][n]["rows"][k]
            cells.append(f"{x['token_distance']:.3f} | {x['pooled_distance']:.3f} | "
                         f"{100 * x['t2i']:.1f} / {100 * x['i2t']:.1f}")
        lines.append(f"| {row['sigma']:g} | " + " | ".join(cells) + " |")
    lines += ["", "| stage | seconds |", "| --- | ---: |"] + [f"| {k} | {v:.0f} |" for k, v in r["timings_s"].items()]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description="AlignVLM's robustness to noisy visual features, tested fairly.")
    ap.add_argument("--data", required=True, help="training-data directory (docs/bundle-format-2.md)")
    ap.add_argument("--text-model", required=True, help="the text head's ONNX file the data was embedded with")
    ap.add_argument("--report", help="markdown report (a .json is written next to it)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    r = run(ap.parse_args(argv))
    if not ap.parse_args(argv).report:
        print(json.dumps(r["sweeps"], indent=2))


if __name__ == "__main__":
    main()
