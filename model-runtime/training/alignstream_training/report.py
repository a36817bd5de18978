"""Writes docs/results.md from results.json: the numbers, the targets, and how to regenerate."""


def _pct(v):
    return f"{100 * v:.1f}"


def _verdict(ok):
    return "met" if ok else "**not met**"


def write_results(r, path):
    ret = r["retrieval"]
    lines = [
        "# Results: the default model bundle on the held-out synthetic test split",
        "",
        "Written by `model-runtime/training/build_bundle.sh` (through "
        "`alignstream_training/report.py`); do not edit by hand. Regenerate with "
        "`model-runtime/training/build_bundle.sh`. All numbers are percentages on the "
        f"{r['dataset']['test']} test images; half of them carry a colour x shape pair that never "
        f"occurs in training ({', '.join(f'{c} {s}' for s, c in r['dataset']['held_out'].items())}).",
        "",
        "## Retrieval: raw dual-encoder embeddings against TEVI-aligned",
        "",
        "Queries: one short web caption per test image, and every image's long caption (text "
        "embedding of a long caption = mean of its <=32-token sentence chunks). **A hit is a "
        "retrieved image (or caption) such that the image has every attribute the caption names**: "
        "short captions name one or two attributes, so many images fit; long captions name all "
        "seven families (shape, colour, size, position, background, second object's shape and "
        "colour), so only images with exactly those labels count.",
        "",
        "| captions | direction | raw R@1 | TEVI R@1 | raw R@5 | TEVI R@5 |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for length in ("short", "long"):
        for direction, label in (("t2i", "text->image"), ("i2t", "image->text")):
            raw, tevi = ret[length]["raw"][direction], ret[length]["tevi"][direction]
            lines.append(f"| {length} | {label} | {_pct(raw['R@1'])} | {_pct(tevi['R@1'])} | "
                         f"{_pct(raw['R@5'])} | {_pct(tevi['R@5'])} |")
    gain_short = ret["short"]["tevi"]["t2i"]["R@1"] - ret["short"]["raw"]["t2i"]["R@1"]
    gain_long = ret["long"]["tevi"]["t2i"]["R@1"] - ret["long"]["raw"]["t2i"]["R@1"]
    lines += [
        "",
        f"Target: TEVI beats raw on text->image R@1 for both lengths, by more on long captions. "
        f"Gain short {100 * gain_short:+.1f}, long {100 * gain_long:+.1f} points: "
        f"{_verdict(gain_short > 0 and gain_long > 0 and gain_long > gain_short)}.",
        "",
        "## TEVI's controlled experiment: linear probes per attribute family",
        "",
        "A multinomial logistic-regression probe per family, trained on the train split and scored "
        "on the test split, on: raw image embeddings; TEVI embeddings conditioned on a caption that "
        "names only that family (\"named\"); and conditioned on a caption that names only another "
        "family, chosen at random (\"not named\"). Kept = named / raw (target >= 90%); removed = "
        "(raw - not named) / (raw - chance) (target >= 50%). Chance = the majority class's share.",
        "",
        "| family | chance | raw | named | not named | kept | removed | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for fam, row in r["probe"].items():
        ok = row["named_kept"] >= 0.9 and row["not_named_removed"] >= 0.5
        lines.append(f"| {fam} | {_pct(row['chance'])} | {_pct(row['raw'])} | {_pct(row['named'])} | "
                     f"{_pct(row['not_named'])} | {_pct(row['named_kept'])} | {_pct(row['not_named_removed'])} | "
                     f"{_verdict(ok)} |")
    words = r["align_words"]
    noise = r["align_noise"]
    ratio = noise["ALIGN"]["cosine_distance_pooled"] / max(noise["MLP"]["cosine_distance_pooled"], 1e-12)
    lines += [
        "",
        "## AlignVLM connector",
        "",
        f"Restricted vocabulary of {r['vocabulary']['size']} MiniLM word pieces: every piece the "
        f"captions use ({r['vocabulary']['from_captions']}) plus the most frequent English words.",
        "",
        f"Top-10 vocabulary words (of the token-averaged distribution P) contain the primary "
        f"object's colour word for {_pct(words['colour'])}% of test images, its shape word for "
        f"{_pct(words['shape'])}%, both for {_pct(words['both'])}% "
        f"(target >= 80% for both: {_verdict(words['both'] >= 0.8)}).",
        "",
        "Gaussian noise (sigma = 3; patch tokens are layer-normalised, so about 3x their scale) "
        "on the visual features, ALIGN against the MLP connector trained with the same contrastive "
        "objective (ALIGN also has a word term on P; docs/training.md). "
        "Retrieval: long-caption text->image R@1 against the captions' bag-of-words targets.",
        "",
        "| connector | cosine distance, pooled | cosine distance, per token | R@1 clean | R@1 noisy | drop |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in noise.items():
        lines.append(f"| {name} | {row['cosine_distance_pooled']:.4f} | {row['cosine_distance_tokens']:.4f} | "
                     f"{_pct(row['t2i_R@1_clean'])} | {_pct(row['t2i_R@1_noisy'])} | {_pct(row['t2i_R@1_drop'])} |")
    lines += [
        "",
        f"ALIGN's pooled clean-vs-noisy cosine distance is {ratio:.3f} of the MLP's "
        f"(target <= 0.1: {_verdict(ratio <= 0.1)}).",
        "",
        "## CLIPS ablation: sub-captions + multi-positive loss against truncation",
        "",
        "Two vision towers trained identically except for the captions: CLIPS (a web caption and a "
        "sampled sub-caption as two positives, separate softmaxes averaged) against a single-positive "
        "CLIP loss on a web caption or the long caption truncated to its first 32 tokens (coin flip). "
        "Raw embeddings, no TEVI.",
        "",
        "| tower | long t->i R@1 | long t->i R@5 | long i->t R@1 | long i->t R@5 | short t->i R@1 | short i->t R@1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, res in r["clips_ablation"].items():
        lr, sr = res["long"]["raw"], res["short"]["raw"]
        lines.append(f"| {name} | {_pct(lr['t2i']['R@1'])} | {_pct(lr['t2i']['R@5'])} | {_pct(lr['i2t']['R@1'])} | "
                     f"{_pct(lr['i2t']['R@5'])} | {_pct(sr['t2i']['R@1'])} | {_pct(sr['i2t']['R@1'])} |")
    lines += [
        "",
        "## Run",
        "",
        f"Bundle size {r['bundle_bytes'] / 1e6:.1f} MB. Device: {r['device']}, {r['threads']} threads. "
        "Stage wall times (seconds):",
        "",
        "| stage | seconds |",
        "| --- | ---: |",
    ]
    for stage, seconds in r["timings_s"].items():
        lines.append(f"| {stage} | {seconds:.0f} |")
    if r.get("reused_checkpoints"):
        lines += ["", "This run reused stage checkpoints from an earlier run of the same code "
                  f"({', '.join(r['reused_checkpoints'])}), so those stages' times are not included."]
    lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
