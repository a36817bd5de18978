"""Reads the training-data directory of docs/bundle-format-2.md (written by `model embed` in Java).

Only what training may see is read here: embeddings, splits, captions, patch tokens, the text
head's word embeddings and vocabulary, golden images. `labels.jsonl` is NOT read by this module
(labelfree_eval.read_labels does, for the report's probes only).
"""
import json
import os
from dataclasses import dataclass

import numpy as np
import torch

SPLITS = ("train", "validation", "test")
CHUNK_TOKENS = 32          # the runtime's sub-caption length: longer captions are "long"


def _jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _f32(path, shape):
    expected = int(np.prod(shape)) * 4
    actual = os.path.getsize(path)
    if actual != expected:
        raise ValueError(f"{os.path.basename(path)}: {actual} bytes, expected {expected} for shape {list(shape)}")
    return np.memmap(path, dtype="<f4", mode="r", shape=tuple(shape))


@dataclass
class TrainingData:
    root: str
    meta: dict                    # dataset.json
    image_ids: list               # [N] str
    split: np.ndarray             # [N] str: train / validation / test
    patch_row: np.ndarray         # int64 [N]: row in patch_tokens.f32, -1 when not kept
    x: torch.Tensor               # float32 [N, d], L2-normalised image embeddings
    cap_image: np.ndarray         # int64 [M]: image index of caption j
    cap_text: list                # [M] str
    cap_tokens: list              # [M] list[int] token ids without special tokens
    text_id: np.ndarray           # int64 [M]: id of the byte-identical text (first occurrence order)
    t: torch.Tensor               # float32 [M, d], caption embeddings as the runtime computes them
    word_embeddings: np.ndarray   # float32 [V, D]
    vocabulary: list              # [V] str
    patches: np.ndarray           # memmap float32 [P, T, dp]
    golden_images: np.ndarray     # uint8 [G, S, S, 3]

    @property
    def d(self):
        return self.x.shape[1]

    def images(self, split):
        """int64 image indices of a split, file order."""
        return np.flatnonzero(self.split == split)

    def captions_of(self, images):
        """int64 caption indices whose image is in `images`, caption file order."""
        return np.flatnonzero(np.isin(self.cap_image, images))

    def is_long(self, captions):
        return np.array([len(self.cap_tokens[c]) > CHUNK_TOKENS for c in captions], bool)

    def patch_tokens(self, images):
        """float32 [len(images), T, dp] for images that all have patch tokens."""
        rows = self.patch_row[images]
        if (rows < 0).any():
            raise ValueError("patch tokens requested for images without them")
        return torch.from_numpy(np.ascontiguousarray(self.patches[rows]))

    def with_patches(self, images):
        return images[self.patch_row[images] >= 0]


def load(root):
    with open(os.path.join(root, "dataset.json"), encoding="utf-8") as f:
        meta = json.load(f)
    n, m, d = meta["images"], meta["captions"], meta["embedding"]
    T, dp, P = meta["patch_tokens"], meta["patch_dim"], meta["patch_images"]
    D = meta.get("word_embedding", d)
    V, G, S = meta["text_vocabulary"], meta["golden_images"], meta["image_size"]

    rows = _jsonl(os.path.join(root, "images.jsonl"))
    if len(rows) != n:
        raise ValueError(f"images.jsonl has {len(rows)} lines, dataset.json says {n}")
    image_ids = [r["image_id"] for r in rows]
    split = np.array([r["split"] for r in rows])
    bad = set(split) - set(SPLITS)
    if bad:
        raise ValueError(f"images.jsonl: unknown split(s) {sorted(bad)}")
    patch_row = np.array([r.get("patches", -1) for r in rows], np.int64)

    caps = _jsonl(os.path.join(root, "captions.jsonl"))
    if len(caps) != m:
        raise ValueError(f"captions.jsonl has {len(caps)} lines, dataset.json says {m}")
    cap_image = np.array([c["image"] for c in caps], np.int64)
    cap_text = [c["text"] for c in caps]
    cap_tokens = [list(c["tokens"]) for c in caps]
    first = {}
    text_id = np.array([first.setdefault(text, len(first)) for text in cap_text], np.int64)

    with open(os.path.join(root, "vocabulary.json"), encoding="utf-8") as f:
        vocabulary = json.load(f)
    if len(vocabulary) != V:
        raise ValueError(f"vocabulary.json has {len(vocabulary)} entries, dataset.json says {V}")

    x = torch.from_numpy(np.array(_f32(os.path.join(root, "image_embeddings.f32"), (n, d))))
    t = torch.from_numpy(np.array(_f32(os.path.join(root, "caption_embeddings.f32"), (m, d))))
    words = np.array(_f32(os.path.join(root, "word_embeddings.f32"), (V, D)))
    patches = _f32(os.path.join(root, "patch_tokens.f32"), (P, T, dp))
    golden_path = os.path.join(root, "golden_images.u8")
    if os.path.getsize(golden_path) != G * S * S * 3:
        raise ValueError(f"golden_images.u8: expected {G} x {S} x {S} x 3 bytes")
    golden = np.fromfile(golden_path, dtype=np.uint8).reshape(G, S, S, 3)
    return TrainingData(root, meta, image_ids, split, patch_row, x, cap_image, cap_text, cap_tokens,
                        text_id, t, words, vocabulary, patches, golden)


def golden_indices(data):
    """The golden images: the first G test-split images with a caption, in file order (the contract)."""
    with_caption = np.isin(data.images("test"), data.cap_image)
    return data.images("test")[with_caption][:data.meta["golden_images"]]
