"""Stand-in CLIP encoders in Hugging Face Optimum's export layout, written from code alone.

No pretrained CLIP can be had here (docs/bundle-format-2.md, /work/shared/environment.md), so the
importer and the trainer are tested against a directory shaped exactly like what a user brings:

    vision_model.onnx        pixel_values [batch, 3, S, S] -> image_embeds [batch, d],
                             last_hidden_state [batch, 1 + grid^2, width]
    text_model.onnx          input_ids, attention_mask [batch, sequence] int64 -> text_embeds
                             [batch, d], last_hidden_state [batch, sequence, text_width]
    tokenizer.json           a Hugging Face tokenizers file (WordLevel, lowercase, whitespace and
                             punctuation split, <|startoftext|> ... <|endoftext|> template)
    preprocessor_config.json CLIPImageProcessor's fields

The modules follow CLIPVisionModelWithProjection and CLIPTextModelWithProjection (pre-LN
transformers, quick GELU, class-token and end-of-text pooling, bias-free projections) at a tiny
size with random weights from a fixed seed: the numbers mean nothing, the shapes, names and
data flow are the real ones. Options rename tensors or break one property at a time so tests
can exercise hand-export layouts and the importer's refusals.

    python3 -m alignstream_training.standin OUT_DIR [--seed 7] [--image-size 64] ...
"""
import argparse
import json
import os
import re

import torch
import torch.nn as nn

OPSET = 17
SPECIAL_TOKENS = ("<|startoftext|>", "<|endoftext|>", "<|unk|>")
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

# The synthetic world's caption words (synthetic-world's CaptionWriter templates and the Colour,
# Shape, Size, Position and Background enums), plus a margin of common English, so every caption
# tokenises without unknowns. Order is fixed: ids must not move between runs.
WORLD_WORDS = """
a an the this that these those it its is are was be been being there here of in on at to from by
with without and or but not no nor also only just very little slightly simple main one second
other another else nothing something each some any all both same
image images photo picture pictures drawing illustration clip art icon stock frame scene
background backdrop texture pattern wall object objects shape shapes thing things figure figures
subject size main edge edges corner corners side center centre middle top bottom left right near
far above below behind over under inside outside around between
small medium large tiny big
red green blue yellow orange purple pink white black grey gray brown dark light
circle square triangle star cross diamond heart moon
plain stripes dots grid waves bricks diagonal thin gentle wave dot stripe brick
shows show showing placed sits sit sitting find found appears appear seen see seeing can could
we you i my our your they he she them us looks look looking like made make drawn draw
has have had having visible noisy uneven soft blurred colors colours color colour synthetic
lines line
""".split()
PUNCTUATION = list(".,:;!?-#'\"()")


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x, additive_mask=None):
        b, n, w = x.shape
        h = self.heads

        def split(t):
            return t.reshape(b, n, h, w // h).transpose(1, 2)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (w // h) ** -0.5
        if additive_mask is not None:
            scores = scores + additive_mask
        out = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, n, w)
        return self.out_proj(out)


class EncoderLayer(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(width)
        self.self_attn = Attention(width, heads)
        self.layer_norm2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, 2 * width)
        self.fc2 = nn.Linear(2 * width, width)

    def forward(self, x, additive_mask=None):
        x = x + self.self_attn(self.layer_norm1(x), additive_mask)
        return x + self.fc2(quick_gelu(self.fc1(self.layer_norm2(x))))


class VisionEmbeddings(nn.Module):
    def __init__(self, width, image_size, patch_size):
        super().__init__()
        grid = image_size // patch_size
        self.class_embedding = nn.Parameter(torch.randn(width) * 0.02)
        self.patch_embedding = nn.Conv2d(3, width, patch_size, stride=patch_size, bias=False)
        self.position_embedding = nn.Embedding(1 + grid * grid, width)

    def forward(self, pixel_values):
        patches = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)   # [b, grid^2, w]
        cls = self.class_embedding.expand(patches.shape[0], 1, -1)
        return torch.cat([cls, patches], dim=1) + self.position_embedding.weight


class VisionTower(nn.Module):
    def __init__(self, width, image_size, patch_size, layers, heads):
        super().__init__()
        self.embeddings = VisionEmbeddings(width, image_size, patch_size)
        self.pre_layrnorm = nn.LayerNorm(width)   # sic: Transformers' own spelling
        self.layers = nn.ModuleList(EncoderLayer(width, heads) for _ in range(layers))
        self.post_layernorm = nn.LayerNorm(width)


class VisionModelWithProjection(nn.Module):
    """CLIPVisionModelWithProjection: last_hidden_state is the encoder output before the post-LN;
    image_embeds projects the post-LN class token and is not normalised."""

    def __init__(self, width, embedding, image_size, patch_size, layers, heads):
        super().__init__()
        self.vision_model = VisionTower(width, image_size, patch_size, layers, heads)
        self.visual_projection = nn.Linear(width, embedding, bias=False)

    def forward(self, pixel_values):
        m = self.vision_model
        x = m.pre_layrnorm(m.embeddings(pixel_values))
        for layer in m.layers:
            x = layer(x)
        image_embeds = self.visual_projection(m.post_layernorm(x[:, 0, :]))
        return image_embeds, x


