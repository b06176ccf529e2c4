/**
 * Files dropped or pasted as a search query in a browser (the bridge cannot see the user's path): written
 * into one folder of the data directory, which keeps only the most recent uploads.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modalityOf } from '../domain/formats';
import type { ItemModality } from '../domain/types';

/** Uploads kept in the folder (the oldest go first; names start with the upload time). */
export const KEPT_UPLOADS = 50;

/** Upload stamps strictly increase within a process, so two uploads in one millisecond still sort in order. */
let lastStamp = 0;
function nextStamp(): number {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return lastStamp;
}

export function saveQueryUpload(dir: string, name: string, bytes: Uint8Array, keep = KEPT_UPLOADS): { path: string; modality: Exclude<ItemModality, 'video'> } {
  const modality = modalityOf(name);
  if (!modality) throw new Error(`${name}: not a supported image or audio file type`);
  if (modality === 'video') throw new Error(`${name}: a video cannot be a query; search by one of its frames (an image) or by a sound`);
  mkdirSync(dir, { recursive: true });
  pruneUploads(dir, keep - 1);
  const path = join(dir, `${nextStamp()}-${randomBytes(4).toString('hex')}-${name}`);
  writeFileSync(path, bytes);
  return { path, modality };
}

/** Deletes all but the `keep` newest uploads (file names sort by upload time). */
export function pruneUploads(dir: string, keep: number): void {
  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch {
    return; // nothing to prune
  }
  for (const f of files.slice(0, Math.max(0, files.length - keep))) rmSync(join(dir, f), { force: true });
}
