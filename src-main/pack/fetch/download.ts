/**
 * Downloading a pack into the packs folder: manifest first, licence accepted before any listed file is
 * fetched, files fetched one after the other with progress (bytes, rate, ETA), resumed after an interruption
 * or a restart with HTTP range requests, each verified by the manifest's sha256 before it counts, then
 * installed by the same verify → rename step as a folder import (installStagedPack).
 *
 * On disk, beside the destination (all inside `destRoot`, hidden from the pack listing by the leading dot):
 *   .<id>.download/            the staged pack: pack.json, verified files, `<file>.part` for unfinished ones
 *   .<id>.download.json        what is being downloaded (source, commit, each file's sha256 and ETag)
 *   .<id>.download.lock        pid of the process downloading it
 * A paused, interrupted or failed download keeps them (the next run resumes: a partial file is kept only
 * while the manifest still lists the same sha256 for it); cancel removes them; success renames the staged
 * folder to `<id>` and removes the rest.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { installStagedPack } from '../registry';
import { renameRetrying } from '../files';
import { PackError, type PackManifest } from '../manifest';
import { diskCode, DownloadError } from './errors';
import { abortReason, HttpClient } from './http';
import { RateMeter } from './meter';
import { describeRemotePack, remoteFileUrl, sha256Hex, type RemoteFile, type RemotePack } from './remote';
import { parsePackSource } from './source';

export type DownloadPhase = 'preparing' | 'downloading' | 'verifying' | 'installing';

export interface DownloadProgress {
  phase: DownloadPhase;
  /** The file being fetched or verified. */
  file: string | null;
  /** 1-based position of `file` among the pack's files. */
  fileIndex: number;
  fileCount: number;
  /** Bytes of the pack on disk that count (verified files + the unfinished file's bytes so far). */
  bytesDone: number;
  bytesTotal: number | null;
  /** Bytes received over the network in this run. */
  fetchedBytes: number;
  /** Bytes that were already on disk from an earlier run and were kept. */
  resumedBytes: number;
  rateBps: number | null;
  etaSec: number | null;
}

export interface DownloadResult {
  id: string;
  name: string;
  manifest: PackManifest;
  installedDir: string;
  origin: string;
  commit: string | null;
  totalBytes: number;
  fetchedBytes: number;
  resumedBytes: number;
  files: number;
  elapsedSec: number;
  /** The same pack (identical pack.json) was installed already: nothing was downloaded. */
  alreadyInstalled: boolean;
}

export interface DownloadOptions {
  /** The packs folder the pack is installed into (`<destRoot>/<id>`). */
  destRoot: string;
  /** Replace an installed pack with the same id but different contents. */
  replace?: boolean;
  /**
   * Called once the manifest is read and before any listed file is fetched. Return true to accept the
   * pack's licence (`pack.manifest.licence`); false stops with DownloadError('licence').
   */
  acceptLicence: (pack: RemotePack, onDisk: { bytes: number }) => boolean | Promise<boolean>;
  /** abort(PAUSE) keeps the partial download for a later run; abort(CANCEL) (or any other reason) removes it. */
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Environment for HF_ENDPOINT, HF_TOKEN, HTTPS_PROXY, … (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Attempts per file without progress before giving up, and the first back-off delay (doubles). */
  retry?: { attempts?: number; delayMs?: number };
  /** At most one progress event per this many ms (default 250). */
  progressIntervalMs?: number;
  /** Open every ONNX file and compare its signature before installing (default true). */
  onnx?: boolean;
}

export interface DownloadPaths {
  staging: string;
  state: string;
  lock: string;
  final: string;
}

export function downloadPaths(destRoot: string, id: string): DownloadPaths {
  const staging = join(destRoot, `.${id}.download`);
  return { staging, state: `${staging}.json`, lock: `${staging}.lock`, final: join(destRoot, id) };
}

const PART = '.part';
/** Largest file accepted when neither the listing nor the server gives its size (InternVL's fp32 weights ≈ 24 GB). */
const UNKNOWN_SIZE_LIMIT = 64 * 2 ** 30;
const STATE_FORMAT = 'molecule-pack-download';

interface StateFile {
  format: typeof STATE_FORMAT;
  version: 1;
  id: string;
  name: string;
  source: string;
  origin: string;
  commit: string | null;
  licence: string;
  totalBytes: number | null;
  files: Record<string, { sha256: string; size: number | null; etag?: string }>;
  updatedAt: string;
}

function readState(path: string): StateFile | null {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
    return s && s.format === STATE_FORMAT && s.version === 1 && typeof s.files === 'object' ? s : null;
  } catch {
    return null;
  }
}

