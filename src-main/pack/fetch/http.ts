/**
 * The HTTP client of pack downloads: undici with EnvHttpProxyAgent (HTTPS_PROXY / HTTP_PROXY / NO_PROXY from
 * the environment), `Accept-Encoding: identity` (sizes and byte ranges are the file's own bytes), redirects
 * followed by hand so that a token for the Hugging Face endpoint never travels to another host (the large
 * file storage host a `resolve` URL redirects to), and https → http downgrades are refused.
 */
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { CANCEL, DownloadError, networkError, PAUSE } from './errors';
import { checkScheme, isLoopback } from './source';

export interface HttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The address that answered (after the redirects that were followed). */
  url: string;
  body: Dispatcher.ResponseData['body'];
}

export interface SendOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** follow: every redirect (10 at most); same-origin: only redirects to the same origin (relative ones), as
   * huggingface_hub does for the metadata request, so the caller sees the redirect to the file host; none. */
  redirects?: 'follow' | 'same-origin' | 'none';
  signal?: AbortSignal;
}

export interface HttpClientOptions {
  env?: NodeJS.ProcessEnv;
  /** Bearer token sent only to `tokenOrigin` (HF_TOKEN for the Hugging Face endpoint). */
  token?: string | null;
  tokenOrigin?: string | null;
  userAgent?: string;
  /** Milliseconds without a byte before a transfer counts as stalled (default 60 s). */
  idleTimeoutMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Trusted roots: Node's defaults plus (Node ≥ 22.15, i.e. inside Electron) the operating system's store — so a
 * proxy that re-signs traffic with a company root works even though the packaged app ignores
 * NODE_EXTRA_CA_CERTS (NODE_OPTIONS fuse off) — plus the PEM file in $MOLECULE_CA_CERTS.
 * undefined = Node's defaults unchanged.
 */
export function trustedCAs(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const getCA = (tls as unknown as { getCACertificates?: (kind: 'default' | 'system') => string[] }).getCACertificates;
  const extra: string[] = [];
  if (env.MOLECULE_CA_CERTS) {
    try {
      extra.push(readFileSync(env.MOLECULE_CA_CERTS, 'utf8'));
    } catch (e) {
      throw new DownloadError('tls', `MOLECULE_CA_CERTS: cannot read ${env.MOLECULE_CA_CERTS} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  let system: string[] = [];
  try {
    system = getCA ? getCA('system') : [];
  } catch {
    /* no readable system store */
  }
  if (!extra.length && !system.length) return undefined;
  let base: string[];
  if (getCA) base = getCA('default');
  else {
    // Node 20: an explicit `ca` replaces the defaults, NODE_EXTRA_CA_CERTS included; keep both.
    base = [...tls.rootCertificates];
    if (env.NODE_EXTRA_CA_CERTS) {
      try {
        base.push(readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8'));
      } catch {
        /* Node itself warns about an unreadable NODE_EXTRA_CA_CERTS */
      }
    }
  }
  return [...base, ...system, ...extra];
}

/** The proxy a request to `u` goes through, for messages (credentials hidden). Mirrors EnvHttpProxyAgent's rules. */
export function proxyFor(u: URL, env: NodeJS.ProcessEnv = process.env): string | null {
  const httpProxy = env.http_proxy || env.HTTP_PROXY;
  const proxy = u.protocol === 'https:' ? env.https_proxy || env.HTTPS_PROXY || httpProxy : httpProxy;
  if (!proxy) return null;
  const noProxy = (env.no_proxy || env.NO_PROXY || '').split(/[,\s]+/).filter(Boolean);
  const host = u.hostname.toLowerCase();
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  for (const entry of noProxy) {
    if (entry === '*') return null;
    const [h, p] = entry.toLowerCase().replace(/^\*?\./, '.').split(':');
    if (p && p !== port) continue;
    if (h === host || (h!.startsWith('.') && (host.endsWith(h!) || host === h!.slice(1)))) return null;
  }
  try {
    const pu = new URL(proxy);
    pu.username = '';
    pu.password = '';
    return pu.href.replace(/\/$/, '');
  } catch {
    return proxy;
  }
}

export function abortReason(signal: AbortSignal | undefined): DownloadError | null {
  if (!signal?.aborted) return null;
  return signal.reason === PAUSE ? new DownloadError('paused', 'paused') : new DownloadError('cancelled', signal.reason === CANCEL ? 'cancelled' : String(signal.reason ?? 'cancelled'));
}

export class HttpClient {
  readonly dispatcher: Dispatcher;
  private readonly env: NodeJS.ProcessEnv;
  private readonly connected = new Set<string>();
  private readonly idleMs: number;

  constructor(private readonly opts: HttpClientOptions = {}) {
    this.env = opts.env ?? process.env;
    this.idleMs = opts.idleTimeoutMs ?? 60_000;
    const ca = trustedCAs(this.env);
    const tlsOpts = ca ? { ca } : undefined;
    // EnvHttpProxyAgent: HTTP(S)_PROXY / NO_PROXY of the given environment (upper- or lower-case).
    this.dispatcher = new EnvHttpProxyAgent({
      // '' (not undefined) when unset, so that the agent does not fall back to this process's own environment;
      // an empty variable counts as unset (lower-case first, as curl reads them).
      httpProxy: this.env.http_proxy || this.env.HTTP_PROXY || '',
      httpsProxy: this.env.https_proxy || this.env.HTTPS_PROXY || '',
      noProxy: this.env.no_proxy || this.env.NO_PROXY || '',
      headersTimeout: 30_000,
      bodyTimeout: this.idleMs,
      connectTimeout: 15_000,
      ...(tlsOpts ? { connect: tlsOpts, requestTls: tlsOpts, proxyTls: tlsOpts } : {}),
    } as ConstructorParameters<typeof EnvHttpProxyAgent>[0]);
  }

  /** One request, redirects handled as asked. Throws DownloadError for network failures (never for HTTP statuses). */
  async send(url: string, o: SendOptions = {}): Promise<HttpResponse> {
    const mode = o.redirects ?? 'follow';
    let current = url;
    for (let hops = 0; ; hops++) {
      const u = new URL(current);
      checkScheme(u, current);
      const headers: Record<string, string> = {
        'user-agent': this.opts.userAgent ?? 'molecule-space (pack download)',
        'accept-encoding': 'identity',
        ...o.headers,
      };
      if (this.opts.token && this.opts.tokenOrigin && u.origin === this.opts.tokenOrigin) headers.authorization = `Bearer ${this.opts.token}`;
      let res: Dispatcher.ResponseData;
      try {
        res = await request(current, { method: o.method ?? 'GET', headers, dispatcher: this.dispatcher, signal: o.signal });
      } catch (e) {
        throw abortReason(o.signal) ?? networkError(e, u.host, this.connected.has(u.host), proxyFor(u, this.env));
      }
      this.connected.add(u.host);
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
      const location = flat.location;
      if (REDIRECTS.has(res.statusCode) && location && mode !== 'none') {
        const next = new URL(location, current);
        if (mode === 'same-origin' && next.origin !== u.origin) return { status: res.statusCode, headers: flat, url: current, body: res.body };
        await res.body.dump().catch(() => undefined);
        if (hops >= 10) throw new DownloadError('http', `${url}: more than 10 redirects`);
        if (u.protocol === 'https:' && next.protocol === 'http:' && !isLoopback(next.hostname)) {
          throw new DownloadError('http', `${u.host} redirected to plain http (${next.host}); refused`);
        }
        current = next.href;
        continue;
      }
      return { status: res.statusCode, headers: flat, url: current, body: res.body };
    }
  }

  /** GET a small document (pack.json, the repository listing), at most `maxBytes`. */
  async fetchSmall(url: string, maxBytes: number, o: SendOptions = {}): Promise<HttpResponse & { bytes: Buffer }> {
    const res = await this.send(url, o);
    if (res.status !== 200) {
      await res.body.dump().catch(() => undefined);
      return { ...res, bytes: Buffer.alloc(0) };
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body.dump().catch(() => undefined);
      throw new DownloadError('manifest', `${url}: ${declared} bytes, more than the ${maxBytes} a ${o.method === 'HEAD' ? 'header' : 'metadata document'} may have`);
    }
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const c of res.body) {
        n += (c as Buffer).length;
        if (n > maxBytes) {
          res.body.destroy();
          throw new DownloadError('manifest', `${url}: larger than ${maxBytes} bytes`);
        }
        chunks.push(c as Buffer);
      }
    } catch (e) {
      if (e instanceof DownloadError) throw e;
      throw abortReason(o.signal) ?? networkError(e, new URL(res.url).host, true, proxyFor(new URL(res.url), this.env));
    }
    return { ...res, bytes: Buffer.concat(chunks) };
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }
}
