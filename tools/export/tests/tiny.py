"""Tiny stand-ins with the real encoder signatures, and tiny projector checkpoints in the release's layout.

They exist so the exporter's own code path (build_pack, FoldedFamily, export_module, manifest, tokenizers,
fp16) can be exercised without the official weights. They make no semantic claim."""
import json
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

from molecule_export.signatures import ENCODER_SPECS, MODES

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CLIP_BPE = os.path.join(REPO, "resources", "vocab", "bpe_simple_vocab_16e6.txt.gz")
FIXTURES = os.environ.get("MOLECULE_FIXTURES", os.path.join(REPO, "test", "fixtures", "reference"))

# Everything the tests write goes under one folder: $MOLECULE_EXPORT_OUT (the vitest wrapper creates and removes
# it), else a fresh temporary folder. Scratch directories (tempfile.mkdtemp) are created inside it too.
OUT = os.environ.get("MOLECULE_EXPORT_OUT") or tempfile.mkdtemp(prefix="molecule-export-out-")
os.makedirs(os.path.join(OUT, "scratch"), exist_ok=True)
tempfile.tempdir = os.path.join(OUT, "scratch")


class TinyVision(nn.Module):  # image [B,3,224,224] -> [B,out]
    def __init__(self, out):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 16, stride=16)
        self.lin = nn.Linear(4 * 14 * 14, out)

    def forward(self, image):
        return F.normalize(self.lin(torch.tanh(self.conv(image)).flatten(1)), dim=-1)


class TinyClips(nn.Module):  # clips [N,1,128,204] -> [N,1024]
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, (16, 12), stride=(16, 12))
        self.lin = nn.Linear(4 * 8 * 17, 1024)

    def forward(self, clips):
        return F.normalize(self.lin(torch.tanh(self.conv(clips)).flatten(1)), dim=-1)


class TinyEotText(nn.Module):  # tokens [B,77] -> [B,1024], pools at argmax like ImageBind
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(49408, 8)
        self.lin = nn.Linear(8, 1024)

    def forward(self, tokens):
        h = torch.cumsum(self.emb(tokens), dim=1)
        x = h[torch.arange(h.shape[0]), tokens.argmax(dim=-1)]
        return F.normalize(self.lin(x), dim=-1)


class TinyInternVLText(nn.Module):  # input_ids [B,80] -> [B,768], pools at sum(ids>0)-1
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(600, 8)
        self.lin = nn.Linear(8, 768)

    def forward(self, input_ids):
        h = torch.cumsum(self.emb(input_ids), dim=1)
        last = (input_ids > 0).sum(dim=1) - 1
        return F.normalize(self.lin(h[torch.arange(h.shape[0]), last]), dim=-1)


class TinyRobertaText(nn.Module):  # input_ids, attention_mask [B,77] -> [B,512]
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(600, 8)
        self.lin = nn.Linear(8, 512)

    def forward(self, input_ids, attention_mask):
        m = attention_mask.unsqueeze(-1).to(torch.float32)
        x = (self.emb(input_ids) * m).sum(1) / m.sum(1).clamp(min=1.0)
        return F.normalize(self.lin(torch.tanh(x)), dim=-1)


class TinyFusionAudio(nn.Module):  # mel_fusion [B,4,1001,64], longer [B] -> [B,512]
    def __init__(self):
        super().__init__()
        self.g = nn.Linear(13 * 8, 16)
        self.l = nn.Linear(3 * 13 * 8, 16)
        self.out = nn.Linear(16, 512)

    def forward(self, mel_fusion, longer):
        f = F.avg_pool2d(mel_fusion * 0.05, (77, 8))
        g = self.g(f[:, 0].flatten(1))
        fused = g + self.l(f[:, 1:].flatten(1))
        h = torch.where(longer.unsqueeze(1), fused, g)
        return F.normalize(self.out(torch.tanh(h)), dim=-1)


class TinyWaveAudio(nn.Module):  # waveform [B,480000] -> [B,512]
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(100, 512)

    def forward(self, waveform):
        e = torch.log(F.avg_pool1d((waveform * waveform).unsqueeze(1), 4800) + 1e-6).flatten(1)
        return F.normalize(self.lin(e * 0.1), dim=-1)


