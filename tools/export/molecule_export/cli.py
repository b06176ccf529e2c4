"""python -m molecule_export SPACE --out DIR [--fp16] [--check]      export (preflight, fetch, build[, check])
python -m molecule_export doctor SPACE [--out DIR] [...]             preflight only: versions, disk, RAM, plan
python -m molecule_export check SPACE --pack DIR [--fp16-pack DIR]  re-run the check on an exported pack
python -m molecule_export publish --pack DIR --repo OWNER/NAME      upload a pack + model card to the hub

SPACE: imagebind, ib-pp, internvl-ib, internvl-ib-pp, internvl-ib-ft, internvl-ib-ft-pp (docs/EXPORT.md)."""
import argparse
import json
import os
import sys

from .signatures import SPACES
from .statics import APP_ROOT


def _source_options(p):
    p.add_argument("space", choices=list(SPACES), help="space class")
    p.add_argument("--cache", default=os.environ.get("MOLECULE_EXPORT_CACHE", "~/.cache/molecule-export"),
                   help="download cache (default ~/.cache/molecule-export, or $MOLECULE_EXPORT_CACHE)")
    p.add_argument("--imagebind-ckpt", help="local imagebind_huge.pth instead of downloading it")
    p.add_argument("--clap-general", help="local CLAP-General fusion checkpoint (overrides --clap-general-source)")
    p.add_argument("--clap-music", help="local CLAP-Music checkpoint")
    p.add_argument("--projectors", help="local folder in FreeBind's checkpoints layout: <Family>/<mode>/best.pt, and "
                                        "optionally the fine-tuned audio and CLAP checkpoints beside them")
    p.add_argument("--ft-audio-ckpt", help="local fine-tuned ImageBind audio checkpoint with head (InternVL_IB_FT spaces)")
    p.add_argument("--internvl", help="local clone of OpenGVLab/InternVL-14B-224px")
    p.add_argument("--projector-repo", help="hub repository of the projectors (default: Viglong/FreeBind, then Viglong/Molecule)")
    p.add_argument("--clap-general-source", choices=["projector-repo", "lukewys"], default="projector-repo",
                   help="CLAP-General (and -Music) from the projector repository when it ships them (default, FreeBind's "
                        "paths.py), or from lukewys/laion_clap (630k-fusion-best.pt, the README link)")
    p.add_argument("--ft-audio-file", choices=["InternVL_IB_audio_with_head.pt", "DrvtFT_audio_with_head.pt"],
                   default="InternVL_IB_audio_with_head.pt", help="fine-tuned audio checkpoint name in the projector repository")
    p.add_argument("--internvl-pad", choices=["zero", "tokenizer"], default="zero",
                   help="InternVL text pad id: 0 (default, InternVL's usage) or the tokenizer's pad token (FreeBind's code)")
    p.add_argument("--app", default=APP_ROOT, help="Molecule Space checkout for --check (default: the one holding this exporter)")


def _check_options(p):
    p.add_argument("--expected", help="expected similarities JSON (default: the repository's verified "
                                      "test/fixtures/reference/readme_expected_similarities.json)")
    p.add_argument("--report", help="where to write the check report (default: <pack>.check.json beside the pack folder)")
    p.add_argument("--compare-alternatives", action="store_true",
                   help="also download the alternative CLAP-General checkpoints and say which reproduces the README")


def _official(a):
    from .official import OfficialSources

    return OfficialSources(a.space, a.cache, clap_general=a.clap_general, clap_music=a.clap_music,
                           imagebind_ckpt=a.imagebind_ckpt, internvl_dir=a.internvl, projector_dir=a.projectors,
                           ft_audio_ckpt=a.ft_audio_ckpt, projector_repo=a.projector_repo,
                           clap_general_source=a.clap_general_source, ft_audio_file=a.ft_audio_file,
                           internvl_pad=a.internvl_pad)


def _check(official, packs, a):
    from .check import print_summary, run_check

    status, report = run_check(official, packs, app_dir=os.path.abspath(a.app), expected_path=a.expected,
                               evaluate_downloads=a.compare_alternatives)
    path = os.path.abspath(a.report) if a.report else packs[0].rstrip("/") + ".check.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"status": status, **report}, f, indent=1)
    print("check report: " + path)
    return print_summary(status, report)


