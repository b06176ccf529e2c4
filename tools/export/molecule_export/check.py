"""`--check` (and `python -m molecule_export check`): is the exported pack right?

1. Parity, every encoder: the reference library's own embedding of the demo inputs (preprocessed by the reference
   libraries: imagebind.data, laion_clap's loader, InternVL's processor/tokenizer) against the pack's graph run by
   the app's ONNX Runtime on the same tensors: cosine >= 0.9999 per item (fp16 pack: >= 0.999). ImageBind audio:
   the library averages normalised clip embeddings; the graph is per clip, so the check averages like the app.
2. Parity, every projector family: eval-mode heads vs the folded graph on those embeddings (same gates).
3. The README matrices: `node bin/molecule.js matrix` (the app: its preprocessing, tokenizers, fusion) on the demo
   pairs against the verified readme_expected_similarities.json, +-0.02 per entry (IB_PP, InternVL_IB_FT_PP).
4. Readings: the same matrices computed in PyTorch from the library embeddings under the adopted reading and each
   alternative that can be evaluated, to say which reproduces the published numbers.

Outcome: "passed" (exit 0), "failed" (exit 1: compared and out of tolerance) or "incomplete" (exit 2: something
could not be compared -- missing expected file, node or the app's runtime, a matrix run that failed). Never passes
without comparing."""
import json
import os
import subprocess

import numpy as np
import torch
import torch.nn.functional as F

from . import fusion, statics
from .ort import RuntimeMissing, node_available, run_many
from .projectors import ReferenceFamily

MIN_COS = 0.9999
MIN_COS_FP16 = 0.999
MATRIX_TOL = 0.02
PRESET_KEYS = {"versatile": "versatile", "at-expertise": "at_expertise"}
PROJ_INPUTS = {"IB_PP_G_Proj": ["clap_general_audio", "clap_general_text"], "IB_PP_M_Proj": ["clap_music_audio", "clap_music_text"],
               "InternVL_IB_PP_G_Proj": ["clap_general_audio", "clap_general_text"], "InternVL_IB_PP_M_Proj": ["clap_music_audio", "clap_music_text"],
               "InternVL_IB_FTPP_G_Proj": ["clap_general_audio", "clap_general_text"], "InternVL_IB_FTPP_M_Proj": ["clap_music_audio", "clap_music_text"],
               "InternVL_IB_Proj": ["imagebind_vision", "imagebind_text"], "InternVL_IB_FT_audio_head": ["imagebind_ft_audio"]}


class CannotCompare(Exception):
    pass


def _rows_cos(a, b):
    a = F.normalize(torch.as_tensor(np.asarray(a), dtype=torch.float64).reshape(len(a), -1), dim=-1)
    b = F.normalize(torch.as_tensor(np.asarray(b), dtype=torch.float64).reshape(len(b), -1), dim=-1)
    return (a * b).sum(-1).tolist()


def _clip_average(y):
    y = F.normalize(torch.as_tensor(np.asarray(y)), dim=-1)
    return F.normalize(y.reshape(-1, 3, y.shape[-1]).mean(1), dim=-1)


def imagebind_text_tokens(texts):
    """imagebind.data.load_and_transform_text with the repository's verified BPE file: the library opens
    `BPE_PATH` (relative, 'bpe/...') at call time, so it is pointed at an absolute path for the call."""
    from imagebind import data

    old = data.BPE_PATH
    data.BPE_PATH = statics.clip_bpe()
    try:
        return data.load_and_transform_text(texts, "cpu")
    finally:
        data.BPE_PATH = old


def clap_features(cm, audios):
    """laion_clap's own get_audio_embedding_from_filelist input path (librosa at 48 kHz, int16 round trip,
    get_audio_features), keeping the feature dicts so the graph gets the same tensors."""
    import librosa
    from laion_clap.training.data import float32_to_int16, get_audio_features, int16_to_float32

    dicts = []
    for f in audios:
        np.random.seed(0)  # the library crops > 10 s audio at random; the demo clips are shorter
        w, _ = librosa.load(f, sr=48000)
        w = torch.from_numpy(int16_to_float32(float32_to_int16(w))).float()
        dicts.append(get_audio_features({}, w, 480000, data_truncating="fusion" if cm.enable_fusion else "rand_trunc",
                                        data_filling="repeatpad", audio_cfg=cm.model_cfg["audio_cfg"]))
    return dicts


