"""A FAKE but structured training-data directory and a matching minimal format-2 bundle, for
tests and development until Java's `model embed` writes the real one.

python3 -m alignstream_training.labelfree_fake OUT_DIR [--images 400] [--seed 3] [--shuffle-labels]
writes OUT_DIR/data and OUT_DIR/bundle.

The world: each image has four attributes (colour, shape, size, place). Its embedding is the
normalised sum of one random unit vector per attribute value plus noise; a caption's embedding
is the normalised sum of the (slightly perturbed, i.e. imperfectly aligned) vectors of the values
it names, plus noise. Short captions name one or two attributes from a few templates, so many
images share byte-identical short captions; long captions (> 32 tokens) name all four and add
filler sentences. Patch tokens carry the class vector in token 0 and one attribute per other
token. So retrieval is learnable and TEVI has something to filter; labels.jsonl records the
attribute values (evaluation only), and --shuffle-labels permutes its lines and changes nothing
else.
"""
import argparse
import hashlib
import json
import os

import numpy as np
import torch
import torch.nn as nn

ATTRIBUTES = {
    "colour": ["red", "green", "blue", "yellow", "purple", "orange"],
    "shape": ["circle", "square", "triangle", "star", "heart", "moon"],
    "size": ["small", "medium", "large"],
    "place": ["left", "right", "top", "bottom"],
}
SHORT_TEMPLATES = ["a photo of a {}", "a {} thing", "{} in the picture", "an image with a {}"]
FILLER = ["the lighting is soft and even across the whole frame .",
          "nothing else of interest can be seen in this simple picture at all .",
          "it looks like a quick drawing made for a children 's book ."]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]


def _words(text):
    return text.lower().replace(".", " .").split()


def _vocabulary(size):
    words = set()
    for values in ATTRIBUTES.values():
        words.update(values)
    for template in SHORT_TEMPLATES + FILLER:
        words.update(w for w in _words(template.replace("{}", "")))
    words.update(_words("this picture shows a . it is . it sits at the of the frame and the is"))
    vocab = SPECIALS + sorted(words)
    vocab += [f"w{i}" for i in range(size - len(vocab))]
    return vocab


class FakeVision(nn.Module):
    def __init__(self, size, d, tokens, dp):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.embed = nn.Linear(3 * 16, d)
        self.tokens = nn.Linear(3 * 16, tokens * dp)
        self.shape = (tokens, dp)

    def forward(self, pixel_values):
        f = self.pool(pixel_values).flatten(1)
        e = self.embed(f)
        return e / e.norm(dim=-1, keepdim=True), self.tokens(f).reshape(-1, *self.shape)


