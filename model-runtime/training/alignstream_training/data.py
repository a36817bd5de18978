"""Reads the dataset folder written by the Java DatasetWriter (io.alignstream.world)."""
import csv
import json
import os
from dataclasses import dataclass, field

import numpy as np
import torch

FAMILIES = ["shape", "colour", "size", "position", "background"]
ALL_FAMILIES = FAMILIES + ["second_shape", "second_colour"]
WEB_PER_IMAGE = 4


@dataclass
class SplitData:
    images: np.ndarray            # uint8 [n, 64, 64, 3]
    labels: dict                  # family -> list[str]
    web: np.ndarray               # int64 [n, 4] text ids
    web_named: list               # [n][4] dict family -> value
    long: np.ndarray              # int64 [n]
    single: np.ndarray            # int64 [n, 5] text ids, FAMILIES order
    sub: np.ndarray               # int64 [n, s] text ids (CLIPS sub-captions)
    trunc: np.ndarray             # int64 [n] (long caption cut to 32 tokens)
    label_ids: dict = field(default_factory=dict)  # family -> int64 [n] value index

    @property
    def size(self):
        return self.images.shape[0]


@dataclass
class Dataset:
    meta: dict
    texts: list                   # text id -> text
    text_embeddings: np.ndarray   # float32 [n_texts, 384]
    train: SplitData
    test: SplitData
    unlabelled_images: np.ndarray = None   # uint8 [u, 64, 64, 3]: more train-split scenes, no captions

    def values(self, family):
        base = family.replace("second_", "")
        vals = list(self.meta["values"][base])
        return vals + ["none"] if family.startswith("second_") else vals


def _parse_named(field_text):
    if field_text == "-":
        return {}
    return dict(part.split("=", 1) for part in field_text.split(";"))


def _read_split(root, split, meta):
    n = meta[f"{split}_images"]
    size = meta["image_size"]
    images = np.fromfile(os.path.join(root, f"{split}_images.u8"), dtype=np.uint8).reshape(n, size, size, 3)
    labels = {f: [] for f in ALL_FAMILIES}
    with open(os.path.join(root, f"{split}_labels.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            for fam in ALL_FAMILIES:
                labels[fam].append(row[fam])
    sub_per = meta["sub_captions_per_image"]
    web = np.zeros((n, WEB_PER_IMAGE), np.int64)
    web_named = [[None] * WEB_PER_IMAGE for _ in range(n)]
    long_ = np.zeros(n, np.int64)
    single = np.zeros((n, len(FAMILIES)), np.int64)
    sub = np.zeros((n, sub_per), np.int64)
    trunc = np.zeros(n, np.int64)
    counters = np.zeros((n, 2), np.int64)
    with open(os.path.join(root, f"{split}_captions.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            i, kind, text = int(row["image"]), row["kind"], int(row["text"])
            if kind == "web":
                j = counters[i, 0]
                web[i, j] = text
                web_named[i][j] = _parse_named(row["named"])
                counters[i, 0] += 1
            elif kind == "long":
                long_[i] = text
            elif kind == "single":
                single[i, FAMILIES.index(row["family"])] = text
            elif kind == "sub":
                sub[i, counters[i, 1]] = text
                counters[i, 1] += 1
            elif kind == "trunc":
                trunc[i] = text
    return SplitData(images, labels, web, web_named, long_, single, sub, trunc)


def load(root):
    with open(os.path.join(root, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    texts = []
    with open(os.path.join(root, "texts.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            texts.append(line.rstrip("\n").split("\t", 1)[1])
    emb = np.fromfile(os.path.join(root, "text_embeddings.f32"), dtype="<f4").reshape(len(texts), meta["embedding_dim"])
    ds = Dataset(meta, texts, emb, _read_split(root, "train", meta), _read_split(root, "test", meta))
    unlabelled = os.path.join(root, "train_unlabelled_images.u8")
    if os.path.exists(unlabelled):
        size = meta["image_size"]
        ds.unlabelled_images = np.fromfile(unlabelled, dtype=np.uint8).reshape(-1, size, size, 3)
    for split in (ds.train, ds.test):
        for fam in ALL_FAMILIES:
            vals = ds.values(fam)
            split.label_ids[fam] = np.array([vals.index(v) for v in split.labels[fam]], np.int64)
    return ds


def label_matrix(split):
    """int64 [n, 7]: value index per family, ALL_FAMILIES order."""
    return np.stack([split.label_ids[f] for f in ALL_FAMILIES], axis=1)


def named_matrix(ds, named_list):
    """For captions given as dicts family->value: int64 [c, 7], -1 where the family is not named."""
    out = np.full((len(named_list), len(ALL_FAMILIES)), -1, np.int64)
    for c, named in enumerate(named_list):
        for fam, value in named.items():
            out[c, ALL_FAMILIES.index(fam)] = ds.values(fam).index(value)
    return out


def satisfies(labels, named):
    """bool [n_images, n_captions]: image has every attribute the caption names."""
    labels = torch.as_tensor(labels)
    named = torch.as_tensor(named)
    ok = (named[None, :, :] < 0) | (labels[:, None, :] == named[None, :, :])
    return ok.all(dim=2)


def long_named(ds, split):
    """Long captions name everything: their named matrix is the image's full label row."""
    return label_matrix(split)


def single_named(split, family_index):
    """Single captions of one family name only that family."""
    labels = label_matrix(split)
    out = np.full_like(labels, -1)
    out[:, family_index] = labels[:, family_index]
    return out


def images_to_tensor(images):
    """uint8 [n, H, W, 3] -> float32 [n, H, W, 3] in 0..255 (the vision ONNX input layout)."""
    return torch.from_numpy(images.astype(np.float32))
