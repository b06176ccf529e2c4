"""`python -m molecule_export publish --pack DIR --repo OWNER/NAME`: upload an exported pack to a Hugging Face
model repository, with a model card (README.md) giving the licence, the sources (provenance), the files and sizes
and the figures of `--check`, so that others can `molecule pack get OWNER/NAME`.

The Hub's HTTP upload protocol, on the standard library (the one huggingface_hub's create_commit speaks):
  1. POST /api/repos/create                          {"name", "organization", "private", "type": "model"} (409 = exists)
  2. POST /api/models/{repo}/preupload/{revision}    which files go through large-file storage ("lfs") or inline
  3. POST /{repo}.git/info/lfs/objects/batch         git-lfs batch: an upload action per object not stored yet;
     PUT the bytes (one request, or each part of a multipart upload, then POST the parts' ETags), POST verify
  4. POST /api/models/{repo}/commit/{revision}       NDJSON: a header line, then one `file` (base64) or `lfsFile`
                                                     (sha256 oid + size) line per file
Token: $HF_TOKEN, $HUGGING_FACE_HUB_TOKEN or the file `huggingface-cli login` writes (write access needed)."""
import argparse
import base64
import hashlib
import json
import os
import sys
import time

from . import hub
from .manifest import sha256_file

LFS_HEADERS = {"Accept": "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json"}
CARD_LICENCE = "cc-by-nc-4.0"  # every pack contains ImageBind's weights (CC BY-NC 4.0)


class PublishError(Exception):
    pass


def _log(msg):
    print("[molecule-export] " + msg, flush=True)


def pack_files(pack_dir):
    """(manifest, [(relative path, absolute path, sha256 or None)]) of every file pack.json lists, sha256-checked."""
    with open(os.path.join(pack_dir, "pack.json"), encoding="utf-8") as f:
        m = json.load(f)
    entries = []
    for group in ("encoders", "projectors", "tokenizers"):
        for e in m.get(group, {}).values():
            entries.append((e["file"], e["sha256"]))
            if e.get("config"):
                entries.append((e["config"], e.get("configSha256")))
    for e in m.get("extraFiles", []):
        entries.append((e["file"], e["sha256"]))
    out, problems = [], []
    for rel, sha in entries:
        p = os.path.join(pack_dir, *rel.split("/"))
        if not os.path.isfile(p):
            problems.append("%s is missing" % rel)
            continue
        got = sha256_file(p)
        if sha and got != sha:
            problems.append("%s: sha256 %s, pack.json says %s" % (rel, got, sha))
        out.append((rel, p, got))
    if problems:
        raise PublishError("the pack does not verify, nothing was uploaded:\n  " + "\n  ".join(problems))
    return m, out


def _gb(n):
    return "%.2f GB" % (n / 1e9) if n >= 1e8 else "%.1f MB" % (n / 1e6) if n >= 1e5 else "%d bytes" % n


def model_card(m, files, report):
    """README.md for the Hub: licence, sources, readings, files and sizes, the figures of --check."""
    total = sum(os.path.getsize(p) for _, p, _ in files) + len(json.dumps(m))
    prov = m.get("provenance") or {}
    lines = ["---", "license: %s" % CARD_LICENCE, "library_name: onnx", "pipeline_tag: feature-extraction",
             "tags:", "- molecule-space", "- onnx", "- imagebind", "- multimodal", "- audio", "- image", "- text", "---", "",
             "# %s" % m["name"], "",
             "A Molecule Space model pack (`%s` v%d): space class **%s**, %d-d, pack id `%s`, "
             "%s. Download it with `molecule pack get <this repository>` or in the app's Model manager; "
             "`molecule pack verify DIR` checks every file against the sha256 in `pack.json`."
             % (m["format"], m["formatVersion"], m["space"], m["dim"], m["id"], "a test pack" if m.get("test") else "exported from the official checkpoints"),
             "", "## Licence", "",
             "**Non-commercial use only**: the pack contains ImageBind's weights (CC BY-NC 4.0); the most restrictive "
             "licence of its parts applies to the whole pack.", "", "> " + m.get("licence", ""), "",
             "## Sources", "", m.get("source", ""), ""]
    cps = prov.get("checkpoints") or []
    if cps:
        lines += ["| role | from | commit | sha256 | size |", "| --- | --- | --- | --- | --- |"]
        for c in cps:
            where = c.get("repo") and "%s / `%s`" % (c["repo"], c.get("path")) or c.get("url") or c.get("local") or "?"
            lines.append("| %s | %s | %s | `%s` | %s |" % (c["role"], where, (c.get("commit") or "")[:12], (c.get("sha256") or "")[:16],
                                                           _gb(c["size"]) if c.get("size") else ""))
        lines.append("")
    rds = prov.get("readings") or []
    if rds:
        lines += ["### Readings adopted where the upstream release is ambiguous", "",
                  "| reading | adopted | alternatives | exporter flag |", "| --- | --- | --- | --- |"]
        for r in rds:
            lines.append("| %s | %s | %s | %s |" % (r["id"], r["adopted"], "; ".join(r.get("alternatives") or []), r.get("flag") or "—"))
        lines.append("")
    lines += ["## Files", "", "| file | size | sha256 |", "| --- | --- | --- |"]
    for rel, p, sha in files:
        lines.append("| `%s` | %s | `%s` |" % (rel, _gb(os.path.getsize(p)), sha))
    lines += ["", "Total: %s." % _gb(total), "", "## Check (`python -m molecule_export … --check`)", ""]
    if not report:
        lines.append("**Not checked**: published without a `--check` report.")
    else:
        lines.append("Outcome: **%s**." % report.get("status", "?"))
        lines.append("")
        for d, rep in (report.get("packs") or {}).items():
            lines += ["Parity of `%s` with the reference libraries on the three demo pairs (gate: cosine ≥ %s):" % (os.path.basename(d), rep.get("gate")), "",
                      "| graph | worst cosine |", "| --- | --- |"]
            for kind in ("encoders", "projectors"):
                for name, v in (rep.get(kind) or {}).items():
                    lines.append("| %s | %.7f |" % (name, v["min_cos"]))
            lines.append("")
        rd = report.get("readme") or {}
        if rd.get("status") == "compared":
            lines.append("The app's `molecule matrix` on this pack against the FreeBind README's matrices: max |difference| "
                         "%.4f (tolerance %s)." % (rd["app"]["max_abs_err"], rd.get("tolerance")))
        elif rd:
            lines.append("README matrices: %s." % rd.get("status"))
        for label, v in (report.get("readings") or {}).items():
            if "max_abs_err" in v:
                lines.append("- reading %s: max |difference| %.4f%s" % (label, v["max_abs_err"], " (reproduces the README)" if v.get("reproduces") else ""))
        for p in report.get("problems") or []:
            lines.append("- problem: %s" % p)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------ protocol

