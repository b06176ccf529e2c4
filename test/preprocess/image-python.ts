import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PYTHON } from '../helpers/reference-tools';

const GEN = fileURLToPath(new URL('./image-pillow-gen.py', import.meta.url));

/** Run image-pillow-gen.py in a fresh temp folder; returns the folder and its manifest. */
export function generate<T>(mode: 'resize' | 'formats' | 'pipeline'): { dir: string; manifest: T[] } {
  const dir = mkdtempSync(join(tmpdir(), `molecule-image-${mode}-`));
  execFileSync(PYTHON, [GEN, mode, dir], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  return { dir, manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as T[] };
}