function writeState(path: string, s: StateFile): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ ...s, updatedAt: new Date().toISOString() }, null, 1));
  renameSync(tmp, path);
}

function sizeOf(p: string): number {
  try {
    const st = statSync(p);
    return st.isFile() ? st.size : -1;
  } catch {
    return -1;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One download per pack at a time, across processes (the app and the CLI). */
function acquireLock(path: string, id: string): () => void {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
      throw new DownloadError('busy', `pack "${id}" is being downloaded already (process ${pid}${pid === process.pid ? ', this one' : ''})`);
    }
    writeFileSync(path, String(process.pid)); // left behind by a process that died
  }
  return () => rmSync(path, { force: true });
}

function removeDownload(p: DownloadPaths): void {
  rmSync(p.staging, { recursive: true, force: true });
  rmSync(p.state, { force: true });
  rmSync(`${p.state}.tmp-${process.pid}`, { force: true });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(abortReason(signal));
      },
      { once: true },
    );
  });
}

async function hashFile(path: string, h: Hash, signal?: AbortSignal): Promise<number> {
  let n = 0;
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const a = abortReason(signal);
    if (a) throw a;
    h.update(c as Buffer);
    n += (c as Buffer).length;
  }
  return n;
}

function strongEtag(v: string | undefined): string | undefined {
  return v && !v.startsWith('W/') ? v : undefined;
}

const fmtMB = (b: number) => `${(b / 1e6).toFixed(b < 1e7 ? 2 : 0)} MB`;

/** Partial downloads left in `destRoot` (paused, interrupted, failed), for "resume or discard". */
export interface PartialDownload {
  id: string;
  name: string;
  source: string;
  origin: string;
  bytesOnDisk: number;
  totalBytes: number | null;
  updatedAt: string;
  /** sha256 of the licence accepted when the download started. */
  licenceSha256: string;
  /** Being downloaded right now by a live process. */
  active: boolean;
}

export function listPartialDownloads(destRoot: string): PartialDownload[] {
  if (!existsSync(destRoot)) return [];
  const out: PartialDownload[] = [];
  for (const name of readdirSync(destRoot)) {
    const m = /^\.(.+)\.download\.json$/.exec(name);
    if (!m) continue;
    const s = readState(join(destRoot, name));
    if (!s || s.id !== m[1]) continue;
    const p = downloadPaths(destRoot, s.id);
    let bytes = 0;
    for (const f of Object.keys(s.files)) bytes += Math.max(0, sizeOf(join(p.staging, f))) + Math.max(0, sizeOf(join(p.staging, f + PART)));
    let active = false;
    try {
      const pid = Number(readFileSync(p.lock, 'utf8').trim());
      active = Number.isInteger(pid) && pid > 0 && pidAlive(pid);
    } catch {
      /* no lock */
    }
    out.push({ id: s.id, name: s.name, source: s.source, origin: s.origin, bytesOnDisk: bytes, totalBytes: s.totalBytes, updatedAt: s.updatedAt, licenceSha256: s.licence, active });
  }
  return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** Removes a partial download (refused while a live process is downloading it). */
export function discardPartialDownload(destRoot: string, id: string): boolean {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) throw new DownloadError('source', `"${id}" is not a pack id`);
  const p = downloadPaths(destRoot, id);
  if (!existsSync(p.state) && !existsSync(p.staging)) return false;
  const release = acquireLock(p.lock, id);
  try {
    removeDownload(p);
  } finally {
    release();
  }
  return true;
}

