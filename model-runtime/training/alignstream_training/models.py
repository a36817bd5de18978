"""The bundle's trainable parts: vision tower, TEVI (TopK SAE + caption mask), connectors."""
import torch
import torch.nn as nn
import torch.nn.functional as F

EMBED_DIM = 384          # MiniLM's width: the shared image-text space
PATCH_DIM = 128          # width of the vision tower's patch tokens
GRID = 8                 # patch tokens form an 8 x 8 grid
PIXEL_MEAN = 127.5       # preprocessing inside the ONNX graph: (pixel - mean) / scale
PIXEL_SCALE = 64.0


def conv_block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.GELU())


class VisionTower(nn.Module):
    """64x64 RGB (HWC, 0..255) -> L2-normalised 384-d embedding and an 8x8 grid of patch tokens.

    A small CNN: three stride-2 stages to 8x8 and one more 3x3 stage there (receptive field
    31 px, about half the canvas; kept small because training runs on two CPU cores). Tokens get a learned position embedding before a per-token MLP
    and mean pooling, so the pooled embedding keeps where things are (the position attribute).
    """

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            conv_block(3, 32, 2),        # 32x32
            conv_block(32, 64, 2),       # 16x16
            conv_block(64, 128, 2),      # 8x8
            conv_block(128, PATCH_DIM, 1),
        )
        self.token_norm = nn.LayerNorm(PATCH_DIM)
        self.position = nn.Parameter(torch.zeros(GRID * GRID, PATCH_DIM))
        nn.init.normal_(self.position, std=0.5)
        self.token_mlp = nn.Sequential(nn.Linear(PATCH_DIM, 256), nn.GELU())
        self.project = nn.Linear(256, EMBED_DIM)

    def forward(self, image_hwc):
        x = (image_hwc.permute(0, 3, 1, 2) - PIXEL_MEAN) / PIXEL_SCALE
        grid = self.features(x)                                    # [b, 128, 8, 8]
        tokens = self.token_norm(grid.flatten(2).transpose(1, 2))  # [b, 64, 128], unit scale
        pooled = self.token_mlp(tokens + self.position).mean(dim=1)
        embedding = F.normalize(self.project(pooled), dim=-1)
        return embedding, tokens


class TopKSAE(nn.Module):
    """TopK sparse autoencoder over image embeddings (methods.md, TEVI)."""

    def __init__(self, d=EMBED_DIM, m=8 * EMBED_DIM, k=32):
        super().__init__()
        self.k = k
        self.b_dec = nn.Parameter(torch.zeros(d))
        self.b_enc = nn.Parameter(torch.zeros(m))
        w = torch.randn(m, d)
        w = w / w.norm(dim=1, keepdim=True)
        self.W_enc = nn.Parameter(w.clone())          # [m, d]
        self.W_dec = nn.Parameter(w.t().clone())      # [d, m], unit-norm columns

    def pre_activations(self, x):
        return F.relu((x - self.b_dec) @ self.W_enc.t() + self.b_enc)

    def encode(self, x):
        pre = self.pre_activations(x)
        values, indices = pre.topk(self.k, dim=-1)
        return torch.zeros_like(pre).scatter(-1, indices, values)

    def decode(self, z):
        return z @ self.W_dec.t() + self.b_dec

    @torch.no_grad()
    def normalise_decoder(self):
        self.W_dec.div_(self.W_dec.norm(dim=0, keepdim=True).clamp_min(1e-8))


class CaptionMask(nn.Module):
    """mask = sigmoid(MLP(t)), one value in [0, 1] per dictionary latent.

    `gain` scales the MLP's output (it is part of its last layer) and is annealed upwards during
    training so the trained mask saturates towards 0/1: a latent kept at 0.02 still carries
    its attribute to a linear probe, so "filtered" must mean close to zero.
    """

    def __init__(self, d=EMBED_DIM, m=8 * EMBED_DIM, hidden=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, m))
        nn.init.constant_(self.net[2].bias, 2.0)   # start near "keep everything"
        self.register_buffer("gain", torch.tensor(1.0))

    def forward(self, t):
        return torch.sigmoid(self.gain * self.net(t))


class CaptionAdapter(nn.Module):
    """The trained caption side (issue 17): q = normalise(t + W2 GELU(W1 t)).

    The paper trains the text tower together with the mask; a frozen text head moves as much for
    a change of sentence template as for a change of attribute. A residual MLP on the caption
    embedding is the smallest trained caption side that can re-weight what the caption names.
    W2 starts at zero, so the untrained adapter is the identity (on unit-norm captions).
    """

    def __init__(self, d=EMBED_DIM, hidden=512):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d))
        nn.init.zeros_(self.net[2].weight)
        nn.init.zeros_(self.net[2].bias)

    def forward(self, t):
        return F.normalize(t + self.net(t), dim=-1)


