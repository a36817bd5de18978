"""The training stages. Each takes the dataset and a config, fixes its own seed, returns models."""
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data as D
from .losses import positives_by_attributes, positives_by_text, soft_infonce
from .models import CaptionMask, TopKSAE, VisionTower, sparse_codes, tevi_pair_scores_sparse


CPU = torch.device("cpu")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def cosine_lr(optimizer, base_lr, step, total, warmup=100):
    lr = base_lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(step / total, 1.0)))
    for group in optimizer.param_groups:
        group["lr"] = lr


class CaptionTable:
    """Per split: text ids and named-attribute matrices of the caption kinds training samples."""

    def __init__(self, ds, split):
        self.labels = torch.from_numpy(D.label_matrix(split))
        n = split.size
        self.web = torch.from_numpy(split.web)
        self.web_named = torch.from_numpy(np.stack(
            [D.named_matrix(ds, split.web_named[i]) for i in range(n)]))      # [n, 4, 7]
        self.single = torch.from_numpy(split.single)
        self.long = torch.from_numpy(split.long)
        self.sub = torch.from_numpy(split.sub)
        self.trunc = torch.from_numpy(split.trunc)

    def single_named(self, idx, fam):
        named = torch.full((len(idx), len(D.ALL_FAMILIES)), -1, dtype=torch.long)
        named[torch.arange(len(idx)), fam] = self.labels[idx, fam]
        return named


def embed_images(tower, images, batch=500, keep_tokens=True):
    tower.eval()
    embs, toks = [], []
    with torch.no_grad():
        for s in range(0, images.shape[0], batch):
            e, t = tower(D.images_to_tensor(images[s:s + batch]))
            embs.append(e)
            toks.append(t if keep_tokens else t[:0])
    return torch.cat(embs), torch.cat(toks)


