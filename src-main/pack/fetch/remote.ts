/**
 * Reading a remote pack before anything large is fetched: the repository listing (Hugging Face:
 * `/api/models/{repo}/revision/{rev}?blobs=true` gives the commit, every file's size and, for files in large
 * file storage, their sha256), then pack.json, validated like a local one. The result says what the user is
 * about to get — name, space class, total size, licence, source — and pins the download to one commit.
 */
import { createHash } from 'node:crypto';
import { LIMITS } from '../../domain/limits';
import { parseJsonBounded } from '../../runtime/json-bounded';
import { listedFiles, PackError, validateManifest, type PackManifest } from '../manifest';
import { DownloadError } from './errors';
import type { HttpClient } from './http';
import { besideUrl, describeSource, hfResolveUrl, hfRevisionApiUrl, type PackSource } from './source';

/** pack.json: the same bound as a local one (domain/limits.ts); the listing of a repository with a few dozen files is ~10–50 KB. */
export const MAX_MANIFEST_BYTES = LIMITS.fileBytes.packManifest;
const MAX_LISTING_BYTES = 16 * 1024 * 1024;

export interface RemoteFile {
  file: string;
  sha256: string;
  /** Bytes, from the listing or a HEAD request; null when the server does not say. */
  size: number | null;
}

export interface RemotePack {
  source: PackSource;
  /** "huggingface.co/org/name @ main (commit 1a2b3c4d5e)" or the pack.json address. */
  origin: string;
  /** Hugging Face: the commit every file is fetched from (the revision resolved once). */
  commit: string | null;
  manifest: PackManifest;
  /** pack.json exactly as served (it is installed byte for byte). */
  manifestBytes: Buffer;
  manifestSha256: string;
  /** sha256 of the licence text: what the user accepts (a changed licence needs a new acceptance). */
  licenceSha256: string;
  files: RemoteFile[];
  /** pack.json + every listed file; null when a size is unknown. */
  totalBytes: number | null;
}

export const sha256Hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

interface HfSibling {
  rfilename: string;
  size?: number;
  lfs?: { sha256?: string; size?: number };
}

function statusError(res: { status: number; headers: Record<string, string> }, what: string): DownloadError {
  const code = res.headers['x-error-code'] ?? '';
  const msg = res.headers['x-error-message'] ?? '';
  if (code === 'GatedRepo') return new DownloadError('auth', `${what} is gated: accept its conditions on the repository page, then set HF_TOKEN to an access token of that account`);
  if (code === 'RevisionNotFound') return new DownloadError('not-found', `${what}: no such revision (branch, tag or commit)`);
  if (code === 'RepoNotFound' && res.status === 401) {
    // The Hub answers 401 for a repository that does not exist and for one this request may not see.
    return new DownloadError('not-found', `${what}: no such repository, or a private one (then set HF_TOKEN to an access token that may read it)`);
  }
  if (code === 'RepoNotFound' || res.status === 404) return new DownloadError('not-found', `${what}: not found${msg ? ` (${msg})` : ''}`);
  if (code === 'EntryNotFound') return new DownloadError('not-found', `${what}: no such file in the repository`);
  if (res.status === 401 || res.status === 403) {
    return new DownloadError('auth', `${what}: access denied (HTTP ${res.status}) — a private or gated repository needs HF_TOKEN set to an access token that may read it`);
  }
  if (res.status === 407) return new DownloadError('proxy', `${what}: the proxy asks for credentials (HTTP 407); put them in HTTPS_PROXY (http://user:password@host:port)`);
  return new DownloadError('http', `${what}: HTTP ${res.status}${msg ? ` (${msg})` : ''}`);
}

function parseManifest(bytes: Buffer, where: string): PackManifest {
  let raw: unknown;
  try {
    raw = parseJsonBounded(bytes.toString('utf8'), where);
  } catch (e) {
    throw new DownloadError('manifest', e instanceof SyntaxError ? `${where}: not valid JSON (${e.message})` : e instanceof Error ? e.message : String(e));
  }
  try {
    return validateManifest(raw, where);
  } catch (e) {
    if (e instanceof PackError) throw new DownloadError('manifest', e.message, { cause: e });
    throw e;
  }
}

function offlineGuard(env: NodeJS.ProcessEnv): void {
  const v = env.HF_HUB_OFFLINE;
  if (v && !['0', 'false', 'no', 'off', ''].includes(v.toLowerCase())) {
    throw new DownloadError('offline', 'HF_HUB_OFFLINE is set: no download is attempted');
  }
}

