"""A stand-in for the Hugging Face Hub on 127.0.0.1, for the exporter's end-to-end and publish tests.

    /usr/bin/python3 test/export/fake_hub.py ROOT PORTS.json LOG.jsonl [TOKEN]

Two servers (two "hosts": different ports), as the Hub and its large-file storage:
  hub:  GET  /api/models/{repo}/revision/{rev}[?blobs=true]   {"id","sha","siblings":[{"rfilename","size","lfs"?}]}
        GET|HEAD /{repo}/resolve/{rev}/{path}                 small files inline (ETag); LFS files (> 1 KiB or
                                                              weights) -> 302 to the storage host, with
                                                              X-Repo-Commit, X-Linked-Etag, X-Linked-Size
        POST /api/repos/create                               {"name","organization","private","type"} (token)
        POST /api/models/{repo}/preupload/{rev}               {"files":[{path,sample,size,sha}]} -> uploadMode
        POST /{repo}.git/info/lfs/objects/batch               git-lfs batch (basic, or multipart above 1 MiB)
        POST /api/models/{repo}/commit/{rev}                  NDJSON header/file/lfsFile lines (token)
  cdn:  GET|HEAD /lfs/{sha256} (Range requests answered 206), GET|HEAD /meta/<file> (Meta's server),
        PUT /upload/{oid} | /upload/{oid}/part/{n} (ETag), POST /upload/{oid}/complete, POST /verify
Every request is logged (method, host, path, Range, whether an Authorization header came) as one JSON line.
Repositories live in ROOT/models/<owner>/<name>/; a commit writes into them, so published files can be listed
and downloaded again. Write endpoints need `Authorization: Bearer TOKEN`."""
import base64
import hashlib
import json
import os
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT, PORTS, LOG = (os.path.abspath(a) for a in sys.argv[1:4])
TOKEN = sys.argv[4] if len(sys.argv) > 4 else "test-token"
LFS_MIN = 1024
CHUNK = 1 << 20
lock = threading.Lock()
ports = {}
uploads = {}  # oid -> {"size", "parts": {n: bytes}} | bytes
blobs = os.path.join(ROOT, "blobs")
os.makedirs(blobs, exist_ok=True)


def sha_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for c in iter(lambda: f.read(1 << 20), b""):
            h.update(c)
    return h.hexdigest()


def repo_dir(repo):
    return os.path.join(ROOT, "models", *repo.split("/"))


def commit_of(repo):
    d = repo_dir(repo)
    h = hashlib.sha1(repo.encode())
    for dp, _, fs in sorted(os.walk(d)):
        for f in sorted(fs):
            p = os.path.join(dp, f)
            h.update(os.path.relpath(p, d).encode())
            h.update(str(os.path.getsize(p)).encode())
    return h.hexdigest()


def is_lfs(path, size):
    return size > LFS_MIN or path.endswith((".pt", ".pth", ".bin", ".onnx", ".data", ".model", ".gz"))


_sha_cache = {}


def file_sha(p):
    key = (p, os.path.getmtime(p), os.path.getsize(p))
    if key not in _sha_cache:
        _sha_cache[key] = sha_file(p)
    return _sha_cache[key]


