"""`--check`: parity of an exported pack with PyTorch on the demo assets, then the app's own `molecule matrix`
against the README's expected similarities.

1. For every encoder: the reference library's own embedding of the demo inputs (preprocessed by the reference
   libraries: imagebind.data, laion_clap's loader, InternVL's processor/tokenizer) vs ONNX Runtime on the same
   input tensors -> cosine >= 0.9999 per item. (ImageBind audio: the library averages normalised clip
   embeddings; the ONNX graph is per clip, so the check averages the same way the app does.)
2. For every projector family: the un-folded eval-mode heads vs the folded ONNX graph on those embeddings.
3. `node bin/molecule.js matrix` (the app: its own preprocessing, tokenizers and fusion) on the demo assets,
   compared with readme_expected_similarities.json within +-0.02 per entry (IB_PP and InternVL_IB_FT_PP).

Needs onnxruntime (pip) and the official models; not runnable offline."""
import json
import os
import subprocess

import numpy as np
import torch
import torch.nn.functional as F

from .projectors import ReferenceFamily

DEMO = [("BBQ", "an audio of barbeque"), ("toilet", "an audio of toilet"), ("train", "an audio of train")]
MIN_COS = 0.9999
MATRIX_TOL = 0.02


def _ort_run(path, feeds):
    import onnxruntime as ort

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, {k: (v.numpy() if isinstance(v, torch.Tensor) else v) for k, v in feeds.items()})[0]


def _rows_cos(a, b):
    a = F.normalize(torch.as_tensor(np.asarray(a), dtype=torch.float64).reshape(len(a), -1), dim=-1)
    b = F.normalize(torch.as_tensor(np.asarray(b), dtype=torch.float64).reshape(len(b), -1), dim=-1)
    return (a * b).sum(-1).tolist()


def demo_inputs(official, demo_dir):
    """{encoder id: (feeds dict, library embedding [n,d] normalised)} for the encoders of the space."""
    images = [os.path.join(demo_dir, n + ".jpeg") for n, _ in DEMO]
    audios = [os.path.join(demo_dir, n + ".wav") for n, _ in DEMO]
    texts = [t for _, t in DEMO]
    out = {}
    encs = official.spec["encoders"]
    with torch.no_grad():
        if any(e.startswith("imagebind_") for e in encs):
            from imagebind import data
            from imagebind.models.imagebind_model import ModalityType

            m = official._model("imagebind")
            x = data.load_and_transform_vision_data(images, "cpu")
            out["imagebind_vision"] = ({"image": x}, F.normalize(m({ModalityType.VISION: x})[ModalityType.VISION]))
            t = data.load_and_transform_text(texts, "cpu")
            out["imagebind_text"] = ({"tokens": t}, F.normalize(m({ModalityType.TEXT: t})[ModalityType.TEXT]))
            a = data.load_and_transform_audio_data(audios, "cpu")  # [3 files, 3 clips, 1, 128, 204]
            key = "imagebind_ft_audio" if "imagebind_ft_audio" in encs else "imagebind_audio"
            am = official._model("imagebind_ft")[0] if key == "imagebind_ft_audio" else m
            out[key] = ({"clips": a.reshape(-1, 1, 128, 204)}, F.normalize(am({ModalityType.AUDIO: a})[ModalityType.AUDIO]))
        if any(e.startswith("clap_") for e in encs):
            import librosa
            from laion_clap.training.data import float32_to_int16, get_audio_features, int16_to_float32

            for which, eid in (("clap_general", "clap_general_audio"), ("clap_music", "clap_music_audio")):
                cm = official._model(which)
                dicts = []
                for f in audios:
                    np.random.seed(0)
                    w, _ = librosa.load(f, sr=48000)
                    w = torch.from_numpy(int16_to_float32(float32_to_int16(w))).float()
                    dicts.append(get_audio_features({}, w, 480000, data_truncating="fusion" if cm.enable_fusion else "rand_trunc",
                                                    data_filling="repeatpad", audio_cfg=cm.model_cfg["audio_cfg"]))
                ref = cm.model.get_audio_embedding(dicts)
                if cm.enable_fusion:
                    feeds = {"mel_fusion": torch.stack([d["mel_fusion"] for d in dicts]),
                             "longer": torch.tensor([bool(d["longer"]) for d in dicts])}
                else:
                    feeds = {"waveform": torch.stack([d["waveform"] for d in dicts])}
                out[eid] = (feeds, ref)
                tok = cm.tokenizer(texts)
                tid = eid.replace("_audio", "_text")
                out[tid] = ({"input_ids": tok["input_ids"], "attention_mask": tok["attention_mask"]},
                            cm.model.get_text_embedding({k: v for k, v in tok.items()}))
        if any(e.startswith("internvl_") for e in encs):
            from PIL import Image
            from transformers import AutoTokenizer, CLIPImageProcessor

            src = official.paths["internvl"] or "OpenGVLab/InternVL-14B-224px"
            vm = official._model("internvl")
            px = CLIPImageProcessor.from_pretrained(src)(images=[Image.open(p).convert("RGB") for p in images],
                                                         return_tensors="pt").pixel_values
            out["internvl_vision"] = ({"image": px}, F.normalize(vm.encode_image(px, mode="InternVL-C")))
            tk = AutoTokenizer.from_pretrained(src, use_fast=False, add_eos_token=True)
            tk.pad_token_id = 0
            ids = tk(["summarize:" + t for t in texts], return_tensors="pt", max_length=80, truncation=True,
                     padding="max_length").input_ids
            out["internvl_text"] = ({"input_ids": ids}, F.normalize(vm.encode_text(ids)))
    return out


