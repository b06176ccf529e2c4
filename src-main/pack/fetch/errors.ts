/** What can go wrong while getting a pack, as a kind the UI and the CLI can act on (offline → offer the folder import). */
export type DownloadErrorKind =
  /** What the user typed is not a source we can read. */
  | 'source'
  /** No connection to the server at all (no network, DNS failure, refused, unreachable). */
  | 'offline'
  /** The connection broke or stalled mid-transfer (the partial file is kept; retrying resumes). */
  | 'network'
  /** The proxy from HTTPS_PROXY / HTTP_PROXY refused or could not be reached. */
  | 'proxy'
  /** The server's certificate was not accepted. */
  | 'tls'
  /** The repository, revision or a file does not exist (404). */
  | 'not-found'
  /** Private or gated repository (401/403): a token (HF_TOKEN) is needed. */
  | 'auth'
  /** Any other unexpected HTTP answer. */
  | 'http'
  /** pack.json is missing, invalid, or lists files the source does not have. */
  | 'manifest'
  /** A file's bytes do not match the manifest's sha256 (or its size): refused, never installed. */
  | 'integrity'
  /** The licence was not accepted (or changed after it was shown). */
  | 'licence'
  /** Not enough free space, or the packs folder cannot be written. */
  | 'disk'
  /** A different pack with the same id is installed (replace it explicitly). */
  | 'installed'
  /** Another download of the same pack is running. */
  | 'busy'
  | 'cancelled'
  | 'paused';

export class DownloadError extends Error {
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DownloadError';
  }
}

/** Abort reasons a caller passes to AbortController.abort(): pause keeps the partial files, cancel removes them. */
export const PAUSE = 'pause';
export const CANCEL = 'cancel';

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CLOSED', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_|ERR_SSL_|UNABLE_TO_VERIFY)/;
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EMFILE', 'ENFILE']);

function codeOf(e: unknown): string | undefined {
  for (let x: unknown = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    const c = (x as { code?: unknown }).code;
    if (typeof c === 'string' && c !== 'UND_ERR_ABORTED' && c !== 'UND_ERR_REQ_RETRY') return c;
  }
  return undefined;
}

/** The file system error code (ENOSPC …) if `e` is one. */
export function diskCode(e: unknown): string | undefined {
  const c = codeOf(e);
  return c && DISK_CODES.has(c) ? c : undefined;
}

/**
 * Turns a low-level error of a request to `host` into a DownloadError. `connected` = some response was
 * already received from this host in this download (so it is not "offline", just a broken connection).
 */
export function networkError(e: unknown, host: string, connected: boolean, viaProxy: string | null): DownloadError {
  if (e instanceof DownloadError) return e;
  const code = codeOf(e) ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  if (viaProxy && (/proxy/i.test(msg) || (!connected && OFFLINE_CODES.has(code)))) {
    return new DownloadError('proxy', `the proxy ${viaProxy} did not let the request to ${host} through (${code || msg}); check HTTPS_PROXY / HTTP_PROXY / NO_PROXY`, { cause: e });
  }
  if (TLS_CODES.test(code)) {
    return new DownloadError('tls', `${host}: the server's certificate was not accepted (${code}); if a proxy or firewall re-signs traffic, add its root certificate to the system store or point MOLECULE_CA_CERTS at it`, { cause: e });
  }
  if (OFFLINE_CODES.has(code) && !connected) {
    return new DownloadError('offline', `cannot reach ${host} (${code}): this computer seems to be offline`, { cause: e });
  }
  if (OFFLINE_CODES.has(code) || NETWORK_CODES.has(code)) {
    return new DownloadError('network', `the connection to ${host} broke (${code})`, { cause: e });
  }
  return new DownloadError('network', `${host}: ${msg}${code ? ` (${code})` : ''}`, { cause: e });
}
