/**
 * The library's bookkeeping invariant, checked after every run, kill -9 and rescan over a folder full of
 * byte-identical copies, hard links and renames (issue 15, item 0):
 *
 *   files on disk = files recorded + failures recorded (disjoint), failures = exactly the broken files,
 *   every recorded path points at an item whose hash is the sha256 of the bytes on disk, with vectors.
 *
 * After a kill the run is unfinished, so only "recorded ⊆ disk, every record true, database whole" holds;
 * the next run must restore the full invariant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { modalityOf } from '../../src-main/domain/formats';
import { repoRoot } from '../helpers/fixtures';
import { PACK, tempDir } from './helpers';
import { makeImage, makeWav } from './media';

const CLI = join(repoRoot, 'out', 'cli', 'molecule.js');
const DEMO = join(repoRoot, 'resources', 'demo');
const { dir, cleanup } = tempDir('invariant');
const lib = join(dir, 'lib');
/** Paths (relative to lib) of files that are broken on purpose: the only allowed failures. */
const broken = new Set<string>();

beforeAll(async () => {
  mkdirSync(join(lib, 'copies', 'deeper'), { recursive: true });
  for (const f of readdirSync(DEMO).filter((n) => modalityOf(n))) {
    copyFileSync(join(DEMO, f), join(lib, f));
    const dot = f.lastIndexOf('.');
    // the repro: "BBQ copy.jpeg" next to "BBQ.jpeg", plus more copies and a hard link per file
    copyFileSync(join(DEMO, f), join(lib, `${f.slice(0, dot)} copy${f.slice(dot)}`));
    copyFileSync(join(DEMO, f), join(lib, 'copies', f));
    copyFileSync(join(DEMO, f), join(lib, 'copies', 'deeper', `again ${f}`));
    linkSync(join(lib, f), join(lib, 'copies', `hardlink ${f}`));
  }
  for (let i = 0; i < 4; i++) {
    await makeImage(join(lib, `gen${i}.png`), i);
    makeWav(join(lib, `tone${i}.wav`), i, 1.5);
    copyFileSync(join(lib, `gen${i}.png`), join(lib, 'copies', `gen${i} (1).png`));
    copyFileSync(join(lib, `tone${i}.wav`), join(lib, 'copies', `tone${i} (1).wav`));
  }
  // broken files, each with a byte-identical copy: both copies must be recorded as failures
  const jpg = readFileSync(join(DEMO, 'train.jpeg'));
  for (const n of ['truncated.jpeg', join('copies', 'truncated copy.jpeg')]) {
    writeFileSync(join(lib, n), jpg.subarray(0, 600));
    broken.add(n);
  }
  for (const n of ['garbage.mp3', join('copies', 'garbage copy.mp3')]) {
    writeFileSync(join(lib, n), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) & 255)));
    broken.add(n);
  }
});
afterAll(cleanup);

function onDisk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? join(rel, e.name) : e.name;
    if (e.isDirectory()) out.push(...onDisk(root, r));
    else if (e.isFile() && modalityOf(e.name)) out.push(r);
  }
  return out.sort();
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const distinctGood = () => new Set(onDisk(lib).filter((p) => !broken.has(p)).map((p) => sha(join(lib, p)))).size;

interface Records {
  files: { path: string; hash: string; vectors: number }[];
  failures: { path: string; reason: string }[];
  orphans: number;
  integrity: string;
}

