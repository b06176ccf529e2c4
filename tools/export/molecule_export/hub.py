"""A small Hugging Face Hub client on the standard library (the same HTTP protocol huggingface_hub speaks).

Why not huggingface_hub itself: the exporter must know *before* downloading anything which repository, commit and
file each checkpoint comes from, with its size and sha256 (the doctor prints that plan), must verify every byte it
downloads, resume cut downloads, and never leave a half-written or dangling cache entry. The listing API gives the
size and LFS sha256 of every file, so all of that needs only plain HTTP.

* endpoint: $HF_ENDPOINT (default https://huggingface.co), token: $HF_TOKEN / $HUGGING_FACE_HUB_TOKEN / the token
  file huggingface-cli writes ($HF_HOME/token, default ~/.cache/huggingface/token);
* GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true -> commit sha + files (size, lfs.sha256);
* GET {endpoint}/{repo}/resolve/{commit}/{path} -> the bytes, usually after a redirect to the large-file host;
  the token is sent to the endpoint only, never to a redirect target on another host;
* proxies from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) as urllib reads them.

Cache layout: <cache>/hub/<owner>--<name>/<commit>/<path>; a download goes to `<dest>.part` (resumed with a Range
request) and is renamed into place only once its size and sha256 are right."""
import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_ENDPOINT = "https://huggingface.co"
USER_AGENT = "molecule-export/0.2 (+tools/export)"


def endpoint():
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def token():
    for k in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if os.environ.get(k):
            return os.environ[k].strip()
    home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    p = os.environ.get("HF_TOKEN_PATH") or os.path.join(home, "token")
    try:
        with open(p, encoding="utf-8") as f:
            t = f.read().strip()
            return t or None
    except OSError:
        return None


class HubError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _host(url):
    return urllib.parse.urlsplit(url).netloc.lower()


def request(url, *, method="GET", headers=None, data=None, auth=True, timeout=60, max_redirects=10):
    """urlopen that follows redirects itself so the Authorization header never leaves the endpoint's host."""
    origin = _host(endpoint())
    hdrs = {"User-Agent": USER_AGENT, **(headers or {})}
    for _ in range(max_redirects + 1):
        h = dict(hdrs)
        tok = token() if auth else None
        if tok and _host(url) == origin and "Authorization" not in h:
            h["Authorization"] = "Bearer " + tok
        elif _host(url) != origin:
            h.pop("Authorization", None)
        req = urllib.request.Request(url, data=data, headers=h, method=method)
        try:
            return _opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as e:
            if e.code in (301, 302, 303, 307, 308) and e.headers.get("Location"):
                url = urllib.parse.urljoin(url, e.headers["Location"])
                if e.code == 303:
                    method, data = "GET", None
                continue
            body = e.read()[:600].decode("utf-8", "replace")
            raise HubError("%s %s -> HTTP %d %s" % (method, url, e.code, body.strip()), e.code) from None
        except urllib.error.URLError as e:
            raise HubError("%s %s: %s" % (method, url, e.reason)) from None
    raise HubError("%s %s: too many redirects" % (method, url))


def get_json(url, **kw):
    with request(url, headers={"Accept": "application/json"}, **kw) as r:
        return json.loads(r.read().decode("utf-8"))


def repo_info(repo, revision="main"):
    """{"repo", "revision", "commit", "files": {path: {"size", "sha256" (LFS files) or None}}}."""
    url = "%s/api/models/%s/revision/%s?blobs=true" % (endpoint(), repo, urllib.parse.quote(revision, safe=""))
    info = get_json(url)
    files = {}
    for s in info.get("siblings") or []:
        lfs = s.get("lfs") or {}
        files[s["rfilename"]] = {"size": s.get("size", lfs.get("size")), "sha256": lfs.get("sha256") or lfs.get("oid")}
    commit = info.get("sha")
    if not commit:
        raise HubError("%s: the hub's answer has no commit sha" % url)
    return {"repo": repo, "revision": revision, "commit": commit, "files": files}


