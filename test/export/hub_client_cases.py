"""The exporter's hub client against the stand-in hub (run by test/export/exporter-e2e.test.ts):

    python3 test/export/hub_client_cases.py HUB_ROOT WORK_DIR      (HF_ENDPOINT set; prints one JSON line)

resume of a download cut at 40 % (.part kept, Range request, 206), a sha256 mismatch (error, nothing kept), a
dangling symlink left in the cache by an older tool (replaced)."""
import json
import os
import sys

from molecule_export import hub

root, work = sys.argv[1], sys.argv[2]
log_path = os.path.join(os.path.dirname(root), "hub-log.jsonl")
os.makedirs(work, exist_ok=True)
repo, path = "Viglong/FreeBind", "laion_clap_fullset_fusion.pt"
info = hub.repo_info(repo)
meta = info["files"][path]
src = os.path.join(root, "models", *repo.split("/"), path)
res = {}

# 1. resume
dest = hub.cache_path(work, repo, info["commit"], path)
os.makedirs(os.path.dirname(dest), exist_ok=True)
with open(src, "rb") as f:
    data = f.read()
cut = int(len(data) * 0.4)
with open(dest + ".part", "wb") as f:
    f.write(data[:cut])
n_before = sum(1 for _ in open(log_path))
hub.hub_file(work, repo, info["commit"], path, meta, log=lambda m: None)
new = [json.loads(l) for l in list(open(log_path))[n_before:]]
cdn = [l for l in new if l["server"] == "cdn" and l["method"] == "GET"]
res["resumed_from"] = cut
res["resume_request_range"] = cdn[-1]["range"] if cdn else None
res["resumed_status"] = cdn[-1]["status"] if cdn else None
res["resumed_sha_ok"] = hub._sha_size(dest)[0] == meta["sha256"] and not os.path.exists(dest + ".part")

# 2. bytes that do not match the listed sha256
bad = os.path.join(work, "bad", path)
try:
    hub.download(hub.resolve_url(repo, info["commit"], path), bad, size=meta["size"], sha256="0" * 64, log=lambda m: None)
    res["bad_sha_error"] = None
except hub.HubError as e:
    res["bad_sha_error"] = str(e)
res["bad_sha_part_left"] = os.path.exists(bad + ".part") or os.path.exists(bad)

# 3. a dangling symlink where the cached file should be
dang = hub.cache_path(os.path.join(work, "dangling"), repo, info["commit"], path)
os.makedirs(os.path.dirname(dang), exist_ok=True)
os.symlink(os.path.join(work, "nowhere", "blob"), dang)
hub.hub_file(os.path.join(work, "dangling"), repo, info["commit"], path, meta, log=lambda m: None)
res["dangling_replaced"] = os.path.isfile(dang) and not os.path.islink(dang) and hub._sha_size(dang)[0] == meta["sha256"]
print(json.dumps(res))
