"""PyTorch reference for `molecule embed` on an exporter tiny pack (used by test/export/export.test.ts).

    /usr/bin/python3 tests/reference_embed.py SPEC.json OUT.json

SPEC: {"space": "ib-pp" | "internvl-ib-ft-pp", "checkpoints": dir with the projector checkpoints the pack was built
from, "factors": {"text", "audio"}, "items": [{"modality", "tensors": {name: {"path", "shape"}} | "ids": {...},
"longer": bool}]}. The encoders are the same seeded tiny modules the pack was exported from (tiny.tiny_encoder);
the fusion is PREPROCESSING.md §7 written out in PyTorch (float64 after the encoders)."""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from molecule_export.projectors import ReferenceFamily, load_family, load_ft_audio_head  # noqa: E402
from molecule_export.signatures import SPACES  # noqa: E402
from tiny import tiny_encoder  # noqa: E402

torch.set_grad_enabled(False)


def enc(eid, *args):
    m, _ = tiny_encoder(eid)
    return F.normalize(m(*args).double(), dim=-1)


def ensemble(families, xs):
    """normalize(mean_i normalize(P_i(x_i))) over all heads of the given families (each applied to its input)."""
    heads = [ReferenceFamily(h).eval()(x.float()).double() for h, x in zip(families, xs)]  # each [B,7,out], heads normalised
    return F.normalize(torch.cat(heads, dim=1).mean(dim=1), dim=-1)


def mix(expert, base, f):
    return F.normalize(f * expert + (1 - f) * base, dim=-1)


def tensor(spec):
    return torch.from_numpy(np.fromfile(spec["path"], dtype="<f4").reshape(spec["shape"]).copy())


def main(spec_path, out_path):
    with open(spec_path) as f:
        spec = json.load(f)
    space = SPACES[spec["space"]]
    ck = spec["checkpoints"]
    fams = {}
    for fam, dims in space["projectors"].items():
        if fam == "InternVL_IB_FT_audio_head":
            p = os.path.join(ck, "InternVL_IB_audio_with_head.pt")
            fams[fam] = load_ft_audio_head(torch.load(p), p)
        else:
            fams[fam] = load_family(ck, fam, expect=dims)
    comb = space["roles"]["combination"]
    g, m = fams[comb["general"]], fams[comb["music"]]
    ft = space["space"] == "InternVL_IB_FT_PP"
    ft_inner = 0.1
    fa, ftxt = spec["factors"]["audio"], spec["factors"]["text"]
    out = []
    for it in spec["items"]:
        t = it.get("tensors", {})
        ids = it.get("ids", {})
        if it["modality"] == "image":
            ib = enc("imagebind_vision", tensor(t["imagebind_vision"]).unsqueeze(0))
            if ft:
                drvt = ensemble([fams["InternVL_IB_Proj"]], [ib])
                base = mix(drvt, enc("internvl_vision", tensor(t["internvl_vision"]).unsqueeze(0)), ft_inner)
            else:
                base = ib
            out.append({"base": base[0].tolist(), "expert": None, "vector": base[0].tolist()})
            continue
        if it["modality"] == "audio":
            eid = "imagebind_ft_audio" if ft else "imagebind_audio"
            clips = enc(eid, tensor(t["imagebind_audio"]))  # [3,1024], each normalised
            ib = F.normalize(clips.mean(0, keepdim=True), dim=-1)
            base = ensemble([fams["InternVL_IB_FT_audio_head"]], [ib]) if ft else ib
            cg = enc("clap_general_audio", tensor(t["clap_fusion_mel"]).unsqueeze(0), torch.tensor([bool(it["longer"])]))
            cm = enc("clap_music_audio", tensor(t["clap_nonfusion_waveform"]).unsqueeze(0))
            f = fa
        else:
            tok = torch.tensor([ids["imagebind_tokens"]], dtype=torch.int64)
            ib = enc("imagebind_text", tok)
            if ft:
                vl = enc("internvl_text", torch.tensor([ids["internvl"]], dtype=torch.int64))
                base = mix(ensemble([fams["InternVL_IB_Proj"]], [ib]), vl, ft_inner)
            else:
                base = ib
            rid = torch.tensor([ids["roberta"]], dtype=torch.int64)
            rmask = torch.tensor([ids["roberta_mask"]], dtype=torch.int64)
            cg = enc("clap_general_text", rid, rmask)
            cm = enc("clap_music_text", rid, rmask)
            f = ftxt
        expert = ensemble([g, m], [cg, cm])
        out.append({"base": base[0].tolist(), "expert": expert[0].tolist(), "vector": mix(expert, base, f)[0].tolist()})
    with open(out_path, "w") as fh:
        json.dump({"items": out}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