def _auth():
    tok = hub.token()
    if not tok:
        raise PublishError("no Hugging Face token: set HF_TOKEN or run `huggingface-cli login` (write access needed)")
    return tok


def _post_json(url, obj, headers=None):
    body = json.dumps(obj).encode()
    with hub.request(url, method="POST", data=body, headers={"Content-Type": "application/json", **(headers or {})}) as r:
        raw = r.read()
        return json.loads(raw) if raw.strip() else {}


def create_repo(repo, private):
    owner, name = repo.split("/", 1)
    try:
        _post_json("%s/api/repos/create" % hub.endpoint(), {"name": name, "organization": owner, "private": private, "type": "model"})
        _log("created %s" % repo)
    except hub.HubError as e:
        if e.status != 409:
            raise
        _log("%s exists: adding a commit" % repo)


def _put(url, data, length):
    with hub.request(url, method="PUT", data=data, headers={"Content-Length": str(length)}, auth=False, timeout=600) as r:
        return r.headers.get("ETag")


def upload_lfs(repo, items):
    """items: [(path, abs path, sha256, size)] -> uploads what the storage does not hold yet."""
    tok = _auth()
    basic = "Basic " + base64.b64encode(("access_token:" + tok).encode()).decode()
    res = _post_json("%s/%s.git/info/lfs/objects/batch" % (hub.endpoint(), repo),
                     {"operation": "upload", "transfers": ["basic", "multipart"], "hash_algo": "sha256",
                      "objects": [{"oid": sha, "size": size} for _, _, sha, size in items]},
                     headers={**LFS_HEADERS, "Authorization": basic})
    by_oid = {sha: (path, p, size) for path, p, sha, size in items}
    for obj in res.get("objects", []):
        if "error" in obj:
            raise PublishError("large-file storage refused %s: %s" % (by_oid.get(obj["oid"], ("?",))[0], obj["error"]))
        actions = obj.get("actions")
        path, p, size = by_oid[obj["oid"]]
        if not actions:
            _log("  %s: already stored" % path)
            continue
        up = actions["upload"]
        t0 = time.time()
        header = up.get("header") or {}
        if header.get("chunk_size"):
            chunk = int(header["chunk_size"])
            urls = [u for _, u in sorted((int(k), v) for k, v in header.items() if k.isdigit())]
            if len(urls) != (size + chunk - 1) // chunk:
                raise PublishError("%s: the storage asked for %d parts of %d bytes for %d bytes" % (path, len(urls), chunk, size))
            parts = []
            with open(p, "rb") as f:
                for i, u in enumerate(urls):
                    data = f.read(chunk)
                    etag = _put(u, data, len(data))
                    if not etag:
                        raise PublishError("%s: part %d came back without an ETag" % (path, i + 1))
                    parts.append({"partNumber": i + 1, "etag": etag})
                    print("\r  %s: part %d/%d  %.1f MB/s   " % (path, i + 1, len(urls), f.tell() / 1e6 / max(1e-6, time.time() - t0)), end="", flush=True)
            print(flush=True)
            _post_json(up["href"], {"oid": obj["oid"], "parts": parts}, headers=LFS_HEADERS)
        else:
            with open(p, "rb") as f:
                _put(up["href"], f, size)
            _log("  %s: %s in %.1f s" % (path, _gb(size), time.time() - t0))
        if actions.get("verify"):
            _post_json(actions["verify"]["href"], {"oid": obj["oid"], "size": size}, headers={"Authorization": basic})


