import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:fs';
import { access, copyFile, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { ownFileError } from '../runtime/env-error';
import { basename, dirname, extname, join } from 'node:path';
import type { CollectionMember } from './types';

/** Export a collection: a folder copy, an M3U playlist (audio) or a CSV list. Nothing is moved or deleted. */

/** Errors while writing the export (not while reading a member): the destination's fault, stop with a plain message. */
const DEST_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG', 'EIO']);

export async function exportFolderCopy(members: CollectionMember[], dest: string): Promise<{ copied: number; failed: { path: string; reason: string }[] }> {
  try {
    await mkdir(dest, { recursive: true });
    await access(dest, constants.W_OK);
  } catch (e) {
    throw ownFileError(e, dest, 'Export failed') ?? e;
  }
  const used = new Set<string>();
  const failed: { path: string; reason: string }[] = [];
  let copied = 0;
  for (const m of members) {
    const ext = extname(m.path);
    const stem = basename(m.path, ext);
    let name = stem + ext;
    for (let i = 2; used.has(name.toLowerCase()) || (await exists(join(dest, name))); i++) name = `${stem} (${i})${ext}`;
    used.add(name.toLowerCase());
    const to = join(dest, name);
    try {
      await copyFile(m.path, to, 1 /* COPYFILE_EXCL: never overwrite */);
      copied++;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (DEST_ERRNO.has(code)) {
        // a full or read-only destination: no half-copied file stays, and the export stops saying why
        await unlink(to).catch(() => undefined);
        const env = ownFileError(e, dest, `Export stopped after ${copied} of ${members.length} files`)!;
        throw env;
      }
      failed.push({ path: m.path, reason: code || String(e) });
    }
  }
  return { copied, failed };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Extended M3U: `#EXTINF:<seconds>,<title>` then the absolute path. Images are left out (players can't play them). */
export function toM3U(members: CollectionMember[]): string {
  const lines = ['#EXTM3U'];
  for (const m of members) {
    if (m.modality !== 'audio') continue;
    const secs = m.durationSec == null ? -1 : Math.round(m.durationSec);
    lines.push(`#EXTINF:${secs},${m.name.replace(/[\r\n]+/g, ' ')}`, m.path);
  }
  return lines.join('\n') + '\n';
}

const CSV_COLUMNS = ['path', 'name', 'modality', 'duration_sec', 'width', 'height', 'date_iso', 'score'] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header row. */
export function toCSV(members: CollectionMember[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const m of members) {
    rows.push(
      [m.path, m.name, m.modality, m.durationSec, m.width, m.height, new Date(m.date).toISOString(), m.score]
        .map(csvCell)
        .join(','),
    );
  }
  return rows.join('\r\n') + '\r\n';
}

/**
 * Write via a temp file and rename, so a crash never leaves half a playlist; a full or read-only disk leaves no temp
 * file behind and says so plainly.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    // The folder is created if needed, as for a folder copy (a typed "exports/list.csv" just works).
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw ownFileError(e, path, 'Export failed') ?? e;
  }
}

export type ExportFormat = 'folder' | 'm3u' | 'csv';

/**
 * Exports a collection: `folder` copies the files into `dest`; `m3u` (sounds only) and `csv` write one list
 * file at `dest` (atomically). `written` counts files copied or entries listed.
 */
export async function exportCollection(
  members: CollectionMember[],
  format: ExportFormat,
  dest: string,
): Promise<{ written: number; failed: { path: string; reason: string }[] }> {
  if (format === 'folder') {
    const r = await exportFolderCopy(members, dest);
    return { written: r.copied, failed: r.failed };
  }
  if (existsSync(dest) && statSync(dest).isDirectory()) throw new Error(`${dest} is a folder; give a file name for the ${format.toUpperCase()} list`);
  await writeAtomically(dest, format === 'm3u' ? toM3U(members) : toCSV(members));
  return { written: format === 'm3u' ? members.filter((m) => m.modality === 'audio').length : members.length, failed: [] };
}
