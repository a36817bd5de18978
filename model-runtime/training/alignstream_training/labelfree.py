"""Label-free trainer for the TEVI and AlignVLM heads of a format-2 bundle (bring your own model).

cd model-runtime/training
python3 -m alignstream_training.labelfree --data DATA_DIR --bundle BUNDLE_DIR [--report REPORT.md]
    [--work DIR] [--quick] [--set key=value ...]

DATA_DIR is the training-data directory of docs/bundle-format-2.md (embeddings computed in Java
through the bundle's own vision and text heads); BUNDLE_DIR a format-2 bundle with the vision and
text heads. Writes tevi.onnx, align.onnx and golden.json into BUNDLE_DIR and updates its
manifest.json; the report (markdown and a .json next to it) if --report is given; the trained
PyTorch modules into --work (heads.pt) if given.

Rules: no labels anywhere in training or in any choice (labels.jsonl is read by
labelfree_eval.read_labels, for the report's probes only); training sees the train split only;
every choice (each stage's checkpoint) is made on the validation split; the report is on the
test split. Choices, and why, are in docs/training.md ("Label-free training").

Retraining the caption side of a trained bundle for int8 text heads (issue 18):
    --set from_bundle=1 --set caption_data_int8=DIR_INT8 [--set int8_share=0.5]
keeps the bundle's SAE (read from its tevi.onnx) and its AlignVLM connector (align.onnx and its
golden rows untouched), and trains only the mask and the caption adapter, each batch row taking
the int8 text head's embedding of its caption (DIR_INT8: `model embed --precision fp32,text=int8`
of the same data) with probability int8_share; the checkpoint is chosen on the mean of the fp32
and int8 validation TEVI R@1. int8_consistency > 0 adds a KL term between the batch rankings of a
caption's two precisions. caption_side_from_bundle=1 starts the mask and adapter from the bundle's
(fine-tuning, at the gain its mask was chosen with) instead of from scratch.
"""
import argparse
import copy
import dataclasses
import json
import math
import os
import time
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F

from . import labelfree_data as LD
from . import labelfree_eval as LE
from .labelfree_compare import read_tevi
from .labelfree_export import export_heads, export_tevi, golden_inputs
from .losses import soft_infonce
from .models import (AlignConnector, CaptionAdapter, CaptionMask, TeviHead, TopKSAE, query, sparse_codes,
                     tevi_pair_scores_sparse)
from .pipeline import training_device, with_overrides
from .stages import bag_of_words_targets, cosine_lr, invariance_penalty, log

FULL = dict(seed=1234, batch=256,
            sae_latents=0, sae_k="32", sae_lr=1e-3, sae_steps=3000, sae_dead_after=20000, sae_aux_coef=1 / 32,
            sae_dense_penalty="0,1", sae_dense_above=0.1,
            mask_hidden=512, mask_lr=1e-3, mask_steps=2000, mask_sparsity=0.05, mask_final_gain=8.0,
            mask_invariance="0.5", mask_keep="0,0.5", adapter_hidden=512, choice_tolerance=0.005,
            align_vocabulary=2048, align_top=10, align_temperature_init=4.0, connector_lr=2e-3,
            connector_steps=2000, connector_tokens=16, word_weight=1.0, word_consensus_power=2.0,
            evaluations=10, eval_images=1000, probe_images=5000,
            from_bundle=0, caption_data_int8="", int8_share=0.5, int8_consistency=0.0,
            caption_side_from_bundle=0)
NO_VALIDATION = "none: no validation data, the last step"
QUICK = dict(FULL, batch=128, sae_steps=300, sae_dense_penalty="1", mask_steps=200, connector_steps=200, evaluations=4,
             eval_images=300)