def commit(repo, revision, entries, message, description=""):
    """entries: [(path in repo, abs path or bytes, mode, sha256, size)]."""
    lines = [{"key": "header", "value": {"summary": message, "description": description}}]
    for path, src, mode, sha, size in entries:
        if mode == "lfs":
            lines.append({"key": "lfsFile", "value": {"path": path, "algo": "sha256", "oid": sha, "size": size}})
        else:
            data = src if isinstance(src, bytes) else open(src, "rb").read()
            lines.append({"key": "file", "value": {"content": base64.b64encode(data).decode(), "path": path, "encoding": "base64"}})
    body = b"".join(json.dumps(l).encode() + b"\n" for l in lines)
    with hub.request("%s/api/models/%s/commit/%s" % (hub.endpoint(), repo, revision), method="POST", data=body,
                     headers={"Content-Type": "application/x-ndjson"}, timeout=600) as r:
        return json.loads(r.read())


def publish(pack_dir, repo, revision="main", private=False, report=None, message=None):
    _auth()
    m, files = pack_files(pack_dir)
    import tempfile

    tmp = tempfile.mkdtemp(prefix="molecule-publish-")
    try:
        card = os.path.join(tmp, "README.md")
        with open(card, "w", encoding="utf-8") as f:
            f.write(model_card(m, files, report))
        ops = [("pack.json", os.path.join(pack_dir, "pack.json")), ("README.md", card)] + [(rel, p) for rel, p, _ in files]
        return _publish(repo, revision, private, m, ops, message)
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def _publish(repo, revision, private, m, ops, message):
    infos = []
    for path, src in ops:
        sha, size = sha256_file(src), os.path.getsize(src)
        with open(src, "rb") as f:
            sample = f.read(512)
        infos.append({"path": path, "src": src, "sha": sha, "size": size, "sample": sample})
    create_repo(repo, private)
    modes = {}
    for i in range(0, len(infos), 256):
        res = _post_json("%s/api/models/%s/preupload/%s" % (hub.endpoint(), repo, revision),
                         {"files": [{"path": x["path"], "sample": base64.b64encode(x["sample"]).decode(), "size": x["size"], "sha": x["sha"]}
                                    for x in infos[i:i + 256]]})
        modes.update({f["path"]: f["uploadMode"] for f in res.get("files", [])})
    for x in infos:
        if x["size"] == 0:
            modes[x["path"]] = "regular"
        if x["path"] not in modes:
            raise PublishError("the hub gave no upload mode for %s" % x["path"])
    lfs = [(x["path"], x["src"], x["sha"], x["size"]) for x in infos if modes[x["path"]] == "lfs"]
    _log("uploading %d files (%d through large-file storage, %s) to %s" % (len(infos), len(lfs), _gb(sum(x["size"] for x in infos)), repo))
    if lfs:
        upload_lfs(repo, lfs)
    res = commit(repo, revision, [(x["path"], x["src"], modes[x["path"]], x["sha"], x["size"]) for x in infos],
                 message or "Molecule Space pack %s (%s)" % (m["id"], m["space"]),
                 "Uploaded by tools/export (molecule_export publish).")
    _log("committed %s: %s" % (res.get("commitOid", "?")[:12], res.get("commitUrl", "")))
    return res


def main(argv):
    p = argparse.ArgumentParser(prog="python -m molecule_export publish",
                                description="Upload an exported pack with a model card to a Hugging Face model repository.")
    p.add_argument("--pack", required=True, help="the pack folder (pack.json + files)")
    p.add_argument("--repo", required=True, help="OWNER/NAME of the model repository (created if missing)")
    p.add_argument("--revision", default="main", help="branch to commit to (default main)")
    p.add_argument("--private", action="store_true", help="create the repository private")
    p.add_argument("--check-report", help="the --check report (default: <pack>.check.json beside the pack folder)")
    p.add_argument("--allow-unchecked", action="store_true", help="publish without a passed --check (the card says so)")
    p.add_argument("--message", help="commit message")
    a = p.parse_args(argv)
    pack = os.path.abspath(a.pack)
    if "/" not in a.repo or a.repo.count("/") != 1:
        print("--repo must be OWNER/NAME", file=sys.stderr)
        return 2
    rp = a.check_report or pack.rstrip("/") + ".check.json"
    report = None
    if os.path.isfile(rp):
        with open(rp, encoding="utf-8") as f:
            report = json.load(f)
    if not a.allow_unchecked:
        if report is None:
            print("no --check report at %s: run the check first, or pass --allow-unchecked" % rp, file=sys.stderr)
            return 2
        if report.get("status") != "passed":
            print("the check report %s says %r, not passed: fix the pack, or pass --allow-unchecked" % (rp, report.get("status")), file=sys.stderr)
            return 2
    try:
        publish(pack, a.repo, a.revision, a.private, report, a.message)
    except (PublishError, hub.HubError) as e:
        print("publish failed: %s" % e, file=sys.stderr)
        return 1
    print("published %s to %s/%s" % (pack, hub.endpoint(), a.repo))
    return 0