def parity(pack_dir, official, demo_dir):
    with open(os.path.join(pack_dir, "pack.json")) as f:
        m = json.load(f)
    report, ok = {"encoders": {}, "projectors": {}}, True
    refs = demo_inputs(official, demo_dir)
    for eid, entry in m["encoders"].items():
        feeds, ref = refs[eid]
        y = _ort_run(os.path.join(pack_dir, entry["file"]), feeds)
        if eid in ("imagebind_audio", "imagebind_ft_audio"):  # per clip -> normalise, average 3 clips, normalise (§3.6)
            y = F.normalize(F.normalize(torch.from_numpy(y), dim=-1).reshape(-1, 3, y.shape[-1]).mean(1), dim=-1).numpy()
        cos = _rows_cos(y, ref)
        report["encoders"][eid] = {"min_cos": min(cos), "cos": cos}
        ok &= min(cos) >= MIN_COS
    proj_inputs = {"IB_PP_G_Proj": ["clap_general_audio", "clap_general_text"], "IB_PP_M_Proj": ["clap_music_audio", "clap_music_text"],
                   "InternVL_IB_PP_G_Proj": ["clap_general_audio", "clap_general_text"], "InternVL_IB_PP_M_Proj": ["clap_music_audio", "clap_music_text"],
                   "InternVL_IB_FTPP_G_Proj": ["clap_general_audio", "clap_general_text"], "InternVL_IB_FTPP_M_Proj": ["clap_music_audio", "clap_music_text"],
                   "InternVL_IB_Proj": ["imagebind_vision", "imagebind_text"], "InternVL_IB_FT_audio_head": ["imagebind_ft_audio"]}
    for fam, entry in m["projectors"].items():
        x = torch.cat([refs[e][1] for e in proj_inputs[fam] if e in refs]).float()
        with torch.no_grad():
            want = ReferenceFamily(official.projector_heads(fam)).eval()(x)
        y = _ort_run(os.path.join(pack_dir, entry["file"]), {"x": x})
        cos = _rows_cos(y.reshape(-1, y.shape[-1]), want.reshape(-1, want.shape[-1]).numpy())
        report["projectors"][fam] = {"min_cos": min(cos)}
        ok &= min(cos) >= MIN_COS
    report["ok"] = bool(ok)
    return report


def _find_matrix(obj, first, second):
    """The softmax matrix for `<first> x <second>` in the CLI's JSON, whatever the exact key spelling."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            kl = k.lower().replace("-", "_")
            if kl.find(first) >= 0 and kl.find(second) > kl.find(first):
                if isinstance(v, dict):
                    v = v.get("softmax", v.get("probabilities", v))
                if isinstance(v, list):
                    return v
        for v in obj.values():
            r = _find_matrix(v, first, second)
            if r is not None:
                return r
    return None


def app_matrix(app_dir, pack_dir, demo_dir, preset):
    images = [os.path.join(demo_dir, n + ".jpeg") for n, _ in DEMO]
    audios = [os.path.join(demo_dir, n + ".wav") for n, _ in DEMO]
    cmd = ["node", os.path.join(app_dir, "bin", "molecule.js"), "matrix", "--pack", pack_dir, "--preset", preset, "--json",
           "--images", *images, "--audios", *audios, "--texts", *[t for _, t in DEMO]]
    r = subprocess.run(cmd, cwd=app_dir, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("molecule matrix failed (%d): %s" % (r.returncode, (r.stderr or r.stdout)[-2000:]))
    return json.loads(r.stdout)


def compare_with_readme(app_dir, pack_dir, demo_dir, expected_path, space):
    with open(expected_path) as f:
        expected = json.load(f)["spaces"].get(space)
    if expected is None:
        return {"skipped": "README gives no expected matrices for %s" % space, "ok": True}
    out, ok = {}, True
    for preset in ("versatile", "at-expertise"):
        exp = expected["versatile" if preset == "versatile" else next(k for k in expected if k != "versatile")]
        got = app_matrix(app_dir, pack_dir, demo_dir, preset)
        for a, b in (("audio", "image"), ("audio", "text"), ("image", "text")):
            g = _find_matrix(got, a, b)
            e = exp["%s_x_%s" % (a, b)]
            if g is None:
                raise RuntimeError("molecule matrix --json printed no %s x %s matrix" % (a, b))
            err = float(np.max(np.abs(np.asarray(g, dtype=np.float64) - np.asarray(e, dtype=np.float64))))
            out["%s %s_x_%s" % (preset, a, b)] = {"max_abs_err": err, "got": g, "expected": e}
            ok &= err <= MATRIX_TOL
    out["ok"] = bool(ok)
    return out