class Checkpoints:
    """Keeps the state with the best validation score seen (higher is better)."""

    def __init__(self, name, steps, evaluations):
        self.name, self.every = name, max(1, steps // max(1, evaluations))
        self.steps, self.best, self.state, self.step, self.curve = steps, -math.inf, None, None, []

    def due(self, step):
        return (step + 1) % self.every == 0 or step + 1 == self.steps

    def offer(self, step, score, module):
        self.curve.append([step + 1, score])
        if score > self.best:
            self.best, self.step, self.state = score, step + 1, copy.deepcopy(module.state_dict())

    def restore(self, module):
        if self.state is not None:
            module.load_state_dict(self.state)
        log(f"{self.name}: chose step {self.step} of {self.steps} on validation ({self.best:.4f})")
        return {"chosen_step": self.step, "steps": self.steps, "validation_score": self.best,
                "validation_curve": self.curve}


# ---------------------------------------------------------------- positives without labels

class CaptionIndex:
    """Captions per image, and which images each distinct text belongs to.

    Positives: a caption is a positive of its own image and of every image that has a
    byte-identical caption text. We chose to merge identical texts because the data then says,
    without any label, that the text describes both images equally (template captions, repeated
    alt texts, "a photo of a dog"); treating it as a negative for one of them would teach the mask
    to tell two images apart on something the caption does not say. Anything looser (similar
    texts, near-duplicate embeddings) would be a guess about what the caption means, so it is
    not used.
    """

    def __init__(self, data, images):
        self.images = np.asarray(images)
        position = {int(i): p for p, i in enumerate(self.images)}
        per_image = [[] for _ in self.images]
        for c in data.captions_of(self.images):
            per_image[position[int(data.cap_image[c])]].append(c)
        keep = np.array([len(p) > 0 for p in per_image], bool)
        self.images = self.images[keep]
        per_image = [p for p in per_image if p]
        width = max((len(p) for p in per_image), default=1)
        self.caps = np.full((len(per_image), width), -1, np.int64)
        for r, p in enumerate(per_image):
            self.caps[r, :len(p)] = p
        self.count = torch.from_numpy((self.caps >= 0).sum(1))
        texts = np.where(self.caps >= 0, data.text_id[np.maximum(self.caps, 0)], -1)
        self.texts = torch.from_numpy(texts)                       # [n, width] text ids, -1 pad
        self.text_id = torch.from_numpy(data.text_id)

    def __len__(self):
        return len(self.images)

    def draw(self, rows, gen):
        """One caption per row (uniform over the image's captions)."""
        r = (torch.rand(len(rows), generator=gen) * self.count[rows]).long()
        return torch.from_numpy(self.caps)[rows, r]

    def positives(self, rows, captions):
        """bool [len(rows) images, len(captions)]: caption j's text is one of image i's texts."""
        tid = self.text_id[captions]
        return (self.texts[rows][:, :, None] == tid[None, None, :]).any(dim=1)


# ---------------------------------------------------------------- stages

def fvu(sae, x, chunk=4096):
    with torch.no_grad():
        err = sum((sae.decode(sae.encode(x[s:s + chunk])) - x[s:s + chunk]).pow(2).sum().item()
                  for s in range(0, x.shape[0], chunk))
    return err / max((x - x.mean(0)).pow(2).sum().item(), 1e-12)


def train_sae(x_train, x_val, cfg, device, k, dense_penalty):
    """TopK SAE with AuxK, the same recipe and update as stages.train_sae (which cannot be
    reused as is: it builds a 384-wide SAE and evaluates dense codes of the whole train set),
    plus the checkpoint with the lowest validation FVU.

    dense_penalty > 0 makes the dictionary selective (issue 17: 33 latents firing on more than
    half the images carried 94% of the code mass, so no mask could keep one attribute without the
    others): each latent active on more than sae_dense_above of the batch pays
    dense_penalty x (its excess frequency) x (its mean activation, relative to the batch's mean
    code mass), which lets TopK hand those images to more specific latents. Whether it pays is
    decided downstream, on the mask's validation criterion, not on FVU (which it can only raise)."""
    torch.manual_seed(cfg["seed"] + 3)
    gen = torch.Generator().manual_seed(cfg["seed"] + 13)
    m = cfg["sae_latents"]
    sae = TopKSAE(d=x_train.shape[1], m=m, k=k)
    with torch.no_grad():
        sae.b_dec.copy_(x_train.mean(dim=0))
    sae.to(device)
    x_train, x_val = x_train.to(device), x_val.to(device)
    opt = torch.optim.Adam(sae.parameters(), lr=cfg["sae_lr"])
    n, bs, steps = x_train.shape[0], cfg["batch"], cfg["sae_steps"]
    since_fired = torch.zeros(m, device=device)
    checkpoints = Checkpoints("sae", steps, cfg["evaluations"])
    for step in range(steps):
        cosine_lr(opt, cfg["sae_lr"], step, steps)
        x = x_train[torch.randint(0, n, (bs,), generator=gen).to(device)]
        pre = sae.pre_activations(x)
        values, indices = pre.topk(k, dim=-1)
        rec = sae.decode(torch.zeros_like(pre).scatter(-1, indices, values))
        mse = (rec - x).pow(2).sum(dim=-1).mean()
        fired = torch.zeros(m, dtype=torch.bool, device=device)
        fired[indices[values > 0].unique()] = True
        since_fired = torch.where(fired, torch.zeros_like(since_fired), since_fired + bs)
        dead = since_fired > cfg["sae_dead_after"]
        aux = torch.tensor(0.0, device=device)
        if dead.sum() > 0:
            residual = (x - rec).detach()
            dv, di = pre.masked_fill(~dead[None, :], 0.0).topk(min(4 * k, int(dead.sum())), dim=-1)
            aux_rec = torch.zeros_like(pre).scatter(-1, di, dv) @ sae.W_dec.t()
            aux = (aux_rec - residual).pow(2).sum(-1).mean() / residual.pow(2).sum(-1).mean().clamp_min(1e-8)
        loss = mse + cfg["sae_aux_coef"] * aux
        if dense_penalty > 0:
            z = torch.zeros_like(pre).scatter(-1, indices, values.clamp_min(0))
            excess = ((z > 0).float().mean(0) - cfg["sae_dense_above"]).clamp_min(0).detach()
            loss = loss + dense_penalty * (excess * z.mean(0)).sum() / z.sum(1).mean().detach().clamp_min(1e-8)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sae.normalise_decoder()
        if checkpoints.due(step):
            score = -fvu(sae, x_val) if len(x_val) else float(step)
            checkpoints.offer(step, score, sae)
            log(f"sae step {step + 1}/{steps} mse {mse.item():.5f} validation fvu {-score if len(x_val) else float('nan'):.4f} "
                f"dead(now) {int(dead.sum())}")
    info = checkpoints.restore(sae)
    info["criterion"] = "-FVU" if len(x_val) else NO_VALIDATION
    return sae.cpu(), info


def train_mask(data, sae, train_index, val_images, cfg, variant, device, t_int8=None, start=None):
    """The caption side: mask = sigmoid(gain * MLP(q)), q = adapter(t), with symmetric InfoNCE
    between x_tevi(image, q) and q; the adapter (models.CaptionAdapter, issue 17) is trained
    jointly with the mask, as the paper trains the text tower with it (adapter_hidden 0: none).

    A batch holds distinct train images, each with one of its own captions (uniform over its
    captions, so short and long ones mix as the data has them). Positives: CaptionIndex (an
    image's own captions and byte-identical texts); several captions of one image in a batch
    cannot occur (one caption per image), and two images sharing a text are both positives of it.
    Pair scores through the linear-decoder identity (models.tevi_pair_scores_sparse). Sigmoid
    gain annealed 1 -> mask_final_gain as in the label-supervised trainer.

    variant["keep"] weights the share of each image's code mass its own caption's mask keeps,
    sum(z * mask) / sum(z): the label-free pressure to filter. InfoNCE with an image's own
    captions as the only positives rewards keeping whatever tells images apart, named or not; the
    keep penalty asks for the smallest mask that still retrieves, and the choice rule
    (choose_variant) trades it against validation retrieval. variant["invariance"]: the
    label-supervised invariance term with its label-free partner (another batch image that carries
    the same caption text: the only case where the data itself says the caption describes both
    equally; captions without such a partner add nothing).
    Checkpoint: best validation TEVI retrieval (mean of text->image and image->text R@1), the
    untrained caption side (= the SAE reconstruction, no filtering, identity adapter) included.

    t_int8 (issue 18): the int8 text head's embeddings of the same captions. The adapter amplifies
    the int8 head's noise, so each batch row takes the int8 embedding of its caption with
    probability int8_share (the same caption, the same positives: the side learns to map both to
    the same query), and the checkpoint score is the mean of the fp32 and the int8 validation
    scores, so neither precision is given up for the other.
    """
    torch.manual_seed(cfg["seed"] + 4)
    gen = torch.Generator().manual_seed(cfg["seed"] + 14)
    for p in sae.parameters():
        p.requires_grad_(False)
    sae.to(device)
    x = data.x.to(device)
    t_all = data.t.to(device)
    mask = CaptionMask(d=data.d, m=sae.W_dec.shape[1], hidden=cfg["mask_hidden"]).to(device)
    adapter = CaptionAdapter(d=data.d, hidden=cfg["adapter_hidden"]).to(device) if cfg["adapter_hidden"] > 0 else None
    side = CaptionSide(mask, adapter)
    if start is not None:
        # Fine-tuning a trained side (caption_side_from_bundle): its mask keeps the gain it was
        # chosen at (restarting the anneal at 1 would undo its saturation); step 0 (the bundle's
        # own side) stays a candidate, so validation can keep it.
        side.load_state_dict(start.state_dict())
    logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07), device=device))
    opt = torch.optim.AdamW(list(side.parameters()) + [logit_scale], lr=cfg["mask_lr"], weight_decay=0.01)
    n, steps = len(train_index), cfg["mask_steps"]
    bs = min(cfg["batch"], n)
    images = torch.from_numpy(train_index.images)
    checkpoints = Checkpoints(f"mask[{variant_name(variant)}]", steps, cfg["evaluations"])
    val = LE.RetrievalSet(data, val_images[:cfg["eval_images"]])
    raw_val = val.raw_score() if len(val) else float("nan")
    log(f"mask: validation R@1 of the raw embeddings {raw_val:.4f} (reference)")
    if t_int8 is not None:
        t_int8_dev = t_int8.to(device)
        val_int8 = LE.RetrievalSet(dataclasses.replace(data, t=t_int8), val_images[:cfg["eval_images"]])
        scores_by_precision = []

    def validate():
        side.eval()
        sae_cpu, side_cpu = copy.deepcopy(sae).cpu(), copy.deepcopy(side).cpu()
        score = val.tevi_score(sae_cpu, side_cpu.mask, side_cpu.adapter)
        if t_int8 is None:
            return score
        score_int8 = val_int8.tevi_score(sae_cpu, side_cpu.mask, side_cpu.adapter)
        scores_by_precision.append({"fp32": score, "int8": score_int8})
        log(f"mask validation R@1 fp32 {score:.4f} int8 {score_int8:.4f}")
        return (score + score_int8) / 2

    if len(val):
        # Step 0 is a candidate too: the untrained mask (sigmoid(2) everywhere) and identity adapter
        # give exactly the SAE reconstruction, so validation may answer "do not filter".
        checkpoints.offer(-1, validate(), side)
        log(f"mask step 0 validation R@1 {checkpoints.best:.4f} "
            f"({'the bundle' + chr(39) + 's caption side' if start is not None else 'SAE reconstruction'})")
    for step in range(steps):
        cosine_lr(opt, cfg["mask_lr"], step, steps)
        side.train()
        if start is None:
            mask.gain.fill_(cfg["mask_final_gain"] ** (step / max(1, steps - 1)))
        rows = torch.randperm(n, generator=gen)[:bs]
        caps = train_index.draw(rows, gen)
        pos = (train_index.positives(rows, caps) | torch.eye(bs, dtype=torch.bool)).to(device)
        z = sae.encode(x[images[rows].to(device)])
        t = t_all[caps.to(device)]
        if t_int8 is not None:
            use_int8 = (torch.rand(bs, generator=gen) < cfg["int8_share"]).to(device)
            t = torch.where(use_int8[:, None], t_int8_dev[caps.to(device)], t)
        q = query(adapter, t)
        m = mask(q)
        codes = sparse_codes(sae, z)
        scale = logit_scale.exp().clamp(max=100)
        logits = scale * tevi_pair_scores_sparse(sae, codes, m, q)
        loss = soft_infonce(logits, pos) + cfg["mask_sparsity"] * m.mean()
        if t_int8 is not None and cfg["int8_consistency"] > 0:
            # The same captions in the other precision should rank the batch alike: KL between the
            # two softmaxes, over images (text->image) and over captions (image->text). Aimed at
            # the amplification itself, where the mixture only shows the side both inputs.
            t_other = torch.where(use_int8[:, None], t_all[caps.to(device)], t_int8_dev[caps.to(device)])
            q_other = query(adapter, t_other)
            logits_other = scale * tevi_pair_scores_sparse(sae, codes, mask(q_other), q_other)
            kl = sum(F.kl_div(logits_other.log_softmax(dim), logits.log_softmax(dim), log_target=True,
                              reduction="sum") / bs for dim in (0, 1)) / 2
            loss = loss + cfg["int8_consistency"] * kl
        if variant["keep"] > 0:
            loss = loss + variant["keep"] * ((z * m).sum(1) / z.sum(1).clamp_min(1e-12)).mean()
        if variant["invariance"] > 0:
            loss = loss + variant["invariance"] * invariance_penalty(sae, z, m, pos, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if checkpoints.due(step):
            score = validate() if len(val) else float(step)
            checkpoints.offer(step, score, side)
            log(f"mask step {step + 1}/{steps} loss {loss.item():.4f} mean mask {m.mean().item():.3f} "
                f"gain {mask.gain.item():.2f} validation R@1 {score:.4f}")
    info = checkpoints.restore(side)
    info["criterion"] = "TEVI R@1, mean of both directions" if len(val) else NO_VALIDATION
    if t_int8 is not None and len(val):
        info["criterion"] += ", mean of fp32 and int8 captions"
        info["validation_by_precision"] = scores_by_precision
    info["raw_validation_score"] = raw_val
    side.eval()
    sae.cpu()
    side.cpu()
    info["validation_kept_mass"] = val.kept_share(sae, side.mask, side.adapter) if len(val) else float("nan")
    return side, info


class CaptionSide(torch.nn.Module):
    """The trained caption side of TEVI: the mask and, when there is one, the caption adapter."""

    def __init__(self, mask, adapter):
        super().__init__()
        self.mask, self.adapter = mask, adapter


def train_adapter_only(data, train_index, val_images, cfg, device):
    """The baseline that shows TEVI's own share (issue 17): a caption adapter of the same shape,
    trained with the same batch size, steps, learning rate and InfoNCE on the raw image
    embeddings, no SAE, no mask (its batches are drawn alike but not identical: the mask's
    invariance term draws from the same generator).
    Checkpoint: best validation raw R@1 through the adapter. None when adapter_hidden is 0."""
    if cfg["adapter_hidden"] <= 0:
        return None, None
    torch.manual_seed(cfg["seed"] + 6)
    gen = torch.Generator().manual_seed(cfg["seed"] + 14)
    x, t_all = data.x.to(device), data.t.to(device)
    adapter = CaptionAdapter(d=data.d, hidden=cfg["adapter_hidden"]).to(device)
    logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07), device=device))
    opt = torch.optim.AdamW(list(adapter.parameters()) + [logit_scale], lr=cfg["mask_lr"], weight_decay=0.01)
    n, steps = len(train_index), cfg["mask_steps"]
    bs = min(cfg["batch"], n)
    images = torch.from_numpy(train_index.images)
    checkpoints = Checkpoints("raw+adapter", steps, cfg["evaluations"])
    val = LE.RetrievalSet(data, val_images[:cfg["eval_images"]])
    if len(val):
        checkpoints.offer(-1, val.raw_score(copy.deepcopy(adapter).cpu().eval()), adapter)
    for step in range(steps):
        cosine_lr(opt, cfg["mask_lr"], step, steps)
        adapter.train()
        rows = torch.randperm(n, generator=gen)[:bs]
        caps = train_index.draw(rows, gen)
        pos = (train_index.positives(rows, caps) | torch.eye(bs, dtype=torch.bool)).to(device)
        scores = x[images[rows].to(device)] @ adapter(t_all[caps.to(device)]).t()
        loss = soft_infonce(logit_scale.exp().clamp(max=100) * scores, pos)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if checkpoints.due(step):
            score = val.raw_score(copy.deepcopy(adapter).cpu().eval()) if len(val) else float(step)
            checkpoints.offer(step, score, adapter)
            log(f"raw+adapter step {step + 1}/{steps} loss {loss.item():.4f} validation R@1 {score:.4f}")
    info = checkpoints.restore(adapter)
    info["criterion"] = "raw R@1 through the adapter, mean of both directions" if len(val) else NO_VALIDATION
    adapter.eval()
    return adapter.cpu(), info


