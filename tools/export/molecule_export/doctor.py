"""Preflight: `python -m molecule_export doctor SPACE`, and automatically before any download.

Reports, before a byte of weights is fetched: Python and package versions against the pins of requirements.txt
(and the ImageBind commit), free disk and RAM against what the space needs, every static file resolvable and
verified, the hub reachable, `node` + the built app for --check, and the plan: which repository, commit, file,
size and sha256 each checkpoint will come from, and the readings adopted where upstream is ambiguous."""
import importlib
import os
import platform
import shutil
import sys

from . import hub, statics
from .official import OfficialSources, PlanError
from .ort import node_available

IMAGEBIND_COMMIT = "a4eb56f41eacf50f5f83b6f820ab1605f035e494"
REQUIREMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "requirements.txt")
GB = 1e9

# distribution name -> import name, and when it is needed: "all" (the exporter imports it), "clap" / "internvl"
# (spaces with those experts), "dep" (imported by ImageBind / laion_clap themselves: their own import is checked,
# the version is compared with the pin), "optional".
PACKAGES = [
    ("torch", "torch", "all"), ("torchvision", "torchvision", "all"), ("torchaudio", "torchaudio", "all"),
    ("numpy", "numpy", "all"), ("onnx", "onnx", "all"), ("Pillow", "PIL", "all"),
    ("laion-clap", "laion_clap", "clap"), ("librosa", "librosa", "clap"),
    ("transformers", "transformers", "internvl"), ("sentencepiece", "sentencepiece", "internvl"),
    ("timm", "timm", "dep"), ("ftfy", "ftfy", "dep"), ("regex", "regex", "dep"), ("iopath", "iopath", "dep"),
    ("einops", "einops", "dep"), ("pytorchvideo", "pytorchvideo", "dep"), ("torchlibrosa", "torchlibrosa", "dep"),
    ("onnxruntime", "onnxruntime", "optional"),
]


def pins():
    out = {}
    try:
        with open(REQUIREMENTS, encoding="utf-8") as f:
            for line in f:
                line = line.split("#")[0].strip()
                if "==" in line:
                    n, v = line.split("==", 1)
                    out[n.strip().lower()] = v.strip()
    except OSError:
        pass
    return out


def _dist_version(name):
    try:
        from importlib import metadata
        return metadata.version(name)
    except Exception:  # noqa: BLE001 - not installed or no metadata
        return None


def imagebind_install():
    """(ok, detail): imagebind importable, which commit pip recorded (direct_url.json), no reliance on bpe/."""
    try:
        mod = importlib.import_module("imagebind.models.imagebind_model")
        importlib.import_module("imagebind.data")  # --check preprocesses with it (pytorchvideo, torchaudio)
    except Exception as e:  # noqa: BLE001
        return False, "imagebind is not importable (%s: %s); pip install --no-deps \"imagebind @ git+https://github.com/" \
                      "facebookresearch/ImageBind.git@%s\"" % (type(e).__name__, e, IMAGEBIND_COMMIT)
    where = os.path.dirname(os.path.dirname(os.path.abspath(mod.__file__)))
    commit = None
    try:
        import json
        from importlib import metadata
        du = metadata.distribution("imagebind").read_text("direct_url.json")
        commit = (json.loads(du).get("vcs_info") or {}).get("commit_id") if du else None
    except Exception:  # noqa: BLE001
        pass
    if commit and commit != IMAGEBIND_COMMIT:
        return False, "imagebind at %s was installed from commit %s, not %s" % (where, commit, IMAGEBIND_COMMIT)
    return True, "imagebind at %s (%s)" % (where, "commit " + commit[:10] if commit else "commit not recorded by pip")


def mem_available():
    try:
        with open("/proc/meminfo") as f:
            info = {l.split(":")[0]: int(l.split()[1]) * 1024 for l in f if ":" in l}
        return info.get("MemAvailable"), info.get("MemTotal")
    except OSError:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            return None, total
        except (ValueError, OSError, AttributeError):
            return None, None