def query(adapter, t):
    """The caption embedding TEVI aligns to: the adapter's output, or t itself without one."""
    return t if adapter is None else adapter(t)


class TeviHead(nn.Module):
    """The exported TEVI head: (image embedding, caption embedding) -> aligned, codes, mask, and
    with a caption adapter also caption_aligned (the adapted caption: the query side)."""

    def __init__(self, sae, mask, adapter=None):
        super().__init__()
        self.sae = sae
        self.mask = mask
        self.adapter = adapter

    def forward(self, image_embedding, caption_embedding):
        q = query(self.adapter, caption_embedding)
        z = self.sae.encode(image_embedding)
        mask = self.mask(q)
        aligned = F.normalize(self.sae.decode(z * mask), dim=-1)
        if self.adapter is None:
            return aligned, z, mask
        return aligned, z, mask, q


def sparse_codes(sae, z):
    """What pair scoring needs from TopK codes z [n, m]; fixed while the SAE is frozen:
    active latents' values [n, k] and indices [n, k], the decoder Gram matrix restricted to
    them [n, k, k], and b_dec . W_dec over them [n, k]."""
    values, active = z.topk(sae.k, dim=-1)
    Wa = sae.W_dec.t()[active]                           # [n, k, d]
    return values, active, Wa @ Wa.transpose(1, 2), Wa @ sae.b_dec


def tevi_pair_scores(sae, z, masks, t):
    """Cosine of x_tevi(image i, caption j) with t_j for every pair (codes z [n, m])."""
    return tevi_pair_scores_sparse(sae, sparse_codes(sae, z), masks, t)


def tevi_pair_scores_sparse(sae, codes, masks, t):
    """Cosine of x_tevi(image i, caption j) with t_j for every pair, without decoding n x c.

    The decoder is linear (methods.md): x_tevi's numerator is sum over active latents of
    z * mask * (W_dec^T t) plus b_dec . t; its squared norm comes from the Gram matrix over the
    k active latents. codes from sparse_codes; masks [c, m]; t [c, d] unit-norm. Returns [n, c].
    """
    values, active, gram, bw = codes
    b = sae.b_dec
    v = values[:, :, None] * masks.t()[active]           # [n, k, c]: z * mask on active latents
    wt = (t @ sae.W_dec).t()[active]                     # [n, k, c]: W_dec^T t on active latents
    numerator = (v * wt).sum(dim=1) + (t @ b)[None, :]
    quad = (v * torch.bmm(gram, v)).sum(dim=1)
    linear = 2 * (bw[:, :, None] * v).sum(dim=1)
    norm = (quad + linear + b.dot(b)).clamp_min(1e-12).sqrt()
    return numerator / norm


class AlignConnector(nn.Module):
    """AlignVLM: P = softmax(LN(W2 LN(W1 F))), F_align = P E_text, over a restricted vocabulary."""

    def __init__(self, word_embeddings, vocab_ids, top=10, logit_gain=1.0, patch_dim=PATCH_DIM):
        super().__init__()
        v, d = word_embeddings.shape
        self.W1 = nn.Linear(patch_dim, d)
        self.ln1 = nn.LayerNorm(d)
        self.W2 = nn.Linear(d, v, bias=False)
        self.W2.weight.data.copy_(word_embeddings)       # initialised from MiniLM's (tied) head
        self.ln2 = nn.LayerNorm(v)
        # The second LayerNorm's gain is the softmax's inverse temperature: at 1 the logits have
        # unit spread over V words and P starts almost uniform, which trains very slowly.
        nn.init.constant_(self.ln2.weight, logit_gain)
        self.register_buffer("E_text", word_embeddings.clone())    # frozen
        self.register_buffer("vocab_ids", vocab_ids.clone())       # restricted -> BERT ids
        self.top = top

    def distribution(self, tokens):
        return torch.softmax(self.ln2(self.W2(self.ln1(self.W1(tokens)))), dim=-1)

    def forward(self, tokens):
        p = self.distribution(tokens)                    # [b, n, V]
        projected = p @ self.E_text                      # [b, n, d]
        pooled = projected.mean(dim=1)
        weights, index = p.mean(dim=1).topk(self.top, dim=-1)
        return projected, pooled, self.vocab_ids[index], weights


class MlpConnector(nn.Module):
    """The baseline: the usual two-layer MLP projector, trained the same way."""

    def __init__(self, d=EMBED_DIM, patch_dim=PATCH_DIM):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(patch_dim, d), nn.GELU(), nn.Linear(d, d))

    def forward(self, tokens):
        projected = self.net(tokens)
        return projected, projected.mean(dim=1)