def clap_refs(cm, eid, audios, texts):
    dicts = clap_features(cm, audios)
    ref = F.normalize(cm.model.get_audio_embedding(dicts), dim=-1)
    if cm.enable_fusion:
        feeds = {"mel_fusion": torch.stack([d["mel_fusion"] for d in dicts]),
                 "longer": torch.tensor([bool(d["longer"]) for d in dicts])}
    else:
        feeds = {"waveform": torch.stack([d["waveform"] for d in dicts])}
    tok = cm.tokenizer(texts)
    tfeeds = {"input_ids": tok["input_ids"], "attention_mask": tok["attention_mask"]}
    tref = F.normalize(cm.model.get_text_embedding(dict(tok)), dim=-1)
    return {eid: (feeds, ref), eid.replace("_audio", "_text"): (tfeeds, tref)}


def internvl_text_refs(vm, src, texts, pad_id):
    from transformers import AutoTokenizer

    tk = AutoTokenizer.from_pretrained(src, use_fast=False, add_eos_token=True)
    if pad_id is not None:
        tk.pad_token_id = pad_id
    ids = tk(["summarize:" + t for t in texts], return_tensors="pt", max_length=80, truncation=True,
             padding="max_length").input_ids
    return {"input_ids": ids}, F.normalize(vm.encode_text(ids), dim=-1)


def demo_inputs(official, demo):
    """{encoder id: (feeds, library embedding [n,d] L2-normalised)} for the encoders of the space."""
    images = [i for i, _, _ in demo]
    audios = [a for _, a, _ in demo]
    texts = [t for _, _, t in demo]
    out = {}
    encs = official.spec["encoders"]
    with torch.no_grad():
        if any(e.startswith("imagebind_") for e in encs):
            from imagebind import data
            from imagebind.models.imagebind_model import ModalityType

            m = official._model("imagebind")
            x = data.load_and_transform_vision_data(images, "cpu")
            out["imagebind_vision"] = ({"image": x}, F.normalize(m({ModalityType.VISION: x})[ModalityType.VISION], dim=-1))
            t = imagebind_text_tokens(texts)
            out["imagebind_text"] = ({"tokens": t}, F.normalize(m({ModalityType.TEXT: t})[ModalityType.TEXT], dim=-1))
            a = data.load_and_transform_audio_data(audios, "cpu")  # [3 files, 3 clips, 1, 128, 204]
            key = "imagebind_ft_audio" if "imagebind_ft_audio" in encs else "imagebind_audio"
            am = official._model("imagebind_ft")[0] if key == "imagebind_ft_audio" else m
            out[key] = ({"clips": a.reshape(-1, 1, 128, 204)}, F.normalize(am({ModalityType.AUDIO: a})[ModalityType.AUDIO], dim=-1))
            official.release("imagebind")
            official.release("imagebind_ft")
        if any(e.startswith("internvl_") for e in encs):
            from PIL import Image
            from transformers import CLIPImageProcessor

            src = official._internvl_dir()
            vm = official._model("internvl")
            px = CLIPImageProcessor.from_pretrained(src)(images=[Image.open(p).convert("RGB") for p in images],
                                                         return_tensors="pt").pixel_values
            out["internvl_vision"] = ({"image": px}, F.normalize(vm.encode_image(px, mode="InternVL-C"), dim=-1))
            out["internvl_text"] = internvl_text_refs(vm, src, texts, official.internvl_pad_id())
        if any(e.startswith("clap_") for e in encs):
            out.update(clap_refs(official._model("clap_general"), "clap_general_audio", audios, texts))
            out.update(clap_refs(official._model("clap_music"), "clap_music_audio", audios, texts))
    return out


def parity(pack_dir, official, refs, app, min_cos=MIN_COS):
    """Graphs of the pack (app's ONNX Runtime) vs the library embeddings; projector graphs vs eval-mode heads."""
    with open(os.path.join(pack_dir, "pack.json")) as f:
        m = json.load(f)
    report, ok = {"encoders": {}, "projectors": {}, "gate": min_cos}, True
    jobs, names = [], []
    for eid, entry in m["encoders"].items():
        if eid not in refs:
            raise CannotCompare("no library reference for encoder %s" % eid)
        jobs.append((os.path.join(pack_dir, entry["file"]), refs[eid][0]))
        names.append(("enc", eid))
    heads = {}
    for fam, entry in m["projectors"].items():
        x = torch.cat([refs[e][1] for e in PROJ_INPUTS[fam] if e in refs]).float()
        heads[fam] = official.projector_heads(fam)
        jobs.append((os.path.join(pack_dir, entry["file"]), {"x": x}))
        names.append(("proj", fam))
    try:
        outs = run_many(jobs, app=app, prefer="node")
    except RuntimeMissing as e:
        raise CannotCompare(str(e))
    for (kind, name), (graph, feeds), y in zip(names, jobs, outs):
        if kind == "enc":
            if name in ("imagebind_audio", "imagebind_ft_audio"):
                y = _clip_average(y).numpy()
            cos = _rows_cos(y, refs[name][1])
            report["encoders"][name] = {"min_cos": min(cos), "cos": cos}
        else:
            with torch.no_grad():
                want = ReferenceFamily(heads[name]).eval()(feeds["x"])
            cos = _rows_cos(y.reshape(-1, y.shape[-1]), want.reshape(-1, want.shape[-1]).numpy())
            report["projectors"][name] = {"min_cos": min(cos)}
        ok &= min(cos) >= min_cos
    report["ok"] = bool(ok)
    return report


