"""Assemble a pack: encoders -> ONNX, projector families -> folded ONNX, tokenizers, pack.json (+ fp16 variant).

The real commands (cli.py) and the tests (tests/) both go through `build_pack`; only the `sources` differ
(official checkpoints vs tiny stand-in modules with the same signatures)."""
import os
import shutil
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import torch

from . import manifest as mf
from .onnx_io import convert_file_fp16, export_module
from .projectors import FoldedFamily, ReferenceFamily
from .signatures import ENCODER_SPECS, SPACES
from .tokenizers import write_clip_bpe, write_internvl, write_roberta


@dataclass
class PackSources:
    """Where a pack's contents come from. `encoder(eid)` returns (module, example args) for the export;
    `projector_heads(family)` returns the 7 eval-mode heads (MODES order)."""
    encoder: Callable[[str], Tuple[torch.nn.Module, tuple]]
    projector_heads: Callable[[str], List[torch.nn.Module]]
    clip_bpe: str
    roberta: Optional[Tuple[str, str]] = None  # (vocab.json, merges.txt)
    internvl_sp_model: Optional[str] = None
    clip_bpe_sha256: Optional[str] = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"
    licence: str = ""
    source: str = ""
    provenance: Optional[dict] = None  # pack.json `provenance`: checkpoints and adopted readings (official.py)
    internvl_pad_id: int = 0


@dataclass
class BuiltPack:
    dir: str
    manifest: dict
    files: List[str] = field(default_factory=list)
    # PyTorch references computed during the build, for parity checks: name -> (args, output)
    references: Dict[str, Tuple[tuple, torch.Tensor]] = field(default_factory=dict)


def _log(msg):
    print("[molecule-export] " + msg, flush=True)


def other_batches(args):
    """The example batch re-cut to sizes the graph was NOT traced with: 1 and len+1 (catches batch sizes frozen
    into the graph, e.g. by int(tensor.shape[0] / ...) in model code)."""
    one = tuple(a[:1] for a in args)
    more = tuple(torch.cat([a, a[:1]]) for a in args)
    return [one, more]


def self_check_case(path, input_names, module, args):
    """PyTorch outputs at batch sizes other than the traced one, to be compared with ONNX Runtime by ort_self_check."""
    batches = other_batches(args)
    with torch.no_grad():
        wants = [module(*b).double().reshape(b[0].shape[0], -1) for b in batches]
    return (path, list(input_names), batches, wants)


def ort_self_check(cases, min_cos=0.9999):
    """Run every written graph in ONNX Runtime (Python's, else the app's onnxruntime-node, one process for all) at
    the batch sizes of `cases` and compare with PyTorch; raises below min_cos. Returns {path: worst cosine}, or None
    when no runtime is available."""
    from .ort import RuntimeMissing, run_many

    jobs = [(path, dict(zip(names, b))) for path, names, batches, _ in cases for b in batches]
    try:
        outs = iter(run_many(jobs))
    except RuntimeMissing as e:
        _log("WARNING: batch-size self-check not run: %s" % e)
        return None
    worst = {}
    for path, _, batches, wants in cases:
        for b, want in zip(batches, wants):
            got = torch.from_numpy(next(outs)).double().reshape(want.shape)
            cos = torch.nn.functional.cosine_similarity(got, want, dim=-1).min().item()
            worst[path] = min(worst.get(path, 1.0), cos)
            if cos < min_cos:
                raise ValueError("%s: ONNX Runtime differs from PyTorch at batch %d (cosine %.6f < %g)" % (path, b[0].shape[0], cos, min_cos))
    return worst