def listing(repo):
    d = repo_dir(repo)
    sib = []
    for dp, _, fs in sorted(os.walk(d)):
        for f in sorted(fs):
            p = os.path.join(dp, f)
            rel = os.path.relpath(p, d).replace(os.sep, "/")
            size = os.path.getsize(p)
            e = {"rfilename": rel, "size": size, "blobId": hashlib.sha1(open(p, "rb").read(64)).hexdigest()}
            if is_lfs(rel, size):
                e["lfs"] = {"sha256": file_sha(p), "size": size, "pointerSize": 134}
            sib.append(e)
    return {"id": repo, "modelId": repo, "sha": commit_of(repo), "private": False, "siblings": sib}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1.0"

    def log_message(self, *a):
        pass

    def _log(self, status):
        with lock, open(LOG, "a") as f:
            f.write(json.dumps({"server": self.server.name, "method": self.command, "path": self.path, "status": status,
                                "range": self.headers.get("Range"), "auth": bool(self.headers.get("Authorization"))}) + "\n")

    def _send(self, status, body=b"", headers=None, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._log(status)

    def _authorized(self):
        return self.headers.get("Authorization") == "Bearer " + TOKEN or (
            self.headers.get("Authorization", "").startswith("Basic ")
            and base64.b64decode(self.headers["Authorization"][6:]).decode().endswith(":" + TOKEN))

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _file(self, path, extra=None):
        size = os.path.getsize(path)
        start, end, status = 0, size - 1, 200
        m = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range") or "")
        if m:
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) else size - 1
            if start >= size:
                return self._send(416, b"", {"Content-Range": "bytes */%d" % size})
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            with open(path, "rb") as f:
                f.seek(start)
                left = end - start + 1
                while left > 0:
                    c = f.read(min(left, 1 << 16))
                    if not c:
                        break
                    self.wfile.write(c)
                    left -= len(c)
        self._log(status)

    # ---------------------------------------------------------------------------------------------- hub
    def hub_get(self):
        u = urllib.parse.urlsplit(self.path)
        m = re.match(r"^/api/models/([^/]+/[^/]+)/revision/([^/]+)$", u.path)
        if m:
            repo = m.group(1)
            if not os.path.isdir(repo_dir(repo)):
                return self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
            return self._send(200, listing(repo))
        m = re.match(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$", u.path)
        if m:
            repo, path = m.group(1), urllib.parse.unquote(m.group(3))
            p = os.path.join(repo_dir(repo), *path.split("/"))
            if not os.path.isfile(p):
                return self._send(404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound"})
            size = os.path.getsize(p)
            commit = commit_of(repo)
            if is_lfs(path, size):
                sha = file_sha(p)
                blob = os.path.join(blobs, sha)
                if not os.path.exists(blob):
                    os.link(p, blob) if hasattr(os, "link") else None
                loc = "http://127.0.0.1:%d/lfs/%s" % (ports["cdn"], sha)
                return self._send(302, b"", {"Location": loc, "X-Repo-Commit": commit, "X-Linked-Etag": '"%s"' % sha,
                                             "X-Linked-Size": str(size), "ETag": '"%s"' % hashlib.sha1(path.encode()).hexdigest()})
            return self._file(p, {"X-Repo-Commit": commit, "ETag": '"%s"' % file_sha(p)})
        return self._send(404, {"error": "not found"})

    def hub_post(self):
        u = urllib.parse.urlsplit(self.path)
        if not self._authorized():
            self._body()
            return self._send(401, {"error": "Invalid credentials in Authorization header"})
        if u.path == "/api/repos/create":
            b = json.loads(self._body())
            repo = "%s/%s" % (b.get("organization") or "user", b["name"])
            if os.path.isdir(repo_dir(repo)):
                return self._send(409, {"error": "You already created this model repo", "url": "http://x/" + repo})
            os.makedirs(repo_dir(repo))
            return self._send(200, {"url": "http://127.0.0.1:%d/%s" % (ports["hub"], repo), "name": repo})
        m = re.match(r"^/api/models/([^/]+/[^/]+)/preupload/([^/]+)$", u.path)
        if m:
            b = json.loads(self._body())
            files = [{"path": f["path"], "uploadMode": "lfs" if is_lfs(f["path"], f["size"]) else "regular"} for f in b["files"]]
            return self._send(200, {"files": files})
        m = re.match(r"^/([^/]+/[^/]+)\.git/info/lfs/objects/batch$", u.path)
        if m:
            b = json.loads(self._body())
            objs = []
            for o in b["objects"]:
                oid, size = o["oid"], o["size"]
                if os.path.exists(os.path.join(blobs, oid)):
                    objs.append({"oid": oid, "size": size})  # already stored: no actions
                    continue
                base = "http://127.0.0.1:%d/upload/%s" % (ports["cdn"], oid)
                if size > CHUNK and "multipart" in b.get("transfers", []):
                    n = (size + CHUNK - 1) // CHUNK
                    header = {"chunk_size": str(CHUNK), **{"%05d" % (i + 1): "%s/part/%d" % (base, i + 1) for i in range(n)}}
                    up = {"href": base + "/complete", "header": header}
                else:
                    up = {"href": base}
                objs.append({"oid": oid, "size": size, "authenticated": True,
                             "actions": {"upload": up, "verify": {"href": "http://127.0.0.1:%d/verify" % ports["cdn"]}}})
                uploads[oid] = {"size": size, "parts": {}}
            return self._send(200, {"transfer": "basic", "objects": objs}, ctype="application/vnd.git-lfs+json")
        m = re.match(r"^/api/models/([^/]+/[^/]+)/commit/([^/]+)$", u.path)
        if m:
            repo = m.group(1)
            if self.headers.get("Content-Type") != "application/x-ndjson":
                self._body()
                return self._send(400, {"error": "expected application/x-ndjson"})
            lines = [json.loads(l) for l in self._body().decode().splitlines() if l.strip()]
            if not lines or lines[0].get("key") != "header" or not lines[0]["value"].get("summary"):
                return self._send(400, {"error": "first line must be the header with a summary"})
            d = repo_dir(repo)
            if not os.path.isdir(d):
                return self._send(404, {"error": "Repository not found"})
            for l in lines[1:]:
                v = l["value"]
                dest = os.path.join(d, *v["path"].split("/"))
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                if l["key"] == "file":
                    with open(dest, "wb") as f:
                        f.write(base64.b64decode(v["content"]))
                elif l["key"] == "lfsFile":
                    blob = os.path.join(blobs, v["oid"])
                    if v.get("algo") != "sha256" or not os.path.exists(blob) or os.path.getsize(blob) != v["size"]:
                        return self._send(422, {"error": "lfs object %s of %s was not uploaded" % (v["oid"], v["path"])})
                    if os.path.exists(dest):
                        os.remove(dest)
                    os.link(blob, dest)
                else:
                    return self._send(400, {"error": "unknown key %s" % l["key"]})
            c = commit_of(repo)
            return self._send(200, {"commitUrl": "http://127.0.0.1:%d/%s/commit/%s" % (ports["hub"], repo, c), "commitOid": c,
                                    "success": True})
        return self._send(404, {"error": "not found"})

    # ---------------------------------------------------------------------------------------------- storage
    def cdn_get(self):
        u = urllib.parse.urlsplit(self.path)
        m = re.match(r"^/lfs/([0-9a-f]{64})$", u.path)
        if m and os.path.isfile(os.path.join(blobs, m.group(1))):
            return self._file(os.path.join(blobs, m.group(1)), {"ETag": '"%s"' % m.group(1)})
        m = re.match(r"^/meta/([\w.-]+)$", u.path)
        if m and os.path.isfile(os.path.join(ROOT, "meta", m.group(1))):
            return self._file(os.path.join(ROOT, "meta", m.group(1)))
        return self._send(404, {"error": "not found"})

    def cdn_put(self):
        m = re.match(r"^/upload/([0-9a-f]{64})(?:/part/(\d+))?$", self.path)
        body = self._body()
        if not m or m.group(1) not in uploads:
            return self._send(404, {"error": "no such upload"})
        oid, part = m.group(1), m.group(2)
        if part:
            uploads[oid]["parts"][int(part)] = body
            return self._send(200, b"", {"ETag": '"%s"' % hashlib.md5(body).hexdigest()})
        if hashlib.sha256(body).hexdigest() != oid:
            return self._send(400, {"error": "sha256 mismatch"})
        with open(os.path.join(blobs, oid), "wb") as f:
            f.write(body)
        return self._send(200, b"")

    def cdn_post(self):
        b = json.loads(self._body() or b"{}")
        m = re.match(r"^/upload/([0-9a-f]{64})/complete$", self.path)
        if m:
            oid = m.group(1)
            parts = uploads.get(oid, {}).get("parts", {})
            want = [{"partNumber": n, "etag": '"%s"' % hashlib.md5(parts[n]).hexdigest()} for n in sorted(parts)]
            if b.get("oid") != oid or b.get("parts") != want:
                return self._send(400, {"error": "bad completion payload", "want": want})
            data = b"".join(parts[n] for n in sorted(parts))
            if hashlib.sha256(data).hexdigest() != oid:
                return self._send(400, {"error": "sha256 mismatch after multipart"})
            with open(os.path.join(blobs, oid), "wb") as f:
                f.write(data)
            return self._send(200, {})
        if self.path == "/verify":
            p = os.path.join(blobs, b.get("oid", "-"))
            ok = os.path.isfile(p) and os.path.getsize(p) == b.get("size")
            return self._send(200 if ok else 404, {} if ok else {"error": "object not stored"})
        return self._send(404, {"error": "not found"})

    def do_GET(self):
        (self.hub_get if self.server.name == "hub" else self.cdn_get)()

    do_HEAD = do_GET

    def do_POST(self):
        (self.hub_post if self.server.name == "hub" else self.cdn_post)()

    def do_PUT(self):
        if self.server.name == "cdn":
            return self.cdn_put()
        self._body()
        self._send(405, {"error": "method not allowed"})


def serve(name):
    s = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    s.name = name
    s.daemon_threads = True
    ports[name] = s.server_address[1]
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s


if __name__ == "__main__":
    serve("hub")
    serve("cdn")
    with open(PORTS + ".tmp", "w") as f:
        json.dump(ports, f)
    os.replace(PORTS + ".tmp", PORTS)
    sys.stdout.write(json.dumps(ports) + "\n")
    sys.stdout.flush()
    try:
        sys.stdin.read()  # runs until the test closes stdin (or kills it)
    except KeyboardInterrupt:
        pass
