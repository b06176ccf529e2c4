#!/usr/bin/python3
"""Generate the committed Molecule Space TEST PACKS (random weights, no semantic meaning).

Run with Debian's python3 + python3-torch 1.13 + python3-onnx:
    /usr/bin/python3 models/test-packs/generate.py

Every encoder is a tiny real network with fixed seeds and exactly the input/output signature the real
exports have (docs/ARCHITECTURE.md): strided pooling + small linear layers that depend on the input
content. ImageBind text pools at argmax(tokens) like the real model; InternVL text at sum(ids>0)-1.
Projector families are exported as ONE graph [B,in] -> [B,7,out] (heads mix,A,T,V,AT,AV,TV), each head
Linear->BN->ReLU->Linear->BN->L2 normalise with BN folded into the Linear layers (docs/REFERENCE.md §7.1).

Besides the ONNX files each pack gets: the CLIP BPE vocab, a small RoBERTa-style and a small
InternVL(Llama)-style tokenizer.json, `expected.json` with PyTorch outputs (the un-folded eval-mode
modules) for deterministic inputs, and pack.json with sha256 of every file.

Also writes models/test-packs/fusion-fixture/{G,M}.onnx: the 7+7 toy projectors of the reference
fixture fusion_math.json with BN folded (used by test/space to check the ONNX path against the fixture).
"""
import gzip
import hashlib
import json
import os
import shutil
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "models", "test-packs")
VOCAB = os.path.join(ROOT, "resources", "vocab", "bpe_simple_vocab_16e6.txt.gz")
FIXTURES = os.environ.get("MOLECULE_FIXTURES", os.path.join(ROOT, "test", "fixtures", "reference"))
OPSET = 14
MODES = ["mix", "A", "T", "V", "AT", "AV", "TV"]
TEST_NOTE = "TEST PACK — random weights, no semantic meaning"

torch.set_num_threads(1)


def det_input(n, seed):
    """Deterministic values in [-1, 1): exactly reproducible in TS (integers < 2^53, one division)."""
    i = torch.arange(n, dtype=torch.float64)
    v = torch.remainder(i * 7919.0 + seed * 104729.0, 10007.0) / 10007.0 * 2.0 - 1.0
    return v.to(torch.float32)


# ----------------------------------------------------------------------------------------- encoders

class PoolMLP(nn.Module):
    """Pool -> flatten -> Linear -> tanh -> Linear."""

    def __init__(self, feat, hidden, out):
        super().__init__()
        self.l1 = nn.Linear(feat, hidden)
        self.l2 = nn.Linear(hidden, out)

    def forward(self, f):
        return self.l2(torch.tanh(self.l1(f)))


class Vision(nn.Module):  # image [B,3,224,224] -> [B,out]
    def __init__(self, out):
        super().__init__()
        self.mlp = PoolMLP(3 * 8 * 8, 32, out)

    def forward(self, image):
        f = F.avg_pool2d(image, 28).flatten(1)
        return self.mlp(f)


class AudioClips(nn.Module):  # clips [N,1,128,204] -> [N,1024]
    def __init__(self, out):
        super().__init__()
        self.mlp = PoolMLP(8 * 12, 32, out)

    def forward(self, clips):
        f = F.avg_pool2d(clips, (16, 17)).flatten(1)
        return self.mlp(f)


class ImageBindText(nn.Module):  # tokens int64 [B,77] -> [B,1024]; pools at argmax(tokens) like ImageBind
    def __init__(self, out):
        super().__init__()
        self.emb = nn.Embedding(997, 16)
        self.pos = nn.Parameter(torch.randn(77, 16) * 0.1)
        self.mlp = PoolMLP(16, 32, out)

    def forward(self, tokens):
        h = torch.tanh(self.emb(torch.remainder(tokens, 997)) + self.pos)
        c = torch.cumsum(h, dim=1)  # causal context: position t sees tokens 0..t
        eot = tokens.argmax(dim=-1)
        x = c[torch.arange(c.shape[0]), eot]
        return self.mlp(x)