def resolve_url(repo, commit, path):
    return "%s/%s/resolve/%s/%s" % (endpoint(), repo, commit, urllib.parse.quote(path))


def cache_path(cache, repo, commit, path):
    return os.path.join(cache, "hub", repo.replace("/", "--"), commit, *path.split("/"))


def _clear_bad_entry(path):
    """A dangling symlink or a directory where a file should be (left by an older tool) is removed."""
    if os.path.islink(path) and not os.path.exists(path):
        os.remove(path)


def _sha_size(path):
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def _progress(label, done, total, t0, resumed):
    rate = (done - resumed) / max(1e-6, time.time() - t0)
    eta = (total - done) / rate if rate > 0 and total else 0
    tot = "%.2f GB" % (total / 1e9) if total else "?"
    print("\r  %s: %.2f / %s  %.1f MB/s  ETA %ds   " % (label, done / 1e9, tot, rate / 1e6, eta), end="", flush=True)


def download(url, dest, *, size=None, sha256=None, auth=True, label=None, log=print):
    """Fetch `url` to `dest` (resuming `dest.part`), verify size/sha256, rename into place. Returns dest.

    An existing `dest` is trusted only if its size and sha256 match (a cached file from an interrupted older run,
    or a corrupted one, is fetched again)."""
    _clear_bad_entry(dest)
    if os.path.isfile(dest):
        if sha256 is None and size is None:
            return dest
        got, n = _sha_size(dest)
        if (sha256 is None or got == sha256) and (size is None or n == size):
            return dest
        log("[molecule-export] cached %s does not match (sha256 %s, %d bytes): fetching again" % (dest, got, n))
        os.remove(dest)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    part = dest + ".part"
    _clear_bad_entry(part)
    have = os.path.getsize(part) if os.path.isfile(part) else 0
    if size is not None and have > size:
        os.remove(part)
        have = 0
    label = label or os.path.basename(dest)
    headers = {"Accept-Encoding": "identity"}
    if have and (size is None or have < size):
        headers["Range"] = "bytes=%d-" % have
    if size is None or have < size:
        log("[molecule-export] downloading %s%s" % (url, " (resuming at %d bytes)" % have if have else ""))
        with request(url, headers=headers, auth=auth, timeout=120) as r:
            if have and r.status != 206:
                have = 0  # the server ignored the range: start over
            total = have + int(r.headers.get("Content-Length") or 0) if r.headers.get("Content-Length") else size
            t0, done = time.time(), have
            with open(part, "ab" if have else "wb") as f:
                last = 0.0
                while True:
                    chunk = r.read(1 << 22)
                    if not chunk:
                        break
                    f.write(chunk)
                    done += len(chunk)
                    if time.time() - last > 0.5:
                        _progress(label, done, total or 0, t0, have)
                        last = time.time()
            _progress(label, done, total or 0, t0, have)
            print(flush=True)
    got, n = _sha_size(part)
    if size is not None and n != size:
        raise HubError("%s: got %d bytes, the hub lists %d (kept %s; run again to resume)" % (url, n, size, part))
    if sha256 is not None and got != sha256:
        os.remove(part)
        raise HubError("%s: sha256 %s differs from the hub's %s; the partial file was removed" % (url, got, sha256))
    os.replace(part, dest)
    return dest


def hub_file(cache, repo, commit, path, meta, log=print):
    """Download one file of a listed repo (meta = repo_info()["files"][path]) into the cache."""
    dest = cache_path(cache, repo, commit, path)
    return download(resolve_url(repo, commit, path), dest, size=meta.get("size"), sha256=meta.get("sha256"),
                    label="%s/%s" % (repo, path), log=log)


def head_ok(url, timeout=20):
    """(ok, detail) for a HEAD request (the doctor's reachability check)."""
    try:
        with request(url, method="HEAD", timeout=timeout) as r:
            return True, "HTTP %d, %s bytes" % (r.status, r.headers.get("Content-Length") or "?")
    except HubError as e:
        return False, str(e)