def build_pack(out_dir, space_key, sources, *, pack_id=None, name=None, test=False, keep_references=True, inline_limit=None):
    """inline_limit: initializer bytes above which a graph's weights go to `<graph>.onnx.data` (default ~1.8 GB)."""
    if space_key not in SPACES:
        raise ValueError("unknown space %r (one of %s)" % (space_key, ", ".join(SPACES)))
    spec = SPACES[space_key]
    if os.path.exists(os.path.join(out_dir, "pack.json")):
        raise FileExistsError("%s already holds a pack; choose an empty --out directory" % out_dir)
    os.makedirs(out_dir, exist_ok=True)
    built = BuiltPack(dir=out_dir, manifest={})
    extra = []
    encoders = {}
    checks = []
    for eid in spec["encoders"]:
        inputs, (oname, _), _, batch = ENCODER_SPECS[eid]
        _log("exporting encoder %s" % eid)
        module, args = sources.encoder(eid)
        module.eval()
        with torch.no_grad():
            ref = module(*args)
        want = ENCODER_SPECS[eid][1][1][1]
        if ref.dim() != 2 or ref.shape[1] != want or ref.shape[0] != args[0].shape[0]:
            raise ValueError("encoder %s returned shape %s; the pack signature needs [%s,%d]" % (eid, tuple(ref.shape), batch, want))
        if not torch.isfinite(ref).all():
            raise ValueError("encoder %s produced non-finite values on its example input" % eid)
        files = export_module(module, os.path.join(out_dir, eid + ".onnx"), args, [n for n, _, _ in inputs], oname, batch,
                              output_shape=ENCODER_SPECS[eid][1][1], inline_limit=inline_limit)
        encoders[eid] = eid + ".onnx"
        extra += [os.path.basename(f) for f in files[1:]]
        checks.append(self_check_case(files[0], [n for n, _, _ in inputs], module, args))
        if keep_references:
            batch = other_batches(args)[1]  # not the traced batch size
            with torch.no_grad():
                built.references[eid] = (batch, module(*batch))
        del module
    projectors = {}
    for fam, (d_in, d_out) in spec["projectors"].items():
        _log("folding and exporting projector family %s (%d -> 7x%d)" % (fam, d_in, d_out))
        heads = sources.projector_heads(fam)
        folded = FoldedFamily(heads).eval()
        ref_family = ReferenceFamily(heads).eval()
        x = torch.nn.functional.normalize(torch.randn(3, d_in, generator=torch.Generator().manual_seed(7)), dim=-1)
        with torch.no_grad():
            want, got = ref_family(x), folded(x)
        err = (want - got).abs().max().item()
        if err > 1e-4:
            raise ValueError("%s: BN folding changed the outputs by %.3g (> 1e-4)" % (fam, err))
        export_module(folded, os.path.join(out_dir, fam + ".onnx"), (x[:2],), ["x"], "heads", "B", output_shape=["B", 7, d_out])
        checks.append(self_check_case(os.path.join(out_dir, fam + ".onnx"), ["x"], ref_family, (x[:2],)))
        projectors[fam] = (fam + ".onnx", d_in, d_out)
        if keep_references:
            built.references[fam] = ((x,), want)  # batch 3, traced with 2
    _log("ONNX Runtime vs PyTorch at batch sizes the graphs were not traced with (1 and n+1)")
    worst = ort_self_check(checks)
    for path, cos in (worst or {}).items():
        _log("  %s: min cosine %.7f" % (os.path.basename(path), cos))
    tokenizers = {"clip_bpe": write_clip_bpe(sources.clip_bpe, out_dir, sources.clip_bpe_sha256)}
    if any(e.startswith("clap_") for e in spec["encoders"]):
        if not sources.roberta:
            raise ValueError("space %s needs the RoBERTa vocab.json/merges.txt" % space_key)
        tokenizers["roberta"] = write_roberta(sources.roberta[0], sources.roberta[1], out_dir)
    if any(e.startswith("internvl_") for e in spec["encoders"]):
        if not sources.internvl_sp_model:
            raise ValueError("space %s needs InternVL's SentencePiece tokenizer.model" % space_key)
        tokenizers["internvl"] = write_internvl(sources.internvl_sp_model, out_dir, pad_id=sources.internvl_pad_id)
    manifest = mf.build_manifest(
        out_dir, pack_id=pack_id or space_key, name=name or "%s (%d-d)" % (spec["space"], spec["dim"]),
        space=spec["space"], dim=spec["dim"], encoders=encoders, projectors=projectors, roles=spec["roles"],
        tokenizers=tokenizers, licence=sources.licence, source=sources.source, extra_files=extra, test=test,
        provenance=sources.provenance)
    mf.write_manifest(out_dir, manifest)
    built.manifest = manifest
    _log("wrote %s" % os.path.join(out_dir, "pack.json"))
    return built


def make_fp16_pack(src_dir, dst_dir, pack_id=None, name=None, inline_limit=None):
    """Copy a built fp32 pack to dst_dir with every ONNX graph's weights stored as fp16; rewrites pack.json."""
    import json

    with open(os.path.join(src_dir, "pack.json"), encoding="utf-8") as f:
        m = json.load(f)
    if os.path.exists(os.path.join(dst_dir, "pack.json")):
        raise FileExistsError("%s already holds a pack" % dst_dir)
    os.makedirs(dst_dir, exist_ok=True)
    extra = []
    graphs = [e["file"] for e in m["encoders"].values()] + [p["file"] for p in m["projectors"].values()]
    for g in graphs:
        _log("fp16: %s" % g)
        files = convert_file_fp16(os.path.join(src_dir, g), os.path.join(dst_dir, g), inline_limit)
        extra += [os.path.relpath(f, dst_dir) for f in files[1:]]
    for key, t in m["tokenizers"].items():
        for k in ("file", "config"):
            if k in t:
                os.makedirs(os.path.dirname(os.path.join(dst_dir, t[k])), exist_ok=True)
                shutil.copyfile(os.path.join(src_dir, t[k]), os.path.join(dst_dir, t[k]))
    enc = {eid: e["file"] for eid, e in m["encoders"].items()}
    proj = {fam: (p["file"], p["inDim"], p["outDim"]) for fam, p in m["projectors"].items()}
    tok = {k: {kk: vv for kk, vv in v.items() if kk in ("file", "config")} for k, v in m["tokenizers"].items()}
    out = mf.build_manifest(dst_dir, pack_id=pack_id or m["id"] + "-fp16", name=name or m["name"] + " [fp16 weights]",
                            space=m["space"], dim=m["dim"], encoders=enc, projectors=proj, roles=m["roles"],
                            tokenizers=tok, licence=m["licence"], source=m["source"] + "; weights stored as float16",
                            extra_files=extra, test=m["test"], provenance=_fp16_provenance(m.get("provenance"), m["id"]))
    mf.write_manifest(dst_dir, out)
    return out


def _fp16_provenance(prov, fp32_id):
    if prov is None:
        return None
    out = dict(prov)
    out["derivedFrom"] = "%s: every float32 weight tensor stored as float16 (followed by a Cast to float32)" % fp32_id
    return out
