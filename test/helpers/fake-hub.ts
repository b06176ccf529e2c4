/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1, serving a pack folder as a model repository the way the
 * Hub does (as huggingface_hub's download code and the Hub API expect it):
 *   hub (http):  GET  /api/models/{repo}/revision/{rev}?blobs=true   → {id, sha, siblings:[{rfilename,size,blobId,lfs?}]}
 *                HEAD/GET /{repo}/resolve/{rev}/{file}
 *                   small (git) files: 200, ETag = git blob sha1, X-Repo-Commit, byte ranges
 *                   large (LFS) files: 302 to the storage host, X-Linked-Etag = "sha256", X-Linked-Size, X-Repo-Commit
 *                401 X-Error-Code: RepoNotFound for unknown repositories, 404 RevisionNotFound / EntryNotFound;
 *                a renamed repository answers 307 with a relative Location (followed by clients, as the Hub's)
 *   static:      GET/HEAD /files/{file}: the same files as a plain web server (a pack.json address as the source)
 *   storage (https, another port, test CA in test/fixtures/tls): GET/HEAD /lfs/{sha256}?X-Amz-Expires=… with
 *                byte ranges (206 + Content-Range, 416), its own ETag.
 * Test controls: corrupt a file's bytes (headers unchanged), cut the transfer once at a fraction of all LFS
 * bytes (connection reset, or a stall that holds the socket until release()), and counters of every request
 * and of the bytes actually written per file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join, relative, resolve, sep } from 'node:path';

const TLS_DIR = resolve(import.meta.dirname, '..', 'fixtures', 'tls');
export const TEST_CA = join(TLS_DIR, 'ca.pem');

export interface HubRequest {
  host: 'hub' | 'storage';
  method: string;
  path: string;
  range?: string;
  authorization: boolean;
}

export interface FakeHubOptions {
  packDir: string;
  repo?: string;
  /** Files (pack-relative) whose served bytes get one byte flipped; the listing and headers keep the true sha256. */
  corrupt?: string[];
  /** Once, when this fraction of all LFS bytes has been sent: 'reset' closes the connection, 'stall' stops sending
   * and holds it until release() (or close()), 'pause' stops until release() and then sends the rest. */
  cut?: { fraction: number; mode: 'reset' | 'stall' | 'pause' };
  /** Old repository names that redirect (307, relative Location) to `repo`. */
  renamedFrom?: string[];
  /** Require this bearer token on the hub (not on the storage host, like signed storage links). */
  token?: string;
  /** Send at most this many bytes per second (so a transfer lasts long enough to watch its rate and ETA). */
  bytesPerSec?: number;
  /** Large files whose resolve response announces another sha256 in X-Linked-Etag (the listing keeps the true one). */
  wrongLinkedEtag?: string[];
}

export interface FakeHub {
  endpoint: string;
  storageOrigin: string;
  repo: string;
  commit: string;
  /** Bytes of every file that is served through the storage host (LFS). */
  lfsBytes: number;
  totalBytes: number;
  requests: HubRequest[];
  /** Bytes written to the network per file (storage host and direct downloads). */
  bytesSent: Map<string, number>;
  /** True once the cut happened. */
  readonly cutDone: boolean;
  sentTotal(): number;
  release(): void;
  resetCounters(): void;
  /** The storage host's ETags change (as when an object is re-uploaded): If-Range no longer matches. */
  changeStorageEtags(): void;
  close(): Promise<void>;
}

interface Entry {
  rel: string;
  bytes: Buffer;
  sha256: string;
  gitSha1: string;
  lfs: boolean;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function parseRange(h: string | undefined, size: number): { start: number; end: number } | 'bad' | null {
  if (!h) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'bad';
  return { start, end };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return (server.address() as AddressInfo).port;
}

export async function startFakeHub(o: FakeHubOptions): Promise<FakeHub> {
  const repo = o.repo ?? 'molecule-test/ib-pp-test';
  const commit = randomBytes(20).toString('hex');
  const entries = new Map<string, Entry>();
  for (const abs of walk(o.packDir)) {
    const rel = relative(o.packDir, abs).split(sep).join('/');
    const bytes = readFileSync(abs);
    const gitSha1 = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    entries.set(rel, { rel, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), gitSha1, lfs: rel.endsWith('.onnx') || rel.endsWith('.data') || bytes.length >= 1_000_000 });
  }
  for (const [rel, text] of [['.gitattributes', '*.onnx filter=lfs diff=lfs merge=lfs -text\n'], ['README.md', '# test pack\n']] as const) {
    const bytes = Buffer.from(text);
    entries.set(rel, { rel, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), gitSha1: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'), lfs: false });
  }
  const bySha = new Map<string, Entry>();
  for (const e of entries.values()) if (e.lfs) bySha.set(e.sha256, e);
  const lfsBytes = [...bySha.values()].reduce((a, e) => a + e.bytes.length, 0);
  const corrupt = new Set(o.corrupt ?? []);
  const requests: HubRequest[] = [];
  const bytesSent = new Map<string, number>();
  const sockets = new Set<Socket>();
  const held: (() => void)[] = [];
  let lfsSent = 0;
  let cutDone = false;
  let released = false;
  let etagSalt = '';

  const served = (e: Entry): Buffer => {
    if (!corrupt.has(e.rel)) return e.bytes;
    const b = Buffer.from(e.bytes);
    b[Math.floor(b.length / 2)]! ^= 0xff;
    return b;
  };

  /** Writes body[start..end] in 16 KiB pieces, applying the cut to LFS bytes. */
  const sendBody = async (res: ServerResponse, e: Entry, body: Buffer, start: number, end: number) => {
    const CH = 16 * 1024;
    for (let p = start; p <= end; ) {
      let n = Math.min(CH, end + 1 - p);
      let cutNow = false;
      if (o.cut && e.lfs && !cutDone) {
        const at = Math.floor(o.cut.fraction * lfsBytes);
        if (lfsSent + n >= at) {
          n = Math.max(0, at - lfsSent);
          cutNow = true;
        }
      }
      if (n > 0) {
        const piece = body.subarray(p, p + n);
        await new Promise<void>((ok) => res.write(piece, () => ok()));
        if (o.bytesPerSec) await new Promise((ok) => setTimeout(ok, (1000 * n) / o.bytesPerSec!));
        p += n;
        if (e.lfs) lfsSent += n;
        bytesSent.set(e.rel, (bytesSent.get(e.rel) ?? 0) + n);
      }
      if (cutNow) {
        cutDone = true;
        if (o.cut!.mode === 'reset') {
          // Close after the bytes before the cut: the client sees the body end early (as when a connection drops).
          // A short pause first, so the client has read what was sent: bytes still in flight when a stream errors
          // are dropped by the client, and the test counts re-sent bytes.
          const sock = res.socket;
          await new Promise((ok) => setTimeout(ok, 300));
          sock?.end();
          setTimeout(() => sock?.destroy(), 2000).unref();
          return;
        }
        if (!released) await new Promise<void>((ok) => held.push(ok));
        if (o.cut!.mode === 'stall' || res.destroyed) {
          res.socket?.destroy();
          return;
        }
      }
    }
    res.end();
  };

  const sendFile = async (req: IncomingMessage, res: ServerResponse, e: Entry, headers: Record<string, string>) => {
    const body = served(e);
    const range = parseRange(req.headers.range, body.length);
    const ifRange = req.headers['if-range'];
    const useRange = range && (!ifRange || ifRange === headers.etag);
    if (range === 'bad') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${body.length}` });
      return res.end();
    }
    if (useRange && range) {
      res.writeHead(206, { ...headers, 'accept-ranges': 'bytes', 'content-range': `bytes ${range.start}-${range.end}/${body.length}`, 'content-length': String(range.end - range.start + 1) });
      if (req.method === 'HEAD') return res.end();
      return sendBody(res, e, body, range.start, range.end);
    }
    res.writeHead(200, { ...headers, 'accept-ranges': 'bytes', 'content-length': String(body.length) });
    if (req.method === 'HEAD') return res.end();
    return sendBody(res, e, body, 0, body.length - 1);
  };

  const deny = (res: ServerResponse, status: number, code: string, msg: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code, 'x-error-message': msg });
    res.end(JSON.stringify({ error: msg }));
  };

  let storageOrigin = '';
  const hub = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    requests.push({ host: 'hub', method: req.method ?? '', path: url.pathname + url.search, range: req.headers.range, authorization: !!req.headers.authorization });
    if (o.token && req.headers.authorization !== `Bearer ${o.token}`) return deny(res, 401, 'RepoNotFound', 'Repository not found');
    for (const old of o.renamedFrom ?? []) {
      if (path.startsWith(`/api/models/${old}/`) || path.startsWith(`/${old}/`)) {
        res.writeHead(307, { location: url.pathname.replace(`/${old}/`, `/${repo}/`) + url.search });
        return res.end();
      }
    }
    // A plain static host for "https URL of a pack.json" sources: /files/<file>.
    const stat = /^\/files\/(.+)$/.exec(path);
    if (stat) {
      const e = entries.get(stat[1]!);
      if (!e) return deny(res, 404, 'NotFound', 'not found');
      return void sendFile(req, res, e, { etag: `"${e.gitSha1}"`, 'content-type': 'application/octet-stream' });
    }
    const api = /^\/api\/models\/(.+)\/revision\/(.+)$/.exec(path);
    if (api) {
      if (api[1] !== repo) return deny(res, 401, 'RepoNotFound', 'Repository not found');
      if (api[2] !== 'main' && api[2] !== commit) return deny(res, 404, 'RevisionNotFound', `Invalid rev id: ${api[2]}`);
      const blobs = url.searchParams.get('blobs') === 'true';
      const siblings = [...entries.values()].map((e) => ({
        rfilename: e.rel,
        ...(blobs ? { blobId: e.gitSha1, size: e.lfs ? 134 : e.bytes.length, ...(e.lfs ? { lfs: { sha256: e.sha256, size: e.bytes.length, pointerSize: 134 } } : {}) } : {}),
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ _id: 'x', id: repo, modelId: repo, sha: commit, private: false, gated: false, siblings }));
    }
    const resolveM = /^\/(.+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolveM && (req.method === 'GET' || req.method === 'HEAD')) {
      if (resolveM[1] !== repo) return deny(res, 401, 'RepoNotFound', 'Repository not found');
      if (resolveM[2] !== 'main' && resolveM[2] !== commit) return deny(res, 404, 'RevisionNotFound', 'Invalid rev id');
      const e = entries.get(resolveM[3]!);
      if (!e) return deny(res, 404, 'EntryNotFound', 'Entry not found');
      if (e.lfs) {
        const location = `${storageOrigin}/lfs/${e.sha256}?X-Amz-Expires=3600&X-Amz-Signature=${randomBytes(8).toString('hex')}`;
        res.writeHead(302, {
          location,
          'x-repo-commit': commit,
          'x-linked-etag': `"${o.wrongLinkedEtag?.includes(e.rel) ? createHash('sha256').update('not this file').digest('hex') : e.sha256}"`,
          'x-linked-size': String(e.bytes.length),
          etag: `"${e.gitSha1}"`,
          'content-type': 'text/plain; charset=utf-8',
        });
        return res.end(req.method === 'HEAD' ? undefined : `Found. Redirecting to ${location}`);
      }
      return void sendFile(req, res, e, { 'x-repo-commit': commit, etag: `"${e.gitSha1}"`, 'content-type': 'application/octet-stream' });
    }
    deny(res, 404, 'NotFound', 'not found');
  });

  const storage = createHttpsServer({ key: readFileSync(join(TLS_DIR, 'server-key.pem')), cert: readFileSync(join(TLS_DIR, 'server.pem')) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    requests.push({ host: 'storage', method: req.method ?? '', path: url.pathname, range: req.headers.range, authorization: !!req.headers.authorization });
    const m = /^\/lfs\/([0-9a-f]{64})$/.exec(url.pathname);
    const e = m ? bySha.get(m[1]!) : undefined;
    if (!e || !url.searchParams.get('X-Amz-Signature')) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      return res.end('AccessDenied');
    }
    void sendFile(req, res, e, { etag: `"${createHash('md5').update(etagSalt).update(e.bytes).digest('hex')}"`, 'content-type': 'application/octet-stream' });
  });

  for (const s of [hub, storage]) s.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  const hubPort = await listen(hub);
  const storagePort = await listen(storage as unknown as Server);
  storageOrigin = `https://127.0.0.1:${storagePort}`;
  const totalBytes = [...entries.values()].reduce((a, e) => a + e.bytes.length, 0);

  return {
    endpoint: `http://127.0.0.1:${hubPort}`,
    storageOrigin,
    repo,
    commit,
    lfsBytes,
    totalBytes,
    requests,
    bytesSent,
    get cutDone() {
      return cutDone;
    },
    sentTotal: () => [...bytesSent.values()].reduce((a, b) => a + b, 0),
    release() {
      released = true;
      for (const r of held.splice(0)) r();
    },
    resetCounters() {
      requests.length = 0;
      bytesSent.clear();
    },
    changeStorageEtags() {
      etagSalt += 'x';
    },
    async close() {
      released = true;
      for (const r of held.splice(0)) r();
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((ok) => hub.close(ok)), new Promise((ok) => storage.close(ok))]);
    },
  };
}