def variant_name(v):
    return f"k {v['k']}, dense {v['dense']:g}, keep {v['keep']:g}, invariance {v['invariance']:g}"


def settings(cfg, key, cast):
    """A setting that may list several values to compare on validation ("0,0.5")."""
    return [cast(v) for v in str(cfg[key]).split(",") if v.strip()]


def choose_variant(candidates, tolerance):
    """The rule that picks one (dictionary, caption side) on validation, label-free: among the
    candidates whose TEVI R@1 is within `tolerance` of the best, the one whose masks keep the
    least of an image's code mass (the most filtering that retrieval does not pay for); without
    validation data, the first candidate. Returns its index."""
    if any(c["criterion"] == NO_VALIDATION for c in candidates):
        return 0
    best = max(c["validation_score"] for c in candidates)
    near = [i for i, c in enumerate(candidates) if c["validation_score"] >= best - tolerance]
    return min(near, key=lambda i: (candidates[i]["validation_kept_mass"], i))


# ---------------------------------------------------------------- AlignVLM

def word_form(token):
    """A vocabulary entry without its sub-word markers (WordPiece ##, CLIP </w>, GPT-2 G-dot,
    SentencePiece's low line)."""
    return token.replace("##", "").replace("</w>", "").replace("\u0120", "").replace("\u2581", "")