class TextEmbeddings(nn.Module):
    def __init__(self, vocabulary, width, max_positions):
        super().__init__()
        self.token_embedding = nn.Embedding(vocabulary, width)
        self.position_embedding = nn.Embedding(max_positions, width)


class TextTower(nn.Module):
    def __init__(self, vocabulary, width, max_positions, layers, heads):
        super().__init__()
        self.embeddings = TextEmbeddings(vocabulary, width, max_positions)
        self.layers = nn.ModuleList(EncoderLayer(width, heads) for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(width)


class TextModelWithProjection(nn.Module):
    """CLIPTextModelWithProjection: causal pre-LN transformer, final LN, pooled at the last
    attended token (the tokenizer appends <|endoftext|> there), bias-free projection."""

    def __init__(self, vocabulary, width, embedding, max_positions, layers, heads, int32_ids):
        super().__init__()
        self.text_model = TextTower(vocabulary, width, max_positions, layers, heads)
        self.text_projection = nn.Linear(width, embedding, bias=False)
        self.int32_ids = int32_ids

    def forward(self, input_ids, attention_mask):
        m = self.text_model
        if self.int32_ids:
            input_ids = input_ids.long()
        n = input_ids.shape[1]
        x = m.embeddings.token_embedding(input_ids) + m.embeddings.position_embedding.weight[:n]
        positions = torch.arange(n, device=input_ids.device)
        causal = positions.unsqueeze(0) > positions.unsqueeze(1)                   # [n, n]: future keys
        padded = (attention_mask == 0).unsqueeze(1).unsqueeze(2)                   # [b, 1, 1, n]
        additive = (causal.unsqueeze(0).unsqueeze(0) | padded).to(x.dtype) * -1e9
        for layer in m.layers:
            x = layer(x, additive)
        x = m.final_layer_norm(x)
        last = attention_mask.sum(dim=1) - 1                                       # right padding
        # gather rather than x[arange, last]: advanced indexing exports as a Reshape/Gather chain.
        pooled = x.gather(1, last.reshape(-1, 1, 1).expand(-1, 1, x.shape[2])).squeeze(1)
        return self.text_projection(pooled), x


def vocabulary(extra_words):
    words = []
    for word in WORLD_WORDS + PUNCTUATION + list(extra_words):
        if word not in words:
            words.append(word)
    return words + list(SPECIAL_TOKENS)   # specials last, as in CLIP's vocabulary


def tokenizer_json(words, max_length):
    ids = {word: i for i, word in enumerate(words)}
    bos, eos, unk = SPECIAL_TOKENS

    def added(token):
        return {"id": ids[token], "content": token, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}

    def special(token):
        return {"SpecialToken": {"id": token, "type_id": 0}}

    def sequence(name):
        return {"Sequence": {"id": name, "type_id": 0}}

    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": 0},
        "padding": None,
        "added_tokens": [added(t) for t in SPECIAL_TOKENS],
        "normalizer": {"type": "Lowercase"},
        # Whitespace splits on \w+|[^\w\s]+: words and runs of punctuation ("#art" -> "#", "art").
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special(bos), sequence("A"), special(eos)],
            "pair": [special(bos), sequence("A"), special(eos), sequence("B"), special(eos)],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in (bos, eos)},
        },
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": ids, "unk_token": unk},
    }


def preprocessor_config(image_size, crop_size, shortest_edge):
    return {
        "crop_size": {"height": crop_size, "width": crop_size},
        "do_center_crop": True,
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "feature_extractor_type": "CLIPFeatureExtractor",
        "image_mean": CLIP_MEAN,
        "image_processor_type": "CLIPImageProcessor",
        "image_std": CLIP_STD,
        "resample": 3,
        "rescale_factor": 1 / 255,
        "size": {"shortest_edge": shortest_edge},
    }


def _init(module, seed):
    # CLIP-like small normal weights; LayerNorms keep their ones and zeros.
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "layer_norm" in name or "layrnorm" in name or "layernorm" in name:
                continue
            std = 0.02 if p.dim() < 2 or "embedding" in name else p.shape[-1] ** -0.5
            p.copy_(torch.randn(p.shape, generator=generator) * std)


def _export(module, args, path, inputs, outputs, axes):
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, path, opset_version=OPSET, input_names=inputs, output_names=outputs,
                          dynamic_axes=axes, do_constant_folding=True)