def export_main(argv):
    p = argparse.ArgumentParser(prog="python -m molecule_export",
                                description="Export the official Molecule-Space / FreeBind checkpoints to a Molecule Space model pack.")
    _source_options(p)
    p.add_argument("--out", required=True, help="empty folder for the pack (fp32)")
    p.add_argument("--fp16", action="store_true", help="also write an fp16-weight copy to OUT-fp16 (or --fp16-out)")
    p.add_argument("--fp16-out", help="folder for the fp16 copy")
    p.add_argument("--id", help="pack id (default molecule-<space>)")
    p.add_argument("--check", action="store_true", help="then check the pack: parity with the reference libraries and the README matrices")
    _check_options(p)
    a = p.parse_args(argv)
    import torch

    from . import doctor
    from .build import build_pack, make_fp16_pack

    torch.set_grad_enabled(False)
    spec = SPACES[a.space]
    out = os.path.abspath(a.out)
    if os.path.exists(os.path.join(out, "pack.json")):
        print("%s already holds a pack; choose an empty --out directory" % out, file=sys.stderr)
        return 2
    official = _official(a)
    ok, _ = doctor.run(official, out_dir=out, fp16=a.fp16, check=a.check, app=os.path.abspath(a.app))
    if not ok:
        print("preflight failed: fix the problems above (nothing was downloaded)", file=sys.stderr)
        return 2
    official.print_readings()
    official.fetch()
    pack_id = a.id or "molecule-" + a.space
    build_pack(out, a.space, official.sources(), pack_id=pack_id,
               name="%s (%d-d, official weights, fp32)" % (spec["space"], spec["dim"]), keep_references=False)
    packs = [out]
    if a.fp16:
        fp16_dir = os.path.abspath(a.fp16_out or out + "-fp16")
        make_fp16_pack(out, fp16_dir, pack_id=pack_id + "-fp16",
                       name="%s (%d-d, official weights, fp16 storage)" % (spec["space"], spec["dim"]))
        packs.append(fp16_dir)
    print("pack written: " + ", ".join(packs))
    if not a.check:
        return 0
    return _check(official, packs, a)


def doctor_main(argv):
    p = argparse.ArgumentParser(prog="python -m molecule_export doctor", description="Preflight for an export (downloads nothing).")
    _source_options(p)
    p.add_argument("--out", help="where the pack would go (its free disk is checked)")
    p.add_argument("--fp16", action="store_true")
    p.add_argument("--check", action="store_true", help="also require what --check needs (node, a built checkout)")
    a = p.parse_args(argv)
    from . import doctor

    ok, _ = doctor.run(_official(a), out_dir=os.path.abspath(a.out) if a.out else None, fp16=a.fp16, check=a.check,
                       app=os.path.abspath(a.app))
    return 0 if ok else 1


def check_main(argv):
    p = argparse.ArgumentParser(prog="python -m molecule_export check", description="Check an exported pack.")
    _source_options(p)
    p.add_argument("--pack", required=True, help="the fp32 pack folder")
    p.add_argument("--fp16-pack", help="the fp16 pack folder (gated at cosine 0.999)")
    _check_options(p)
    a = p.parse_args(argv)
    import torch

    torch.set_grad_enabled(False)
    official = _official(a)
    official.fetch()
    with open(os.path.join(a.pack, "pack.json"), encoding="utf-8") as f:
        prov = json.load(f).get("provenance") or {}
    adopted = {r["id"]: r["adopted"] for r in prov.get("readings", [])}
    now = {r["id"]: r["adopted"] for r in official.readings}
    for k, v in adopted.items():
        if k in now and now[k] != v:
            print("warning: the pack adopted %s = %s, these options give %s" % (k, v, now[k]), file=sys.stderr)
    packs = [os.path.abspath(a.pack)] + ([os.path.abspath(a.fp16_pack)] if a.fp16_pack else [])
    return _check(official, packs, a)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    cmd = argv[0] if argv else None
    if cmd == "doctor":
        return doctor_main(argv[1:])
    if cmd == "check":
        return check_main(argv[1:])
    if cmd == "publish":
        from .publish import main as publish_main

        return publish_main(argv[1:])
    return export_main(argv)
