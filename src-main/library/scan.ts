import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { modalityOf } from '../domain/formats';
import type { ItemModality } from '../domain/types';

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
  modality: ItemModality;
}

/** Recursive walk of one root for supported media (hidden entries skipped, symlinks not followed). */
export async function scanRoot(root: string, out: ScannedFile[], errors: { path: string; reason: string }[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (e) {
    errors.push({ path: root, reason: `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
    return;
  }
  for (const ent of entries) {
    if (ent.name.startsWith('.')) continue;
    const p = join(root, ent.name);
    if (ent.isDirectory()) {
      await scanRoot(p, out, errors);
    } else if (ent.isFile()) {
      const modality = modalityOf(p);
      if (!modality) continue;
      try {
        const s = await stat(p);
        out.push({ path: p, size: s.size, mtimeMs: s.mtimeMs, modality });
      } catch (e) {
        errors.push({ path: p, reason: `cannot stat file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      }
    }
  }
}
