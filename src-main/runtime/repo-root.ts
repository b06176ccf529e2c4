import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding the app's package.json (and resources/, models/, out/). Found by walking up from this
 * module, which works from source (vitest), from bundles in out/ and from the Electron build.
 * MOLECULE_APP_ROOT overrides (packaged app, where resources live elsewhere).
 */
export function findRepoRoot(): string {
  if (process.env.MOLECULE_APP_ROOT) return process.env.MOLECULE_APP_ROOT;
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'resources'))) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('cannot find the application folder (package.json + resources/) above ' + fileURLToPath(import.meta.url));
}