def app_matrix(app_dir, pack_dir, demo, preset):
    cmd = ["node", os.path.join(app_dir, "bin", "molecule.js"), "matrix", "--pack", pack_dir, "--preset", preset, "--json", "--cpu",
           "--images", *[i for i, _, _ in demo], "--audios", *[a for _, a, _ in demo], "--texts", *[t for _, _, t in demo]]
    try:
        r = subprocess.run(cmd, cwd=app_dir, capture_output=True, text=True)
    except OSError as e:
        raise CannotCompare("cannot run %s: %s" % (cmd[0], e))
    if r.returncode != 0:
        raise CannotCompare("molecule matrix failed (%d): %s" % (r.returncode, (r.stderr or r.stdout)[-2000:]))
    return json.loads(r.stdout)


def load_expected(expected_path, space):
    """(matrices for the space or None when the README publishes none, description of the file)."""
    if expected_path is None:
        try:
            path, what = statics.readme_expected(), "verified repository copy"
        except statics.StaticFileError as e:
            raise CannotCompare(str(e))
    else:
        path, what = os.path.abspath(expected_path), "user-supplied --expected file"
        if not os.path.isfile(path):
            raise CannotCompare("--expected %s does not exist" % path)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data.get("spaces", {}).get(space), "%s (%s, sha256 %s)" % (path, what, statics.sha256_of(path))


def _max_err(got, exp):
    return float(np.max(np.abs(np.asarray(got, dtype=np.float64) - np.asarray(exp, dtype=np.float64))))


def compare_matrices(got_by_preset, expected):
    """{"<preset> <a>_x_<b>": {"max_abs_err", "got", "expected"}, ..., "max_abs_err", "ok"}."""
    out, worst = {}, 0.0
    for pk, mats in got_by_preset.items():
        for name, g in mats.items():
            err = _max_err(g, expected[pk][name])
            out["%s %s" % (pk, name)] = {"max_abs_err": err, "got": np.round(np.asarray(g), 4).tolist(), "expected": expected[pk][name]}
            worst = max(worst, err)
    out["max_abs_err"] = worst
    out["ok"] = worst <= MATRIX_TOL
    return out


def compare_app_with_readme(app_dir, pack_dir, demo, expected):
    got = {}
    for preset, pk in PRESET_KEYS.items():
        res = app_matrix(app_dir, pack_dir, demo, preset)
        got[pk] = {}
        for name in ("audio_x_image", "audio_x_text", "image_x_text"):
            v = res.get(name)
            v = v.get("softmax") if isinstance(v, dict) else v
            if not isinstance(v, list):
                raise CannotCompare("molecule matrix --json printed no %s softmax matrix" % name)
            got[pk][name] = v
    return compare_matrices(got, expected)


def reading_variants(official, refs, demo, evaluate_downloads):
    """[(label, refs override)] for the adopted reading and each alternative that can be evaluated."""
    variants = [("adopted", {})]
    texts = [t for _, _, t in demo]
    audios = [a for _, a, _ in demo]
    for r in official.readings:
        if r["id"] == "internvl_text_pad_id" and "internvl_text" in refs:
            alt_pad = None if official.internvl_pad == "zero" else 0
            try:
                vm = official._model("internvl")
                with torch.no_grad():
                    alt = internvl_text_refs(vm, official._internvl_dir(), texts, alt_pad)
                variants.append(("internvl_text_pad_id = %s" % r["alternatives"][0], {"internvl_text": alt}))
            except Exception as e:  # noqa: BLE001 - report, the adopted reading is still compared
                variants.append(("internvl_text_pad_id = %s" % r["alternatives"][0], {"error": str(e)}))
        if r["id"] == "clap_general_checkpoint" and evaluate_downloads:
            for alt in r["alternatives"]:
                try:
                    path = official.fetch_alternative("clap_general", alt)
                    from .encoders import clap as clap_mod

                    cm = clap_mod.load_clap(path, fusion=True)
                    with torch.no_grad():
                        variants.append(("clap_general_checkpoint = %s" % alt, clap_refs(cm, "clap_general_audio", audios, texts)))
                except Exception as e:  # noqa: BLE001
                    variants.append(("clap_general_checkpoint = %s" % alt, {"error": str(e)}))
    return variants