function records(db: string): Records {
  const d = new Database(db, { readonly: true });
  try {
    return {
      files: d.prepare(
        `SELECT f.path, i.hash, (SELECT COUNT(*) FROM vectors v WHERE v.item_id = i.id) AS vectors
         FROM files f JOIN items i ON i.id = f.item_id ORDER BY f.path`,
      ).all() as Records['files'],
      failures: d.prepare('SELECT path, reason FROM failures ORDER BY path').all() as Records['failures'],
      orphans: (d.prepare('SELECT COUNT(*) AS n FROM items i WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.item_id = i.id)').get() as { n: number }).n,
      integrity: (d.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
    };
  } finally {
    d.close();
  }
}

/** Every record is true: recorded paths exist with the recorded content and have vectors; the database is whole. */
function checkRecordsTrue(db: string): Records {
  const r = records(db);
  expect(r.integrity).toBe('ok');
  const disk = new Set(onDisk(lib));
  for (const f of r.files) {
    const rel = f.path.slice(lib.length + 1);
    expect(disk.has(rel), `recorded path ${rel} is not on disk`).toBe(true);
    expect(f.hash, `${rel}: recorded hash is not the file's sha256`).toBe(sha(f.path));
    expect(f.vectors, `${rel}: item has no vectors`).toBeGreaterThan(0);
  }
  const failed = new Set(r.failures.map((f) => f.path));
  for (const f of r.files) expect(failed.has(f.path), `${f.path} is recorded both as a file and as a failure`).toBe(false);
  return r;
}

/** The full invariant after a finished run: disk = files + failures, failures = the broken files. */
function checkInvariant(db: string): void {
  const r = checkRecordsTrue(db);
  const disk = onDisk(lib);
  const recorded = [...r.files.map((f) => f.path), ...r.failures.map((f) => f.path)].map((p) => p.slice(lib.length + 1)).sort();
  expect(recorded, 'files on disk ≠ files recorded + failures recorded').toEqual(disk);
  expect(r.failures.map((f) => f.path.slice(lib.length + 1)).sort(), `good files recorded as failures: ${JSON.stringify(r.failures)}`).toEqual(
    [...broken].filter((b) => disk.includes(b)).sort(),
  );
  expect(r.orphans).toBe(0);
}

function indexCli(db: string, workers = 2): { indexed: number; unchanged: number; skipped: number; failed: number; removed: number } {
  const r = spawnSync(process.execPath, [CLI, 'index', lib, '--db', db, '--pack', PACK, '--workers', String(workers), '--quiet', '--no-checksums'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('files on disk = files recorded + failures recorded', () => {
  it('after every run over copies and hard links (two workers racing on one content hash), and after a rescan', { timeout: 240_000 }, () => {
    const total = onDisk(lib).length;
    for (let run = 0; run < 3; run++) {
      const db = join(dir, `fresh${run}.db`);
      const s = indexCli(db);
      checkInvariant(db);
      expect(s.indexed + s.skipped + s.failed, JSON.stringify(s)).toBe(total);
      expect(s.failed).toBe(broken.size);
      expect(s.indexed, 'each distinct content is encoded once, however many copies and links it has').toBe(distinctGood());
      const again = indexCli(db);
      checkInvariant(db);
      expect(again).toMatchObject({ indexed: 0, skipped: 0, unchanged: total - broken.size, failed: broken.size });
    }
  });

  it('after renames, new hard links, deletions and moves between folders', { timeout: 120_000 }, () => {
    const db = join(dir, 'moves.db');
    indexCli(db);
    checkInvariant(db);
    renameSync(join(lib, 'BBQ copy.jpeg'), join(lib, 'copies', 'deeper', 'BBQ renamed.jpeg'));
    renameSync(join(lib, 'gen0.png'), join(lib, 'gen0 renamed.png'));
    linkSync(join(lib, 'train.wav'), join(lib, 'copies', 'deeper', 'train hardlink 2.wav'));
    unlinkSync(join(lib, 'copies', 'toilet.jpeg'));
    renameSync(join(lib, 'copies', 'truncated copy.jpeg'), join(lib, 'truncated moved.jpeg'));
    broken.delete(join('copies', 'truncated copy.jpeg'));
    broken.add('truncated moved.jpeg');
    const s = indexCli(db);
    checkInvariant(db);
    expect(s.indexed, 'renamed, linked or moved content is never re-encoded').toBe(0);
    expect(s.removed).toBeGreaterThanOrEqual(3);
  });

  it('after kill -9 at several moments, and after the rescan that follows each', { timeout: 240_000 }, async () => {
    const db = join(dir, 'killed.db');
    // kill after 0.3 s, 0.8 s, … of work: at start-up, mid-scan and mid-indexing depending on the machine's load
    for (const delay of [400, 1200, 2500]) {
      const child = spawn(process.execPath, [CLI, 'index', lib, '--db', db, '--pack', PACK, '--workers', '2', '--batch', '2', '--quiet', '--no-checksums'], {
        stdio: 'ignore',
      });
      const exited = new Promise((r) => child.on('exit', r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await exited;
      try {
        checkRecordsTrue(db);
      } catch (e) {
        if (!/no such table|unable to open/.test(String(e))) throw e; // killed before the schema existed
      }
    }
    indexCli(db);
    checkInvariant(db);
    // no temporary thumbnail of a killed run survives the next run
    const thumbs = readdirSync(`${db}.thumbs`);
    expect(thumbs.filter((t) => t.endsWith('.tmp'))).toEqual([]);
    rmSync(`${db}.thumbs`, { recursive: true, force: true });
  });
});