def is_special(token):
    return (token.startswith("[") and token.endswith("]")) or (token.startswith("<") and token.endswith(">"))


def restricted_vocabulary(data, train_captions, size):
    """align_vocabulary token ids, label-free: every non-special token of the train captions,
    most frequent first, then the remaining alphabetic tokens in vocabulary order (BPE merge
    order and BERT's list both roughly follow corpus frequency), then anything else."""
    counts = Counter(t for c in train_captions for t in data.cap_tokens[c])
    vocab = data.vocabulary
    chosen = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if not is_special(vocab[t])]
    seen = set(chosen)
    for pass_alpha in (True, False):
        for i, token in enumerate(vocab):
            if len(chosen) >= size:
                break
            if i not in seen and not is_special(token) and (word_form(token).isalpha() or not pass_alpha):
                chosen.append(i)
                seen.add(i)
    return np.array(sorted(chosen[:size]), np.int64), int(len(counts))


def idf_weights(data, train_captions):
    df = Counter(t for c in train_captions for t in set(data.cap_tokens[c]))
    n = max(1, len(train_captions))
    return {t: math.log(n / k) for t, k in df.items() if word_form(data.vocabulary[t]).isalnum()}


def word_specificity(data, index):
    """Per token, how much its use depends on the image (train captions only, no labels):
    c_i = number of image i's captions using it, n_i its caption count, p = sum c / sum n. A
    token used by chance has c_i ~ Binomial(n_i, p); a token naming what the image shows is used
    by several captions of some images and none of others. Specificity = max(0, 1 - expected
    binomial variance / observed variance of c_i - n_i p). Generalises stages.word_specificity
    to a varying number of captions per image (equal counts give the same numbers). Needs images
    with several captions; None when fewer than half of them have two or more."""
    counts = index.count.numpy().astype(np.float64)
    if len(counts) == 0 or (counts >= 2).mean() < 0.5:
        return None
    rows, tokens, uses = [], [], []
    for r, caps in enumerate(index.caps):
        for token, c in Counter(t for cap in caps[caps >= 0] for t in set(data.cap_tokens[cap])).items():
            rows.append(r)
            tokens.append(token)
            uses.append(c)
    rows, tokens, uses = np.array(rows), np.array(tokens), np.array(uses, np.float64)
    V = len(data.vocabulary)
    sum_c = np.bincount(tokens, uses, V)
    sum_c2 = np.bincount(tokens, uses * uses, V)
    sum_cn = np.bincount(tokens, uses * counts[rows], V)
    p = sum_c / counts.sum()
    observed = sum_c2 - 2 * p * sum_cn + p * p * (counts * counts).sum()      # sum_i (c_i - n_i p)^2
    expected = p * (1 - p) * counts.sum()
    spec = np.where(observed > 1e-12, np.maximum(0.0, 1.0 - expected / np.maximum(observed, 1e-12)), 0.0)
    return {int(t): float(spec[t]) for t in np.flatnonzero(sum_c)}