def run_check(official, packs, app_dir=statics.APP_ROOT, expected_path=None, evaluate_downloads=False):
    """packs: [fp32 dir, optional fp16 dir]. Returns (status, report); status in passed / failed / incomplete."""
    report = {"space": official.spec["space"], "packs": {}, "readme": None, "readings": None, "problems": []}
    status = "passed"

    def fail(kind, msg):
        nonlocal status
        report["problems"].append(msg)
        if kind == "incomplete" or status == "passed":
            status = kind

    ok, detail = node_available(app_dir)
    if not ok:
        fail("incomplete", "cannot run the app's ONNX Runtime: %s" % detail)
        return status, report
    if not os.path.isfile(os.path.join(app_dir, "bin", "molecule.js")) or not os.path.isdir(os.path.join(app_dir, "out")):
        fail("incomplete", "%s is not a built Molecule Space checkout (npm ci && npm run build:app)" % app_dir)
        return status, report
    try:
        demo = statics.demo_files()
    except statics.StaticFileError as e:
        fail("incomplete", str(e))
        return status, report
    refs = demo_inputs(official, demo)
    for i, d in enumerate(packs):
        gate = MIN_COS if i == 0 else MIN_COS_FP16
        try:
            rep = parity(d, official, refs, app_dir, gate)
        except CannotCompare as e:
            fail("incomplete", "%s: parity not compared: %s" % (d, e))
            continue
        report["packs"][d] = rep
        if not rep["ok"]:
            fail("failed", "%s: parity below cosine %g" % (d, gate))
    try:
        expected, where = load_expected(expected_path, official.spec["space"])
    except CannotCompare as e:
        fail("incomplete", "README matrices not compared: %s" % e)
        return status, report
    if expected is None:
        report["readme"] = {"status": "the FreeBind README publishes no matrices for %s; parity is the check" % official.spec["space"],
                            "expected_file": where}
    else:
        try:
            cmp_app = compare_app_with_readme(app_dir, packs[0], demo, expected)
            report["readme"] = {"status": "compared", "expected_file": where, "tolerance": MATRIX_TOL, "app": cmp_app}
            if not cmp_app["ok"]:
                fail("failed", "the app's matrices on %s differ from the README by %.4f (> %g)" % (packs[0], cmp_app["max_abs_err"], MATRIX_TOL))
        except CannotCompare as e:
            fail("incomplete", "README matrices not compared: %s" % e)
        heads = {fam: official.projector_heads(fam) for fam in official.spec["projectors"]}
        readings = {}
        for label, override in reading_variants(official, refs, demo, evaluate_downloads):
            if "error" in override:
                readings[label] = {"error": override["error"]}
                continue
            emb = {k: v[1] for k, v in {**refs, **override}.items()}
            for k in ("imagebind_audio", "imagebind_ft_audio"):
                if k in emb and emb[k].shape[0] != len(demo):
                    emb[k] = _clip_average(emb[k])
            res = compare_matrices(fusion.readme_matrices(official.spec, heads, emb), expected)
            readings[label] = {"max_abs_err": res["max_abs_err"], "reproduces": res["ok"],
                               "matrices": {k: v["got"] for k, v in res.items() if isinstance(v, dict)}}
        report["readings"] = readings
        repro = [k for k, v in readings.items() if v.get("reproduces")]
        report["readings_verdict"] = ("reproduces the README: " + ", ".join(repro)) if repro else \
            "no evaluated reading reproduces the README within %g" % MATRIX_TOL
    return status, report


def print_summary(status, report):
    for d, rep in report["packs"].items():
        worst = min([v["min_cos"] for v in rep["encoders"].values()] + [v["min_cos"] for v in rep["projectors"].values()] or [1.0])
        print("parity %s: worst cosine %.7f (gate %g) %s" % (d, worst, rep["gate"], "ok" if rep["ok"] else "BELOW GATE"))
    rd = report.get("readme") or {}
    if rd.get("status") == "compared":
        print("README matrices (app on the pack): max |diff| %.4f (tolerance %g) %s" % (rd["app"]["max_abs_err"], rd["tolerance"], "ok" if rd["app"]["ok"] else "DIFFERENT"))
    elif rd:
        print("README matrices: %s" % rd["status"])
    for label, v in (report.get("readings") or {}).items():
        print("  reading %-60s %s" % (label, "error: " + v["error"] if "error" in v else "max |diff| %.4f%s" % (v["max_abs_err"], " (reproduces)" if v["reproduces"] else "")))
    if report.get("readings_verdict"):
        print("  -> " + report["readings_verdict"])
    for p in report["problems"]:
        print("problem: " + p)
    print({"passed": "CHECK PASSED", "failed": "CHECK FAILED", "incomplete": "CHECK FAILED: could not compare (incomplete)"}[status])
    return {"passed": 0, "failed": 1, "incomplete": 2}[status]
