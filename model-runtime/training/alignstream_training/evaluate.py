"""Held-out evaluation: retrieval, TEVI's controlled probe, AlignVLM words and noise, CLIPS ablation."""
import numpy as np
import torch
import torch.nn.functional as F

from . import data as D
from .models import sparse_codes, tevi_pair_scores_sparse

NOISE_SIGMA = 3.0    # AlignVLM's robustness test: Gaussian noise, sigma 3, on the visual features


def recall(scores, hits, ks=(1, 5)):
    """scores/hits [queries, candidates]: share of queries with a hit among the top k."""
    order = scores.argsort(dim=1, descending=True)
    ranked = torch.gather(hits, 1, order)
    return {f"R@{k}": ranked[:, :k].any(dim=1).float().mean().item() for k in ks}


def tevi_scores(sae, mask, x, t, chunk=250):
    """[n_images, n_captions] TEVI cosine scores, captions in chunks to bound memory."""
    with torch.no_grad():
        codes = sparse_codes(sae, sae.encode(x))
        out = []
        for s in range(0, t.shape[0], chunk):
            tc = t[s:s + chunk]
            out.append(tevi_pair_scores_sparse(sae, codes, mask(tc), tc))
        return torch.cat(out, dim=1)


def retrieval(ds, x_test, sae, mask):
    """Queries: one web caption per test image (short) and every long caption (long).
    A hit = the image has every attribute the caption names (long captions name all seven)."""
    split = ds.test
    text = torch.from_numpy(ds.text_embeddings)
    labels = D.label_matrix(split)
    short_ids = split.web[:, 0]
    short_named = D.named_matrix(ds, [split.web_named[i][0] for i in range(split.size)])
    sets = {
        "short": (text[short_ids], D.satisfies(labels, short_named)),
        "long": (text[split.long], D.satisfies(labels, labels)),
    }
    out = {}
    for name, (t, hits) in sets.items():
        raw = x_test @ t.t()
        out[name] = {"raw": _both_directions(raw, hits)}
        if sae is not None:
            out[name]["tevi"] = _both_directions(tevi_scores(sae, mask, x_test, t), hits)
    return out


def _both_directions(scores_img_cap, hits_img_cap):
    return {"t2i": recall(scores_img_cap.t(), hits_img_cap.t()), "i2t": recall(scores_img_cap, hits_img_cap)}


def fit_probe(features, targets, classes, weight_decay=1e-3, iters=150):
    """Multinomial logistic regression (L-BFGS, L2), on L2-normalised features as they are."""
    torch.manual_seed(0)
    w = torch.zeros(features.shape[1], classes, requires_grad=True)
    b = torch.zeros(classes, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(features @ w + b, targets) + weight_decay * w.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach(), b.detach()


def aligned(sae, mask, x, t):
    with torch.no_grad():
        return F.normalize(sae.decode(sae.encode(x) * mask(t)), dim=-1)


def probe_experiment(ds, x_train, x_test, sae, mask, seed):
    """Per family: probe accuracy on raw embeddings, on TEVI embeddings conditioned on a caption
    naming only that family, and on a caption naming only another family (random, seeded).
    Probes are trained on the train split in the same condition and scored on the test split."""
    text = torch.from_numpy(ds.text_embeddings)
    rng = np.random.default_rng(seed)
    results = {}
    for f, fam in enumerate(D.FAMILIES):
        classes = len(ds.values(fam))
        feats = {}
        for split_name, split, x in (("train", ds.train, x_train), ("test", ds.test, x_test)):
            other = rng.integers(0, len(D.FAMILIES) - 1, split.size)
            other = other + (other >= f)                       # any family but f
            named_t = text[split.single[:, f]]
            other_t = text[split.single[np.arange(split.size), other]]
            feats[split_name] = {
                "raw": x,
                "named": aligned(sae, mask, x, named_t),
                "not_named": aligned(sae, mask, x, other_t),
            }
        y_train = torch.from_numpy(ds.train.label_ids[fam])
        y_test = torch.from_numpy(ds.test.label_ids[fam])
        counts = np.bincount(ds.test.label_ids[fam], minlength=classes)
        row = {"chance": float(counts.max() / counts.sum()), "classes": classes}
        for cond in ("raw", "named", "not_named"):
            w, b = fit_probe(feats["train"][cond], y_train, classes)
            row[cond] = ((feats["test"][cond] @ w + b).argmax(1) == y_test).float().mean().item()
        raw, chance = row["raw"], row["chance"]
        row["named_kept"] = row["named"] / raw if raw > 0 else 0.0
        row["not_named_removed"] = (raw - row["not_named"]) / (raw - chance) if raw > chance else 0.0
        results[fam] = row
    return results


def connector_words(ds, align, tokens_test, word_ids):
    """Share of test images whose primary colour and shape words are among ALIGN's top-10."""
    with torch.no_grad():
        _, _, top_ids, _ = align(tokens_test)
    colour_ids = np.array([word_ids[c] for c in ds.test.labels["colour"]])
    shape_ids = np.array([word_ids[s] for s in ds.test.labels["shape"]])
    top = top_ids.numpy()
    colour_hit = (top == colour_ids[:, None]).any(1)
    shape_hit = (top == shape_ids[:, None]).any(1)
    return {"colour": float(colour_hit.mean()), "shape": float(shape_hit.mean()),
            "both": float((colour_hit & shape_hit).mean())}


def connector_noise(ds, connectors, tokens_test, targets, center, seed):
    """Cosine distance between clean and noisy outputs (pooled and per token), and long-caption
    text->image R@1 with bag-of-words targets, clean and with noise on the patch tokens."""
    gen = torch.Generator().manual_seed(seed)
    noisy_tokens = tokens_test + NOISE_SIGMA * torch.randn(tokens_test.shape, generator=gen)
    labels = D.label_matrix(ds.test)
    hits = D.satisfies(labels, labels)
    t = targets[torch.from_numpy(ds.test.long)]
    out = {}
    with torch.no_grad():
        for name, connector in connectors.items():
            clean_tokens, clean = connector(tokens_test)[:2]
            noisy_tok, noisy = connector(noisy_tokens)[:2]
            clean_r = recall((F.normalize(clean - center, dim=-1) @ t.t()).t(), hits.t())["R@1"]
            noisy_r = recall((F.normalize(noisy - center, dim=-1) @ t.t()).t(), hits.t())["R@1"]
            out[name] = {
                "cosine_distance_pooled": (1 - F.cosine_similarity(clean, noisy, dim=-1)).mean().item(),
                "cosine_distance_tokens": (1 - F.cosine_similarity(clean_tokens, noisy_tok, dim=-1)).mean().item(),
                "t2i_R@1_clean": clean_r,
                "t2i_R@1_noisy": noisy_r,
                "t2i_R@1_drop": clean_r - noisy_r,
            }
    return out
