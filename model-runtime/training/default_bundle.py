"""Finishing steps of build_bundle.sh that turn a label-free trained bundle into the default one.

    python3 default_bundle.py finish --bundle TRAINED --minilm-jar JAR --minilm-coordinates G:A:V \
        --tower NHWC_VISION_ONNX --world-seed 7 --tower-images 6000 --heads-first 0 --heads-images 12000 \
        --settings "sae_steps=1500 ..." --out DIR
    python3 default_bundle.py splice-results --reference REFERENCE.md --results docs/results.md
    python3 default_bundle.py channels-last-tower VISION_MODEL_ONNX OUT_ONNX
    python3 default_bundle.py int8-text --bundle DIR --jar MINILM_Q_JAR --coordinates G:A:V

`finish`: the trained bundle (what `model import` + the label-free trainer write) holds byte
copies of MiniLM (`text_model.onnx`, `tokenizer.json`). The default bundle does not copy 90 MB
into the repository: its text head names the two files inside the Maven artifact they came from
(`files.<name>.maven` and `.resource`, docs/bundle-format-2.md), so this step checks that the
copies are byte for byte the artifact's resources, rewrites the text head and the file list to
reference them, adds the vision head's multiply-accumulate count (counted on the channels-last
tower the Optimum-layout file was converted from: the prefix adds no Conv/MatMul/Gemm) and the
provenance (`world`, `built`), and writes the bundle's own files into OUT (emptied first).

`splice-results`: pipeline.py writes a whole results file for the label-supervised heads it
trains beside the vision tower. In docs/results.md that report is the label-supervised
reference, between two markers, among hand-written sections about the default (label-free)
bundle; this step replaces only what is between the markers, its title renamed and its other
headings one level down.

`channels-last-tower`: the inverse of optimum_layout.convert_vision. It takes the default's
vision_model.onnx back to the channels-last tower it was written from (input `image`, NHWC, raw
0..255 values; outputs `embedding`, `patch_tokens`), byte for byte the 0.2 tower's vision.onnx
(sha256 in the manifest's `built.vision`). build_bundle.sh's TOWER=committed starts from it, and
the tests use it as their channels-last fixture.

`int8-text`: the MiniLM artifact has a ready int8 twin (the `-q` artifact: all-minilm-l6-v2-q.onnx,
the same inputs and output, weights and word embeddings quantized by its publisher). Where a ready
int8 model exists it is the one to carry (docs/int8.md): this step declares it as the text head's
int8 file, referenced from its artifact like the fp32 file (`heads.text.int8`, `files.<name>`
with `maven` and `resource`), so the repository holds no copy of it. quantize.py makes the int8
files of the other heads. `--not-auto` marks it `"auto": false` (the default's: its measured R@1
cost is beyond the 0.5-point bound, docs/int8.md), so only `precision=int8` or `text=int8` runs it.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import zipfile

import onnx
from onnx import TensorProto, helper

from alignstream_training.export import count_macs

TEXT_FILES = {"text_model.onnx": "all-minilm-l6-v2.onnx", "tokenizer.json": "all-minilm-l6-v2-tokenizer.json"}
OWN_FILES = ("vision_model.onnx", "tevi.onnx", "align.onnx", "golden.json")
BEGIN = "<!-- label-supervised reference: written by build_bundle.sh (pipeline.py, report.py) from here -->"
END = "<!-- label-supervised reference: to here -->"


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def finish(args):
    with open(os.path.join(args.bundle, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    for head in ("vision", "text", "tevi", "align"):
        if head not in manifest.get("heads", {}):
            sys.exit(f"{args.bundle}: no {head} head; train it first")
    files = manifest["files"]
    with zipfile.ZipFile(args.minilm_jar) as jar:
        for copied, resource in TEXT_FILES.items():
            data = jar.read(resource)
            with open(os.path.join(args.bundle, copied), "rb") as f:
                if f.read() != data:
                    sys.exit(f"{args.bundle}/{copied} is not {resource} of {args.minilm_jar}")
            if files[copied]["sha256"] != _sha256(data) or files[copied]["bytes"] != len(data):
                sys.exit(f"{args.bundle}/manifest.json: {copied}'s checksum is not the artifact's")
            del files[copied]
            files[resource] = {"sha256": _sha256(data), "bytes": len(data),
                               "maven": args.minilm_coordinates, "resource": resource}
    text = manifest["heads"]["text"]
    text["file"] = TEXT_FILES[text["file"]]
    text["tokenizer"] = TEXT_FILES[text["tokenizer"]]
    text["long_captions"] = ("split into consecutive whole-sentence chunks of at most 32 tokens; "
                             "embedding = L2-normalised mean of chunk embeddings")
    manifest["heads"]["vision"]["macs_per_item"] = count_macs(args.tower)
    with open(args.tower, "rb") as f:
        tower_sha = _sha256(f.read())
    manifest["world"] = {
        "seed": args.world_seed,
        "vision_tower": {"split": "train", "scenes": f"0-{args.tower_images - 1}", "trained_with_labels": True},
        "heads": {"split": "train", "scenes": f"{args.heads_first}-{args.heads_first + args.heads_images - 1}",
                  "image_id": "scene index + 1", "trained_with_labels": False},
    }
    manifest["built"] = {
        "by": "model-runtime/training/build_bundle.sh",
        "vision": f"pipeline.py's CLIPS tower (vision.onnx, sha256 {tower_sha}) in Optimum's layout (optimum_layout.py)",
        "text": f"all-MiniLM-L6-v2 from {args.minilm_coordinates}",
        "heads": "model dataset --coco, model import, model embed, labelfree.py " + args.settings,
    }
    # Key order as a reader scans it: identity, shapes, heads, then bookkeeping.
    order = ["format", "model_id", "version", "dims", "preprocessing", "heads", "onnx_opset", "golden",
             "world", "built", "files"]
    manifest = {k: manifest[k] for k in order + [k for k in manifest if k not in order] if k in manifest}
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        os.remove(os.path.join(args.out, name))
    for name in OWN_FILES:
        if name not in manifest["files"]:
            sys.exit(f"{args.bundle}/manifest.json names no {name}")
        shutil.copyfile(os.path.join(args.bundle, name), os.path.join(args.out, name))
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}: {', '.join(OWN_FILES)}, manifest.json (text head from {args.minilm_coordinates})")


TITLE = "## The label-supervised reference: pipeline.py's 0.2 heads on the held-out synthetic test split"


def splice_results(args):
    with open(args.reference, encoding="utf-8") as f:
        lines = f.read().rstrip("\n").split("\n")
    # report.py's title calls its heads the default bundle's; here they are the reference.
    if lines[0].startswith("# "):
        lines[0] = TITLE
    reference = [("#" + line) if line.startswith("#") and line != TITLE else line for line in lines]
    with open(args.results, encoding="utf-8") as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        sys.exit(f"{args.results}: markers not found; expected\n{BEGIN}\n...\n{END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(args.results, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n\n" + "\n".join(reference) + "\n\n" + END + tail)
    print(f"replaced the label-supervised reference in {args.results}")


def channels_last_tower(source, target):
    model = onnx.load(source)
    graph = model.graph
    pixels = [i for i in graph.input if i.name == "pixel_values"]
    prefix = [n for n in graph.node if n.output[0] in ("optimum_layout/scaled", "optimum_layout/raw", "image")]
    renamed = {"image_embeds": "embedding", "last_hidden_state": "patch_tokens"}
    renames = [n for n in graph.node if n.op_type == "Identity" and n.output[0] in renamed]
    if len(pixels) != 1 or len(prefix) != 3 or len(renames) != 2:
        sys.exit(f"{source}: not a vision_model.onnx that optimum_layout wrote")
    size = pixels[0].type.tensor_type.shape.dim[2].dim_value
    for node in prefix + renames:
        graph.node.remove(node)
    for initializer in [i for i in graph.initializer if i.name.startswith("optimum_layout/")]:
        graph.initializer.remove(initializer)
    graph.input.remove(pixels[0])
    graph.input.insert(0, helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", size, size, 3]))
    for output in graph.output:
        output.name = renamed[output.name]
    onnx.checker.check_model(model)
    onnx.save(model, target)
    with open(target, "rb") as f:
        print(f"wrote {target}: channels-last tower, sha256 {_sha256(f.read())}")


INT8_TEXT = "all-minilm-l6-v2-q.onnx"


def int8_text(args):
    path = os.path.join(args.bundle, "manifest.json")
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    with zipfile.ZipFile(args.jar) as jar:
        if INT8_TEXT not in jar.namelist():
            sys.exit(f"{args.jar}: no {INT8_TEXT} at its root")
        data = jar.read(INT8_TEXT)
    manifest["heads"]["text"]["int8"] = {"file": INT8_TEXT}
    if args.not_auto:
        # Measured beyond the bound by `bench precision` (docs/int8.md): run only when asked for.
        manifest["heads"]["text"]["int8"]["auto"] = False
    manifest["files"][INT8_TEXT] = {"sha256": _sha256(data), "bytes": len(data), "maven": args.coordinates,
                                    "resource": INT8_TEXT}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"{args.bundle}: text head's int8 file is {INT8_TEXT} from {args.coordinates} ({len(data):,} bytes)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    f = sub.add_parser("finish")
    f.add_argument("--bundle", required=True)
    f.add_argument("--minilm-jar", required=True)
    f.add_argument("--minilm-coordinates", required=True)
    f.add_argument("--tower", required=True, help="the channels-last vision.onnx optimum_layout converted")
    f.add_argument("--world-seed", type=int, required=True)
    f.add_argument("--tower-images", type=int, required=True)
    f.add_argument("--heads-first", type=int, required=True)
    f.add_argument("--heads-images", type=int, required=True)
    f.add_argument("--settings", required=True, help="the label-free trainer's settings, as given")
    f.add_argument("--out", required=True)
    s = sub.add_parser("splice-results")
    s.add_argument("--reference", required=True)
    s.add_argument("--results", required=True)
    c = sub.add_parser("channels-last-tower")
    c.add_argument("source", help="an Optimum-layout vision_model.onnx written by optimum_layout.py")
    c.add_argument("target")
    q = sub.add_parser("int8-text")
    q.add_argument("--bundle", required=True)
    q.add_argument("--jar", required=True, help="the MiniLM -q artifact's jar")
    q.add_argument("--coordinates", required=True, help="its Maven coordinates, group:artifact:version")
    q.add_argument("--not-auto", action="store_true",
                   help='mark it "auto": false: alignstream.model.precision=auto leaves the text head in fp32')
    args = ap.parse_args(argv)
    if args.command == "int8-text":
        int8_text(args)
    elif args.command == "finish":
        finish(args)
    elif args.command == "splice-results":
        splice_results(args)
    else:
        channels_last_tower(args.source, args.target)


if __name__ == "__main__":
    main()