/** Reads the listing and pack.json; nothing else is fetched. */
export async function describeRemotePack(source: PackSource, http: HttpClient, o: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<RemotePack> {
  offlineGuard(o.env ?? process.env);
  if (source.kind === 'hf') return describeHf(source, http, o.signal);
  return describeUrl(source, http, o.signal);
}

async function describeHf(source: Extract<PackSource, { kind: 'hf' }>, http: HttpClient, signal?: AbortSignal): Promise<RemotePack> {
  const what = `${new URL(source.endpoint).host}/${source.repo}@${source.revision}`;
  const listing = await http.fetchSmall(hfRevisionApiUrl(source, source.revision), MAX_LISTING_BYTES, { signal });
  if (listing.status !== 200) throw statusError(listing, what);
  let info: { sha?: unknown; siblings?: unknown };
  try {
    info = parseJsonBounded(listing.bytes.toString('utf8'), `${what}: the repository listing`) as typeof info;
  } catch {
    throw new DownloadError('http', `${what}: the repository listing is not JSON (is HF_ENDPOINT a Hugging Face server?)`);
  }
  const commit = typeof info.sha === 'string' && /^[0-9a-f]{40}$/.test(info.sha) ? info.sha : null;
  if (!commit) throw new DownloadError('http', `${what}: the listing names no commit`);
  const siblings = new Map<string, HfSibling>();
  if (Array.isArray(info.siblings)) {
    for (const s of info.siblings as HfSibling[]) if (s && typeof s.rfilename === 'string') siblings.set(s.rfilename, s);
  }
  if (!siblings.has('pack.json')) {
    throw new DownloadError('manifest', `${what} has no pack.json at its root: it is not a Molecule Space pack (a pack is exported with tools/export, see docs/EXPORT.md)`);
  }

  // Everything below comes from the resolved commit, so a push to the branch mid-download cannot mix versions.
  const mres = await http.fetchSmall(hfResolveUrl(source, commit, 'pack.json'), MAX_MANIFEST_BYTES, { signal });
  if (mres.status !== 200) throw statusError(mres, `${what}: pack.json`);
  const manifest = parseManifest(mres.bytes, `${source.repo}/pack.json`);

  const files: RemoteFile[] = [];
  const problems: string[] = [];
  for (const f of listedFiles(manifest)) {
    const s = siblings.get(f.file);
    if (!s) {
      problems.push(`pack.json lists ${f.file}, which is not in the repository`);
      continue;
    }
    const lfsSha = s.lfs?.sha256;
    if (typeof lfsSha === 'string' && /^[0-9a-f]{64}$/.test(lfsSha) && lfsSha !== f.sha256) {
      problems.push(`${f.file}: the repository's file has sha256 ${lfsSha.slice(0, 12)}…, pack.json expects ${f.sha256.slice(0, 12)}…`);
    }
    const size = typeof s.lfs?.size === 'number' ? s.lfs.size : typeof s.size === 'number' ? s.size : null;
    files.push({ file: f.file, sha256: f.sha256, size: size !== null && Number.isSafeInteger(size) && size >= 0 ? size : null });
  }
  if (problems.length) throw new DownloadError('manifest', `${what}: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`);
  return finish(source, commit, manifest, mres.bytes, files);
}

async function describeUrl(source: Extract<PackSource, { kind: 'url' }>, http: HttpClient, signal?: AbortSignal): Promise<RemotePack> {
  const mres = await http.fetchSmall(source.manifestUrl, MAX_MANIFEST_BYTES, { signal });
  if (mres.status !== 200) throw statusError(mres, source.manifestUrl);
  const manifest = parseManifest(mres.bytes, source.manifestUrl);
  // Sizes from HEAD requests, a few at a time.
  const listed = listedFiles(manifest);
  const files: RemoteFile[] = new Array(listed.length);
  let next = 0;
  const worker = async () => {
    while (next < listed.length) {
      const i = next++;
      const f = listed[i]!;
      const url = besideUrl(source.manifestUrl, f.file);
      const res = await http.send(url, { method: 'HEAD', signal });
      await res.body.dump().catch(() => undefined);
      if (res.status === 404 || res.status === 410) throw new DownloadError('manifest', `pack.json lists ${f.file}, which is not on the server (${url}: HTTP ${res.status})`);
      if (res.status >= 400 && res.status !== 405 && res.status !== 501) throw statusError(res, url);
      const len = Number(res.headers['content-length']);
      files[i] = { file: f.file, sha256: f.sha256, size: res.status === 200 && Number.isSafeInteger(len) && len >= 0 ? len : null };
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return finish(source, null, manifest, mres.bytes, files);
}

function finish(source: PackSource, commit: string | null, manifest: PackManifest, bytes: Buffer, files: RemoteFile[]): RemotePack {
  const known = files.every((f) => f.size !== null);
  return {
    source,
    origin: describeSource(source, commit),
    commit,
    manifest,
    manifestBytes: bytes,
    manifestSha256: sha256Hex(bytes),
    licenceSha256: sha256Hex(manifest.licence),
    files,
    totalBytes: known ? bytes.length + files.reduce((a, f) => a + (f.size ?? 0), 0) : null,
  };
}

/** Where a listed file is fetched from. */
export function remoteFileUrl(r: RemotePack, file: string): string {
  if (r.source.kind === 'hf') return hfResolveUrl(r.source, r.commit!, file);
  return besideUrl(r.source.manifestUrl, file);
}
