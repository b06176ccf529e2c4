import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { modalityOf } from '../domain/formats';
import { mediaReadError } from '../runtime/env-error';
import type { ItemModality } from '../domain/types';

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
  modality: ItemModality;
}

/**
 * A file name's bytes as text: valid UTF-8 as is, every byte that is not part of valid UTF-8 as `\xHH` (so
 * `caf\xE9.jpg` for Latin-1 "café.jpg"). Lossless and stable, so the same file gets the same record every run.
 */
export function displayName(raw: Buffer): string {
  const text = raw.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(raw)) return text;
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const n = utf8Length(raw, i);
    if (n > 0) {
      out += raw.subarray(i, i + n).toString('utf8');
      i += n;
    } else {
      out += `\\x${raw[i]!.toString(16).toUpperCase().padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at i, or 0. */
function utf8Length(b: Buffer, i: number): number {
  const c = b[i]!;
  const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n <= 1) return n;
  if (i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  const seq = b.subarray(i, i + n);
  return Buffer.from(seq.toString('utf8'), 'utf8').equals(seq) ? n : 0; // rejects overlongs and surrogates
}

/**
 * Recursive walk of one root for supported media (hidden entries skipped, symlinks not followed). Names that are
 * not valid UTF-8 (a Latin-1 `caf\xE9.jpg` copied from an old disk) cannot be kept as the text paths the index,
 * the UI and the media endpoints use: they are reported with their true reason under a lossless display form,
 * rather than failing later as "cannot stat file: ENOENT" under a mangled name.
 */
export async function scanRoot(root: string, out: ScannedFile[], errors: { path: string; reason: string }[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true, encoding: 'buffer' });
  } catch (e) {
    const env = mediaReadError(e, root);
    if (env) throw env;
    errors.push({ path: root, reason: `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
    return;
  }
  for (const ent of entries) {
    const raw = ent.name as unknown as Buffer;
    if (raw[0] === 0x2e) continue; // hidden
    const name = displayName(raw);
    const p = join(root, name);
    const valid = name === raw.toString('utf8');
    if (ent.isDirectory()) {
      if (!valid) {
        errors.push({ path: p, reason: 'folder name is not valid UTF-8 (an older encoding such as Latin-1?); rename the folder to index what it holds' });
        continue;
      }
      await scanRoot(p, out, errors);
    } else if (ent.isFile()) {
      const modality = modalityOf(name);
      if (!modality) continue;
      if (!valid) {
        errors.push({ path: p, reason: 'file name is not valid UTF-8 (an older encoding such as Latin-1?); rename the file to index it' });
        continue;
      }
      try {
        const s = await stat(p);
        out.push({ path: p, size: s.size, mtimeMs: s.mtimeMs, modality });
      } catch (e) {
        errors.push({ path: p, reason: `cannot stat file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      }
    }
  }
}
