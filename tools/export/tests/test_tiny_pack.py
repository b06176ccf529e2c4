"""Build full tiny packs through build_pack (the real commands' code path) and leave them, with the PyTorch
references, in $MOLECULE_EXPORT_OUT for the node side (test/export/export.test.ts) to load and compare."""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from molecule_export.build import PackSources, build_pack, make_fp16_pack  # noqa: E402
from molecule_export.manifest import sha256_file  # noqa: E402
from molecule_export.onnx_io import graph_io  # noqa: E402
from molecule_export.projectors import load_family, load_ft_audio_head  # noqa: E402
from molecule_export.signatures import ENCODER_SPECS, SPACES  # noqa: E402
from molecule_export.tokenizers import sentencepiece_to_tokenizer_json, write_internvl  # noqa: E402
from tiny import (CLIP_BPE, OUT, REPO, tiny_encoder, train_tiny_sentencepiece, write_release_family,  # noqa: E402
                  write_release_ft_checkpoint, write_tiny_roberta_files)

TENSOR_DTYPES = {torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}


def tensor_json(t):
    return {"dtype": TENSOR_DTYPES[t.dtype], "shape": list(t.shape),
            "values": [bool(v) for v in t.reshape(-1).tolist()] if t.dtype == torch.bool else t.reshape(-1).tolist()}


def sources_for(space_key, work):
    ckpt = os.path.join(work, "checkpoints")
    fams = SPACES[space_key]["projectors"]
    for k, (fam, (d_in, d_out)) in enumerate(fams.items()):
        if fam == "InternVL_IB_FT_audio_head":
            write_release_ft_checkpoint(os.path.join(ckpt, "InternVL_IB_audio_with_head.pt"), seed=50 + k)
        else:
            write_release_family(ckpt, fam, d_in, d_out, hidden=16, seed=50 + k)

    def heads(fam):
        if fam == "InternVL_IB_FT_audio_head":
            p = os.path.join(ckpt, "InternVL_IB_audio_with_head.pt")
            return load_ft_audio_head(torch.load(p, map_location="cpu"), p)
        return load_family(ckpt, fam, expect=fams[fam])

    vocab, merges, _ = write_tiny_roberta_files(os.path.join(work, "roberta"))
    sp = train_tiny_sentencepiece(os.path.join(work, "sp")) if any(e.startswith("internvl") for e in SPACES[space_key]["encoders"]) else None
    return PackSources(encoder=tiny_encoder, projector_heads=heads, clip_bpe=CLIP_BPE, roberta=(vocab, merges),
                       internvl_sp_model=sp, licence="TEST PACK built by tools/export/tests (MIT)",
                       source="tools/export/tests/test_tiny_pack.py (tiny stand-in encoders, release checkpoint layout)")


class TinyPacks(unittest.TestCase):
    def build(self, space_key, inline_limit=None):
        work = os.path.join(OUT, space_key + "-work")  # kept: the projector checkpoints feed reference_embed.py
        out = os.path.join(OUT, space_key + "-tiny")
        for d in (work, out, out + "-fp16"):
            if os.path.exists(d):
                shutil.rmtree(d)
        src = sources_for(space_key, work)
        if space_key.startswith("internvl") and src.internvl_sp_model is None:
            self.skipTest("python3-sentencepiece is not installed: InternVL tokenizer conversion cannot be tested")
        built = build_pack(out, space_key, src, pack_id=space_key + "-export-tiny",
                           name="TEST PACK — exporter tiny pack (%s)" % SPACES[space_key]["space"], test=True,
                           inline_limit=inline_limit)
        refs = {name: {"inputs": [tensor_json(a) for a in args], "output": tensor_json(y)}
                for name, (args, y) in built.references.items()}
        with open(os.path.join(out, "..", space_key + "-tiny.reference.json"), "w") as f:
            json.dump(refs, f)
        return out, built

    def check_pack(self, out, built, space_key):
        m = built.manifest
        spec = SPACES[space_key]
        self.assertEqual(m["space"], spec["space"])
        self.assertEqual(set(m["encoders"]), set(spec["encoders"]))
        self.assertEqual(set(m["projectors"]), set(spec["projectors"]))
        for eid, e in m["encoders"].items():
            self.assertEqual(e["sha256"], sha256_file(os.path.join(out, e["file"])))
            ins, outs = graph_io(os.path.join(out, e["file"]))
            self.assertEqual([(n, s) for n, _, s in ins], [(n, s) for n, _, s in ENCODER_SPECS[eid][0]], eid)
            self.assertEqual(outs[0][0], "embedding")
        # the manifest keeps the reference generator's layout (same keys as the committed test pack)
        ref_pack = os.path.join(REPO, "models", "test-packs", "internvl-ib-ft-pp-test", "pack.json")
        if os.path.exists(ref_pack):
            with open(ref_pack) as f:
                ref = json.load(f)
            self.assertEqual(set(m) - {"extraFiles"}, set(ref) - {"extraFiles"})
            for eid in set(m["encoders"]) & set(ref["encoders"]):
                self.assertEqual({k: v for k, v in m["encoders"][eid].items() if k != "sha256"},
                                 {k: v for k, v in ref["encoders"][eid].items() if k != "sha256"}, eid)
            for fam in set(m["projectors"]) & set(ref["projectors"]):
                a = {k: v for k, v in m["projectors"][fam].items() if k != "sha256"}
                b = {k: v for k, v in ref["projectors"][fam].items() if k != "sha256"}
                self.assertEqual(a, b, fam)

    def test_ib_pp_pack(self):
        out, built = self.build("ib-pp")
        self.check_pack(out, built, "ib-pp")
        # expected RoBERTa tokens for the node side: the tiny vocab holds whole-word merges for these words
        with open(os.path.join(OUT, "roberta-cases.json"), "w", encoding="utf-8") as f:
            json.dump({"tokenizer": os.path.join(out, "tokenizers", "roberta", "tokenizer.json"), "cases": [
                {"text": "an audio of train", "tokens": ["<s>", "an", "Ġaudio", "Ġof", "Ġtrain", "</s>"]},
                {"text": "audio dog", "tokens": ["<s>", "audio", "Ġdog", "</s>"]},
                {"text": "an audio of trains!", "tokens": ["<s>", "an", "Ġaudio", "Ġof", "Ġtrain", "s", "!", "</s>"]},
                {"text": " an", "tokens": ["<s>", "Ġ", "an", "</s>"]},
            ]}, f, ensure_ascii=False)
        fp16 = make_fp16_pack(out, out + "-fp16")
        self.assertEqual(set(fp16["encoders"]), set(built.manifest["encoders"]))
        for eid, e in fp16["encoders"].items():
            self.assertLess(os.path.getsize(os.path.join(out + "-fp16", e["file"])),
                            0.6 * os.path.getsize(os.path.join(out, e["file"])), eid)

    def test_imagebind_pack_with_external_weight_files(self):
        # inline_limit=1 forces the >2 GB layout of the real ImageBind/InternVL graphs: weights in <graph>.onnx.data
        out, built = self.build("imagebind", inline_limit=1)
        self.check_pack(out, built, "imagebind")
        self.assertEqual(built.manifest["projectors"], {})
        extra = {e["file"]: e["sha256"] for e in built.manifest["extraFiles"]}
        self.assertEqual(set(extra), {e + ".onnx.data" for e in SPACES["imagebind"]["encoders"]})
        for f, sha in extra.items():
            self.assertEqual(sha, sha256_file(os.path.join(out, f)))
            self.assertGreater(os.path.getsize(os.path.join(out, f)), os.path.getsize(os.path.join(out, f[:-len(".data")])))
        fp16 = make_fp16_pack(out, out + "-fp16", inline_limit=1)
        self.assertEqual(len(fp16["extraFiles"]), 3)

    def test_internvl_ib_ft_pp_pack(self):
        out, built = self.build("internvl-ib-ft-pp")
        self.check_pack(out, built, "internvl-ib-ft-pp")

    def test_refuses_to_overwrite_a_pack(self):
        out = tempfile.mkdtemp(prefix="molecule-export-twice-")
        build_pack(out, "imagebind", sources_for("imagebind", tempfile.mkdtemp()), keep_references=False)
        with self.assertRaisesRegex(FileExistsError, "already holds a pack"):
            build_pack(out, "imagebind", sources_for("imagebind", tempfile.mkdtemp()))
        shutil.rmtree(out)


