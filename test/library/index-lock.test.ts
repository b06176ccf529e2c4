/**
 * Two indexers on one library (issue 15, item 5): the second waits its turn saying whom it waits for (or, with
 * --no-wait, refuses at once naming the holder); nothing is half-done and no run dies with "database is locked".
 * A holder killed with SIGKILL does not block the next run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'libsql';
import { repoRoot } from '../helpers/fixtures';
import { openLibrary, PACK, tempDir } from './helpers';
import { makeWav } from './media';

const CLI = join(repoRoot, 'out', 'cli', 'molecule.js');
const { dir, cleanup } = tempDir('index-lock');
const sounds = join(dir, 'sounds');
const N = 16;

beforeAll(() => {
  for (let i = 0; i < N; i++) makeWav(join(sounds, `s${String(i).padStart(2, '0')}.wav`), i, 3);
});
afterAll(cleanup);

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** What it has written to stderr so far. */
  err: () => string;
}

function start(db: string, ...extra: string[]): Run {
  const child = spawn(process.execPath, [CLI, 'index', sounds, '--db', db, '--pack', PACK, '--quiet', '--no-checksums', '--workers', '1', '--batch', '1', ...extra]);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return { child, done: new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr }))), err: () => stderr };
}

function query<T>(db: string, sql: string): T | undefined {
  try {
    const d = new Database(db, { readonly: true });
    try {
      return d.prepare(sql).get() as T;
    } finally {
      d.close();
    }
  } catch {
    return undefined; // not created yet
  }
}
const files = (db: string) => query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM files')?.n ?? 0;
const failures = (db: string) => query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM failures')?.n ?? 0;

/** Resolves once the run holds the library and has indexed at least `n` files. */
async function holding(db: string, pid: number, n: number): Promise<void> {
  for (let t = 0; t < 4000; t++) {
    const h = query<{ pid: number }>(db, 'SELECT pid FROM index_lock');
    if (h?.pid === pid && files(db) >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the first run never took the library');
}

describe('one index run per library', () => {
  it('a second molecule index waits its turn, naming the holder, then finds everything done', { timeout: 240_000 }, async () => {
    const db = join(dir, 'wait.db');
    const a = start(db);
    await holding(db, a.child.pid!, 2);
    // the holder is paused while the second run starts, so it cannot finish before the second run looks (on a
    // loaded machine starting a process can take longer than the rest of the first run)
    a.child.kill('SIGSTOP');
    const b = start(db);
    try {
      for (let t = 0; t < 2400 && !/waiting: /.test(b.err()); t++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      a.child.kill('SIGCONT');
    }
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stderr).toMatch(new RegExp(`waiting: another index run holds this library: molecule index \\(pid ${a.child.pid}, since \\d\\d:\\d\\d:\\d\\d\\)`));
    expect(ra.stderr + rb.stderr).not.toMatch(/database is locked|SQLITE_BUSY/);
    const sa = JSON.parse(ra.stdout);
    const sb = JSON.parse(rb.stdout);
    expect(sa).toMatchObject({ phase: 'done', indexed: N, failed: 0 });
    expect(sb).toMatchObject({ phase: 'done', indexed: 0, unchanged: N, failed: 0 });
    expect(files(db)).toBe(N);
    expect(query(db, 'SELECT * FROM index_lock')).toBeUndefined(); // released
  });

  it('--no-wait refuses at once, naming the holder, and changes nothing', { timeout: 240_000 }, async () => {
    const db = join(dir, 'nowait.db');
    const a = start(db);
    await holding(db, a.child.pid!, 2);
    a.child.kill('SIGSTOP'); // the holder cannot finish before the second run looks (see the first test)
    const before = { files: files(db), failures: failures(db) };
    const t0 = Date.now();
    let rb: Awaited<Run['done']>;
    try {
      rb = await start(db, '--no-wait').done;
      expect(files(db)).toBe(before.files); // the refused run added nothing (the holder is paused)
    } finally {
      a.child.kill('SIGCONT');
    }
    expect(rb.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(rb.stderr).toMatch(new RegExp(`molecule index: another index run holds this library: molecule index \\(pid ${a.child.pid}`));
    expect(JSON.parse(rb.stdout)).toMatchObject({ phase: 'error', indexed: 0, failed: 0 });
    expect(failures(db)).toBe(before.failures);
    const ra = await a.done;
    expect(JSON.parse(ra.stdout)).toMatchObject({ phase: 'done', indexed: N, failed: 0 });
  });

  it('a holder killed with SIGKILL does not block the next run (its process is gone)', { timeout: 240_000 }, async () => {
    const db = join(dir, 'killed.db');
    const a = start(db);
    await holding(db, a.child.pid!, 2);
    a.child.kill('SIGKILL');
    await a.done;
    expect(query<{ pid: number }>(db, 'SELECT pid FROM index_lock')?.pid).toBe(a.child.pid); // the row stays behind
    const done = files(db);
    const rb = await start(db).done;
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stderr).not.toMatch(/waiting/);
    expect(JSON.parse(rb.stdout)).toMatchObject({ phase: 'done', unchanged: done, indexed: N - done, failed: 0 });
  });

  it('the app waits for a CLI run: phase "waiting" naming it, then indexes', { timeout: 240_000 }, async () => {
    const db = join(dir, 'app.db');
    const a = start(db);
    await holding(db, a.child.pid!, 1);
    a.child.kill('SIGSTOP'); // paused while the app starts its run (see the first test)
    let resumed = false;
    const resume = () => resumed || ((resumed = true), a.child.kill('SIGCONT'));
    const { lib } = await openLibrary(db).catch((e: unknown) => {
      resume();
      throw e;
    });
    try {
      const phases: { phase: string; waitingFor?: string }[] = [];
      lib.on((e) => {
        if (e.type === 'progress') phases.push({ phase: e.progress.phase, waitingFor: e.progress.waitingFor });
      });
      const run = lib.indexFolders([sounds]);
      for (let t = 0; t < 2400 && !phases.some((p) => p.phase === 'waiting'); t++) await new Promise((r) => setTimeout(r, 25));
      resume();
      const s = await run;
      const waiting = phases.find((p) => p.phase === 'waiting');
      expect(waiting?.waitingFor).toMatch(new RegExp(`^molecule index \\(pid ${a.child.pid}, since`));
      expect(phases.findIndex((p) => p.phase === 'waiting')).toBeLessThan(phases.findIndex((p) => p.phase === 'scanning'));
      expect(s).toMatchObject({ phase: 'done', indexed: 0, unchanged: N, failed: 0 });
    } finally {
      resume();
      await lib.close();
    }
    expect(JSON.parse((await a.done).stdout)).toMatchObject({ phase: 'done', indexed: N });
  });
});