def needs(official, fp16):
    """(download bytes not yet cached, free disk bytes needed, RAM bytes needed) from the plan's sizes."""
    total, missing, biggest = 0, 0, 0
    for it in official.items:
        size = it.get("size") or (4_480_000_000 if it["role"] == "imagebind" else 0)
        total += size
        cached = it["kind"] == "local" or (it["kind"] == "hub" and os.path.isfile(hub.cache_path(official.cache, it["repo"], it["commit"], it["path"])))
        if it["kind"] == "url" and os.path.isfile(os.path.join(official.cache, "meta", os.path.basename(it["url"]))):
            cached = True
        if not cached:
            missing += size
        fp32 = size * (2 if it["role"].startswith("internvl:") else 1)  # InternVL ships bf16, is exported in fp32
        biggest = max(biggest, fp32)
    internvl = sum(it.get("size") or 0 for it in official.items if it["role"].startswith("internvl:")) * 2
    biggest = max(biggest, internvl)
    graphs = total + internvl / 2  # fp32 pack ~ the fp32 weights
    disk = missing + graphs * (1.5 if fp16 else 1.0) + biggest  # + temporary copy of the largest graph
    # the model in fp32 + about the same again while one of its graphs is traced (measured here on a 2.15 GB
    # stand-in: peak RSS 3x the graph, model included); ImageBind huge -> ~10 GB, InternVL-14B -> ~110 GB
    ram = 1 * GB + 2 * biggest
    return missing, disk, ram


