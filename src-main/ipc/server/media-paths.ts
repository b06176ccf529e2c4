/**
 * Which files the media protocol (Electron `molecule-media://`) and the bridge's /media route may serve:
 * only regular files whose REAL path lies inside a library root or the thumbnail cache. Plain Node, so it
 * is unit-tested without Electron.
 *
 * URL form: `<base>/local/<percent-encoded absolute path segments>`, e.g.
 *   /local/home/ann/Music/rain%20loop.wav     (POSIX)
 *   /local/C:/Users/ann/Music/rain.wav        (Windows)
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep, win32, posix } from 'node:path';
import { extensionOf, modalityOf } from '../../domain/formats';

export class MediaPathError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404,
  ) {
    super(message);
    this.name = 'MediaPathError';
  }
}

/** Builds the URL path (without scheme/host) for an absolute file path. Inverse of decodeMediaUrlPath. */
export function encodeMediaUrlPath(absPath: string): string {
  const winDrive = /^[A-Za-z]:[\\/]/.test(absPath);
  const parts = (winDrive ? absPath.split(/[\\/]/) : absPath.split('/')).filter((p, i) => i === 0 || p !== '');
  const segs = winDrive ? parts : parts.slice(1);
  return '/local/' + segs.map((s, i) => (winDrive && i === 0 ? s : encodeURIComponent(s))).join('/');
}

/**
 * Turns `/local/<segments>` into an absolute path, refusing anything that could step out of a folder:
 * `.`/`..` segments (plain or percent-encoded), encoded separators (%2F, %5C), NUL, malformed escapes.
 */
export function decodeMediaUrlPath(urlPath: string, platform: NodeJS.Platform = process.platform): string {
  const q = urlPath.indexOf('?');
  const pathOnly = q >= 0 ? urlPath.slice(0, q) : urlPath;
  if (!pathOnly.startsWith('/local/')) throw new MediaPathError(`media path must start with /local/: ${pathOnly.slice(0, 80)}`, 400);
  const raw = pathOnly.slice('/local/'.length).split('/');
  if (raw.length === 0 || raw.some((s) => s === '')) throw new MediaPathError('media path has empty segments', 400);
  const segs = raw.map((s) => {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw new MediaPathError(`malformed percent-encoding in media path segment "${s.slice(0, 40)}"`, 400);
    }
    if (d === '.' || d === '..') throw new MediaPathError('media path may not contain "." or ".." segments', 400);
    if (d.includes('/') || d.includes('\\')) throw new MediaPathError('media path may not contain encoded separators', 400);
    if (d.includes('\0')) throw new MediaPathError('media path contains NUL', 400);
    return d;
  });
  const winDrive = /^[A-Za-z]:$/.test(segs[0]!);
  if (platform === 'win32') {
    if (!winDrive) throw new MediaPathError('media path must start with a drive letter on Windows', 400);
    return win32.join(segs[0]! + '\\', ...segs.slice(1));
  }
  if (winDrive) throw new MediaPathError('drive-letter media paths are only valid on Windows', 400);
  return posix.join('/', ...segs);
}

/** True when `child` equals `parent` or lies below it (both already real, absolute paths). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
}

/**
 * Resolves a requested absolute path to the real file it names, and only if that real path lies inside
 * the real path of one of `allowedRoots` (so a symlink pointing out of a root is refused).
 */
export async function resolveAllowedFile(requested: string, allowedRoots: readonly string[]): Promise<string> {
  if (!isAbsolute(requested)) throw new MediaPathError('media path must be absolute', 400);
  if (resolve(requested) !== requested) {
    throw new MediaPathError('media path is not normalised', 400);
  }
  const lexicalOk = allowedRoots.some((r) => isInside(resolve(r), resolve(requested)));
  if (!lexicalOk) throw new MediaPathError('media path is outside the library folders', 403);
  let real: string;
  try {
    real = await realpath(requested);
  } catch {
    throw new MediaPathError('media file not found', 404);
  }
  const realRoots = await Promise.all(allowedRoots.map((r) => realpath(r).catch(() => null)));
  if (!realRoots.some((r) => r !== null && isInside(r, real))) {
    throw new MediaPathError('media path leaves the library folders (symlink)', 403);
  }
  const st = await stat(real).catch(() => null);
  if (!st) throw new MediaPathError('media file not found', 404);
  if (!st.isFile()) throw new MediaPathError('media path is not a file', 403);
  return real;
}

/** URL path → the real allowed file, in one step. */
export async function resolveMediaUrlPath(urlPath: string, allowedRoots: readonly string[]): Promise<string> {
  return resolveAllowedFile(decodeMediaUrlPath(urlPath), allowedRoots);
}

/**
 * resolveAllowedFile for the media endpoints (bridge /media/, the app's molecule-media: protocol): besides lying
 * inside a library folder, the file must be of a type the library indexes (or a .webp thumbnail), so even a broad
 * library folder never serves documents, keys or configuration files that happen to live in it.
 */
export async function resolveAllowedMedia(requested: string, allowedRoots: readonly string[]): Promise<string> {
  const real = await resolveAllowedFile(requested, allowedRoots);
  if (!modalityOf(real) && extensionOf(real) !== 'webp') throw new MediaPathError('not a media file', 403);
  return real;
}
