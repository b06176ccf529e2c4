"""Tokenizer writers and manifest builder: the error paths (named files and fields) and the exact outputs."""
import gzip
import hashlib
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from molecule_export.manifest import build_manifest, sha256_file  # noqa: E402
from molecule_export.tokenizers import (CLIP_BPE_SHA256, read_roberta_files, roberta_tokenizer_json,  # noqa: E402
                                        write_clip_bpe, write_roberta)
from tiny import CLIP_BPE, write_tiny_roberta_files  # noqa: E402


class ClipBpe(unittest.TestCase):
    def test_copies_the_checked_file(self):
        out = tempfile.mkdtemp()
        entry = write_clip_bpe(CLIP_BPE, out)
        self.assertEqual(entry, {"file": "tokenizers/bpe_simple_vocab_16e6.txt.gz"})
        self.assertEqual(sha256_file(os.path.join(out, entry["file"])), CLIP_BPE_SHA256)

    def test_rejects_another_file_naming_it(self):
        d = tempfile.mkdtemp()
        bad = os.path.join(d, "bpe.txt.gz")
        with gzip.open(bad, "wt") as f:
            f.write("#version: 0.2\na b\n")
        with self.assertRaisesRegex(ValueError, "bpe.txt.gz: sha256 .* is not the CLIP BPE file"):
            write_clip_bpe(bad, d)
        with self.assertRaisesRegex(ValueError, "not a CLIP BPE merges file"):
            write_clip_bpe(bad, d, expect_sha256=None)


class Roberta(unittest.TestCase):
    def test_tokenizer_json_layout(self):
        vocab_json, merges_txt, vocab = write_tiny_roberta_files(tempfile.mkdtemp())
        v, merges = read_roberta_files(vocab_json, merges_txt)
        self.assertEqual(v, vocab)
        self.assertEqual(merges[0], ("a", "n"))  # header line skipped
        tok = roberta_tokenizer_json(v, merges)
        self.assertEqual(tok["post_processor"]["cls"], ["<s>", 0])
        self.assertEqual(tok["post_processor"]["sep"], ["</s>", 2])
        self.assertFalse(tok["pre_tokenizer"]["add_prefix_space"])
        self.assertEqual(len(tok["model"]["merges"]), len(merges))
        self.assertEqual([a["content"] for a in tok["added_tokens"]], ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
        self.assertTrue(next(a for a in tok["added_tokens"] if a["content"] == "<mask>")["lstrip"])
        out = tempfile.mkdtemp()
        entry = write_roberta(vocab_json, merges_txt, out)
        with open(os.path.join(out, entry["config"])) as f:
            self.assertEqual(json.load(f)["model_max_length"], 77)

    def test_inconsistent_files_are_named(self):
        vocab_json, merges_txt, vocab = write_tiny_roberta_files(tempfile.mkdtemp())
        v, merges = read_roberta_files(vocab_json, merges_txt)
        with self.assertRaisesRegex(ValueError, "merge 'q' 'z' produces 'qz', which is not in the vocab"):
            roberta_tokenizer_json(v, merges + [("q", "z")])
        del v["<mask>"]
        with self.assertRaisesRegex(ValueError, "lacks special tokens \\['<mask>'\\]"):
            roberta_tokenizer_json(v, merges)
        with open(merges_txt, "a") as f:
            f.write("a b c\n")
        with self.assertRaisesRegex(ValueError, "merges.txt line .*: expected two symbols"):
            read_roberta_files(vocab_json, merges_txt)


class Manifest(unittest.TestCase):
    def test_missing_file_is_named(self):
        d = tempfile.mkdtemp()
        with self.assertRaisesRegex(FileNotFoundError, "imagebind_vision.onnx"):
            build_manifest(d, pack_id="x", name="x", space="ImageBind", dim=1024, encoders={"imagebind_vision": "imagebind_vision.onnx"},
                           projectors={}, roles={}, tokenizers={}, licence="l", source="s")

    def test_sha256_and_fields(self):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "imagebind_vision.onnx"), "wb") as f:
            f.write(b"not really onnx")
        write_clip_bpe(CLIP_BPE, d)
        m = build_manifest(d, pack_id="x", name="x", space="ImageBind", dim=1024, encoders={"imagebind_vision": "imagebind_vision.onnx"},
                           projectors={}, roles={}, tokenizers={"clip_bpe": {"file": "tokenizers/bpe_simple_vocab_16e6.txt.gz"}},
                           licence="l", source="s", extra_files=["imagebind_vision.onnx"])
        self.assertEqual(m["encoders"]["imagebind_vision"]["sha256"],
                         hashlib.sha256(b"not really onnx").hexdigest())
        self.assertEqual(m["tokenizers"]["clip_bpe"]["sha256"], CLIP_BPE_SHA256)
        self.assertEqual(m["encoders"]["imagebind_vision"]["inputs"], [{"name": "image", "dtype": "float32", "shape": ["B", 3, 224, 224]}])
        self.assertEqual(m["rawDims"], {"imagebind_vision": 1024})
        self.assertEqual(m["presets"], {"versatile": {"text": 0.1, "audio": 0.5}, "at-expertise": {"text": 0.5, "audio": 0.8}})
        self.assertIs(m["test"], False)
        self.assertEqual(m["extraFiles"][0]["file"], "imagebind_vision.onnx")


if __name__ == "__main__":
    unittest.main()
