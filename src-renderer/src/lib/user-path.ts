/**
 * A path as a person types it → the absolute path the engine needs. `~` and `~/…` mean the home folder, a relative
 * path starts in the home folder (like a file manager), quotes around a pasted path and `file://` URLs are accepted.
 * What cannot be turned into a path comes back as a problem in plain words (never an engine or channel message).
 */
export type ResolvedPath = { path: string; expanded: boolean } | { problem: string };

export function resolveUserPath(typed: string, home: string, platform: string): ResolvedPath {
  const win = platform === 'win32';
  const sep = win ? '\\' : '/';
  let p = typed.trim();
  if (p.length >= 2 && (p[0] === '"' || p[0] === "'") && p.endsWith(p[0]!)) p = p.slice(1, -1).trim();
  if (/^file:\/\//i.test(p)) {
    try {
      p = decodeURIComponent(new URL(p).pathname);
      if (win) p = p.replace(/^\/([A-Za-z]:)/, '$1');
    } catch {
      return { problem: 'That file:// address is not valid: type the folder’s path instead, e.g. ' + example(home, sep) + '.' };
    }
  }
  if (!p) return { problem: 'Type the path of a folder, e.g. ' + example(home, sep) + '.' };
  let expanded = false;
  if (p === '~' || p.startsWith('~/') || (win && p.startsWith('~\\'))) {
    p = home + p.slice(1);
    expanded = true;
  } else if (p.startsWith('~')) {
    return { problem: `“${p.split(/[\\/]/)[0]}” is not a folder name here: type the full path, e.g. ${example(home, sep)}.` };
  }
  const absolute = win ? /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]/.test(p) : p.startsWith('/');
  if (win && /^[A-Za-z]:$/.test(p)) p += '\\';
  else if (!absolute) {
    if (win && /^[A-Za-z]:/.test(p)) return { problem: `Add a backslash after the drive letter: ${p.slice(0, 2)}\\${p.slice(2)}` };
    p = home + sep + p;
    expanded = true;
  }
  return { path: normalise(p, sep), expanded };
}

function example(home: string, sep: string): string {
  return `${home}${sep}Pictures`;
}

/** Collapses `.`, `..` and repeated separators (never above the root). */
function normalise(p: string, sep: string): string {
  const unc = sep === '\\' && p.startsWith('\\\\');
  const parts = p.split(/[\\/]+/); // a UNC path starts ['', 'server', 'share', …]
  const head = unc ? '\\\\' + parts.slice(1, 3).join('\\') : parts[0]!; // '' (POSIX root), 'C:' or \\server\share
  const out: string[] = [];
  for (const part of parts.slice(unc ? 3 : 1)) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  const body = out.join(sep);
  if (sep === '/') return '/' + body;
  return unc ? head + (body ? '\\' + body : '') : head + '\\' + body;
}
