"""Tests of the label-free trainer on a fake training-data directory (quick mode).

cd model-runtime/training && /usr/bin/python3 -m unittest alignstream_training.labelfree_test -v
"""
import base64
import contextlib
import glob
import hashlib
import io
import json
import os
import shutil
import tempfile
import unittest

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import labelfree as LF
from . import labelfree_data as LD
from .labelfree_fake import write_fake
from .models import TeviHead

HERE = os.path.dirname(os.path.abspath(__file__))


def _train(root, shuffle_labels, report):
    data, bundle = write_fake(root, images=600, seed=3, shuffle_labels=shuffle_labels)
    with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
        before = json.load(f)
    argv = ["--data", data, "--bundle", bundle, "--work", os.path.join(root, "work"), "--quick"]
    if report:
        argv += ["--report", os.path.join(root, "report.md")]
    with contextlib.redirect_stdout(io.StringIO()):
        results = LF.run(LF.parse_args(argv))
    return data, bundle, before, results


def _initializers(path):
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}


class LabelFreeTrainerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # One thread: with two, this PyTorch build's CPU kernels are not bit-reproducible from
        # one run to the next (differences ~3e-8), and the label test compares weights exactly.
        cls.threads = os.environ.get("TRAIN_THREADS")
        os.environ["TRAIN_THREADS"] = "1"
        cls.tmp = tempfile.mkdtemp(prefix="labelfree-test-")
        cls.root = os.path.join(cls.tmp, "a")
        cls.data, cls.bundle, cls.before, cls.results = _train(cls.root, False, True)
        with open(os.path.join(cls.bundle, "manifest.json"), encoding="utf-8") as f:
            cls.manifest = json.load(f)
        with open(os.path.join(cls.bundle, "golden.json"), encoding="utf-8") as f:
            cls.golden = json.load(f)
        cls.ds = LD.load(cls.data)

    @classmethod
    def tearDownClass(cls):
        if cls.threads is None:
            os.environ.pop("TRAIN_THREADS", None)
        else:
            os.environ["TRAIN_THREADS"] = cls.threads
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_outputs_exist(self):
        for name in ("tevi.onnx", "align.onnx", "golden.json", "manifest.json", "vision_model.onnx", "text_model.onnx"):
            self.assertTrue(os.path.isfile(os.path.join(self.bundle, name)), name)
        for name in ("report.md", "report.json", os.path.join("work", "heads.pt")):
            self.assertTrue(os.path.isfile(os.path.join(self.root, name)), name)
        with open(os.path.join(self.root, "report.md"), encoding="utf-8") as f:
            report = f.read()
        for section in ("Retrieval on the test split", "Dictionary health", "AlignVLM connector", "Label probes",
                        "Stage wall times"):
            self.assertIn(section, report)

    def test_manifest_consistent(self):
        m, ds = self.manifest, self.ds
        d, T, dp, D = ds.d, ds.patches.shape[1], ds.patches.shape[2], ds.word_embeddings.shape[1]
        self.assertEqual(m["format"], 2)
        self.assertEqual(m["onnx_opset"], 17)
        self.assertEqual(m["golden"], "golden.json")
        # Everything the import wrote is kept.
        for key in ("model_id", "version", "preprocessing"):
            self.assertEqual(m[key], self.before[key])
        for head in ("vision", "text"):
            self.assertEqual(m["heads"][head], self.before["heads"][head])
        for key, value in self.before["dims"].items():
            self.assertEqual(m["dims"][key], value)
        for name, entry in self.before["files"].items():
            self.assertEqual(m["files"][name], entry)
        dims = m["dims"]
        self.assertEqual(dims["sae_latents"], 8 * d)
        self.assertEqual(dims["sae_k"], 32)
        self.assertEqual(len(self.results["choices"]["mask"]["sweep"]), 2)
        self.assertEqual(dims["word_embedding"], D)
        self.assertEqual(dims["align_top"], 10)
        self.assertLessEqual(dims["align_vocabulary"], len(ds.vocabulary))
        tevi, align = m["heads"]["tevi"], m["heads"]["align"]
        self.assertEqual(tevi["file"], "tevi.onnx")
        self.assertEqual(tevi["inputs"], {"image_embedding": ["batch", d], "caption_embedding": ["batch", d]})
        self.assertEqual(tevi["outputs"], {"aligned_embedding": ["batch", d], "sparse_codes": ["batch", 8 * d],
                                           "mask": ["batch", 8 * d], "caption_aligned": ["batch", d]})
        self.assertEqual(align["file"], "align.onnx")
        self.assertEqual(align["inputs"], {"patch_tokens": ["batch", T, dp]})
        self.assertEqual(align["outputs"], {"projected_tokens": ["batch", T, D], "pooled": ["batch", D],
                                            "top_ids": ["batch", 10], "top_weights": ["batch", 10]})
        for name in ("tevi.onnx", "align.onnx", "golden.json", "vision_model.onnx", "text_model.onnx", "tokenizer.json"):
            with open(os.path.join(self.bundle, name), "rb") as f:
                content = f.read()
            self.assertEqual(m["files"][name], {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}, name)

    def test_onnx_graphs(self):
        float32, int64 = onnx.TensorProto.FLOAT, onnx.TensorProto.INT64
        for head in ("tevi", "align"):
            spec = self.manifest["heads"][head]
            model = onnx.load(os.path.join(self.bundle, spec["file"]))
            onnx.checker.check_model(model)
            self.assertEqual(model.opset_import[0].version, 17)
            for declared, graph_side in ((spec["inputs"], model.graph.input), (spec["outputs"], model.graph.output)):
                self.assertEqual([v.name for v in graph_side], list(declared))
                for v in graph_side:
                    dims = v.type.tensor_type.shape.dim
                    self.assertEqual(len(dims), len(declared[v.name]), f"{head}.{v.name}")
                    self.assertTrue(dims[0].dim_param, f"{head}.{v.name}: batch axis not dynamic")
                    for x, want in zip(dims[1:], declared[v.name][1:]):
                        # The exporter leaves some output widths symbolic; those are checked
                        # through the golden outputs' sizes.
                        self.assertTrue(x.dim_value == want or (x.dim_value == 0 and x.dim_param),
                                        f"{head}.{v.name}: {x} against {want}")
                    self.assertEqual(v.type.tensor_type.elem_type, int64 if v.name == "top_ids" else float32)

    def test_golden_matches_modules(self):
        g, ds = self.golden, self.ds
        heads = torch.load(os.path.join(self.root, "work", "heads.pt"))
        images = LD.golden_indices(ds)
        self.assertEqual(g["indices"], images.tolist())
        self.assertEqual(g["split"], "test")
        S = ds.meta["image_size"]
        for k, b64 in enumerate(g["image_hwc_uint8_base64"]):
            self.assertEqual(base64.b64decode(b64), ds.golden_images[k].tobytes())
            self.assertEqual(len(base64.b64decode(b64)), S * S * 3)
        x = torch.tensor(g["vision"]["embedding"])
        t = torch.tensor(g["caption_embedding"])
        np.testing.assert_allclose(x.numpy(), ds.x[images].numpy(), atol=1e-6)
        first = [int(np.flatnonzero(ds.cap_image == i)[0]) for i in images]
        self.assertEqual(g["caption_text"], [ds.cap_text[c] for c in first])
        np.testing.assert_allclose(t.numpy(), ds.t[first].numpy(), atol=1e-6)
        tokens = torch.tensor(g["vision"]["patch_tokens"]).reshape(len(images), *ds.patches.shape[1:])
        np.testing.assert_allclose(tokens.numpy(), ds.patch_tokens(images).numpy(), atol=1e-6)
        with torch.no_grad():
            aligned, codes, mask, caption = TeviHead(heads["sae"], heads["mask"], heads["adapter"]).eval()(x, t)
            projected, pooled, top_ids, top_w = heads["align"].eval()(tokens)
        for name, value in (("aligned_embedding", aligned), ("sparse_codes", codes), ("mask", mask),
                            ("caption_aligned", caption)):
            np.testing.assert_allclose(np.array(g["tevi"][name]), value.numpy(), atol=1e-5, err_msg=name)
        for name, value in (("projected_tokens", projected.flatten(1)), ("pooled", pooled), ("top_weights", top_w)):
            np.testing.assert_allclose(np.array(g["align"][name]), value.numpy(), atol=1e-5, err_msg=name)
        self.assertEqual(g["align"]["top_ids"], top_ids.tolist())
        self.assertEqual((codes > 0).sum(1).tolist(), [32] * len(images))
        self.assertTrue(all(0 <= i < len(ds.vocabulary) for row in g["align"]["top_ids"] for i in row))
        self.assertEqual(g["tolerance"], {"absolute": 1e-4})
        m, D, T = self.manifest["dims"]["sae_latents"], ds.word_embeddings.shape[1], ds.patches.shape[1]
        self.assertEqual([len(r) for r in g["tevi"]["sparse_codes"]], [m] * len(images))
        self.assertEqual([len(r) for r in g["tevi"]["aligned_embedding"]], [ds.d] * len(images))
        self.assertEqual([len(r) for r in g["align"]["projected_tokens"]], [T * D] * len(images))
        self.assertEqual([len(r) for r in g["align"]["pooled"]], [D] * len(images))

    def test_labels_do_not_change_training(self):
        """A copy of the data whose labels.jsonl lines are shuffled trains identical heads."""
        for stage in ("sae", "mask", "connector"):   # so that trained weights are compared
            self.assertGreater(self.results["choices"][stage]["chosen_step"], 0, stage)
        _, bundle_b, _, results_b = _train(os.path.join(self.tmp, "b"), True, False)
        for name in ("tevi.onnx", "align.onnx"):
            a = _initializers(os.path.join(self.bundle, name))
            b = _initializers(os.path.join(bundle_b, name))
            self.assertEqual(sorted(a), sorted(b))
            for key in a:
                np.testing.assert_array_equal(a[key], b[key], err_msg=f"{name}:{key}")
        with open(os.path.join(bundle_b, "golden.json"), encoding="utf-8") as f:
            golden_b = json.load(f)
        self.assertEqual(golden_b["tevi"], self.golden["tevi"])
        self.assertEqual(golden_b["align"], self.golden["align"])
        self.assertEqual(results_b["choices"], self.results["choices"])
        self.assertNotEqual(results_b["probes"], self.results["probes"])    # the labels did differ

    def test_only_evaluation_reads_labels(self):
        for path in glob.glob(os.path.join(HERE, "labelfree*.py")):
            name = os.path.basename(path)
            if name in ("labelfree_eval.py", "labelfree_test.py", "labelfree_fake.py"):
                continue
            with open(path, encoding="utf-8") as f:
                source = f.read()
            self.assertNotIn("labels.jsonl\"", source.replace("'", '"'), name)
            self.assertNotIn("read_labels(", source, name)

    def test_refuses_a_format1_bundle(self):
        root = os.path.join(self.tmp, "c")
        data, bundle = write_fake(root, images=60, seed=5)
        path = os.path.join(bundle, "manifest.json")
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        del manifest["format"]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(manifest, f)
        with contextlib.redirect_stdout(io.StringIO()), self.assertRaises(SystemExit):
            LF.run(LF.parse_args(["--data", data, "--bundle", bundle, "--quick"]))

    def test_retraining_the_caption_side_on_int8_captions_keeps_the_rest_of_the_bundle(self):
        """from_bundle + caption_data_int8 (issue 18): a copy of the trained bundle gets a new mask
        and adapter; its SAE, align.onnx, golden inputs and align rows are the bundle's."""
        root = os.path.join(self.tmp, "int8")
        bundle, int8_data = os.path.join(root, "bundle"), os.path.join(root, "data-int8")
        shutil.copytree(self.bundle, bundle)
        shutil.copytree(self.data, int8_data)
        # Stand-in for the int8 text head: the same captions, slightly noisy, re-normalised.
        t = np.fromfile(os.path.join(int8_data, "caption_embeddings.f32"), "<f4").reshape(-1, self.ds.d)
        t = t + np.random.default_rng(1).normal(0, 0.05, t.shape).astype(np.float32)
        (t / np.linalg.norm(t, axis=1, keepdims=True)).astype("<f4").tofile(os.path.join(int8_data, "caption_embeddings.f32"))
        argv = ["--data", self.data, "--bundle", bundle, "--quick", "--report", os.path.join(root, "report.md"),
                "--set", "from_bundle=1", "--set", f"caption_data_int8={int8_data}", "--set", "mask_keep=0",
                "--set", "int8_consistency=1"]
        with contextlib.redirect_stdout(io.StringIO()):
            results = LF.run(LF.parse_args(argv))
        with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        with open(os.path.join(bundle, "golden.json"), encoding="utf-8") as f:
            golden = json.load(f)
        self.assertEqual(results["bundle_files"], ["tevi.onnx", "golden.json"])
        self.assertNotIn("connector", results["choices"])
        self.assertIn("int8", results["choices"]["mask"]["criterion"])
        self.assertIn("retrieval_int8", results)
        with open(os.path.join(bundle, "align.onnx"), "rb") as a, open(os.path.join(self.bundle, "align.onnx"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        for key in ("indices", "caption_embedding", "vision", "align"):
            self.assertEqual(golden[key], self.golden[key], key)
        self.assertNotEqual(golden["tevi"]["mask"], self.golden["tevi"]["mask"])
        self.assertEqual(manifest["heads"]["tevi"], self.manifest["heads"]["tevi"])
        for name in ("tevi.onnx", "golden.json", "align.onnx"):
            with open(os.path.join(bundle, name), "rb") as f:
                content = f.read()
            self.assertEqual(manifest["files"][name], {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)})
        old, new = _initializers(os.path.join(self.bundle, "tevi.onnx")), _initializers(os.path.join(bundle, "tevi.onnx"))
        self.assertEqual(sorted(old), sorted(new))
        for key in old:
            if not key.startswith(("mask.", "adapter.")):    # the SAE's weights (and folded constants)
                np.testing.assert_array_equal(old[key], new[key], err_msg=key)

    def test_the_sweep_compares_every_candidate_on_validation_and_reports_the_choice(self):
        mask = self.results["choices"]["mask"]
        sweep = mask["sweep"]
        self.assertEqual([v["mask_keep"] for v in sweep], [0.0, 0.5])           # QUICK's grid
        self.assertEqual(sum(bool(v.get("chosen")) for v in sweep), 1)
        # the row marked chosen is the one the rule picks from the rows' own validation figures
        rows = [{"criterion": mask["criterion"], "validation_score": v["validation_score"],
                 "validation_kept_mass": v["validation_kept_mass"]} for v in sweep]
        picked = LF.choose_variant(rows, self.results["config"]["choice_tolerance"])
        self.assertTrue(sweep[picked].get("chosen"))
        self.assertEqual(sweep[picked]["mask_keep"], mask["keep"])
        self.assertIn("raw+adapter", self.results["choices"])
        for length in ("short", "long"):
            self.assertEqual(set(self.results["retrieval"][length]) - {"captions", "images"},
                             {"raw", "raw_adapted", "tevi"})
        with open(os.path.join(self.root, "report.md"), encoding="utf-8") as f:
            report = f.read()
        self.assertIn("raw+adapter R@1", report)
        self.assertIn("| yes |", report)


class ChoiceRuleTest(unittest.TestCase):
    """choose_variant: the most filtering candidate that retrieval does not pay for."""

    @staticmethod
    def candidate(score, kept):
        return {"criterion": "TEVI R@1", "validation_score": score, "validation_kept_mass": kept}

    def test_given_candidates_within_tolerance_when_choosing_then_the_one_keeping_least_wins(self):
        candidates = [self.candidate(0.600, 0.80), self.candidate(0.597, 0.40), self.candidate(0.590, 0.10)]
        self.assertEqual(LF.choose_variant(candidates, 0.005), 1)

    def test_given_no_candidate_near_the_best_when_choosing_then_the_best_wins(self):
        candidates = [self.candidate(0.50, 0.2), self.candidate(0.60, 0.9)]
        self.assertEqual(LF.choose_variant(candidates, 0.005), 1)

    def test_given_no_validation_data_when_choosing_then_the_first_candidate_is_kept(self):
        candidates = [dict(self.candidate(0.0, 0.9), criterion=LF.NO_VALIDATION), self.candidate(1.0, 0.1)]
        self.assertEqual(LF.choose_variant(candidates, 0.005), 0)


if __name__ == "__main__":
    unittest.main()