class SentencePieceConversion(unittest.TestCase):
    TEXTS = ["an audio of barbeque", "an audio of toilet", "an audio of train", "a dog barks  twice",
             "Zwölf Boxkämpfer jagen Viktor", "数字 2024 and émoji 🎵", "rain, rain: go away!", ""]

    def test_tiny_model_converts_and_reference_ids_are_written(self):
        sp_model = train_tiny_sentencepiece(tempfile.mkdtemp(prefix="molecule-sp-"))
        if sp_model is None:
            self.skipTest("python3-sentencepiece is not installed: InternVL tokenizer conversion cannot be tested")
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=sp_model)
        tok = sentencepiece_to_tokenizer_json(sp_model)
        self.assertEqual(len(tok["model"]["vocab"]), sp.get_piece_size())
        self.assertTrue(tok["model"]["byte_fallback"])
        # merges are ordered by the merged piece's score (SentencePiece BPE applies higher scores first)
        score = {p: sp.get_score(i) for i, p in enumerate(sp.id_to_piece(i) for i in range(sp.get_piece_size()))}
        merged = [score[m.replace(" ", "")] for m in tok["model"]["merges"]]
        self.assertEqual(merged, sorted(merged, reverse=True))
        # what InternVL's slow LlamaTokenizer(add_eos_token=True) gives: [<s>] + sp.encode("summarize:" + text) + [</s>]
        import random

        rnd = random.Random(7)
        alphabet = "abcdefghijklmnopqrstuvwxyz      ABCXYZ0123456789:.,!?'-éüß数字🎵\t"
        texts = self.TEXTS + ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40))) for _ in range(300)]
        cases = [{"text": t, "ids": [sp.bos_id()] + sp.encode("summarize:" + t) + [sp.eos_id()]} for t in texts]
        d = os.path.join(OUT, "sentencepiece")
        shutil.rmtree(d, ignore_errors=True)
        entry = write_internvl(sp_model, d)
        with open(os.path.join(d, "cases.json"), "w", encoding="utf-8") as f:
            json.dump({"tokenizer": entry["file"], "cases": cases}, f, ensure_ascii=False)

    def test_rejects_unigram_models(self):
        try:
            import sentencepiece as spm
        except ImportError:
            self.skipTest("python3-sentencepiece is not installed")
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "c.txt"), "w") as f:
            f.write("hello world\nan audio of train\n" * 50)
        spm.SentencePieceTrainer.train(input=os.path.join(d, "c.txt"), model_prefix=os.path.join(d, "u"), vocab_size=18,
                                       model_type="unigram", minloglevel=2)
        with self.assertRaisesRegex(ValueError, "not BPE"):
            sentencepiece_to_tokenizer_json(os.path.join(d, "u.model"))


if __name__ == "__main__":
    unittest.main()