class InternVLText(nn.Module):  # input_ids int64 [B,80] -> [B,768]; pools at sum(ids>0)-1 like InternVL-C
    def __init__(self, out):
        super().__init__()
        self.emb = nn.Embedding(509, 16)
        self.pos = nn.Parameter(torch.randn(80, 16) * 0.1)
        self.mlp = PoolMLP(16, 32, out)

    def forward(self, input_ids):
        mask = (input_ids > 0).to(torch.int64)
        h = torch.tanh(self.emb(torch.remainder(input_ids, 509)) + self.pos)
        c = torch.cumsum(h, dim=1)
        last = mask.sum(dim=1) - 1
        x = c[torch.arange(c.shape[0]), last]
        return self.mlp(x)


class ClapText(nn.Module):  # input_ids, attention_mask int64 [B,77] -> [B,512]
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(1009, 16)
        self.pos = nn.Parameter(torch.randn(77, 16) * 0.1)
        self.mlp = PoolMLP(32, 32, 512)

    def forward(self, input_ids, attention_mask):
        m = attention_mask.to(torch.float32).unsqueeze(-1)
        h = torch.tanh(self.emb(torch.remainder(input_ids, 1009)) + self.pos)
        mean = (h * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        return self.mlp(torch.cat([mean, h[:, 0]], dim=1))


class ClapGeneralAudio(nn.Module):  # mel_fusion [B,4,1001,64], longer bool [B] -> [B,512]
    def __init__(self):
        super().__init__()
        self.single = nn.Linear(13 * 8, 32)
        self.fused = nn.Linear(4 * 13 * 8, 32)
        self.out = nn.Linear(32, 512)

    def forward(self, mel_fusion, longer):
        f = F.avg_pool2d(mel_fusion * 0.05, (77, 8))  # [B,4,13,8]
        a = self.single(f[:, 0].flatten(1))
        b = self.fused(f.flatten(1))
        h = torch.where(longer.unsqueeze(1), b, a)  # like the AFF model: only `longer` items fuse channels 1-3
        return self.out(torch.tanh(h))


class ClapMusicAudio(nn.Module):  # waveform [B,480000] -> [B,512]
    def __init__(self):
        super().__init__()
        self.mlp = PoolMLP(200, 32, 512)

    def forward(self, waveform):
        x = waveform.unsqueeze(1)
        energy = torch.log(F.avg_pool1d(x * x, 4800) + 1e-6).flatten(1)  # [B,100]
        level = F.avg_pool1d(x, 4800).flatten(1) * 10.0  # [B,100]
        return self.mlp(torch.cat([energy * 0.1, level], dim=1))


# --------------------------------------------------------------------------------------- projectors

class Projector(nn.Module):
    """Reaction_Head_mini: Linear -> BN -> ReLU -> Linear -> BN -> L2 normalise (eval mode)."""

    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.mlps = nn.Sequential(nn.Linear(d_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                  nn.Linear(hidden, d_out), nn.BatchNorm1d(d_out))

    def randomize_bn(self, g):
        for bn in (self.mlps[1], self.mlps[4]):
            n = bn.num_features
            bn.weight.data = 0.5 + torch.rand(n, generator=g)
            bn.bias.data = torch.randn(n, generator=g) * 0.1
            bn.running_mean.data = torch.randn(n, generator=g) * 0.1
            bn.running_var.data = 0.5 + torch.rand(n, generator=g)

    def forward(self, x):
        return F.normalize(self.mlps(x), dim=-1)


def fold(lin_w, lin_b, gamma, beta, mean, var, eps=1e-5):
    s = gamma / torch.sqrt(var + eps)
    return lin_w * s.unsqueeze(1), s * (lin_b - mean) + beta


class FoldedFamily(nn.Module):
    """7 projectors with BN folded, stacked: x [B,in] -> heads [B,7,out], each head L2-normalised."""

    def __init__(self, projectors):
        super().__init__()
        w1, b1, w2, b2 = [], [], [], []
        for p in projectors:
            l1, bn1, l2, bn2 = p.mlps[0], p.mlps[1], p.mlps[3], p.mlps[4]
            a, b = fold(l1.weight.data, l1.bias.data, bn1.weight.data, bn1.bias.data, bn1.running_mean, bn1.running_var)
            c, d = fold(l2.weight.data, l2.bias.data, bn2.weight.data, bn2.bias.data, bn2.running_mean, bn2.running_var)
            w1.append(a.t()); b1.append(b); w2.append(c.t()); b2.append(d)
        self.w1 = nn.Parameter(torch.stack(w1))  # [7,in,h]
        self.b1 = nn.Parameter(torch.stack(b1).unsqueeze(1))  # [7,1,h]
        self.w2 = nn.Parameter(torch.stack(w2))  # [7,h,out]
        self.b2 = nn.Parameter(torch.stack(b2).unsqueeze(1))  # [7,1,out]

    def forward(self, x):
        h = torch.relu(torch.matmul(x.unsqueeze(0), self.w1) + self.b1)  # [7,B,h]
        o = torch.matmul(h, self.w2) + self.b2  # [7,B,out]
        o = o / torch.sqrt((o * o).sum(dim=-1, keepdim=True)).clamp(min=1e-12)
        return o.transpose(0, 1)  # [B,7,out]


class FamilyRef(nn.Module):  # un-folded reference (PyTorch eval mode)
    def __init__(self, projectors):
        super().__init__()
        self.ps = nn.ModuleList(projectors)

    def forward(self, x):
        return torch.stack([p(x) for p in self.ps], dim=1)


def make_family(seed, d_in, d_out, hidden=8):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    ps = []
    for _ in MODES:
        p = Projector(d_in, hidden, d_out)
        p.randomize_bn(g)
        p.eval()
        ps.append(p)
    return FamilyRef(ps).eval(), FoldedFamily(ps).eval()


# ------------------------------------------------------------------------------------------- export

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export(module, path, args, in_names, out_name, batch_name="B"):
    dyn = {n: {0: batch_name} for n in in_names}
    dyn[out_name] = {0: batch_name}
    torch.onnx.export(module, args, path, input_names=in_names, output_names=[out_name], dynamic_axes=dyn,
                      opset_version=OPSET, do_constant_folding=True)


def rounded(t):
    return [float("%.8g" % v) for v in t.reshape(-1).tolist()]


ENCODER_SPECS = {
    # id: (inputs [(name, dtype, shape)], output (name, shape), preprocessing id, batch axis name)
    "imagebind_vision": ([("image", "float32", ["B", 3, 224, 224])], ("embedding", ["B", 1024]), "imagebind_vision", "B"),
    "imagebind_text": ([("tokens", "int64", ["B", 77])], ("embedding", ["B", 1024]), "imagebind_tokens", "B"),
    "imagebind_audio": ([("clips", "float32", ["N", 1, 128, 204])], ("embedding", ["N", 1024]), "imagebind_audio", "N"),
    "imagebind_ft_audio": ([("clips", "float32", ["N", 1, 128, 204])], ("embedding", ["N", 1024]), "imagebind_audio", "N"),
    "clap_general_audio": ([("mel_fusion", "float32", ["B", 4, 1001, 64]), ("longer", "bool", ["B"])], ("embedding", ["B", 512]), "clap_fusion_mel", "B"),
    "clap_general_text": ([("input_ids", "int64", ["B", 77]), ("attention_mask", "int64", ["B", 77])], ("embedding", ["B", 512]), "roberta_tokens", "B"),
    "clap_music_audio": ([("waveform", "float32", ["B", 480000])], ("embedding", ["B", 512]), "clap_nonfusion_waveform", "B"),
    "clap_music_text": ([("input_ids", "int64", ["B", 77]), ("attention_mask", "int64", ["B", 77])], ("embedding", ["B", 512]), "roberta_tokens", "B"),
    "internvl_vision": ([("image", "float32", ["B", 3, 224, 224])], ("embedding", ["B", 768]), "internvl_vision", "B"),
    "internvl_text": ([("input_ids", "int64", ["B", 80])], ("embedding", ["B", 768]), "internvl_tokens", "B"),
}


def build_encoder(eid, seed):
    torch.manual_seed(seed)
    if eid in ("imagebind_vision",):
        return Vision(1024)
    if eid == "internvl_vision":
        return Vision(768)
    if eid in ("imagebind_audio", "imagebind_ft_audio"):
        return AudioClips(1024)
    if eid == "imagebind_text":
        return ImageBindText(1024)
    if eid == "internvl_text":
        return InternVLText(768)
    if eid in ("clap_general_text", "clap_music_text"):
        return ClapText()
    if eid == "clap_general_audio":
        return ClapGeneralAudio()
    if eid == "clap_music_audio":
        return ClapMusicAudio()
    raise KeyError(eid)


def sample_inputs(eid):
    """Two deterministic input cases per encoder (batched together), also written to expected.json."""
    inputs, _, _, _ = ENCODER_SPECS[eid]
    cases = []
    for k in range(2):
        case = {}
        for name, dtype, shape in inputs:
            if name == "tokens":
                ids = [49406, 320, 3198, 539, 1 + 997 * k, 40000 + k, 49407] + [0] * 70
                case[name] = ids
            elif name == "input_ids" and eid == "internvl_text":
                case[name] = [1, 45, 78 + k, 300, 12, 2] + [0] * 74 if k == 0 else [1] + [5 + j for j in range(30)] + [2] + [0] * 48
            elif name == "input_ids":
                case[name] = [0, 250, 9 + k, 700, 1008 + k, 2] + [1] * 71
            elif name == "attention_mask":
                case[name] = [1] * 6 + [0] * 71
            elif name == "longer":
                case[name] = bool(k == 1)
            else:
                n = 1
                for d in shape[1:]:
                    n *= d
                scale = 40.0 if name == "mel_fusion" else (0.3 if name == "waveform" else 1.0)
                offset = -30.0 if name == "mel_fusion" else 0.0
                case[name] = {"det_input": {"n": n, "seed": 11 * (k + 1) + len(eid), "scale": scale, "offset": offset}}
        cases.append(case)
    return cases


def tensor_from_case(eid, cases, name, dtype, shape):
    vals = []
    for c in cases:
        v = c[name]
        if isinstance(v, dict):
            d = v["det_input"]
            vals.append(det_input(d["n"], d["seed"]) * d["scale"] + d["offset"])
        elif dtype == "bool":
            vals.append(torch.tensor([v]))
        else:
            vals.append(torch.tensor(v, dtype=torch.int64))
    if dtype == "bool":
        return torch.cat(vals).to(torch.bool)
    t = torch.stack(vals)
    return t.reshape([len(cases)] + shape[1:])


# ---------------------------------------------------------------------------------------- tokenizers

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


WORDS = ["an", "audio", "of", "barbeque", "toilet", "train", "dog", "bark", "music", "the", "a", "sound", "car", "rain"]


def bpe_merges_for(words, prefix):
    """Merges that build each word left to right (enough to produce whole-word tokens)."""
    merges, vocab_extra = [], []
    for w in words:
        sym = prefix + w if prefix else w
        cur = sym[0]
        for ch in sym[1:]:
            m = (cur, ch)
            if m not in merges:
                merges.append(m)
                vocab_extra.append(cur + ch)
            cur = cur + ch
    return merges, vocab_extra


def roberta_tokenizer_json():
    b2u = bytes_to_unicode()
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for b in range(256):
        vocab.setdefault(b2u[b], len(vocab))
    merges, extra = bpe_merges_for(WORDS, "")
    m2, e2 = bpe_merges_for(WORDS, "Ġ")
    for m, e in zip(m2, e2):
        if m not in merges:
            merges.append(m); extra.append(e)
    for e in extra:
        vocab.setdefault(e, len(vocab))
    vocab["<mask>"] = len(vocab)
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": t == "<mask>", "rstrip": False,
              "normalized": False, "special": True} for t in ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]]
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": [" ".join(m) for m in merges]},
    }
    config = {"tokenizer_class": "RobertaTokenizer", "model_max_length": 77, "bos_token": "<s>", "eos_token": "</s>",
              "unk_token": "<unk>", "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
              "add_prefix_space": False, "errors": "replace",
              "note": TEST_NOTE + ": a tiny byte-level BPE in the roberta-base format, not the roberta-base vocabulary"}
    return tok, config