/** Reads the source's manifest (nothing else): what `downloadPack` would fetch, and what is on disk already. */
export async function lookUpPack(sourceText: string, o: { destRoot: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<{ pack: RemotePack; onDiskBytes: number; installed: 'same' | 'different' | null }> {
  const env = o.env ?? process.env;
  const source = parsePackSource(sourceText, env);
  const http = clientFor(source, env);
  try {
    const pack = await describeRemotePack(source, http, { signal: o.signal, env });
    const p = downloadPaths(o.destRoot, pack.manifest.id);
    const state = readState(p.state);
    let onDisk = 0;
    for (const f of pack.files) {
      if (state?.files[f.file]?.sha256 !== f.sha256) continue;
      onDisk += Math.max(0, sizeOf(join(p.staging, f.file))) + Math.max(0, sizeOf(join(p.staging, f.file + PART)));
    }
    return { pack, onDiskBytes: onDisk, installed: installedState(p.final, pack) };
  } finally {
    await http.close();
  }
}

function installedState(final: string, pack: RemotePack): 'same' | 'different' | null {
  if (!existsSync(final)) return null;
  try {
    return sha256Hex(readFileSync(join(final, 'pack.json'))) === pack.manifestSha256 ? 'same' : 'different';
  } catch {
    return 'different';
  }
}

function clientFor(source: ReturnType<typeof parsePackSource>, env: NodeJS.ProcessEnv): HttpClient {
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || null;
  return new HttpClient({ env, token, tokenOrigin: source.kind === 'hf' ? new URL(source.endpoint).origin : null });
}

/** Downloads, verifies and installs the pack at `sourceText`. */
export async function downloadPack(sourceText: string, opts: DownloadOptions): Promise<DownloadResult> {
  const t0 = performance.now();
  const env = opts.env ?? process.env;
  const signal = opts.signal;
  const source = parsePackSource(sourceText, env);
  const http = clientFor(source, env);
  const createdRoot = !existsSync(opts.destRoot);
  let paths: DownloadPaths | null = null;
  let release: (() => void) | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  try {
    const pack = await describeRemotePack(source, http, { signal, env });
    const m = pack.manifest;
    paths = downloadPaths(opts.destRoot, m.id);
    const p = paths;
    const total = pack.totalBytes;
    const installed = installedState(p.final, pack);
    if (installed === 'same') {
      return { id: m.id, name: m.name, manifest: m, installedDir: p.final, origin: pack.origin, commit: pack.commit, totalBytes: total ?? 0, fetchedBytes: 0, resumedBytes: 0, files: pack.files.length, elapsedSec: (performance.now() - t0) / 1000, alreadyInstalled: true };
    }
    if (installed === 'different' && !opts.replace) {
      throw new DownloadError('installed', `a different pack with id "${m.id}" is installed at ${p.final}; replace it explicitly or remove it first`);
    }

    // What an earlier run left: keep a file (finished or partial) only if the manifest still has the same sha256 for it.
    const prev = readState(p.state);
    const keep = new Set<string>(['pack.json']);
    const carried: RemoteFile[] = [];
    let resumedBytes = 0;
    for (const f of pack.files) {
      const final = join(p.staging, f.file);
      const part = final + PART;
      const same = prev?.files[f.file]?.sha256 === f.sha256;
      const fin = same ? sizeOf(final) : -1;
      const par = same ? sizeOf(part) : -1;
      if (fin >= 0 && (f.size === null || fin === f.size)) {
        carried.push(f);
        resumedBytes += fin;
        keep.add(f.file);
      } else if (par >= 0 && (f.size === null || par <= f.size)) {
        resumedBytes += par;
        keep.add(f.file + PART);
      }
    }
    if (!(await opts.acceptLicence(pack, { bytes: resumedBytes }))) {
      throw new DownloadError('licence', `the licence of ${m.name} was not accepted; nothing was downloaded`);
    }
    const early = abortReason(signal);
    if (early) throw early;

    // Nothing is written before the licence is accepted; from here on this process owns the download.
    try {
      mkdirSync(opts.destRoot, { recursive: true });
      release = acquireLock(p.lock, m.id);
    } catch (e) {
      if (e instanceof DownloadError) throw e;
      throw new DownloadError('disk', `cannot write to the packs folder ${opts.destRoot} (${diskCode(e) ?? String(e)})`, { cause: e });
    }
    if (existsSync(p.staging)) {
      const sweep = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const abs = join(dir, name);
          const rel = relative(p.staging, abs).split(sep).join('/');
          if (statSync(abs).isDirectory()) sweep(abs);
          else if (!keep.has(rel)) rmSync(abs, { force: true });
        }
      };
      sweep(p.staging);
    }


    if (total !== null) {
      let free: number | null = null;
      try {
        const st = statfsSync(opts.destRoot);
        free = Number(st.bavail) * Number(st.bsize);
      } catch {
        /* statfs unsupported: the write will tell */
      }
      const need = total - resumedBytes;
      if (free !== null && need > free) {
        throw new DownloadError('disk', `${m.name} needs ${fmtMB(need)} more on the disk holding ${opts.destRoot}, which has ${fmtMB(free)} free`);
      }
    }

    const state: StateFile = {
      format: STATE_FORMAT,
      version: 1,
      id: m.id,
      name: m.name,
      source: source.text,
      origin: pack.origin,
      commit: pack.commit,
      licence: pack.licenceSha256,
      totalBytes: total,
      files: Object.fromEntries(pack.files.map((f) => [f.file, { sha256: f.sha256, size: f.size, ...(prev?.files[f.file]?.sha256 === f.sha256 && prev.files[f.file]!.etag ? { etag: prev.files[f.file]!.etag } : {}) }])),
      updatedAt: '',
    };
    try {
      mkdirSync(p.staging, { recursive: true });
      writeState(p.state, state);
      writeFileSync(join(p.staging, 'pack.json'), pack.manifestBytes);
    } catch (e) {
      throw new DownloadError('disk', `cannot write to the packs folder ${opts.destRoot} (${diskCode(e) ?? String(e)})`, { cause: e });
    }

    // ---- progress ----
    const meter = new RateMeter();
    const interval = opts.progressIntervalMs ?? 250;
    let lastEmit = -Infinity;
    let doneBytes = pack.manifestBytes.length;
    let fetched = 0;
    let current: { file: string; index: number; bytes: number } | null = null;
    let phase: DownloadPhase = 'preparing';
    const emit = (force = false) => {
      if (!opts.onProgress) return;
      const now = performance.now();
      if (!force && now - lastEmit < interval) return;
      lastEmit = now;
      const bytesDone = doneBytes + (current?.bytes ?? 0);
      opts.onProgress({
        phase,
        file: current?.file ?? null,
        fileIndex: current?.index ?? 0,
        fileCount: pack.files.length,
        bytesDone,
        bytesTotal: total,
        fetchedBytes: fetched,
        resumedBytes,
        rateBps: meter.rate(),
        etaSec: meter.eta(total === null ? null : total - bytesDone),
      });
    };

    // While bytes stall, the rate falls and the time left grows, instead of the last figures staying on screen.
    heartbeat = setInterval(() => {
      if (phase !== 'downloading') return;
      meter.add(fetched);
      emit(true);
    }, 1000);
    heartbeat.unref();

    // Files finished in an earlier run are hashed again before they count.
    phase = 'verifying';
    for (const f of carried) {
      current = { file: f.file, index: pack.files.indexOf(f) + 1, bytes: 0 };
      emit(true);
      const h = createHash('sha256');
      await hashFile(join(p.staging, f.file), h, signal);
      if (h.digest('hex') === f.sha256) doneBytes += sizeOf(join(p.staging, f.file));
      else {
        rmSync(join(p.staging, f.file), { force: true });
        resumedBytes -= Math.max(0, f.size ?? 0);
      }
    }
    current = null;

    const attempts = opts.retry?.attempts ?? 5;
    const delayMs = opts.retry?.delayMs ?? 1000;
    for (const [i, f] of pack.files.entries()) {
      const final = join(p.staging, f.file);
      if (sizeOf(final) >= 0) continue; // carried over and verified
      const part = final + PART;
      mkdirSync(dirname(final), { recursive: true });
      current = { file: f.file, index: i + 1, bytes: Math.max(0, sizeOf(part)) };
      phase = 'downloading';
      emit(true);
      let hashed: { hash: Hash; bytes: number } | null = null;
      let failures = 0;
      let freshRetry = false;
      for (;;) {
        const a = abortReason(signal);
        if (a) throw a;
        const offset = Math.max(0, sizeOf(part));
        const startedWithBytes = offset > 0;
        let digest: string;
        try {
          if (!hashed || hashed.bytes !== offset) {
            hashed = { hash: createHash('sha256'), bytes: 0 };
            if (offset > 0) hashed.bytes = await hashFile(part, hashed.hash, signal);
          }
          const r = await transfer(http, pack, f, part, hashed, state, p.state, signal, (n) => {
            fetched += n;
            current!.bytes = hashed!.bytes;
            meter.add(fetched);
            emit();
          });
          if (r === 'restart') {
            hashed = null;
            continue;
          }
          digest = hashed.hash.digest('hex');
          hashed = null;
        } catch (e) {
          // `hashed` still matches the bytes on disk (each chunk is hashed after it was written): a retry continues it.
          if (e instanceof DownloadError && e.kind === 'network') {
            const now = Math.max(0, sizeOf(part));
            failures = now > offset ? 1 : failures + 1;
            if (failures > attempts) {
              throw new DownloadError('network', `${e.message} — gave up after ${attempts} attempts; the ${fmtMB(doneBytes + now)} downloaded are kept, start the download again to resume`, { cause: e });
            }
            await sleep(delayMs * 2 ** (failures - 1), signal);
            continue;
          }
          throw e;
        }
        phase = 'verifying';
        emit(true);
        if (digest === f.sha256) break;
        rmSync(part, { force: true });
        current.bytes = 0;
        if (startedWithBytes && !freshRetry) {
          // The kept bytes may have been stale: fetch the whole file once more before calling it corrupt.
          freshRetry = true;
          resumedBytes = Math.max(0, resumedBytes - offset);
          phase = 'downloading';
          continue;
        }
        throw new DownloadError('integrity', `${f.file}: the downloaded bytes do not match pack.json (sha256 ${digest.slice(0, 16)}…, expected ${f.sha256.slice(0, 16)}…); the file was deleted and the pack was not installed`);
      }
      try {
        const fh = await open(part, 'r+');
        await fh.sync().finally(() => fh.close());
        await renameRetrying(part, final);
        writeState(p.state, state);
      } catch (e) {
        throw new DownloadError('disk', `cannot finish ${f.file} in ${p.staging} (${diskCode(e) ?? String(e)})`, { cause: e });
      }
      doneBytes += sizeOf(final);
      current = null;
    }

    phase = 'installing';
    current = null;
    emit(true);
    try {
      await installStagedPack(p.staging, opts.destRoot, { replace: opts.replace, checksums: false, onnx: opts.onnx ?? true, what: `the download of ${m.id}` });
    } catch (e) {
      if (e instanceof PackError) {
        // Every file matched its sha256, yet the pack does not verify (ONNX signatures): retrying cannot help.
        removeDownload(p);
        throw new DownloadError(/already installed/.test(e.message) ? 'installed' : 'manifest', e.message, { cause: e });
      }
      throw new DownloadError('disk', `cannot install into ${opts.destRoot} (${diskCode(e) ?? String(e)})`, { cause: e });
    }
    rmSync(p.state, { force: true });
    return {
      id: m.id,
      name: m.name,
      manifest: m,
      installedDir: p.final,
      origin: pack.origin,
      commit: pack.commit,
      totalBytes: total ?? doneBytes,
      fetchedBytes: fetched,
      resumedBytes,
      files: pack.files.length,
      elapsedSec: (performance.now() - t0) / 1000,
      alreadyInstalled: false,
    };
  } catch (e) {
    const err = e instanceof DownloadError ? e : diskCode(e) ? new DownloadError('disk', `${String(e)}`, { cause: e }) : e;
    if (err instanceof DownloadError && err.kind === 'cancelled' && paths && release) {
      removeDownload(paths);
      if (createdRoot) {
        release();
        release = null;
        try {
          rmdirSync(opts.destRoot);
        } catch {
          /* not empty: other packs live there */
        }
      }
    }
    throw err;
  } finally {
    clearInterval(heartbeat);
    release?.();
    await http.close();
  }
}