def example_args(eid, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = ENCODER_SPECS[eid][0]
    args = []
    for name, dtype, shape in inputs:
        dims = [2] + list(shape[1:])
        if name == "tokens":
            t = torch.randint(1, 49000, dims, generator=g)
            t[0, 5] = 49407; t[0, 6:] = 0; t[1, 20] = 49407; t[1, 21:] = 0; t[:, 0] = 49406
        elif name == "input_ids":
            t = torch.randint(3, 590, dims, generator=g)
            if eid == "internvl_text":
                t[0, 6:] = 0; t[1, 30:] = 0
            else:
                t[:, 0] = 0; t[0, 6:] = 1; t[1, 12:] = 1
        elif name == "attention_mask":
            t = torch.zeros(dims, dtype=torch.int64); t[0, :6] = 1; t[1, :12] = 1
        elif name == "longer":
            t = torch.tensor([False, True])
        elif name == "mel_fusion":
            t = torch.randn(dims, generator=g) * 20 - 40
        elif name == "waveform":
            t = torch.randn(dims, generator=g) * 0.1
        else:
            t = torch.randn(dims, generator=g)
        args.append(t)
    return tuple(args)


def tiny_encoder(eid, seed=0):
    torch.manual_seed(1000 + seed + sum(map(ord, eid)))
    m = {"imagebind_vision": lambda: TinyVision(1024), "internvl_vision": lambda: TinyVision(768),
         "imagebind_audio": TinyClips, "imagebind_ft_audio": TinyClips, "imagebind_text": TinyEotText,
         "internvl_text": TinyInternVLText, "clap_general_text": TinyRobertaText, "clap_music_text": TinyRobertaText,
         "clap_general_audio": TinyFusionAudio, "clap_music_audio": TinyWaveAudio}[eid]()
    return m.eval(), example_args(eid, seed)


class ReleaseProjHead(nn.Module):
    """Parameter layout of FreeBind's Proj_Head_mini (attribute `mlps`), used only to write checkpoints."""

    def __init__(self, d_in, d_out, hidden):
        super().__init__()
        self.mlps = nn.Sequential(nn.Linear(d_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
                                  nn.Linear(hidden, d_out), nn.BatchNorm1d(d_out))


class ReleaseReactionHead(nn.Module):
    def __init__(self, d_in, d_out, hidden):
        super().__init__()
        self.Head2 = ReleaseProjHead(d_in, d_out, hidden)


def randomise_bn(head, g):
    for bn in (head.Head2.mlps[1], head.Head2.mlps[4]):
        n = bn.num_features
        bn.weight.data = 0.5 + torch.rand(n, generator=g)
        bn.bias.data = torch.randn(n, generator=g) * 0.1
        bn.running_mean.data = torch.randn(n, generator=g) * 0.1
        bn.running_var.data = 0.5 + torch.rand(n, generator=g)
        bn.num_batches_tracked.fill_(1234)


def write_release_family(root, family, d_in, d_out, hidden=16, seed=0):
    """Seven `best.pt` files as the release stores them: <root>/<family>/<mode>/best.pt."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    for mode in MODES:
        h = ReleaseReactionHead(d_in, d_out, hidden)
        randomise_bn(h, g)
        d = os.path.join(root, family, mode)
        os.makedirs(d, exist_ok=True)
        torch.save(h.state_dict(), os.path.join(d, "best.pt"))


def write_release_ft_checkpoint(path, hidden=16, seed=0):
    """The fine-tuned audio checkpoint layout: `ib.*` trunk keys (a stand-in) + `ib_head.projectors.<i>.Head2.mlps.*`."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    sd = {"ib.modality_heads.audio.2.weight": torch.randn(1024, 768)}
    for i in range(7):
        h = ReleaseReactionHead(1024, 768, hidden)
        randomise_bn(h, g)
        for k, v in h.state_dict().items():
            sd["ib_head.projectors.%d.%s" % (i, k)] = v
    torch.save(sd, path)


def write_tiny_roberta_files(d):
    """A tiny vocab.json + merges.txt in roberta-base's format (byte-level symbols, Ġ = space)."""
    from molecule_export.tokenizers import ROBERTA_SPECIALS

    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for c in cs:
        vocab.setdefault(chr(c), len(vocab))
    merges = []
    for word in ["an", "Ġaudio", "Ġof", "Ġtrain", "Ġtoilet", "Ġbarbeque", "audio", "Ġdog"]:
        cur = word[0]
        for ch in word[1:]:
            if (cur, ch) not in merges:
                merges.append((cur, ch))
            cur += ch
            vocab.setdefault(cur, len(vocab))
    vocab["<mask>"] = len(vocab)
    assert all(t in vocab for t in ROBERTA_SPECIALS)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write("%s %s\n" % (a, b))
    return os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt"), vocab


def train_tiny_sentencepiece(d):
    """A tiny Llama-style SentencePiece BPE model (byte fallback, identity normaliser). None if sentencepiece is absent."""
    try:
        import sentencepiece as spm
    except ImportError:
        return None
    os.makedirs(d, exist_ok=True)
    corpus = os.path.join(d, "corpus.txt")
    lines = ["summarize:an audio of barbeque", "summarize:an audio of toilet", "summarize:an audio of train",
             "a dog barks in the rain", "music with a train whistle", "the sound of a car passing by",
             "Zwei Hunde bellen laut", "un chat miaule doucement", "rain on the roof at night"] * 20
    with open(corpus, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    prefix = os.path.join(d, "tiny_sp")
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, vocab_size=420, model_type="bpe", byte_fallback=True,
        normalization_rule_name="identity", add_dummy_prefix=True, remove_extra_whitespaces=False,
        character_coverage=1.0, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2, split_digits=True)
    return prefix + ".model"
