import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'libsql';
import { repoRoot } from '../helpers/fixtures';
import { makeImage, makeWav } from './media';
import { PACK, openLibrary, tempDir } from './helpers';

const CLI = join(repoRoot, 'out', 'cli', 'molecule.js');
const { dir, cleanup } = tempDir('crash');
const media = join(dir, 'media');
const N_AUDIO = 30;
const N_IMAGE = 10;

beforeAll(async () => {
  for (let i = 0; i < N_AUDIO; i++) makeWav(join(media, `a${String(i).padStart(2, '0')}.wav`), i, 4.5);
  for (let i = 0; i < N_IMAGE; i++) await makeImage(join(media, `i${i}.png`), i + 100);
});
afterAll(cleanup);

const count = (db: string): number => {
  try {
    const d = new Database(db);
    try {
      return (d.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
};

describe('crash safety and the CLI', () => {
  it('SIGKILL mid-index leaves a valid database; the next run does not redo finished items', { timeout: 180_000 }, async () => {
    const db = join(dir, 'crash.db');
    const child = spawn(process.execPath, [CLI, 'index', media, '--db', db, '--pack', PACK, '--workers', '1', '--batch', '1', '--quiet', '--no-checksums'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let killedAt = -1;
    // (generous deadline: other processes may be starving the child on a shared 2-core machine)
    for (let t = 0; t < 3600; t++) {
      const n = count(db);
      if (n >= 5) {
        child.kill('SIGKILL');
        killedAt = n;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await exited;
    expect(killedAt, 'the child did not index 5 files in time').toBeGreaterThanOrEqual(5);
    const d = new Database(db);
    expect((d.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok');
    // every item row is whole: it has a file, its vectors and (audio) its clips and raw expert vectors
    const items = (d.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
    const whole = (d.prepare(
      `SELECT COUNT(*) AS n FROM items i WHERE EXISTS (SELECT 1 FROM files f WHERE f.item_id = i.id)
       AND EXISTS (SELECT 1 FROM vectors v WHERE v.item_id = i.id AND v.base_slot IS NOT NULL AND v.dim = 1024)
       AND (i.modality = 'image' OR EXISTS (SELECT 1 FROM vectors v WHERE v.item_id = i.id AND v.clip_count > 0
            AND v.expert_slot IS NOT NULL AND v.clip_expert_slot IS NOT NULL))`,
    ).get() as { n: number }).n;
    d.close();
    expect(whole).toBe(items);
    expect(items).toBeLessThan(N_AUDIO + N_IMAGE);

    const { lib, counts } = await openLibrary(db);
    try {
      const s = await lib.indexFolders([media]);
      expect(s.phase).toBe('done');
      expect(s.unchanged).toBe(items);
      expect(s.indexed).toBe(N_AUDIO + N_IMAGE - items);
      expect(counts.audios + counts.images).toBe(N_AUDIO + N_IMAGE - items);
      expect(s.failed).toBe(0);
    } finally {
      await lib.close();
    }
  });

  it('pause, resume and cancel a job; a cancelled job resumes where it stopped', async () => {
    const db = join(dir, 'pause.db');
    const { lib, counts } = await openLibrary(db, { batchSize: 1 });
    try {
      const root = await lib.addRoot(media);
      const { jobId } = await lib.startIndexing({ roots: [root.id] });
      await waitUntil(async () => ((await lib.jobProgress(jobId))?.indexed ?? 0) >= 3);
      await lib.pauseIndexing(jobId);
      expect((await lib.jobProgress(jobId))!.phase).toBe('paused');
      await new Promise((r) => setTimeout(r, 150)); // in-flight items settle
      const a = counts.audios + counts.images;
      await new Promise((r) => setTimeout(r, 400));
      expect(counts.audios + counts.images).toBe(a); // nothing encoded while paused
      await lib.resumeIndexing(jobId);
      await waitUntil(async () => ((await lib.jobProgress(jobId))?.indexed ?? 0) >= a + 3);
      await lib.cancelIndexing(jobId);
      const s = await lib.waitForJob(jobId);
      expect(s.phase).toBe('cancelled');
      expect(s.indexed).toBeLessThan(N_AUDIO + N_IMAGE);
      const again = await lib.indexFolders([media]);
      expect(again.unchanged).toBe(s.indexed);
      expect(again.indexed).toBe(N_AUDIO + N_IMAGE - s.indexed);
    } finally {
      await lib.close();
    }
  });

  it('molecule index / search print the documented JSON', () => {
    const db = join(dir, 'cli.db');
    const idx = spawnSync(process.execPath, [CLI, 'index', media, '--db', db, '--pack', PACK, '--quiet', '--no-checksums'], { encoding: 'utf8' });
    expect(idx.status, idx.stderr).toBe(0);
    const summary = JSON.parse(idx.stdout);
    expect(summary).toMatchObject({ pack: 'ib-pp-test', testPack: true, phase: 'done', indexed: N_AUDIO + N_IMAGE, unchanged: 0, skipped: 0, failed: 0, failures: [] });
    const run = (...a: string[]) => spawnSync(process.execPath, [CLI, 'search', '--db', db, ...a], { encoding: 'utf8' });
    const s = run('--text', 'a bell', '--in', 'audio', '-k', '3', '--preset', 'at-expertise', '--json');
    expect(s.status, s.stderr).toBe(0);
    const out = JSON.parse(s.stdout);
    expect(out.factors).toEqual({ text: 0.5, audio: 0.8 });
    expect(out.results).toHaveLength(3);
    for (const r of out.results) {
      expect(r.modality).toBe('audio');
      expect(r.path).toMatch(/a\d\d\.wav$/);
      expect(Number.isFinite(r.score)).toBe(true);
      expect(r.clip.endSec - r.clip.startSec).toBeCloseTo(2, 5);
    }
    expect(out.results[0].score).toBeGreaterThanOrEqual(out.results[1].score);
    const img = run('--image', join(media, 'i3.png'), '--in', 'image', '-k', '1', '--json');
    expect(JSON.parse(img.stdout).results[0].path).toBe(join(media, 'i3.png'));
    const custom = run('--query', `"x" - 0.5*${join(media, 'i3.png')}`, '--text-factor', '0.2', '--audio-factor', '0.9', '--json');
    expect(JSON.parse(custom.stdout).factors).toEqual({ text: 0.2, audio: 0.9 });
    const bad = run('--text', 'x', '--image', 'y.png');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/exactly one/);
    const badq = run('--query', '"unterminated');
    expect(badq.status).toBe(1);
    expect(badq.stderr).toMatch(/unterminated/);
  });
});

describe('unreadable files', () => {
  it('are recorded with EACCES and the rest indexes (as root: the CLI runs as nobody)', async () => {
    const root = process.getuid?.() === 0;
    const area = join(dir, 'perm');
    mkdirSync(join(area, 'media'), { recursive: true });
    mkdirSync(join(area, 'db'), { recursive: true });
    await makeImage(join(area, 'media', 'ok.png'), 1);
    await makeImage(join(area, 'media', 'locked.png'), 2);
    chmodSync(join(area, 'media', 'locked.png'), 0);
    for (const d of [dir, area, join(area, 'media')]) chmodSync(d, 0o755);
    chmodSync(join(area, 'db'), 0o777);
    // `nobody` must be able to reach the CLI and node_modules: a checkout inside a private (0700) folder —
    // e.g. one made by mktemp — gets search permission (o+x only) on its ancestors for this test, then back.
    const restore: [string, number][] = [];
    if (root) {
      for (let d = dirname(CLI); d !== dirname(d); d = dirname(d)) {
        const mode = statSync(d).mode & 0o7777;
        if (!(mode & 0o001)) {
          restore.push([d, mode]);
          chmodSync(d, mode | 0o001);
        }
      }
    }
    let r!: SpawnSyncReturns<string>;
    try {
      r = spawnSync(process.execPath, [CLI, 'index', join(area, 'media'), '--db', join(area, 'db', 'lib.db'), '--pack', PACK, '--quiet', '--no-checksums', '--workers', '0'], {
      encoding: 'utf8',
      ...(root ? { uid: 65534, gid: 65534 } : {}),
        env: { ...process.env, HOME: join(area, 'db') },
      });
    } finally {
      for (const [d, mode] of restore) chmodSync(d, mode);
    }
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.indexed).toBe(1);
    expect(s.failed).toBe(1);
    expect(s.failures).toEqual([{ path: join(area, 'media', 'locked.png'), reason: expect.stringMatching(/EACCES/) }]);
  });
});

async function waitUntil(cond: () => Promise<boolean>, ms = 30000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
