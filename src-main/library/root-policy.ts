/**
 * What may be a library folder (docs/SECURITY.md, "Library folders"). A library folder is indexed recursively and
 * its media files are served to the UI, so it must be a folder of the user's media, not the whole machine:
 *   - not a file-system root (`/`, `C:\`, a UNC share root): that is every file of every user;
 *   - not the home folder itself (its subfolders — Pictures, Music, Field recordings — are fine): it holds the
 *     app's own data, caches of other programs and keys next to the user's media;
 *   - not inside a system folder (/etc, /usr, /proc …; C:\Windows, Program Files …; /System, /Library …).
 * Checked on the real path, so a symlink to `/` is refused too. Anything else is the user's choice.
 */
import { realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { parse, resolve, sep } from 'node:path';

const LINUX_SYSTEM = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/run', '/sbin', '/sys', '/usr', '/var', '/snap', '/lost+found'];
const MAC_SYSTEM = ['/System', '/Library', '/private', '/bin', '/sbin', '/usr', '/dev', '/etc', '/var', '/cores', '/Applications'];

function windowsSystem(): string[] {
  const env = process.env;
  return [env.SystemRoot ?? 'C:\\Windows', env.ProgramFiles ?? 'C:\\Program Files', env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)', env.ProgramData ?? 'C:\\ProgramData'];
}

export function systemFolders(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return windowsSystem();
  return platform === 'darwin' ? MAC_SYSTEM : LINUX_SYSTEM;
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

const same = (a: string, b: string) => (process.platform === 'win32' || process.platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b);
const inside = (child: string, parent: string) => same(child, parent) || (process.platform === 'win32' || process.platform === 'darwin' ? child.toLowerCase() : child).startsWith((process.platform === 'win32' || process.platform === 'darwin' ? parent.toLowerCase() : parent).replace(/[\\/]+$/, '') + sep);

/** Why `folder` may not be a library folder, or null when it may. */
export function rootRefusal(folder: string): string | null {
  const abs = resolve(folder);
  const r = real(abs);
  const shown = r === abs ? abs : `${abs} (→ ${r})`;
  if (parse(r).root === r || same(r, parse(r).root.replace(/[\\/]+$/, ''))) {
    return `${shown} is the root of a file system; choose the folders that hold your media (e.g. Pictures, Music)`;
  }
  const home = real(homedir());
  if (same(r, home)) return `${shown} is your whole home folder; add the folders that hold your media instead (e.g. ${resolve(home, 'Pictures')})`;
  // the temporary folder may sit inside a system folder (macOS: /private/var/folders/…); it is the user's
  if (inside(r, real(tmpdir()))) return null;
  for (const s of systemFolders()) {
    const rs = real(s);
    if (inside(r, rs) || inside(r, s)) return `${shown} is a system folder (${s}); library folders hold your own media`;
  }
  return null;
}