def word_distributions(data, index, restricted, weights, power):
    """Per image of `index`: a distribution over the restricted vocabulary of the tokens its
    captions use, token weight x (number of the image's captions using it) ** power."""
    position = {int(v): i for i, v in enumerate(restricted)}
    out = np.zeros((len(index), len(restricted)), np.float32)
    for r, row in enumerate(index.caps):
        for token, count in Counter(t for c in row[row >= 0] for t in set(data.cap_tokens[c])).items():
            if token in position:
                out[r, position[token]] = weights.get(token, 0.0) * count ** power
    out /= np.maximum(out.sum(axis=1, keepdims=True), 1e-8)
    return torch.from_numpy(out)


class BagOfWords:
    """Bag-of-words caption targets (stages.bag_of_words_targets), for the captions of images
    that have patch tokens only (all the connector ever sees; [M, D] for every caption of a
    large data set would not fit). Indexed by global caption index."""

    def __init__(self, data, images, idf, center):
        captions = data.captions_of(images)
        self.row = torch.full((len(data.cap_text),), -1, dtype=torch.long)
        self.row[torch.from_numpy(captions)] = torch.arange(len(captions))
        self.vectors = bag_of_words_targets([data.cap_tokens[c] for c in captions], data.word_embeddings, idf, center)

    def to(self, device):
        out = copy.copy(self)
        out.row, out.vectors = self.row.to(device), self.vectors.to(device)
        return out

    def __getitem__(self, captions):
        return self.vectors[self.row[torch.as_tensor(captions, device=self.row.device)]]


