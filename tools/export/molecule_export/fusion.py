"""PREPROCESSING §7 written out in PyTorch (float64 after the encoders), on library embeddings: what the space
returns for images, audios and texts, and the README's softmax(10 cos) matrices. --check uses it to say which
reading of an ambiguity reproduces the published numbers (the app's own fusion is checked separately, by running
`molecule matrix` on the pack)."""
import torch
import torch.nn.functional as F

from .projectors import ReferenceFamily

INNER = {"InternVL_IB": 0.2, "InternVL_IB_PP": 0.2, "InternVL_IB_FT": 0.1, "InternVL_IB_FT_PP": 0.1}
PRESETS = {"versatile": {"text": 0.1, "audio": 0.5}, "at_expertise": {"text": 0.5, "audio": 0.8}}


def ensemble(families, xs):
    """normalize(mean_i normalize(P_i(x_i))) over all heads of the given families (each applied to its input)."""
    heads = [ReferenceFamily(h).eval()(x.float()).double() for h, x in zip(families, xs)]
    return F.normalize(torch.cat(heads, dim=1).mean(dim=1), dim=-1)


def mix(expert, base, f):
    return F.normalize(f * expert + (1 - f) * base, dim=-1)


def space_embeddings(space_spec, heads, emb, factors):
    """emb: {encoder id: [n,d] L2-normalised library embeddings of the demo items} (imagebind_audio /
    imagebind_ft_audio already clip-averaged). heads: {family: [7 heads]}. -> {"image", "audio", "text"} [n,dim]."""
    s = space_spec["space"]
    roles = space_spec["roles"]
    e = {k: v.double() for k, v in emb.items()}
    drvt = roles.get("displacement")
    audio_key = "imagebind_ft_audio" if "imagebind_ft_audio" in e else "imagebind_audio"
    if s in INNER:
        inner = INNER[s]
        image = mix(ensemble([heads[drvt]], [e["imagebind_vision"]]), e["internvl_vision"], inner)
        text = mix(ensemble([heads[drvt]], [e["imagebind_text"]]), e["internvl_text"], inner)
        if roles.get("ftAudioHead"):
            audio = ensemble([heads[roles["ftAudioHead"]]], [e[audio_key]])
        else:
            audio = ensemble([heads[drvt]], [e[audio_key]])
    else:
        image, text, audio = e["imagebind_vision"], e["imagebind_text"], e[audio_key]
    comb = roles.get("combination")
    if comb:
        g, m = heads[comb["general"]], heads[comb["music"]]
        ea = ensemble([g, m], [e["clap_general_audio"], e["clap_music_audio"]])
        et = ensemble([g, m], [e["clap_general_text"], e["clap_music_text"]])
        audio = mix(ea, audio, factors["audio"])
        text = mix(et, text, factors["text"])
    return {"image": image, "audio": audio, "text": text}


def softmax_matrices(v):
    out = {}
    for a, b in (("audio", "image"), ("audio", "text"), ("image", "text")):
        out["%s_x_%s" % (a, b)] = torch.softmax(v[a] @ v[b].T * 10.0, dim=-1).tolist()
    return out


def readme_matrices(space_spec, heads, emb):
    """{"versatile": {...}, "at_expertise": {...}} in the layout of readme_expected_similarities.json."""
    return {p: softmax_matrices(space_embeddings(space_spec, heads, emb, f)) for p, f in PRESETS.items()}
