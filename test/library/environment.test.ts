/**
 * Environmental errors (issue 15, item 2): a full or read-only disk under the thumbnail cache, the database or an
 * export stops the work with a plain message, records nothing against any file, leaves nothing half-written, and
 * the next run after space is freed indexes everything. On a real tmpfs when root may mount one (test/helpers/
 * small-fs.ts explains the RLIMIT_FSIZE fallback and which cases need a real file system).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { exportCollection } from '../../src-main/organise/export';
import type { CollectionMember } from '../../src-main/organise/types';
import { repoRoot } from '../helpers/fixtures';
import { smallFs, type SmallFs } from '../helpers/small-fs';
import { PACK, tempDir } from './helpers';
import { makeImage, makeWav } from './media';

const CLI = join(repoRoot, 'out', 'cli', 'molecule.js');
const { dir, cleanup } = tempDir('environment');
const images = join(dir, 'images');
const sounds = join(dir, 'sounds');
const mounts: SmallFs[] = [];
const N_IMAGES = 8;
const N_SOUNDS = 12;

beforeAll(async () => {
  for (let i = 0; i < N_IMAGES; i++) await makeImage(join(images, `p${i}.png`), i);
  for (let i = 0; i < N_SOUNDS; i++) makeWav(join(sounds, `s${i}.wav`), i, 2.5);
});
afterAll(() => {
  for (const m of mounts) m.unmount();
  cleanup();
});

function small(name: string, bytes: number): SmallFs {
  const m = smallFs(join(dir, name), bytes);
  mounts.push(m);
  return m;
}

interface Summary {
  phase: string;
  indexed: number;
  unchanged: number;
  failed: number;
  error?: string;
  failures: { path: string; reason: string }[];
}

function index(folder: string, db: string, prefix: string[] = []): { status: number | null; summary: Summary | null; stderr: string } {
  const cmd = [...prefix, process.execPath, CLI, 'index', folder, '--db', db, '--pack', PACK, '--quiet', '--no-checksums', '--workers', '1'];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  let summary: Summary | null = null;
  try {
    summary = JSON.parse(r.stdout);
  } catch {
    /* no summary: the library could not be opened */
  }
  return { status: r.status, summary, stderr: r.stderr };
}

