"""A BERT-style text tower (all-MiniLM-L6-v2, the default bundle's text head) rebuilt in PyTorch
from the weights of its ONNX graph, so a connector's tokens can be read as input embeddings
(AlignVLM's frozen language model; issue 17's fair robustness test).

The ONNX export keeps the biases and LayerNorm parameters under their PyTorch names but folds each
Linear weight into an anonymous MatMul constant ([in, out]); a MatMul's weight is named here by
the bias its output is added to. `read_bert(path)` returns a frozen `Bert`;
align_noise.reader_parity checks it against the caption embeddings computed in Java through ONNX
Runtime (and refuses to go on if they differ), which DefaultEncodersImportTest runs. The head
count is read from the graph's attention reshape; MiniLM has 12 heads of 32.
"""
import math

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

EPS = 1e-12          # BERT's LayerNorm epsilon


def attention_heads(path):
    """The number of attention heads: the constant head count in the first 4-D Reshape shape
    [batch, sequence, heads, head_dim] of the export (BERT splits q, k, v that way)."""
    graph = onnx.load(path).graph
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    for node in graph.node:
        if node.op_type == "Concat":
            parts = [consts.get(i) for i in node.input]
            known = [p for p in parts if p is not None]
            if len(node.input) == 4 and len(known) == 2 and all(p.size == 1 for p in known):
                return int(known[0].reshape(-1)[0])
    raise ValueError("no attention reshape [batch, sequence, heads, head_dim] found")


def onnx_weights(path):
    """{pytorch name: array} for every parameter of the graph, Linear weights as [out, in]."""
    graph = onnx.load(path).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    out = {k: v for k, v in init.items() if not k.startswith("onnx::")}
    for node in graph.node:
        if node.op_type != "MatMul" or node.input[1] not in init:
            continue
        adds = [n for n in consumers.get(node.output[0], []) if n.op_type == "Add"]
        bias = next((i for n in adds for i in n.input if i.endswith(".bias") and i in init), None)
        if bias is None:
            raise ValueError(f"MatMul {node.name}: no named bias follows it; not a BERT export this reader knows")
        out[bias[:-len(".bias")] + ".weight"] = init[node.input[1]].T
    return out


class Layer(nn.Module):
    def __init__(self, d, heads, inner):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=EPS), nn.LayerNorm(d, eps=EPS)
        self.up, self.down = nn.Linear(d, inner), nn.Linear(inner, d)

    def forward(self, h, bias):
        b, n, d = h.shape
        split = lambda x: x.view(b, n, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads) + bias, dim=-1) @ v
        h = self.ln1(h + self.o(a.transpose(1, 2).reshape(b, n, d)))
        return self.ln2(h + self.down(F.gelu(self.up(h))))


class Bert(nn.Module):
    """Reads input embeddings (word rows, or a connector's tokens) and returns last_hidden_state;
    `pooled` is the text head's rule (mean over the mask, then L2 normalisation)."""

    def __init__(self, weights, heads):
        super().__init__()
        self.words = torch.from_numpy(weights["embeddings.word_embeddings.weight"].copy())
        self.positions = torch.from_numpy(weights["embeddings.position_embeddings.weight"].copy())
        self.token_type = torch.from_numpy(weights["embeddings.token_type_embeddings.weight"][0].copy())
        d = self.words.shape[1]
        layers = sorted({int(k.split(".")[2]) for k in weights if k.startswith("encoder.layer.")})
        inner = weights["encoder.layer.0.intermediate.dense.weight"].shape[0]
        self.ln = nn.LayerNorm(d, eps=EPS)
        self.layers = nn.ModuleList(Layer(d, heads, inner) for _ in layers)
        names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                 "o": "attention.output.dense", "ln1": "attention.output.LayerNorm", "up": "intermediate.dense",
                 "down": "output.dense", "ln2": "output.LayerNorm"}
        with torch.no_grad():
            self.ln.weight.copy_(torch.from_numpy(weights["embeddings.LayerNorm.weight"]))
            self.ln.bias.copy_(torch.from_numpy(weights["embeddings.LayerNorm.bias"]))
            for i, layer in zip(layers, self.layers):
                for attr, name in names.items():
                    module = getattr(layer, attr)
                    module.weight.copy_(torch.from_numpy(weights[f"encoder.layer.{i}.{name}.weight"]))
                    module.bias.copy_(torch.from_numpy(weights[f"encoder.layer.{i}.{name}.bias"]))
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, embeds, mask):
        n = embeds.shape[1]
        h = self.ln(embeds + self.positions[:n] + self.token_type)
        bias = (1.0 - mask[:, None, None, :].float()) * -1e4
        for layer in self.layers:
            h = layer(h, bias)
        return h

    def pooled(self, embeds, mask):
        h = self.forward(embeds, mask)
        m = mask[:, :, None].float()
        return F.normalize((h * m).sum(1) / m.sum(1).clamp_min(1e-9), dim=-1)


def read_bert(path):
    return Bert(onnx_weights(path), attention_heads(path)).eval()


def token_batch(token_lists, cls_id, sep_id, max_length=128):
    """input ids [CLS] tokens [SEP] (truncated as the text head truncates), padded, with the mask."""
    rows = [[cls_id] + list(t)[:max_length - 2] + [sep_id] for t in token_lists]
    n = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), n, dtype=torch.long)
    mask = torch.zeros(len(rows), n, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return ids, mask
