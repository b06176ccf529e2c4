"""Downloading the official checkpoints (needs internet; huggingface_hub for HF files, urllib for Meta's URL).

Everything lands in a cache folder (default ~/.cache/molecule-export, or --cache) and is reused."""
import os
import urllib.request

from .signatures import MODES

PROJECTOR_REPOS = ["Viglong/Molecule", "Viglong/FreeBind"]


def _log(msg):
    print("[molecule-export] " + msg, flush=True)


def download_url(url, dest):
    if os.path.isfile(dest) and os.path.getsize(dest) > 0:
        return dest
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + ".part"
    _log("downloading %s" % url)
    with urllib.request.urlopen(url) as r, open(tmp, "wb") as f:
        total = int(r.headers.get("Content-Length") or 0)
        done = 0
        while True:
            chunk = r.read(1 << 22)
            if not chunk:
                break
            f.write(chunk)
            done += len(chunk)
            if total:
                print("\r  %.1f / %.1f GB" % (done / 1e9, total / 1e9), end="", flush=True)
    print()
    os.replace(tmp, dest)
    return dest


def hf_file(repo, filename, cache):
    from huggingface_hub import hf_hub_download

    return hf_hub_download(repo_id=repo, filename=filename, cache_dir=os.path.join(cache, "hf"))


def hf_snapshot(repo, cache, allow_patterns=None):
    from huggingface_hub import snapshot_download

    return snapshot_download(repo_id=repo, cache_dir=os.path.join(cache, "hf"), allow_patterns=allow_patterns)


def find_projector_repo(families, repos=PROJECTOR_REPOS):
    """(repo, {family: {mode: path-in-repo}}, all files) for the first repo that holds every needed `<family>/<mode>/best.pt`.

    The files may sit under any prefix (e.g. `checkpoints/`); they are matched by their last three path parts."""
    from huggingface_hub import list_repo_files

    errors = []
    for repo in repos:
        try:
            files = list_repo_files(repo)
        except Exception as e:  # noqa: BLE001 - report every repo tried
            errors.append("%s: %s" % (repo, e))
            continue
        found, missing = {}, []
        for fam in families:
            found[fam] = {}
            for mode in MODES:
                suffix = "%s/%s/best.pt" % (fam, mode)
                hits = [f for f in files if f == suffix or f.endswith("/" + suffix)]
                if hits:
                    found[fam][mode] = sorted(hits, key=len)[0]
                else:
                    missing.append(suffix)
        if not missing:
            return repo, found, files
        errors.append("%s: missing %s" % (repo, ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")))
    raise FileNotFoundError("no projector repository holds the needed checkpoints:\n  " + "\n  ".join(errors))


def fetch_projectors(families, cache):
    """Download the projector families into `<cache>/projectors/<family>/<mode>/best.pt` (the release layout)."""
    repo, found, files = find_projector_repo(families)
    root = os.path.join(cache, "projectors", repo.replace("/", "__"))
    for fam, modes in found.items():
        for mode, path in modes.items():
            dest = os.path.join(root, fam, mode, "best.pt")
            if not os.path.isfile(dest):
                src = hf_file(repo, path, cache)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                if os.path.exists(dest):
                    os.remove(dest)
                os.symlink(os.path.realpath(src), dest)
    return repo, root, files