function dbState(db: string): { failures: number; files: number; integrity: string } {
  const d = new Database(db, { readonly: true });
  try {
    return {
      failures: (d.prepare('SELECT COUNT(*) AS n FROM failures').get() as { n: number }).n,
      files: (d.prepare('SELECT COUNT(*) AS n FROM files').get() as { n: number }).n,
      integrity: (d.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
    };
  } finally {
    d.close();
  }
}

const probe = smallFs(join(dir, 'probe'), 64 * 1024);
const TMPFS = probe.mode === 'tmpfs';
probe.unmount();

describe('a full disk stops the run, blames no file, and the next run finishes the work', () => {
  it.skipIf(!TMPFS)('thumbnail cache full (ENOSPC): plain message, nothing recorded as failed; after freeing space everything indexes', { timeout: 120_000 }, () => {
    const db = join(dir, 'thumbs-full', 'lib.db');
    mkdirSync(join(dir, 'thumbs-full'), { recursive: true });
    const fs = small(join('thumbs-full', 'lib.db.thumbs'), 8 * 1024);
    const a = index(images, db);
    expect(a.status).toBe(1);
    expect(a.summary!.phase).toBe('error');
    expect(a.summary!.error).toMatch(/the disk holding the thumbnail cache .*lib\.db\.thumbs is full \(ENOSPC\); free some space and index again\. No file was marked as failed/);
    expect(a.summary!.error).not.toMatch(/rollback/);
    expect(a.stderr).toMatch(/molecule index: Indexing stopped: the disk holding the thumbnail cache/);
    expect(a.summary!.failed).toBe(0);
    const s1 = dbState(db);
    expect(s1).toMatchObject({ failures: 0, integrity: 'ok' });
    expect(s1.files).toBeLessThan(N_IMAGES);
    fs.grow(16 * 2 ** 20);
    const b = index(images, db);
    expect(b.status, b.stderr).toBe(0);
    expect(b.summary).toMatchObject({ phase: 'done', failed: 0, unchanged: s1.files, indexed: N_IMAGES - s1.files });
    expect(dbState(db)).toMatchObject({ failures: 0, files: N_IMAGES, integrity: 'ok' });
    // what the stopped run wrote but never committed (an orphan thumbnail) and any temp file are gone
    expect(readdirSync(fs.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(fs.dir)).toHaveLength(N_IMAGES);
  });

  it('database full (SQLITE_FULL, or EFBIG under RLIMIT_FSIZE): plain message, database intact, next run completes', { timeout: 180_000 }, () => {
    const fs = small('db-full', 448 * 1024);
    const db = join(fs.dir, 'lib.db');
    const a = index(sounds, db, fs.prefix);
    expect(a.status).toBe(1);
    const message = a.summary?.error ?? a.stderr;
    // The database and its vector segment files (lib.db.vectors/) share the small disk: whichever write comes first
    // finds it full. Under RLIMIT_FSIZE the WAL write fails with EFBIG, which SQLite reports as SQLITE_IOERR_WRITE.
    expect(message).toMatch(fs.mode === 'tmpfs' ? /lib\.db(\.vectors\S*)? is full \((SQLITE_FULL|ENOSPC)\)/ : /lib\.db(\.vectors\S*)? (is full|\(SQLITE_IOERR_WRITE\))/);
    expect(message).not.toMatch(/rollback/);
    if (a.summary) expect(a.summary.failed).toBe(0);
    fs.grow(64 * 2 ** 20);
    const s1 = dbState(db);
    expect(s1).toMatchObject({ failures: 0, integrity: 'ok' });
    expect(s1.files).toBeLessThan(N_SOUNDS);
    const b = index(sounds, db, fs.prefix);
    expect(b.status, b.stderr).toBe(0);
    expect(b.summary).toMatchObject({ phase: 'done', failed: 0, unchanged: s1.files, indexed: N_SOUNDS - s1.files });
    expect(dbState(db)).toMatchObject({ failures: 0, files: N_SOUNDS, integrity: 'ok' });
  });

  it.skipIf(!TMPFS)('vector segment files full (ENOSPC): plain message naming them, nothing recorded, database intact; then everything indexes', { timeout: 180_000 }, () => {
    const db = join(dir, 'vectors-full', 'lib.db');
    mkdirSync(join(dir, 'vectors-full'), { recursive: true });
    const fs = small(join('vectors-full', 'lib.db.vectors'), 12 * 1024);
    const a = index(sounds, db);
    expect(a.status, a.stderr).toBe(1);
    expect(a.summary!.phase).toBe('error');
    expect(a.summary!.error).toMatch(/the disk holding .*lib\.db\.vectors.* is full \(ENOSPC\); free some space and index again\. No file was marked as failed/);
    expect(a.summary!.failed).toBe(0);
    const s1 = dbState(db);
    expect(s1).toMatchObject({ failures: 0, integrity: 'ok' });
    expect(s1.files).toBeLessThan(N_SOUNDS);
    fs.grow(16 * 2 ** 20);
    const b = index(sounds, db);
    expect(b.status, b.stderr).toBe(0);
    expect(b.summary).toMatchObject({ phase: 'done', failed: 0, unchanged: s1.files, indexed: N_SOUNDS - s1.files });
    expect(dbState(db)).toMatchObject({ failures: 0, files: N_SOUNDS, integrity: 'ok' });
  });
});

describe('a read-only disk', () => {
  it.skipIf(!TMPFS && process.getuid?.() === 0)('thumbnail cache read-only (EROFS / EACCES): plain message, nothing recorded; writable again → indexes', { timeout: 120_000 }, () => {
    const db = join(dir, 'thumbs-ro', 'lib.db');
    mkdirSync(join(dir, 'thumbs-ro'), { recursive: true });
    const fs = small(join('thumbs-ro', 'lib.db.thumbs'), 4 * 2 ** 20);
    fs.readOnly(true);
    const a = index(images, db);
    expect(a.status).toBe(1);
    expect(a.summary!.error).toMatch(/thumbnail cache .* (is on a read-only file system \(EROFS\)|no permission to write .* \(EACCES\))/);
    expect(a.summary!.failed).toBe(0);
    expect(dbState(db)).toMatchObject({ failures: 0, files: 0, integrity: 'ok' });
    fs.readOnly(false);
    const b = index(images, db);
    expect(b.summary).toMatchObject({ phase: 'done', failed: 0, indexed: N_IMAGES });
  });

  it.skipIf(!TMPFS)('library database on a read-only disk: refused with a plain message; the database is untouched', { timeout: 120_000 }, () => {
    const fs = small('db-ro', 16 * 2 ** 20);
    const db = join(fs.dir, 'lib.db');
    expect(index(images, db).summary).toMatchObject({ phase: 'done', indexed: N_IMAGES });
    const before = readFileSync(db);
    fs.readOnly(true);
    const a = index(images, db);
    expect(a.status).not.toBe(0);
    expect(a.summary?.error ?? a.stderr).toMatch(/read-only file system|SQLITE_READONLY|EROFS|readonly/i);
    expect(a.stderr).not.toMatch(/rollback|panicked/);
    fs.readOnly(false);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(dbState(db)).toMatchObject({ failures: 0, files: N_IMAGES, integrity: 'ok' });
  });
});

describe('exports to a full or read-only disk', () => {
  const members = (): CollectionMember[] =>
    readdirSync(sounds).map((n, i) => ({
      itemId: i + 1, path: join(sounds, n), name: n, modality: 'audio', durationSec: 2.5, width: null, height: null, date: 0, addedAt: 0, score: null,
    }) as unknown as CollectionMember);

  it.skipIf(!TMPFS)('folder copy onto a full disk stops with a plain message and leaves no half-copied file', async () => {
    const fs = small('export-full', 200 * 1024);
    const dest = join(fs.dir, 'out');
    const err = await exportCollection(members(), 'folder', dest).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/^Export stopped after \d+ of 12 files: the disk holding .*out is full \(ENOSPC\)/);
    for (const n of readdirSync(dest)) expect(statSync(join(dest, n)).size, n).toBe(statSync(join(sounds, n)).size);
  });

  it.skipIf(!TMPFS)('playlist onto a read-only disk: plain message, no temp file', async () => {
    const fs = small('export-ro', 1024 * 1024);
    fs.readOnly(true);
    const err = await exportCollection(members(), 'm3u', join(fs.dir, 'list.m3u')).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/^Export failed: .*list\.m3u is on a read-only file system \(EROFS\)/);
    fs.readOnly(false);
    expect(readdirSync(fs.dir)).toEqual([]);
    const full = small('export-full-list', 4096);
    writeFileSync(join(full.dir, 'filler'), Buffer.alloc(4096)); // fill it completely
    const e2 = await exportCollection(members(), 'csv', join(full.dir, 'list.csv')).then(() => null, (e: Error) => e);
    expect(e2?.message).toMatch(/^Export failed: the disk holding .*list\.csv is full \(ENOSPC\)/);
    expect(existsSync(join(full.dir, 'list.csv'))).toBe(false);
    expect(readdirSync(full.dir)).toEqual(['filler']);
  });
});

