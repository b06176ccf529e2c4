/**
 * Where a pack is downloaded from: a Hugging Face model repository (`org/name`, optionally `@revision`, also
 * written `hf:org/name` or as the repository's web address), or the https address of a pack.json whose files
 * sit beside it. The Hugging Face endpoint is $HF_ENDPOINT (as in huggingface_hub), default huggingface.co.
 */
import { DownloadError } from './errors';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export type PackSource =
  | { kind: 'hf'; endpoint: string; repo: string; revision: string; text: string }
  | { kind: 'url'; manifestUrl: string; text: string };

/** $HF_ENDPOINT without a trailing slash, checked like any other address we fetch from. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const raw = (env.HF_ENDPOINT ?? '').trim() || DEFAULT_HF_ENDPOINT;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new DownloadError('source', `HF_ENDPOINT is not an address: "${raw.slice(0, 200)}"`);
  }
  checkScheme(u, 'HF_ENDPOINT');
  return u.href.replace(/\/+$/, '');
}

/** Loopback hosts may be plain http (a local mirror, the tests); everything else must be https. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** pack.json carries the sha256 of every file: fetched over plain http from elsewhere, both could be swapped. */
export function checkScheme(u: URL, what: string): void {
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:' && isLoopback(u.hostname)) return;
  if (u.protocol === 'http:') {
    throw new DownloadError('source', `${what}: ${u.host} must be reached over https (plain http is accepted only for this computer, 127.0.0.1/localhost)`);
  }
  throw new DownloadError('source', `${what}: only https addresses are supported, got ${u.protocol}`);
}

// Hugging Face repository names: letters, digits, '-', '_', '.', at most 96 characters each, no '--' or '..'.
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;
function validRepoId(id: string): boolean {
  const parts = id.split('/');
  if (parts.length < 1 || parts.length > 2) return false;
  return parts.every((p) => NAME.test(p) && !p.includes('--') && !p.includes('..'));
}
function validRevision(rev: string): boolean {
  return rev.length > 0 && rev.length <= 255 && !/[\s\0~^:?*[\\]/.test(rev) && !rev.includes('..') && !rev.startsWith('/') && !rev.endsWith('/');
}

/** Parses what the user typed; throws DownloadError('source') with an example of what is accepted. */
export function parsePackSource(input: string, env: NodeJS.ProcessEnv = process.env): PackSource {
  const text = input.trim();
  if (!text) throw new DownloadError('source', 'give a Hugging Face repository (org/name[@revision]) or the https address of a pack.json');
  if (text.length > 2048) throw new DownloadError('source', 'the pack source is too long (more than 2048 characters)');
  const endpoint = hfEndpoint(env);

  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw new DownloadError('source', `not a valid address: "${text.slice(0, 200)}"`);
    }
    checkScheme(u, text);
    const hub = new URL(endpoint);
    if (u.host === hub.host && !u.pathname.endsWith('.json')) {
      // A repository page: https://huggingface.co/org/name or …/org/name/tree/<revision>
      const m = /^\/([^/]+(?:\/[^/]+)?)(?:\/tree\/(.+?))?\/?$/.exec(decodeURIComponent(u.pathname).slice(hub.pathname.replace(/\/$/, '').length));
      if (m && validRepoId(m[1]!) && (!m[2] || validRevision(m[2]))) {
        return { kind: 'hf', endpoint, repo: m[1]!, revision: m[2] ?? 'main', text };
      }
    }
    if (!u.pathname.endsWith('.json')) {
      throw new DownloadError('source', `${text}: give the address of the pack's pack.json (its files must sit beside it), or a Hugging Face repository as org/name`);
    }
    u.hash = '';
    return { kind: 'url', manifestUrl: u.href, text };
  }

  const spec = text.replace(/^hf:/i, '');
  const at = spec.indexOf('@');
  const repo = at >= 0 ? spec.slice(0, at) : spec;
  const revision = at >= 0 ? spec.slice(at + 1) : 'main';
  if (!validRepoId(repo)) {
    throw new DownloadError('source', `"${text.slice(0, 200)}" is neither a Hugging Face repository (like org/molecule-ib-pp-fp16, optionally @revision) nor an https address of a pack.json`);
  }
  if (!validRevision(revision)) throw new DownloadError('source', `"${revision.slice(0, 100)}" is not a valid revision (a branch, tag or commit)`);
  return { kind: 'hf', endpoint, repo, revision, text };
}

/** `{endpoint}/api/models/{repo}/revision/{revision}?blobs=true`: the file listing with sizes and LFS sha256. */
export function hfRevisionApiUrl(s: { endpoint: string; repo: string }, revision: string): string {
  return `${s.endpoint}/api/models/${s.repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
}

/** `{endpoint}/{repo}/resolve/{revision}/{file}` (each path segment encoded, as huggingface_hub's hf_hub_url). */
export function hfResolveUrl(s: { endpoint: string; repo: string }, revision: string, file: string): string {
  return `${s.endpoint}/${s.repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** A file listed in pack.json, beside the manifest's address. */
export function besideUrl(manifestUrl: string, file: string): string {
  return new URL(file.split('/').map(encodeURIComponent).join('/'), manifestUrl).href;
}

/** How the source is shown to the user: "huggingface.co/org/name @ main" or the address. */
export function describeSource(s: PackSource, commit?: string | null): string {
  if (s.kind === 'url') return s.manifestUrl;
  const host = new URL(s.endpoint).host;
  const pinned = commit && commit !== s.revision ? ` (commit ${commit.slice(0, 10)})` : '';
  return `${host}/${s.repo} @ ${s.revision}${pinned}`;
}