def internvl_tokenizer_json():
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    vocab["▁"] = len(vocab)
    for ch in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:.,'!?-":
        vocab.setdefault(ch, len(vocab))
    merges, extra = bpe_merges_for(["summarize"] + WORDS, "▁")
    m2, e2 = bpe_merges_for(["summarize"], "")
    for m, e in zip(m2, e2):
        if m not in merges:
            merges.append(m); extra.append(e)
    for e in extra:
        vocab.setdefault(e, len(vocab))
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in ["<unk>", "<s>", "</s>"]]
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                           {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "</s>", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                                              "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                                      {"type": "ByteFallback"}, {"type": "Fuse"},
                                                      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
                  "vocab": vocab, "merges": [" ".join(m) for m in merges]},
    }
    config = {"tokenizer_class": "LlamaTokenizer", "model_max_length": 80, "bos_token": "<s>", "eos_token": "</s>",
              "unk_token": "<unk>", "pad_token": "<unk>", "add_bos_token": True, "add_eos_token": True,
              "note": TEST_NOTE + ": a tiny Llama-style byte-fallback BPE, not the InternVL-14B vocabulary"}
    return tok, config


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


# ---------------------------------------------------------------------------------------------- packs

PACKS = {
    "ib-pp-test": {
        "space": "IB_PP", "dim": 1024,
        "encoders": ["imagebind_vision", "imagebind_text", "imagebind_audio", "clap_general_audio", "clap_general_text",
                     "clap_music_audio", "clap_music_text"],
        "projectors": {"IB_PP_G_Proj": (512, 1024), "IB_PP_M_Proj": (512, 1024)},
        "roles": {"combination": {"general": "IB_PP_G_Proj", "music": "IB_PP_M_Proj"}},
        "seed": 1000,
    },
    "internvl-ib-ft-pp-test": {
        "space": "InternVL_IB_FT_PP", "dim": 768,
        "encoders": ["imagebind_vision", "imagebind_text", "imagebind_ft_audio", "internvl_vision", "internvl_text",
                     "clap_general_audio", "clap_general_text", "clap_music_audio", "clap_music_text"],
        "projectors": {"InternVL_IB_Proj": (1024, 768), "InternVL_IB_FT_audio_head": (1024, 768),
                       "InternVL_IB_FTPP_G_Proj": (512, 768), "InternVL_IB_FTPP_M_Proj": (512, 768)},
        "roles": {"combination": {"general": "InternVL_IB_FTPP_G_Proj", "music": "InternVL_IB_FTPP_M_Proj"},
                  "displacement": "InternVL_IB_Proj", "ftAudioHead": "InternVL_IB_FT_audio_head"},
        "seed": 2000,
    },
}