describe('what killed runs leave in the thumbnail cache', () => {
  it('temporary thumbnails and thumbnails of never-committed items are removed when the next run takes the library', () => {
    const db = join(dir, 'clean', 'lib.db');
    expect(index(images, db).summary).toMatchObject({ phase: 'done', indexed: N_IMAGES });
    const thumbs = `${db}.thumbs`;
    const kept = readdirSync(thumbs).sort();
    expect(kept).toHaveLength(N_IMAGES);
    writeFileSync(join(thumbs, `${'a'.repeat(64)}.webp.4242.tmp`), 'half a thumbnail'); // the old naming
    writeFileSync(join(thumbs, `${'b'.repeat(64)}.webp.4242-3-17.tmp`), 'half a thumbnail');
    writeFileSync(join(thumbs, `${'c'.repeat(64)}.webp`), 'thumbnail of an item that was never committed');
    writeFileSync(join(thumbs, 'notes.txt'), 'not ours: left alone');
    writeFileSync(join(thumbs, `${'d'.repeat(64)}.strip.webp`), 'film strip of a video that was never committed');
    const r = index(images, db);
    expect(r.summary).toMatchObject({ phase: 'done', unchanged: N_IMAGES });
    expect(readdirSync(thumbs).sort()).toEqual([...kept, 'notes.txt'].sort());
  });
});