class ConnectorObjective:
    """Label-free AlignVLM objective (same form as the label-supervised trainer's, positives from
    captions only): symmetric InfoNCE between the pooled F_align (minus the restricted
    vocabulary's mean word embedding, normalised) and a bag-of-words target of one of the image's
    captions in the text head's word-embedding space (IDF-weighted mean of its tokens' word
    embeddings, same centering); plus word_weight x cross-entropy of the token-averaged P against
    the image's caption word distribution (what several of its captions agree on)."""

    def __init__(self, targets, center, words, cfg):
        self.targets, self.center, self.words, self.cfg = targets, center, words, cfg

    def __call__(self, connector, tokens, rows, caps, pos, scale):
        projected, pooled = connector(tokens)[:2]
        pooled = F.normalize(pooled - self.center, dim=-1)
        loss = soft_infonce(scale * pooled @ self.targets[caps].t(), pos)
        if self.cfg["word_weight"] > 0:
            mean_p = connector.distribution(tokens).mean(dim=1)
            loss = loss - self.cfg["word_weight"] * (self.words[rows] * mean_p.clamp_min(1e-9).log()).sum(1).mean()
        return loss


def train_connector(data, index, val_index, restricted, objective_parts, cfg, device):
    """AlignVLM connector over the train images that have patch tokens; checkpoint with the
    lowest validation objective (fixed validation batches, one seeded caption per image, all
    tokens)."""
    torch.manual_seed(cfg["seed"] + 5)
    gen = torch.Generator().manual_seed(cfg["seed"] + 15)
    words_all = torch.from_numpy(data.word_embeddings)
    connector = AlignConnector(words_all[torch.from_numpy(restricted)], torch.from_numpy(restricted),
                               top=min(cfg["align_top"], len(restricted)), logit_gain=cfg["align_temperature_init"],
                               patch_dim=data.patches.shape[2]).to(device)
    targets, center, words, val_words = objective_parts
    objective = ConnectorObjective(targets.to(device), center.to(device), words.to(device), cfg)
    val_objective = ConnectorObjective(targets, center, val_words, cfg)
    tokens_train = data.patch_tokens(index.images).to(device)
    tokens_val = data.patch_tokens(val_index.images) if len(val_index) else None
    val_gen = torch.Generator().manual_seed(cfg["seed"] + 25)
    val_caps = val_index.draw(torch.arange(len(val_index)), val_gen) if len(val_index) else None
    logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07), device=device))
    params = [p for p in connector.parameters() if p.requires_grad] + [logit_scale]
    opt = torch.optim.AdamW(params, lr=cfg["connector_lr"], weight_decay=0.01)
    n, steps = len(index), cfg["connector_steps"]
    bs = min(cfg["batch"], n)
    T = tokens_train.shape[1]
    keep_n = min(cfg["connector_tokens"], T)
    checkpoints = Checkpoints("connector", steps, cfg["evaluations"])
    for step in range(steps):
        cosine_lr(opt, cfg["connector_lr"], step, steps)
        rows = torch.randperm(n, generator=gen)[:bs]
        caps = index.draw(rows, gen)
        pos = (index.positives(rows, caps) | torch.eye(bs, dtype=torch.bool)).to(device)
        keep = torch.rand(bs, T, generator=gen).argsort(dim=1)[:, :keep_n].to(device)
        on = rows.to(device)
        subset = torch.gather(tokens_train[on], 1, keep[:, :, None].expand(-1, -1, tokens_train.shape[2]))
        loss = objective(connector, subset, on, caps.to(device), pos, logit_scale.exp().clamp(max=100))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if checkpoints.due(step):
            if tokens_val is not None:
                cpu = copy.deepcopy(connector).cpu().eval()
                scale = logit_scale.detach().cpu().exp().clamp(max=100)
                with torch.no_grad():
                    total, batches = 0.0, 0
                    for s in range(0, len(val_index), bs):
                        r = torch.arange(s, min(s + bs, len(val_index)))
                        c = val_caps[r]
                        p = val_index.positives(r, c) | torch.eye(len(r), dtype=torch.bool)
                        total += val_objective(cpu, tokens_val[r], r, c, p, scale).item()
                        batches += 1
                score = -total / batches
            else:
                score = float(step)
            checkpoints.offer(step, score, connector)
            log(f"connector step {step + 1}/{steps} loss {loss.item():.4f} validation objective {-score:.4f}")
    info = checkpoints.restore(connector)
    info["criterion"] = "-objective" if tokens_val is not None else NO_VALIDATION
    connector.eval()
    return connector.cpu(), info


# ---------------------------------------------------------------- main

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Label-free training of the TEVI and AlignVLM heads of a format-2 bundle.")
    ap.add_argument("--data", required=True, help="training-data directory (docs/bundle-format-2.md)")
    ap.add_argument("--bundle", required=True, help="format-2 bundle with vision and text heads; completed in place")
    ap.add_argument("--report", help="markdown report path (a .json is written next to it)")
    ap.add_argument("--work", help="directory for the trained PyTorch modules (heads.pt)")
    ap.add_argument("--quick", action="store_true", help="tiny configuration (tests, development)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one setting")
    return ap.parse_args(argv)


