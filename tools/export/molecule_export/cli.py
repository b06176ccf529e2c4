"""python -m molecule_export <space> --out DIR [--fp16] [--check --app DIR] ...

One command per space class: imagebind, ib-pp, internvl-ib, internvl-ib-pp, internvl-ib-ft, internvl-ib-ft-pp."""
import argparse
import json
import os
import sys

from .signatures import SPACES


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m molecule_export",
                                description="Export the official Molecule-Space / FreeBind checkpoints to a Molecule Space model pack.")
    p.add_argument("space", choices=list(SPACES), help="space class to export")
    p.add_argument("--out", required=True, help="empty folder for the pack (fp32)")
    p.add_argument("--fp16", action="store_true", help="also write an fp16-weight copy to OUT-fp16 (or --fp16-out)")
    p.add_argument("--fp16-out", help="folder for the fp16 copy")
    p.add_argument("--cache", default=os.environ.get("MOLECULE_EXPORT_CACHE", "~/.cache/molecule-export"),
                   help="download cache (default ~/.cache/molecule-export)")
    p.add_argument("--id", help="pack id (default molecule-<space>)")
    p.add_argument("--imagebind-ckpt", help="local imagebind_huge.pth instead of downloading it")
    p.add_argument("--clap-general", help="local CLAP-General fusion checkpoint (default: HF lukewys/laion_clap 630k-fusion-best.pt)")
    p.add_argument("--clap-music", help="local CLAP-Music checkpoint (default: HF music_speech_audioset_epoch_15_esc_89.98.pt)")
    p.add_argument("--projectors", help="local folder with <Family>/<mode>/best.pt (default: HF Viglong/Molecule, then Viglong/FreeBind)")
    p.add_argument("--ft-audio-ckpt", help="local fine-tuned ImageBind audio checkpoint with head (InternVL_IB_FT spaces)")
    p.add_argument("--internvl", help="local clone of OpenGVLab/InternVL-14B-224px")
    p.add_argument("--check", action="store_true", help="parity check: ONNX Runtime vs PyTorch on the demo assets, then the app's matrix")
    p.add_argument("--app", help="path of the Molecule Space checkout (for --check: node bin/molecule.js matrix)")
    p.add_argument("--demo", help="demo assets folder (default: <app>/resources/demo)")
    p.add_argument("--expected", help="readme_expected_similarities.json (default: <app>/../shared/reference/fixtures/…)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import torch

    from .build import build_pack, make_fp16_pack
    from .official import OfficialSources

    torch.set_grad_enabled(False)
    spec = SPACES[args.space]
    out = os.path.abspath(args.out)
    official = OfficialSources(args.space, args.cache, clap_general=args.clap_general, clap_music=args.clap_music,
                               imagebind_ckpt=args.imagebind_ckpt, internvl_dir=args.internvl,
                               projector_dir=args.projectors, ft_audio_ckpt=args.ft_audio_ckpt)
    pack_id = args.id or "molecule-" + args.space
    build_pack(out, args.space, official.sources(), pack_id=pack_id,
               name="%s (%d-d, official weights, fp32)" % (spec["space"], spec["dim"]), keep_references=False)
    packs = [out]
    if args.fp16:
        fp16_dir = os.path.abspath(args.fp16_out or out + "-fp16")
        make_fp16_pack(out, fp16_dir, pack_id=pack_id + "-fp16",
                       name="%s (%d-d, official weights, fp16 storage)" % (spec["space"], spec["dim"]))
        packs.append(fp16_dir)
    if not args.check:
        print("pack written: " + ", ".join(packs))
        return 0
    from .check import compare_with_readme, parity

    app = os.path.abspath(args.app or os.getcwd())
    demo = args.demo or os.path.join(app, "resources", "demo")
    expected = args.expected or os.path.join(app, "..", "shared", "reference", "fixtures", "readme_expected_similarities.json")
    ok = True
    for d in packs:
        rep = parity(d, official, demo)
        print(json.dumps({"pack": d, "parity": rep}, indent=1))
        ok &= rep["ok"] or d != out  # fp16 parity is reported, only the fp32 pack must reach cosine 0.9999
    if os.path.isfile(expected):
        mat = compare_with_readme(app, out, demo, expected, spec["space"])
        print(json.dumps({"pack": out, "readme_matrices": mat}, indent=1))
        ok &= mat["ok"]
    else:
        print("no %s: README matrix comparison skipped" % expected)
    print("CHECK " + ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1