def generate_pack(pack_id, spec):
    d = os.path.join(OUT, pack_id)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "tokenizers", "roberta"))
    os.makedirs(os.path.join(d, "tokenizers", "internvl"))
    files = {}
    expected = {"note": TEST_NOTE + ". PyTorch 1.13 outputs (eval mode, un-folded BN for projectors) for the "
                "deterministic inputs given here; det_input(n, seed)[i] = fl32(((i*7919 + seed*104729) mod 10007)/10007*2-1)"
                " then *scale + offset (float32).", "encoders": {}, "projectors": {}}
    encoders, raw_dims = {}, {}
    for j, eid in enumerate(spec["encoders"]):
        inputs, (oname, oshape), prep, bname = ENCODER_SPECS[eid]
        m = build_encoder(eid, spec["seed"] + j).eval()
        cases = sample_inputs(eid)
        args = tuple(tensor_from_case(eid, cases, n, dt, sh) for n, dt, sh in inputs)
        with torch.no_grad():
            y = m(*args)
        fname = eid + ".onnx"
        export(m, os.path.join(d, fname), args, [n for n, _, _ in inputs], oname, bname)
        encoders[eid] = {"file": fname, "preprocessing": prep,
                         "inputs": [{"name": n, "dtype": dt, "shape": sh} for n, dt, sh in inputs],
                         "outputs": [{"name": oname, "dtype": "float32", "shape": oshape}]}
        raw_dims[eid] = oshape[1]
        expected["encoders"][eid] = {"cases": cases, "output": {"shape": list(y.shape), "values": rounded(y)}}
    projectors = {}
    for k, (fam, (din, dout)) in enumerate(spec["projectors"].items()):
        ref, folded = make_family(spec["seed"] + 100 + k, din, dout)
        x = torch.stack([det_input(din, 3 + k), det_input(din, 4 + k)])
        with torch.no_grad():
            y = ref(x)
            yf = folded(x)
        assert torch.allclose(y, yf, atol=1e-5), fam
        fname = fam + ".onnx"
        export(folded, os.path.join(d, fname), (x,), ["x"], "heads")
        projectors[fam] = {"file": fname, "inDim": din, "outDim": dout, "heads": MODES,
                           "input": {"name": "x", "dtype": "float32", "shape": ["B", din]},
                           "output": {"name": "heads", "dtype": "float32", "shape": ["B", 7, dout]}}
        expected["projectors"][fam] = {"input": {"det_input": [{"n": din, "seed": 3 + k}, {"n": din, "seed": 4 + k}]},
                                       "output": {"shape": list(y.shape), "values": rounded(y)}}
    shutil.copyfile(VOCAB, os.path.join(d, "tokenizers", "bpe_simple_vocab_16e6.txt.gz"))
    rt, rc = roberta_tokenizer_json()
    write_json(os.path.join(d, "tokenizers", "roberta", "tokenizer.json"), rt)
    write_json(os.path.join(d, "tokenizers", "roberta", "tokenizer_config.json"), rc)
    tokenizers = {"clip_bpe": {"file": "tokenizers/bpe_simple_vocab_16e6.txt.gz"},
                  "roberta": {"file": "tokenizers/roberta/tokenizer.json", "config": "tokenizers/roberta/tokenizer_config.json"}}
    if any(e.startswith("internvl") for e in spec["encoders"]):
        it, ic = internvl_tokenizer_json()
        write_json(os.path.join(d, "tokenizers", "internvl", "tokenizer.json"), it)
        write_json(os.path.join(d, "tokenizers", "internvl", "tokenizer_config.json"), ic)
        tokenizers["internvl"] = {"file": "tokenizers/internvl/tokenizer.json", "config": "tokenizers/internvl/tokenizer_config.json"}
    else:
        os.rmdir(os.path.join(d, "tokenizers", "internvl"))
    write_json(os.path.join(d, "expected.json"), expected)

    def with_sha(entry, key="file"):
        entry["sha256"] = sha256_file(os.path.join(d, entry[key]))
        if "config" in entry:
            entry["configSha256"] = sha256_file(os.path.join(d, entry["config"]))
        return entry

    manifest = {
        "format": "molecule-pack",
        "formatVersion": 1,
        "id": pack_id,
        "name": "%s (%s, %d-d)" % (TEST_NOTE, spec["space"], spec["dim"]),
        "test": True,
        "space": spec["space"],
        "dim": spec["dim"],
        "encoders": {k: with_sha(v) for k, v in encoders.items()},
        "projectors": {k: with_sha(v) for k, v in projectors.items()},
        "roles": spec["roles"],
        "tokenizers": {k: with_sha(v) for k, v in tokenizers.items()},
        "presets": {"versatile": {"text": 0.1, "audio": 0.5}, "at-expertise": {"text": 0.5, "audio": 0.8}},
        "factorRange": {"min": 0, "max": 1},
        "rawDims": raw_dims,
        "licence": "Generated by models/test-packs/generate.py with fixed seeds (MIT, like the project). The CLIP BPE "
                   "merges file is OpenAI CLIP's (MIT), see resources/vocab/NOTICE.md.",
        "source": "models/test-packs/generate.py (torch %s, opset %d)" % (torch.__version__, OPSET),
        "extraFiles": [with_sha({"file": "expected.json"})],
    }
    write_json(os.path.join(d, "pack.json"), manifest)
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
    print("%s: %d files, %.2f MB" % (pack_id, sum(len(fs) for _, _, fs in os.walk(d)), total / 1e6))