describe('videos: the poster and film strip go to the thumbnail cache too', () => {
  it.skipIf(!TMPFS)('a read-only or full cache stops the run naming the cache, records no failure for the video; then it indexes', { timeout: 180_000 }, async () => {
    const { tone, writeVideoFile } = await import('../helpers/media/video');
    const videos = join(dir, 'videos');
    mkdirSync(videos, { recursive: true });
    const W = 64, H = 48;
    const rgb = (i: number) => Uint8Array.from({ length: W * H * 3 }, (_, p) => ((p % 3) * 80 + i * 9 + (p >> 6)) & 255);
    await writeVideoFile(join(videos, 'clip.mp4'), {
      format: 'mp4',
      video: { codec: 'libx264', width: W, height: H, fps: 10, frames: 40, rgb, options: { preset: 'ultrafast' } },
      audio: { codec: 'aac', sampleRate: 48000, channels: tone(4, 48000, 440) },
    });
    const db = join(dir, 'video-ro', 'lib.db');
    mkdirSync(join(dir, 'video-ro'), { recursive: true });
    const fs = small(join('video-ro', 'lib.db.thumbs'), 16 * 2 ** 20);
    fs.readOnly(true);
    const a = index(videos, db);
    expect(a.status, a.stderr).toBe(1);
    expect(a.summary!.error).toMatch(/thumbnail cache .*lib\.db\.thumbs is on a read-only file system \(EROFS\)/);
    expect(a.summary!.failed).toBe(0);
    expect(dbState(db)).toMatchObject({ failures: 0, files: 0, integrity: 'ok' });
    fs.readOnly(false);
    fs.grow(8 * 1024); // now too small for the poster and strip: full, not read-only
    writeFileSync(join(fs.dir, 'filler'), Buffer.alloc(8 * 1024));
    const b = index(videos, db);
    expect(b.status, b.stderr).toBe(1);
    expect(b.summary!.error).toMatch(/the disk holding the thumbnail cache .*lib\.db\.thumbs is full \(ENOSPC\)/);
    expect(dbState(db)).toMatchObject({ failures: 0, files: 0, integrity: 'ok' });
    fs.grow(16 * 2 ** 20);
    const c = index(videos, db);
    expect(c.status, c.stderr).toBe(0);
    expect(c.summary).toMatchObject({ phase: 'done', failed: 0, indexed: 1 });
    const names = readdirSync(fs.dir).filter((n) => n !== 'filler').sort();
    expect(names).toHaveLength(2);
    expect(names.some((n) => n.endsWith('.strip.webp'))).toBe(true);
  });
});

describe('the index and its thumbnails are the user\'s alone', () => {
  it.skipIf(process.platform === 'win32')('a new database (and its WAL) is 0600, the folders the library creates 0700', () => {
    const db = join(dir, 'private', 'new', 'lib.db');
    expect(index(images, db).summary).toMatchObject({ phase: 'done' });
    expect(statSync(db).mode & 0o777).toBe(0o600);
    if (existsSync(`${db}-wal`)) expect(statSync(`${db}-wal`).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'private', 'new')).mode & 0o777).toBe(0o700);
    expect(statSync(`${db}.thumbs`).mode & 0o777).toBe(0o700);
    for (const d of readdirSync(`${db}.vectors`)) expect(statSync(join(`${db}.vectors`, d)).mode & 0o777, d).toBe(0o700);
  });
});