def run(args):
    cfg = with_overrides(QUICK if args.quick else FULL, args.set)
    # Two threads at most by default (the build machine's cores are shared); one in quick mode,
    # whose tensors are so small that a second thread costs more than it brings (8x slower on a
    # loaded 2-core machine). One thread is also bit-reproducible from run to run; two are not
    # quite (differences ~3e-8).
    threads = 1 if args.quick else min(2, os.cpu_count() or 1)
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", threads)))
    # A saturating sigmoid mask and a peaked softmax make gradients underflow into denormal
    # floats, which are 10-100x slower on CPUs: flush them to zero (no effect on the results
    # beyond 1e-38).
    torch.set_flush_denormal(True)
    device = training_device()
    device_note = "cpu" if device.type == "cpu" else f"{device} ({torch.cuda.get_device_name(device)})"
    log(f"label-free training on {device_note}, {torch.get_num_threads()} threads")
    timings, started = {}, time.time()

    t0 = time.time()
    data = LD.load(args.data)
    with open(os.path.join(args.bundle, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    check_bundle(manifest, data)
    if cfg["sae_latents"] <= 0:
        cfg["sae_latents"] = 8 * data.d
    cfg["align_vocabulary"] = min(cfg["align_vocabulary"], sum(not is_special(v) for v in data.vocabulary))
    train, val, test = (data.images(s) for s in LD.SPLITS)
    train_index, val_index = CaptionIndex(data, train), CaptionIndex(data, val)
    train_caps = data.captions_of(train)
    log(f"data: {len(data.image_ids)} images ({len(train)} train, {len(val)} validation, {len(test)} test), "
        f"{len(data.cap_text)} captions, d {data.d}, patch tokens {list(data.patches.shape)}, "
        f"word embeddings {list(data.word_embeddings.shape)}")
    t_int8 = int8_captions(cfg["caption_data_int8"], data) if cfg["caption_data_int8"] else None
    timings["load"] = time.time() - t0

    # The dictionary and the caption side are chosen together (choose_variant): whether a selective
    # dictionary pays shows only in what the mask can then do.
    t0 = time.time()
    saes, start_side = [], None
    if cfg["from_bundle"]:
        saes.append(bundle_sae(args.bundle, data, val))
        if cfg["caption_side_from_bundle"]:
            _, bundle_mask, bundle_adapter, _ = read_tevi(args.bundle)
            start_side = CaptionSide(bundle_mask, bundle_adapter)
    else:
        for k in settings(cfg, "sae_k", int):
            for dense in settings(cfg, "sae_dense_penalty", float):
                sae, info = train_sae(data.x[train], data.x[val], cfg, device, k, dense)
                for p in sae.parameters():
                    p.requires_grad_(False)
                saes.append((k, dense, sae, info))
    timings["SAE"] = time.time() - t0

    t0 = time.time()
    candidates, sweep = [], []
    for k, dense, sae, sae_info in saes:
        for keep in settings(cfg, "mask_keep", float):
            for weight in settings(cfg, "mask_invariance", float):
                variant = {"k": k, "dense": dense, "keep": keep, "invariance": weight}
                side, info = train_mask(data, sae, train_index, val, cfg, variant, device, t_int8, start_side)
                candidates.append((sae, sae_info, side, info))
                sweep.append({"sae_k": k, "sae_dense_penalty": dense, "mask_keep": keep, "invariance": weight,
                              "validation_fvu": -sae_info["validation_score"] if sae_info["criterion"] != NO_VALIDATION
                              else float("nan"),
                              **{key: info[key] for key in ("chosen_step", "validation_score", "validation_kept_mass")}})
    chosen = choose_variant([c[3] for c in candidates], cfg["choice_tolerance"])
    sweep[chosen]["chosen"] = True
    sae, sae_info, side, mask_info = candidates[chosen]
    mask, adapter = side.mask, side.adapter
    sae_info.update({"k": sweep[chosen]["sae_k"], "dense_penalty": sweep[chosen]["sae_dense_penalty"]})
    mask_info.update({"sweep": sweep, "keep": sweep[chosen]["mask_keep"], "invariance": sweep[chosen]["invariance"],
                      "rule": f"smallest validation kept mass within {cfg['choice_tolerance']:g} of the best R@1"})
    log(f"chose {variant_name({'k': sweep[chosen]['sae_k'], 'dense': sweep[chosen]['sae_dense_penalty'], 'keep': mask_info['keep'], 'invariance': mask_info['invariance']})} on validation")
    for p in side.parameters():
        p.requires_grad_(False)
    timings["mask"] = time.time() - t0

    t0 = time.time()
    raw_adapter, adapter_info = train_adapter_only(data, train_index, val, cfg, device)
    timings["raw+adapter"] = time.time() - t0

    # With from_bundle the connector is the bundle's (align.onnx is not touched): nothing to train.
    align = restricted = targets = center = weights = None
    if not cfg["from_bundle"]:
        t0 = time.time()
        restricted, caption_vocab = restricted_vocabulary(data, train_caps, cfg["align_vocabulary"])
        idf = idf_weights(data, train_caps)
        center = data.word_embeddings[restricted].mean(axis=0)
        targets = BagOfWords(data, np.flatnonzero(data.patch_row >= 0), idf, center)
        conn_index = CaptionIndex(data, data.with_patches(train))
        conn_val = CaptionIndex(data, data.with_patches(val))
        specificity = word_specificity(data, train_index)
        weights = specificity if specificity is not None else idf
        words = word_distributions(data, conn_index, restricted, weights, cfg["word_consensus_power"])
        val_words = word_distributions(data, conn_val, restricted, weights, cfg["word_consensus_power"])
        align, align_info = train_connector(data, conn_index, conn_val, restricted,
                                            (targets, torch.from_numpy(center), words, val_words), cfg, device)
        align_info.update({"vocabulary": int(len(restricted)), "caption_tokens_in_train": caption_vocab,
                           "word_weights": "specificity" if specificity is not None else "idf (too few images with 2+ captions)",
                           "train_images": len(conn_index), "validation_images": len(conn_val)})
        center = torch.from_numpy(center)
        timings["connector"] = time.time() - t0

    t0 = time.time()
    results = {"config": cfg, "device": device_note, "threads": torch.get_num_threads(),
               "data": LE.data_sizes(data, train_index, val_index),
               "choices": {"sae": sae_info, "mask": mask_info, **({"connector": align_info} if align else {}),
                           **({"raw+adapter": adapter_info} if adapter_info else {})}}
    results.update(LE.evaluate(data, sae, mask, align, test, train, restricted, targets, center,
                               weights, cfg, adapter, raw_adapter, t_int8))
    timings["evaluation"] = time.time() - t0

    t0 = time.time()
    if cfg["from_bundle"]:
        written = export_tevi(args.bundle, manifest, data, sae, mask, adapter)
    else:
        written = export_heads(args.bundle, manifest, data, sae, mask, align, cfg, adapter)
    timings["export"] = time.time() - t0
    if args.work:
        os.makedirs(args.work, exist_ok=True)
        torch.save({"sae": sae, "mask": mask, "adapter": adapter, "raw_adapter": raw_adapter, "align": align,
                    "config": cfg}, os.path.join(args.work, "heads.pt"))
    timings["total"] = time.time() - started
    results["timings_s"] = timings
    results["bundle_files"] = written
    if args.report:
        LE.write_report(results, args.report)
    log(f"done in {timings['total']:.1f}s: {', '.join(written)} in {args.bundle}")
    return results


def int8_captions(root, data):
    """caption_embeddings.f32 of a second training-data directory: the same images and captions
    embedded with the int8 text head (`model embed --precision fp32,text=int8`). Anything else
    (other captions, other image rows) would pair an image with another image's caption."""
    other = LD.load(root)
    if other.cap_text != data.cap_text or other.image_ids != data.image_ids or not torch.allclose(other.x, data.x, atol=1e-6):
        raise SystemExit(f"{root}: not the same images, image embeddings and captions as --data")
    log(f"int8 captions from {root}: cosine with fp32 mean {(other.t * data.t).sum(1).mean().item():.4f}, "
        f"min {(other.t * data.t).sum(1).min().item():.4f}")
    return other.t


def bundle_sae(bundle_dir, data, val):
    """The bundle's own dictionary, read back from its tevi.onnx (from_bundle): (k, dense penalty
    (unknown: nan), sae, info). Its validation FVU is reported; the bundle's golden tevi rows must be
    reproduced by the weights read, or read_tevi has misread the graph."""
    sae, mask, adapter, _ = read_tevi(bundle_dir)
    with open(os.path.join(bundle_dir, "golden.json"), encoding="utf-8") as f:
        golden = json.load(f)["tevi"]
    images, captions = golden_inputs(data)
    with torch.no_grad():
        aligned = TeviHead(sae, mask, adapter)(data.x[images], data.t[captions])[0]
    error = (aligned - torch.tensor(golden["aligned_embedding"])).abs().max().item()
    if error > 1e-4:
        raise SystemExit(f"{bundle_dir}: tevi.onnx's weights do not reproduce its golden rows on --data (max error {error:.2g})")
    for p in sae.parameters():
        p.requires_grad_(False)
    score = -fvu(sae, data.x[val])
    log(f"SAE kept from {bundle_dir}/tevi.onnx: k {sae.k}, validation fvu {-score:.4f}, golden rows reproduced ({error:.1g})")
    return sae.k, float("nan"), sae, {"chosen_step": 0, "steps": 0, "validation_score": score,
                                      "criterion": "kept from the bundle's tevi.onnx (-FVU)"}


def check_bundle(manifest, data):
    """The bundle must be format 2 with vision and text heads whose dims match the data."""
    if manifest.get("format") != 2:
        raise SystemExit(f"bundle manifest format {manifest.get('format')!r}: the label-free trainer completes format 2")
    for head in ("vision", "text"):
        if head not in manifest.get("heads", {}):
            raise SystemExit(f"bundle has no {head} head")
    dims, meta = manifest.get("dims", {}), data.meta
    pairs = [("embedding", "embedding"), ("patch_tokens", "patch_tokens"), ("patch_dim", "patch_dim"),
             ("text_vocabulary", "text_vocabulary")]
    for key, data_key in pairs:
        if key in dims and dims[key] != meta[data_key]:
            raise SystemExit(f"bundle dims.{key} = {dims[key]} but the data has {meta[data_key]}")
    bundle_words = dims.get("word_embedding", dims.get("embedding"))
    if bundle_words != data.word_embeddings.shape[1]:
        raise SystemExit(f"bundle word_embedding width {bundle_words} but word_embeddings.f32 has "
                         f"{data.word_embeddings.shape[1]}")


def main(argv=None):
    run(parse_args(argv))


if __name__ == "__main__":
    main()