def generate_fusion_fixture():
    """The 7+7 toy projectors of fusion_math.json as two folded ONNX families."""
    path = os.path.join(FIXTURES, "fusion_math.json")
    if not os.path.exists(path):
        print("fusion fixture not found at %s; skipping fusion-fixture ONNX" % path)
        return
    fx = json.load(open(path))
    d = os.path.join(OUT, "fusion-fixture")
    os.makedirs(d, exist_ok=True)
    dims = fx["dims"]
    meta = {"source": "fusion_math.json", "sha256": sha256_file(path), "families": {}}
    for fam in ("g", "m"):
        ps = []
        for w in fx["projectors_" + fam]:
            p = Projector(dims["expert"], dims["hidden"], dims["base"]).double()
            l1, bn1, l2, bn2 = p.mlps[0], p.mlps[1], p.mlps[3], p.mlps[4]
            T = lambda k: torch.tensor(w[k], dtype=torch.float64)
            l1.weight.data, l1.bias.data = T("lin1_w"), T("lin1_b")
            bn1.weight.data, bn1.bias.data, bn1.running_mean.data, bn1.running_var.data = T("bn1_gamma"), T("bn1_beta"), T("bn1_mean"), T("bn1_var")
            l2.weight.data, l2.bias.data = T("lin2_w"), T("lin2_b")
            bn2.weight.data, bn2.bias.data, bn2.running_mean.data, bn2.running_var.data = T("bn2_gamma"), T("bn2_beta"), T("bn2_mean"), T("bn2_var")
            p.eval()
            ps.append(p)
        folded = FoldedFamily(ps).float().eval()
        x = torch.tensor(fx["clap_" + fam], dtype=torch.float32)
        fname = "fusion_%s.onnx" % fam
        export(folded, os.path.join(d, fname), (x,), ["x"], "heads")
        meta["families"][fam] = {"file": fname, "sha256": sha256_file(os.path.join(d, fname))}
    write_json(os.path.join(d, "meta.json"), meta)
    print("fusion-fixture: written")


class WrongShapeVision(nn.Module):  # image [B,3,112,112] -> [B,1024]: a deliberately wrong export for tests
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(3, 1024)

    def forward(self, image):
        return self.l(image.mean(dim=(2, 3)))


def generate_defects():
    """Deliberately defective ONNX files for the pack-validation tests (wrong input shape)."""
    d = os.path.join(OUT, "defects")
    os.makedirs(d, exist_ok=True)
    torch.manual_seed(7)
    export(WrongShapeVision().eval(), os.path.join(d, "vision_input_112.onnx"), (torch.zeros(1, 3, 112, 112),), ["image"], "embedding")
    print("defects: written")


if __name__ == "__main__":
    only = sys.argv[1:]
    for pid, spec in PACKS.items():
        if not only or pid in only:
            generate_pack(pid, spec)
    if not only or "fusion-fixture" in only:
        generate_fusion_fixture()
    if not only or "defects" in only:
        generate_defects()