class FakeText(nn.Module):
    def __init__(self, vocab, D, d):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, D)
        self.project = nn.Linear(D, d)

    def forward(self, input_ids, attention_mask):
        h = self.token_embedding(input_ids)
        m = attention_mask.unsqueeze(-1).float()
        pooled = self.project((h * m).sum(1) / m.sum(1).clamp_min(1))
        return pooled / pooled.norm(dim=-1, keepdim=True), h


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_fake(out, images=400, seed=3, shuffle_labels=False, d=48, tokens=9, patch_dim=24, word_dim=40,
               vocab_size=160, image_size=16, golden=4, patch_images=None):
    """Writes out/data (training-data directory) and out/bundle (format-2 bundle, vision and text
    heads only). Returns (data_dir, bundle_dir)."""
    rng = np.random.default_rng(seed)
    data_dir, bundle_dir = os.path.join(out, "data"), os.path.join(out, "bundle")
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(bundle_dir, exist_ok=True)
    families = list(ATTRIBUTES)
    vocab = _vocabulary(vocab_size)
    index = {w: i for i, w in enumerate(vocab)}

    def unit(*shape):
        v = rng.standard_normal(shape)
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    img_vec = {f: unit(len(v), d) for f, v in ATTRIBUTES.items()}
    txt_vec = {f: (img_vec[f] + 0.6 * unit(len(v), d)) for f, v in ATTRIBUTES.items()}   # imperfect alignment
    tok_vec = {f: unit(len(v), patch_dim) for f, v in ATTRIBUTES.items()}
    template_dir = unit(len(SHORT_TEMPLATES), d)
    class_proj = rng.standard_normal((d, patch_dim)) / np.sqrt(d)

    labels = [{f: int(rng.integers(len(v))) for f, v in ATTRIBUTES.items()} for _ in range(images)]
    ids = [f"img-{i:05d}" for i in range(images)]
    split = []
    for image_id in ids:
        h = int(hashlib.sha256(image_id.encode()).hexdigest()[:8], 16) / 2 ** 32
        split.append("validation" if h < 0.1 else "test" if h < 0.2 else "train")

    x = np.stack([sum(img_vec[f][lab[f]] for f in families) for lab in labels])
    x += 0.08 * rng.standard_normal(x.shape)
    x /= np.linalg.norm(x, axis=1, keepdims=True)

    captions, cap_emb = [], []
    for i, lab in enumerate(labels):
        for _ in range(int(rng.integers(2, 5))):
            named = list(rng.choice(families, size=int(rng.integers(1, 3)), replace=False))
            named.sort(key=families.index)
            phrase = " ".join(ATTRIBUTES[f][lab[f]] for f in named)
            k = int(rng.integers(len(SHORT_TEMPLATES)))
            text = SHORT_TEMPLATES[k].format(phrase)
            v = sum(txt_vec[f][lab[f]] for f in named) + 0.3 * template_dir[k]
            captions.append((i, text))
            cap_emb.append(v + 0.05 * rng.standard_normal(d))
        if rng.random() < 0.8:
            c, s, z, p = (ATTRIBUTES[f][lab[f]] for f in families)
            sentences = [f"this picture shows a {c} {s} .", f"it is {z} .", f"it sits at the {p} of the frame ."]
            sentences += list(rng.choice(FILLER, size=2, replace=False))
            text = " ".join(sentences)
            v = sum(txt_vec[f][lab[f]] for f in families)
            captions.append((i, text))
            cap_emb.append(v + 0.05 * rng.standard_normal(d))
    cap_emb = np.stack(cap_emb)
    cap_emb /= np.linalg.norm(cap_emb, axis=1, keepdims=True)

    test = [i for i in range(images) if split[i] == "test"]
    golden_ids = test[:golden]
    if patch_images is None:
        patch_images = int(images * 0.75)
    kept = list(golden_ids) + [i for i in range(images) if i not in golden_ids][:patch_images - len(golden_ids)]
    patch_row = {img: r for r, img in enumerate(kept)}
    patches = np.zeros((len(kept), tokens, patch_dim))
    for r, img in enumerate(kept):
        patches[r, 0] = x[img] @ class_proj
        for j in range(1, tokens):
            f = families[(j - 1) % len(families)]
            patches[r, j] = tok_vec[f][labels[img][f]]
        patches[r] += 0.5 * rng.standard_normal((tokens, patch_dim))
    patches = (patches - patches.mean(-1, keepdims=True)) / patches.std(-1, keepdims=True)

    golden_images = np.zeros((golden, image_size, image_size, 3), np.uint8)
    for g, img in enumerate(golden_ids):
        golden_images[g] = rng.integers(0, 256, 3, dtype=np.uint8)
        golden_images[g, : image_size // 2] //= 2

    # The fake bundle's heads; their word-embedding initializer is word_embeddings.f32.
    torch.manual_seed(seed)
    vision, text = FakeVision(image_size, d, tokens, patch_dim), FakeText(vocab_size, word_dim, d)
    torch.onnx.export(vision, (torch.zeros(1, 3, image_size, image_size),), os.path.join(bundle_dir, "vision_model.onnx"),
                      opset_version=17, input_names=["pixel_values"], output_names=["image_embeds", "last_hidden_state"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}, "last_hidden_state": {0: "batch"}})
    torch.onnx.export(text, (torch.zeros(1, 5, dtype=torch.long), torch.ones(1, 5, dtype=torch.long)),
                      os.path.join(bundle_dir, "text_model.onnx"), opset_version=17,
                      input_names=["input_ids", "attention_mask"], output_names=["text_embeds", "last_hidden_state"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                    "text_embeds": {0: "batch"}, "last_hidden_state": {0: "batch", 1: "sequence"}})
    words = text.token_embedding.weight.detach().numpy().astype("<f4")
    tokenizer = {"version": "1.0", "model": {"type": "WordLevel", "vocab": index, "unk_token": "[UNK]"},
                 "pre_tokenizer": {"type": "Whitespace"}, "normalizer": {"type": "Lowercase"}}
    with open(os.path.join(bundle_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f)
    files = ["vision_model.onnx", "text_model.onnx", "tokenizer.json"]
    manifest = {
        "format": 2, "model_id": "fake-clip", "version": "0.0.1",
        "dims": {"embedding": d, "patch_tokens": tokens, "patch_dim": patch_dim, "word_embedding": word_dim,
                 "text_vocabulary": vocab_size},
        "preprocessing": {"image_size": image_size, "layout": "NCHW", "channels": "RGB", "dtype": "float32",
                          "rescale": 1 / 255, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
        "heads": {
            "vision": {"file": "vision_model.onnx", "inputs": {"pixel_values": ["batch", 3, image_size, image_size]},
                       "outputs": {"image_embeds": ["batch", d], "last_hidden_state": ["batch", tokens, patch_dim]},
                       "roles": {"image": "pixel_values", "embedding": "image_embeds", "patch_tokens": "last_hidden_state"},
                       "normalise": True},
            "text": {"file": "text_model.onnx", "tokenizer": "tokenizer.json", "max_length": 77, "pooling": "none",
                     "normalise": True, "word_embeddings": "token_embedding.weight",
                     "inputs": {"input_ids": ["batch", "sequence"], "attention_mask": ["batch", "sequence"]},
                     "outputs": {"text_embeds": ["batch", d], "last_hidden_state": ["batch", "sequence", word_dim]},
                     "roles": {"input_ids": "input_ids", "attention_mask": "attention_mask", "embedding": "text_embeds"}},
        },
        "files": {name: {"sha256": _sha(os.path.join(bundle_dir, name)),
                         "bytes": os.path.getsize(os.path.join(bundle_dir, name))} for name in files},
    }
    with open(os.path.join(bundle_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)

    # The training-data directory.
    meta = {"images": images, "captions": len(captions), "embedding": d, "patch_tokens": tokens, "patch_dim": patch_dim,
            "patch_images": len(kept), "word_embedding": word_dim, "text_vocabulary": vocab_size,
            "image_size": image_size, "golden_images": golden, "source": f"labelfree_fake seed {seed}",
            "split": {"validation": 0.1, "test": 0.1, "seed": seed}}
    with open(os.path.join(data_dir, "dataset.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
    with open(os.path.join(data_dir, "images.jsonl"), "w", encoding="utf-8") as f:
        for i, image_id in enumerate(ids):
            row = {"image_id": image_id, "split": split[i]}
            if i in patch_row:
                row["patches"] = patch_row[i]
            f.write(json.dumps(row) + "\n")
    with open(os.path.join(data_dir, "captions.jsonl"), "w", encoding="utf-8") as f:
        for i, text in captions:
            f.write(json.dumps({"image": i, "text": text, "tokens": [index[w] for w in _words(text)]}) + "\n")
    x.astype("<f4").tofile(os.path.join(data_dir, "image_embeddings.f32"))
    cap_emb.astype("<f4").tofile(os.path.join(data_dir, "caption_embeddings.f32"))
    patches.astype("<f4").tofile(os.path.join(data_dir, "patch_tokens.f32"))
    words.tofile(os.path.join(data_dir, "word_embeddings.f32"))
    with open(os.path.join(data_dir, "vocabulary.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f)
    golden_images.tofile(os.path.join(data_dir, "golden_images.u8"))
    named = [{f: ATTRIBUTES[f][lab[f]] for f in families} for lab in labels]
    if shuffle_labels:
        named = [named[j] for j in np.random.default_rng(seed + 99).permutation(images)]
    with open(os.path.join(data_dir, "labels.jsonl"), "w", encoding="utf-8") as f:
        for row in named:
            f.write(json.dumps(row) + "\n")
    return data_dir, bundle_dir


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=400)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--shuffle-labels", action="store_true")
    args = ap.parse_args()
    data, bundle = write_fake(args.out, args.images, args.seed, args.shuffle_labels)
    print(f"wrote {data} and {bundle}")


if __name__ == "__main__":
    main()
