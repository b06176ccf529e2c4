import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a bundled worker entry (src-main/**\/<name>.worker.ts → out/workers/<name>.js).
 * Works from source (vitest), from the bundled CLI and from the Electron build, because all of them
 * live under the project root that holds out/workers. MOLECULE_WORKERS_DIR overrides (packaged app).
 */
export function workerPath(name: string): string {
  const override = process.env.MOLECULE_WORKERS_DIR;
  if (override) return join(override, `${name}.js`);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'out', 'workers', `${name}.js`);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`worker "${name}" is not built; run \`npm run build\` (looked for out/workers/${name}.js)`);
}