def build(out_dir, seed=7, image_size=64, patch_size=16, vision_width=64, text_width=64, embedding=32,
          text_embedding=None, layers=2, heads=4, max_positions=77, vision_input="pixel_values",
          image_embeds="image_embeds", vision_tokens="last_hidden_state", text_input="input_ids",
          text_mask="attention_mask", text_embeds="text_embeds", int32_ids=False, crop_size=None,
          shortest_edge=None, onnx_subfolder=False, extra_words=()):
    """Writes the four files into out_dir and returns the dims it built them with."""
    if image_size % patch_size:
        raise ValueError(f"--image-size {image_size} is not a multiple of --patch-size {patch_size}")
    text_embedding = embedding if text_embedding is None else text_embedding
    crop_size = image_size if crop_size is None else crop_size
    shortest_edge = crop_size if shortest_edge is None else shortest_edge
    words = vocabulary(extra_words)
    onnx_dir = os.path.join(out_dir, "onnx") if onnx_subfolder else out_dir
    os.makedirs(onnx_dir, exist_ok=True)
    torch.manual_seed(seed)

    vision = VisionModelWithProjection(vision_width, embedding, image_size, patch_size, layers, heads)
    _init(vision, seed)
    _export(vision, (torch.zeros(2, 3, image_size, image_size),), os.path.join(onnx_dir, "vision_model.onnx"),
            [vision_input], [image_embeds, vision_tokens],
            {vision_input: {0: "batch"}, image_embeds: {0: "batch"}, vision_tokens: {0: "batch"}})

    text = TextModelWithProjection(len(words), text_width, text_embedding, max_positions, layers, heads, int32_ids)
    _init(text, seed + 1)
    ids = torch.tensor([[len(words) - 3, 1, 2, 3, len(words) - 2]] * 2, dtype=torch.int32 if int32_ids else torch.int64)
    mask = torch.ones(2, 5, dtype=torch.int64)
    sequence_axes = {0: "batch", 1: "sequence"}
    _export(text, (ids, mask), os.path.join(onnx_dir, "text_model.onnx"), [text_input, text_mask],
            [text_embeds, "last_hidden_state"],
            {text_input: sequence_axes, text_mask: sequence_axes, text_embeds: {0: "batch"},
             "last_hidden_state": sequence_axes})

    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(words, max_positions), f, indent=2)
    with open(os.path.join(out_dir, "preprocessor_config.json"), "w", encoding="utf-8") as f:
        json.dump(preprocessor_config(image_size, crop_size, shortest_edge), f, indent=2)
    grid = image_size // patch_size
    return {"image_size": image_size, "embedding": embedding, "text_embedding": text_embedding,
            "patch_tokens": 1 + grid * grid, "patch_dim": vision_width, "word_embedding": text_width,
            "text_vocabulary": len(words), "max_length": max_positions}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m alignstream_training.standin", description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--patch-size", type=int, default=16)
    p.add_argument("--vision-width", type=int, default=64)
    p.add_argument("--text-width", type=int, default=64)
    p.add_argument("--embedding", type=int, default=32, help="d: image_embeds and text_embeds width")
    p.add_argument("--text-embedding", type=int, help="text_embeds width when it should differ from --embedding")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--max-positions", type=int, default=77, help="text position embeddings (max_length)")
    p.add_argument("--vision-input", default="pixel_values")
    p.add_argument("--image-embeds", default="image_embeds")
    p.add_argument("--vision-tokens", default="last_hidden_state")
    p.add_argument("--text-input", default="input_ids")
    p.add_argument("--text-mask", default="attention_mask")
    p.add_argument("--text-embeds", default="text_embeds")
    p.add_argument("--int32-input-ids", action="store_true", help="declare input_ids int32 (hand exports do)")
    p.add_argument("--crop-size", type=int, help="preprocessor crop_size (default: --image-size)")
    p.add_argument("--shortest-edge", type=int, help="preprocessor size.shortest_edge (default: the crop size)")
    p.add_argument("--onnx-subfolder", action="store_true", help="ONNX files in onnx/ (Transformers.js layout)")
    p.add_argument("--extra-words", default="", help="comma-separated words added to the vocabulary")
    a = p.parse_args(argv)
    extra = [w for w in re.split(r"\s*,\s*", a.extra_words) if w]
    dims = build(a.out_dir, seed=a.seed, image_size=a.image_size, patch_size=a.patch_size,
                 vision_width=a.vision_width, text_width=a.text_width, embedding=a.embedding,
                 text_embedding=a.text_embedding, layers=a.layers, heads=a.heads, max_positions=a.max_positions,
                 vision_input=a.vision_input, image_embeds=a.image_embeds, vision_tokens=a.vision_tokens,
                 text_input=a.text_input, text_mask=a.text_mask, text_embeds=a.text_embeds,
                 int32_ids=a.int32_input_ids, crop_size=a.crop_size, shortest_edge=a.shortest_edge,
                 onnx_subfolder=a.onnx_subfolder, extra_words=extra)
    print(json.dumps(dims))


if __name__ == "__main__":
    main()