def train_vision(ds, cfg, mode, device=CPU):
    """CLIPS recipe ('clips'): web caption T1 and sub-caption T2 as two positives, separate
    softmaxes averaged. Ablation ('trunc'): one positive per image, a web caption or the long
    caption truncated to 32 tokens (coin flip), plain CLIP loss.

    Every stage draws its batches with CPU generators and moves only the indices and the float
    data to `device`, so a GPU sees the same batches as the CPU; the trained model comes back on
    the CPU."""
    torch.manual_seed(cfg["seed"] + (1 if mode == "clips" else 2))
    gen = torch.Generator().manual_seed(cfg["seed"] + 11)
    table = CaptionTable(ds, ds.train)
    text = torch.from_numpy(ds.text_embeddings).to(device)
    images = torch.from_numpy(ds.train.images).to(device)
    tower = VisionTower().to(device)
    logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07), device=device))
    opt = torch.optim.AdamW(list(tower.parameters()) + [logit_scale], lr=cfg["vision_lr"], weight_decay=0.05)
    n, bs = ds.train.size, cfg["vision_batch"]
    steps_per_epoch = n // bs
    total = cfg["vision_epochs"] * steps_per_epoch
    step = 0
    for epoch in range(cfg["vision_epochs"]):
        tower.train()
        perm = torch.randperm(n, generator=gen)
        running = 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * bs:(b + 1) * bs]
            cosine_lr(opt, cfg["vision_lr"], step, total)
            x, _ = tower(images[idx.to(device)].float())
            scale = logit_scale.exp().clamp(max=100)
            labels = table.labels[idx]
            w = torch.randint(0, D.WEB_PER_IMAGE, (len(idx),), generator=gen)
            web_ids = table.web[idx, w]
            web_named = table.web_named[idx, w]
            if mode == "clips":
                s = torch.randint(0, table.sub.shape[1], (len(idx),), generator=gen)
                sub_ids = table.sub[idx, s]
                loss = (soft_infonce(scale * x @ text[web_ids.to(device)].t(),
                                     positives_by_attributes(labels, web_named).to(device))
                        + soft_infonce(scale * x @ text[sub_ids.to(device)].t(),
                                       positives_by_text(sub_ids).to(device))) / 2
            else:
                use_trunc = torch.rand(len(idx), generator=gen) < 0.5
                ids = torch.where(use_trunc, table.trunc[idx], web_ids)
                pos_attr = positives_by_attributes(labels, web_named)
                pos_text = positives_by_text(ids)
                # Web captions keep their attribute positives; truncated ones only identity.
                pos = torch.where(use_trunc[None, :], pos_text, pos_attr)
                pos |= torch.eye(len(idx), dtype=torch.bool)
                loss = soft_infonce(scale * x @ text[ids.to(device)].t(), pos.to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
            step += 1
        log(f"vision[{mode}] epoch {epoch + 1}/{cfg['vision_epochs']} loss {running / steps_per_epoch:.4f} "
            f"scale {logit_scale.exp().item():.1f}")
    tower.eval()
    return tower.cpu()


def train_sae(x_train, cfg, device=CPU):
    """TopK SAE on the frozen image embeddings; AuxK loss on dead latents (Gao et al. 2024)."""
    torch.manual_seed(cfg["seed"] + 3)
    gen = torch.Generator().manual_seed(cfg["seed"] + 13)
    sae = TopKSAE(m=cfg["sae_m"], k=cfg["sae_k"])
    with torch.no_grad():
        sae.b_dec.copy_(x_train.mean(dim=0))
    sae.to(device)
    x_train = x_train.to(device)
    opt = torch.optim.Adam(sae.parameters(), lr=cfg["sae_lr"])
    n, bs = x_train.shape[0], cfg["batch"]
    since_fired = torch.zeros(cfg["sae_m"], device=device)
    dead_after = cfg["sae_dead_after"]           # samples without firing before a latent is dead
    k_aux = 4 * cfg["sae_k"]
    for step in range(cfg["sae_steps"]):
        cosine_lr(opt, cfg["sae_lr"], step, cfg["sae_steps"])
        idx = torch.randint(0, n, (bs,), generator=gen)
        x = x_train[idx.to(device)]
        pre = sae.pre_activations(x)
        values, indices = pre.topk(sae.k, dim=-1)
        z = torch.zeros_like(pre).scatter(-1, indices, values)
        rec = sae.decode(z)
        mse = (rec - x).pow(2).sum(dim=-1).mean()
        fired = torch.zeros(cfg["sae_m"], dtype=torch.bool, device=device)
        fired[indices[values > 0].unique()] = True
        since_fired = torch.where(fired, torch.zeros_like(since_fired), since_fired + bs)
        dead = since_fired > dead_after
        aux = torch.tensor(0.0, device=device)
        if dead.sum() > 0:
            residual = (x - rec).detach()
            dead_pre = pre.masked_fill(~dead[None, :], 0.0)
            kk = min(k_aux, int(dead.sum()))
            dv, di = dead_pre.topk(kk, dim=-1)
            z_aux = torch.zeros_like(pre).scatter(-1, di, dv)
            aux_rec = z_aux @ sae.W_dec.t()
            aux = (aux_rec - residual).pow(2).sum(dim=-1).mean() / residual.pow(2).sum(dim=-1).mean().clamp_min(1e-8)
        loss = mse + cfg["sae_aux_coef"] * aux
        opt.zero_grad()
        loss.backward()
        opt.step()
        sae.normalise_decoder()
        if (step + 1) % max(1, cfg["sae_steps"] // 5) == 0:
            with torch.no_grad():
                full = sae.decode(sae.encode(x_train))
                fvu = (full - x_train).pow(2).sum() / (x_train - x_train.mean(0)).pow(2).sum()
                alive = (sae.encode(x_train) > 0).any(dim=0).float().mean()
            log(f"sae step {step + 1}/{cfg['sae_steps']} mse {mse.item():.5f} fvu {fvu.item():.4f} "
                f"alive {alive.item():.3f} dead(now) {int(dead.sum())}")
    return sae.cpu()


def train_mask(ds, sae, x_train, cfg, device=CPU):
    """The caption-conditioned mask, InfoNCE between x_tevi(image, caption) and the caption.

    Each image in a batch brings one caption drawn from all kinds (web, single-attribute, long,
    sub-caption), so the mask learns to serve short and long queries alike. A caption is a
    positive for every batch image that has all the attributes it names (sub-captions: only
    identical texts), the controlled setting's ground truth. The SAE stays frozen.
    """
    torch.manual_seed(cfg["seed"] + 4)
    gen = torch.Generator().manual_seed(cfg["seed"] + 14)
    table = CaptionTable(ds, ds.train)
    text = torch.from_numpy(ds.text_embeddings).to(device)
    for p in sae.parameters():
        p.requires_grad_(False)
    sae.to(device)
    with torch.no_grad():
        values, active, gram, bw = sparse_codes(sae, sae.encode(x_train.to(device)))
    mask = CaptionMask(m=cfg["sae_m"], hidden=cfg["mask_hidden"]).to(device)
    logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07), device=device))
    opt = torch.optim.AdamW(list(mask.parameters()) + [logit_scale], lr=cfg["mask_lr"], weight_decay=0.01)
    n, bs = x_train.shape[0], cfg["batch"]
    kind_probs = torch.tensor([0.35, 0.25, 0.2, 0.2])   # web, single, long, sub
    for step in range(cfg["mask_steps"]):
        cosine_lr(opt, cfg["mask_lr"], step, cfg["mask_steps"])
        # Sigmoid gain annealed geometrically from 1 to mask_final_gain over training.
        mask.gain.fill_(cfg["mask_final_gain"] ** (step / max(1, cfg["mask_steps"] - 1)))
        idx = torch.randint(0, n, (bs,), generator=gen)
        kinds = torch.multinomial(kind_probs, bs, replacement=True, generator=gen)
        w = torch.randint(0, D.WEB_PER_IMAGE, (bs,), generator=gen)
        f = torch.randint(0, len(D.FAMILIES), (bs,), generator=gen)
        s = torch.randint(0, table.sub.shape[1], (bs,), generator=gen)
        ids = torch.stack([table.web[idx, w], table.single[idx, f], table.long[idx], table.sub[idx, s]], 1)
        ids = ids[torch.arange(bs), kinds]
        named = torch.stack([
            table.web_named[idx, w],
            table.single_named(idx, f),
            table.labels[idx],
            torch.full((bs, len(D.ALL_FAMILIES)), -1, dtype=torch.long),
        ], 1)[torch.arange(bs), kinds]
        labels = table.labels[idx]
        pos = positives_by_attributes(labels, named)
        is_sub = kinds == 3
        pos = (torch.where(is_sub[None, :], positives_by_text(ids), pos) | torch.eye(bs, dtype=torch.bool)).to(device)
        on = idx.to(device)
        t = text[ids.to(device)]
        m = mask(t)
        scores = tevi_pair_scores_sparse(sae, (values[on], active[on], gram[on], bw[on]), m, t)
        loss = soft_infonce(logit_scale.exp().clamp(max=100) * scores, pos) + cfg["mask_sparsity"] * m.mean()
        if cfg["mask_invariance"] > 0:
            dense = torch.zeros(bs, sae.W_dec.shape[1], device=device).scatter(1, active[on], values[on])
            loss = loss + cfg["mask_invariance"] * invariance_penalty(sae, dense, m, pos, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % max(1, cfg["mask_steps"] // 5) == 0:
            log(f"mask step {step + 1}/{cfg['mask_steps']} loss {loss.item():.4f} mean mask {m.mean().item():.3f} "
                f"gain {mask.gain.item():.2f}")
    mask.eval()
    sae.cpu()
    return mask.cpu()


def invariance_penalty(sae, z, masks, positives, gen):
    """Two images that both fit caption i should look the same through caption i's mask: the
    squared distance between x_tevi(image i, caption i) and x_tevi(partner, caption i), where
    the partner is another batch image having every attribute caption i names (random; images
    without one are skipped). InfoNCE alone only asks x_tevi to point towards t; this asks
    directly for what TEVI promises, that what the caption does not name is gone.
    z [b, m] dense codes, masks [b, m], positives [b images, b captions]."""
    b, device = z.shape[0], z.device
    candidates = positives.t() & ~torch.eye(b, dtype=torch.bool, device=device)      # [caption, image]
    has = candidates.any(dim=1)
    if not has.any():
        return torch.tensor(0.0, device=device)
    draw = torch.rand(b, b, generator=gen).to(device).masked_fill(~candidates, -1.0)
    partner = draw.argmax(dim=1)
    own = F.normalize(sae.decode(z * masks), dim=-1)
    other = F.normalize(sae.decode(z[partner] * masks), dim=-1)
    return (own - other).pow(2).sum(dim=-1)[has].mean()


def bag_of_words_targets(token_lists, word_embeddings_full, idf, center):
    """A caption's target in the word-embedding space: the IDF-weighted mean of its tokens'
    embeddings (frequent template words weigh ~0), minus `center` (the vocabulary's mean word
    embedding: BERT's input embeddings share a large common direction that would otherwise
    dominate every cosine), L2-normalised."""
    out = np.zeros((len(token_lists), word_embeddings_full.shape[1]), np.float32)
    for c, tokens in enumerate(token_lists):
        weights = np.array([idf.get(t, 0.0) for t in tokens], np.float32)
        if weights.sum() > 0:
            out[c] = (weights[:, None] * word_embeddings_full[tokens]).sum(0) / weights.sum() - center
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)
    return torch.from_numpy(out)


def _captions_using(token_lists, texts):
    """word piece -> how many of these texts (one image's captions) use it."""
    uses = {}
    for text in texts:
        for token in set(token_lists[text]):
            uses[token] = uses.get(token, 0) + 1
    return uses


def word_specificity(token_lists, captions):
    """Per word piece, how much its use depends on the image, from the train split's captions
    alone: with c_i the number of image i's captions that use the word, a word used by chance
    (a template's "object", "backdrop", "we can see") has c_i close to binomial, variance
    mu (1 - mu / c); a word that names what the image shows ("red", "triangle") is used by
    several captions of some images and by none of the others, far above that. Specificity =
    max(0, 1 - binomial variance / observed variance), in [0, 1). captions [n_images, c]."""
    n, per_image = captions.shape
    total, total_sq = {}, {}
    for texts in captions:
        for token, count in _captions_using(token_lists, texts).items():
            total[token] = total.get(token, 0) + count
            total_sq[token] = total_sq.get(token, 0) + count * count
    out = {}
    for token, t in total.items():
        mean = t / n
        variance = total_sq[token] / n - mean * mean
        binomial = mean * (1 - mean / per_image)
        out[token] = max(0.0, 1.0 - binomial / variance) if variance > 0 else 0.0
    return out


def word_distributions(token_lists, captions, restricted, specificity, consensus_power):
    """For ALIGN's word term: per image, a distribution over the restricted vocabulary of the
    words its captions use, float32 [n_images, V]. captions [n_images, c] text ids (all of one
    image's captions); specificity from word_specificity. A word piece weighs its specificity
    times (number of the image's captions that use it) ** consensus_power: what several
    independent captions of one image agree on is what the image shows (CIDEr's consensus
    idea)."""
    position = {int(v): i for i, v in enumerate(restricted)}
    out = np.zeros((len(captions), len(restricted)), np.float32)
    for row, texts in enumerate(captions):
        for token, count in _captions_using(token_lists, texts).items():
            if token in position:
                out[row, position[token]] = specificity.get(token, 0.0) * count ** consensus_power
    out /= np.maximum(out.sum(axis=1, keepdims=True), 1e-8)
    return torch.from_numpy(out)


def train_connector(connector, tokens_train, ds, targets, center, cfg, name, words=None, device=CPU):
    """Our AlignVLM objective, identical for ALIGN and MLP: the pooled connector output is
    (minus the mean word embedding) contrasted with bag-of-words targets of the image's captions, CLIPS-style with two
    positives per image (a web caption and the long caption), separate softmaxes averaged.
    ALIGN only (it alone has a word distribution P): plus `word_weight` x the cross-entropy of
    the token-averaged P against the long caption's IDF-weighted word distribution `words`
    [n_train, V], so its top words are the caption's content words.
    Each step sees a random subset of each image's patch tokens (FLIP-style token dropping):
    four times cheaper on CPU; evaluation and export use all tokens."""
    torch.manual_seed(cfg["seed"] + 5)
    gen = torch.Generator().manual_seed(cfg["seed"] + 15)
    table = CaptionTable(ds, ds.train)
    connector.to(device)
    tokens_train, targets, center = tokens_train.to(device), targets.to(device), center.to(device)
    words = words.to(device) if words is not None else None
    params = [p for p in connector.parameters() if p.requires_grad]
    logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07), device=device))
    opt = torch.optim.AdamW(params + [logit_scale], lr=cfg["connector_lr"], weight_decay=0.01)
    n, bs = tokens_train.shape[0], cfg["batch"]
    steps_per_epoch = n // bs
    total = cfg["connector_epochs"] * steps_per_epoch
    step = 0
    for epoch in range(cfg["connector_epochs"]):
        perm = torch.randperm(n, generator=gen)
        running = 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * bs:(b + 1) * bs]
            cosine_lr(opt, cfg["connector_lr"], step, total)
            keep = torch.rand(len(idx), tokens_train.shape[1], generator=gen).argsort(dim=1)[:, :cfg["connector_tokens"]]
            on, keep = idx.to(device), keep.to(device)
            subset = torch.gather(tokens_train[on], 1, keep[:, :, None].expand(-1, -1, tokens_train.shape[2]))
            outputs = connector(subset)
            pooled = F.normalize(outputs[1] - center, dim=-1)
            scale = logit_scale.exp().clamp(max=100)
            labels = table.labels[idx]
            w = torch.randint(0, D.WEB_PER_IMAGE, (len(idx),), generator=gen)
            web_ids = table.web[idx, w]
            loss = (soft_infonce(scale * pooled @ targets[web_ids.to(device)].t(),
                                 positives_by_attributes(labels, table.web_named[idx, w]).to(device))
                    + soft_infonce(scale * pooled @ targets[table.long[idx].to(device)].t(),
                                   positives_by_attributes(labels, labels).to(device))) / 2
            if words is not None:
                mean_p = connector.distribution(subset).mean(dim=1)
                loss = loss - cfg["word_weight"] * (words[on] * mean_p.clamp_min(1e-9).log()).sum(dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
            step += 1
        log(f"connector[{name}] epoch {epoch + 1}/{cfg['connector_epochs']} loss {running / steps_per_epoch:.4f}")
    connector.eval()
    return connector.cpu()