def run(official, out_dir=None, fp16=False, check=False, app=statics.APP_ROOT, quiet=False):
    """Print the report; returns (ok, lines). Errors stop an export; warnings do not."""
    errors, warnings, lines = [], [], []

    def say(s=""):
        lines.append(s)
        if not quiet:
            print(s, flush=True)

    say("molecule_export doctor: %s (%s, %d-d)" % (official.space_key, official.spec["space"], official.spec["dim"]))
    # ---------------------------------------------------------------- Python and packages
    v = sys.version_info
    py = "%d.%d.%d" % v[:3]
    if not ((3, 8) <= v[:2] <= (3, 10)):
        warnings.append("Python %s: the pins (torch 1.13) have wheels for 3.7-3.10; 3.10 is recommended" % py)
    say("python    %s (%s) %s" % (py, sys.executable, platform.platform()))
    p = pins()
    kinds = {"all", "dep", "optional"}
    if official.needs_clap:
        kinds.add("clap")
    if official.needs_internvl:
        kinds.add("internvl")
    for dist, mod, kind in PACKAGES:
        if kind not in kinds:
            continue
        ver = _dist_version(dist)
        importable = True
        try:
            importlib.import_module(mod)
        except Exception as e:  # noqa: BLE001
            importable = False
            why = "%s: %s" % (type(e).__name__, e)
        pin = p.get(dist.lower())
        if not importable:
            if kind == "optional":
                say("  %-14s not installed (optional: the batch-size self-check then runs on the app's onnxruntime-node)" % dist)
            elif kind == "dep":
                say("  %-14s not installed (imported by ImageBind / laion_clap when they need it; pinned %s)" % (dist, p.get(dist.lower(), "-")))
            else:
                errors.append("%s is not importable (%s); pip install -r %s" % (dist, why, REQUIREMENTS))
                say("  %-14s MISSING" % dist)
            continue
        note = ""
        if pin and ver and ver.split("+")[0] != pin:
            note = " (pinned %s)" % pin
            if dist == "transformers" and tuple(int(x) for x in ver.split(".")[:2]) > (4, 30):
                errors.append("transformers %s > 4.30.2 mis-loads CLAP's RoBERTa text branch (FreeBind README); pip install transformers==4.30.2" % ver)
            else:
                warnings.append("%s %s differs from the pinned %s" % (dist, ver, pin))
        say("  %-14s %s%s" % (dist, ver or "(version unknown)", note))
    tv = _dist_version("transformers")
    if official.needs_clap and tv and "internvl" not in kinds and tuple(int(x) for x in tv.split(".")[:2]) > (4, 30):
        errors.append("transformers %s > 4.30.2 mis-loads CLAP's RoBERTa text branch (FreeBind README); pip install transformers==4.30.2" % tv)
    ok, detail = imagebind_install()
    say("  %-14s %s" % ("imagebind", detail))
    if not ok:
        errors.append(detail)
    # ---------------------------------------------------------------- static files
    say("static files (the repository's verified copies):")
    for what, path, err in statics.check_all():
        say("  %-30s %s" % (what, path or "ERROR " + err))
        if err:
            errors.append(err)
    # ---------------------------------------------------------------- hub + plan
    say("hub       %s%s" % (hub.endpoint(), " (token set)" if hub.token() else ""))
    plan_ok = True
    try:
        official.plan()
    except PlanError as e:
        plan_ok = False
        errors.append(str(e))
    except hub.HubError as e:
        plan_ok = False
        errors.append("the hub is not reachable: %s" % e)
    say("plan (%d files):" % len(official.items))
    for it in official.items:
        size = "%.3f GB" % (it["size"] / GB) if it.get("size") else "size ?"
        if it["kind"] == "hub":
            where = "%s@%s  %s" % (it["repo"], it["commit"][:10], it["path"])
        elif it["kind"] == "url":
            where = it["url"]
            okh, det = hub.head_ok(it["url"])
            if not okh:
                errors.append("%s is not reachable: %s" % (it["url"], det))
            elif det.split(",")[-1].strip().split()[0].isdigit():
                it["size"] = int(det.split(",")[-1].strip().split()[0])
                size = "%.3f GB" % (it["size"] / GB)
        else:
            where = "local " + it["local"]
        sha = ("sha256 " + it["sha256"][:12] + "…") if it.get("sha256") else "sha256 recorded after download"
        say("  %-34s %s  (%s, %s)" % (it["role"], where, size, sha))
    if official.readings:
        say("readings (recorded in pack.json `provenance`):")
        for r in official.readings:
            extra = ""
            for k in ("identical_elsewhere", "projector_repo_file_identical_to", "both_present_and_identical"):
                if r.get(k) not in (None, [], False):
                    extra += "; %s: %s" % (k.replace("_", " "), r[k])
            say("  %-26s %s%s%s" % (r["id"], r["adopted"], "  [alternative: %s via %s]" % ("; ".join(r["alternatives"]), r["flag"]) if r.get("flag") else "", extra))
    # ---------------------------------------------------------------- resources
    if plan_ok:
        dl, disk, ram = needs(official, fp16)
        def probe(path):
            while not os.path.exists(path):
                path = os.path.dirname(path) or "."
            return path

        wants = [("cache", official.cache, dl)]
        if out_dir:
            wants.append(("out", out_dir, disk - dl))
            if os.stat(probe(out_dir)).st_dev == os.stat(probe(official.cache)).st_dev:
                wants = [("cache + out", official.cache, disk)]
        for label, path, want in wants:
            free = shutil.disk_usage(probe(path)).free
            say("disk      %s %s: %.1f GB free, needs %.1f GB" % (label, path, free / GB, want / GB))
            if free < want:
                errors.append("not enough free disk at %s: %.1f GB free, %.1f GB needed" % (path, free / GB, want / GB))
        avail, total = mem_available()
        say("memory    %.1f GB available of %.1f GB, the export needs about %.1f GB" % ((avail or 0) / GB, (total or 0) / GB, ram / GB))
        if total and total < 0.75 * ram:
            errors.append("RAM: %.1f GB installed, the export needs about %.1f GB" % (total / GB, ram / GB))
        elif total and total < ram:
            warnings.append("RAM: %.1f GB installed, the export needs about %.1f GB: it may swap or be killed" % (total / GB, ram / GB))
        elif avail and avail < ram:
            warnings.append("RAM: %.1f GB available now, the export needs about %.1f GB (close other programs)" % (avail / GB, ram / GB))
        say("downloads %.2f GB not yet in the cache %s" % (dl / GB, official.cache))
    # ---------------------------------------------------------------- node / app for --check
    nok, ndet = node_available(app)
    built = os.path.isfile(os.path.join(app, "bin", "molecule.js")) and os.path.isdir(os.path.join(app, "out"))
    say("app       %s: node %s, %s" % (app, "ok" if nok else "MISSING (%s)" % ndet, "built" if built else "NOT BUILT (npm ci && npm run build:app)"))
    if check and not (nok and built):
        errors.append("--check needs node and a built checkout at %s (npm ci && npm run build:app)" % app)
    for w in warnings:
        say("warning: " + w)
    for e in errors:
        say("ERROR: " + e)
    say("doctor: %s" % ("ok" if not errors else "%d problem(s): nothing was downloaded" % len(errors)))
    return not errors, lines