/**
 * Fetches the rest of one file into `part` (appending from its current size), feeding `hashed`.
 * 'restart' = the server ignored the range or the file changed: the part was emptied, start again.
 */
async function transfer(
  http: HttpClient,
  pack: RemotePack,
  f: RemoteFile,
  part: string,
  hashed: { hash: Hash; bytes: number },
  state: StateFile,
  statePath: string,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<'done' | 'restart'> {
  const offset = hashed.bytes;
  let expected = f.size;
  if (expected !== null && offset === expected) return 'done';
  if (expected !== null && offset > expected) {
    rmSync(part, { force: true });
    return 'restart';
  }
  let url = remoteFileUrl(pack, f.file);

  if (pack.source.kind === 'hf') {
    // As huggingface_hub: HEAD the resolve URL without following the redirect to the file storage host, read
    // the file's identity (X-Linked-Etag: the LFS sha256; ETag otherwise) and size, then GET the Location.
    const head = await http.send(url, { method: 'HEAD', redirects: 'same-origin', signal });
    await head.body.dump().catch(() => undefined);
    if (head.status >= 300 && head.status < 400 && head.headers.location) url = new URL(head.headers.location, head.url).href;
    else if (head.status !== 200) throw fileStatusError(head.status, f.file, head.url);
    const linked = (head.headers['x-linked-etag'] ?? head.headers.etag ?? '').replace(/^W\//, '').replace(/"/g, '');
    if (/^[0-9a-f]{64}$/.test(linked) && linked !== f.sha256) {
      throw new DownloadError('integrity', `${f.file}: the server says its sha256 is ${linked.slice(0, 16)}…, pack.json expects ${f.sha256.slice(0, 16)}…; refused before downloading`);
    }
    const linkedSize = Number(head.headers['x-linked-size'] ?? (head.status === 200 ? head.headers['content-length'] : NaN));
    if (Number.isSafeInteger(linkedSize) && linkedSize >= 0) {
      if (expected !== null && linkedSize !== expected) {
        throw new DownloadError('integrity', `${f.file}: the server says it has ${linkedSize} bytes, the repository listing ${expected}; refused`);
      }
      expected = linkedSize;
    }
  }

  const etag = state.files[f.file]?.etag;
  const headers: Record<string, string> = {};
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (etag) headers['if-range'] = etag;
  }
  const res = await http.send(url, { headers, signal });
  let start = 0;
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
    start = m ? Number(m[1]) : -1;
    if (m && m[3] !== '*') {
      const whole = Number(m[3]);
      if (expected !== null && whole !== expected) {
        await res.body.dump().catch(() => undefined);
        throw new DownloadError('integrity', `${f.file}: the server has ${whole} bytes, expected ${expected}; refused`);
      }
      expected = whole;
    }
    if (start !== offset) {
      await res.body.dump().catch(() => undefined);
      rmSync(part, { force: true });
      return 'restart';
    }
  } else if (res.status === 200) {
    if (offset > 0) {
      // The server ignored the range (or If-Range said the file changed): start over with this response.
      rmSync(part, { force: true });
      hashed.hash = createHash('sha256');
      hashed.bytes = 0;
    }
    const len = Number(res.headers['content-length']);
    if (Number.isSafeInteger(len) && expected !== null && len !== expected) {
      await res.body.dump().catch(() => undefined);
      throw new DownloadError('integrity', `${f.file}: the server sends ${len} bytes, expected ${expected}; refused`);
    }
  } else if (res.status === 416) {
    await res.body.dump().catch(() => undefined);
    if (expected !== null && offset >= expected) return 'done';
    rmSync(part, { force: true });
    return 'restart';
  } else {
    await res.body.dump().catch(() => undefined);
    throw fileStatusError(res.status, f.file, res.url);
  }
  const got = strongEtag(res.headers.etag);
  const entry = state.files[f.file];
  if (got && entry && entry.etag !== got) {
    entry.etag = got;
    // Saved now, not when the file completes: a run killed or paused mid-file resumes with If-Range, so bytes
    // of an object that changed meanwhile are never appended to the old ones.
    try {
      writeState(statePath, state);
    } catch (e) {
      await res.body.dump().catch(() => undefined);
      throw new DownloadError('disk', `cannot write ${statePath} (${diskCode(e) ?? String(e)})`, { cause: e });
    }
  }

  let fh: FileHandle | null = null;
  try {
    try {
      fh = await open(part, hashed.bytes > 0 ? 'r+' : 'w');
    } catch (e) {
      throw new DownloadError('disk', `cannot write ${part} (${diskCode(e) ?? String(e)})`, { cause: e });
    }
    let pos = hashed.bytes;
    // A size nobody announced is still bounded: a server that streams without end stops here, not at a full disk.
    const most = expected ?? UNKNOWN_SIZE_LIMIT;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        if (pos + buf.length > most) {
          throw new DownloadError('integrity', `${f.file}: the server sent more than the ${expected ?? `${most} bytes a file of unannounced size may have`}${expected !== null ? ' bytes expected' : ''}; refused`);
        }
        try {
          await fh.write(buf, 0, buf.length, pos);
        } catch (e) {
          throw new DownloadError('disk', `cannot write ${part}: ${diskCode(e) === 'ENOSPC' ? 'the disk is full' : (diskCode(e) ?? String(e))}`, { cause: e });
        }
        pos += buf.length;
        hashed.hash.update(buf);
        hashed.bytes = pos;
        onBytes(buf.length);
      }
    } catch (e) {
      res.body.destroy();
      if (e instanceof DownloadError) throw e;
      const a = abortReason(signal);
      if (a) throw a;
      throw new DownloadError('network', `the connection broke while fetching ${f.file} (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))})`, { cause: e });
    }
    if (expected !== null && pos < expected) throw new DownloadError('network', `the connection closed early while fetching ${f.file} (${pos} of ${expected} bytes)`);
  } finally {
    await fh?.close().catch(() => undefined);
  }
  return 'done';
}

function fileStatusError(status: number, file: string, url: string): DownloadError {
  const host = new URL(url).host;
  // 5xx, 429, and a 403 from the storage host (an expired signed link after a long pause) are worth another try.
  if (status >= 500 || status === 429 || status === 408) return new DownloadError('network', `${host} answered HTTP ${status} for ${file}`);
  if (status === 404 || status === 410) return new DownloadError('not-found', `${file}: not found on ${host} (HTTP ${status})`);
  if (status === 401) return new DownloadError('auth', `${file}: ${host} asks for credentials (HTTP 401); set HF_TOKEN for a private or gated repository`);
  if (status === 403) return new DownloadError('network', `${file}: ${host} refused the request (HTTP 403; an expired download link is fetched again)`);
  if (status === 407) return new DownloadError('proxy', `the proxy asks for credentials (HTTP 407); put them in HTTPS_PROXY (http://user:password@host:port)`);
  return new DownloadError('http', `${file}: ${host} answered HTTP ${status}`);
}

