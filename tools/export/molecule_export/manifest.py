"""pack.json writer. Field for field the layout of models/test-packs/generate.py (the pack format's reference
generator, validated by src-main/pack/), with `test: false` and the real licences/sources."""
import hashlib
import json
import os

from .signatures import ENCODER_SPECS, MODES, PRESETS

FORMAT = "molecule-pack"
FORMAT_VERSION = 1


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def encoder_entry(encoder_id, file):
    inputs, (oname, oshape), prep, _ = ENCODER_SPECS[encoder_id]
    return {"file": file, "preprocessing": prep,
            "inputs": [{"name": n, "dtype": dt, "shape": list(sh)} for n, dt, sh in inputs],
            "outputs": [{"name": oname, "dtype": "float32", "shape": list(oshape)}]}


def projector_entry(file, d_in, d_out):
    return {"file": file, "inDim": d_in, "outDim": d_out, "heads": list(MODES),
            "input": {"name": "x", "dtype": "float32", "shape": ["B", d_in]},
            "output": {"name": "heads", "dtype": "float32", "shape": ["B", 7, d_out]}}


def build_manifest(pack_dir, *, pack_id, name, space, dim, encoders, projectors, roles, tokenizers, licence, source,
                   extra_files=(), test=False, provenance=None):
    """Compute every sha256 and return the manifest dict (paths in the entries are relative to pack_dir).

    encoders: {id: file}; projectors: {family: (file, in, out)}; tokenizers: {key: {"file", ["config"]}};
    extra_files: further files that ship with the pack (e.g. `<graph>.onnx.data` external weights)."""

    def with_sha(entry):
        entry = dict(entry)
        p = os.path.join(pack_dir, entry["file"])
        if not os.path.isfile(p):
            raise FileNotFoundError("pack file missing: %s" % p)
        entry["sha256"] = sha256_file(p)
        if "config" in entry:
            entry["configSha256"] = sha256_file(os.path.join(pack_dir, entry["config"]))
        return entry

    raw_dims = {eid: ENCODER_SPECS[eid][1][1][1] for eid in encoders}
    manifest = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "id": pack_id,
        "name": name,
        "test": bool(test),
        "space": space,
        "dim": dim,
        "encoders": {eid: with_sha(encoder_entry(eid, f)) for eid, f in encoders.items()},
        "projectors": {fam: with_sha(projector_entry(f, i, o)) for fam, (f, i, o) in projectors.items()},
        "roles": roles,
        "tokenizers": {k: with_sha(v) for k, v in tokenizers.items()},
        "presets": PRESETS,
        "factorRange": {"min": 0, "max": 1},
        "rawDims": raw_dims,
        "licence": licence,
        "source": source,
    }
    extra = [with_sha({"file": f}) for f in extra_files]
    if extra:
        manifest["extraFiles"] = extra
    if provenance is not None:
        manifest["provenance"] = provenance
    return manifest


def write_manifest(pack_dir, manifest):
    path = os.path.join(pack_dir, "pack.json")
    write_json(path, manifest)
    return path
