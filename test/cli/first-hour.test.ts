// The CLI's rough edges a new user hit (issue 11, item 12): the built CLI run as a user runs it, real SQLite files,
// real ONNX sessions of the test packs.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIOS, IMAGES, PACKS, molecule } from './helpers';
import { repoRoot } from '../helpers/fixtures';

const work = mkdtempSync(join(tmpdir(), 'molecule-cli-first-hour-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('molecule index', () => {
  it('a folder that does not exist: a clear error, exit 1, and no database file left behind', async () => {
    const db = join(work, 'x.db');
    const r = await molecule(['index', join(work, 'nonexistent'), '--db', db, '--pack', PACKS.ibpp]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`molecule index: ${join(work, 'nonexistent')}: no such folder`);
    expect(existsSync(db)).toBe(false);
    // a file given as a folder: the same
    const f = await molecule(['index', IMAGES[0]!, '--db', db, '--pack', PACKS.ibpp]);
    expect(f.code).toBe(1);
    expect(f.stderr.trim()).toBe(`molecule index: ${IMAGES[0]}: is a file, not a folder`);
    expect(existsSync(db)).toBe(false);
  });
});

describe('molecule search', () => {
  it('names an option the way it was typed (-k, not --k)', async () => {
    const db = join(work, 'k.db');
    const dir = join(work, 'k');
    mkdirSync(dir);
    copyFileSync(AUDIOS[0]!, join(dir, 'a.wav'));
    expect((await molecule(['index', dir, '--db', db, '--pack', PACKS.ibpp])).code).toBe(0);
    const short = await molecule(['search', '--db', db, '--text', 'x', '-k', 'abc']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('-k: bad value "abc"');
    expect(short.stderr).not.toContain('--k');
    const long = await molecule(['search', '--db', db, '--text', 'x', '--k', 'abc']);
    expect(long.stderr).toContain('--k: bad value "abc"');
  });

  it('a database indexed with two packs: says which pack searches and what it cannot see, and how to encode the rest', async () => {
    const db = join(work, 'two.db');
    const photos = join(work, 'Photos');
    const sounds = join(work, 'Sounds');
    mkdirSync(photos);
    mkdirSync(sounds);
    for (const f of IMAGES) copyFileSync(f, join(photos, f.split('/').pop()!));
    for (const f of AUDIOS) copyFileSync(f, join(sounds, f.split('/').pop()!));
    expect((await molecule(['index', photos, '--db', db, '--pack', PACKS.ibpp])).code).toBe(0);
    // the sounds come later, with the other pack: it has never seen the photos
    expect((await molecule(['index', sounds, '--db', db, '--pack', PACKS.ft])).code).toBe(0);
    const r = await molecule(['search', '--db', db, '--text', 'an audio of train', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { pack: { id: string }; coverage: { covered: number; total: number }; results: unknown[] };
    expect(out.pack.id).toBe('internvl-ib-ft-pp-test');
    expect(out.coverage).toEqual({ covered: 3, total: 6 });
    expect(out.results).toHaveLength(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`molecule search: searching with pack internvl-ib-ft-pp-test (${PACKS.ft}), the one ${db} was last indexed with; give --pack DIR for another`);
    expect(lines[1]).toMatch(/^molecule search: only 3 of the 6 items in .+ have vectors for pack internvl-ib-ft-pp-test, so the search sees only those; encode the other 3 with: npx molecule index /);
    // the offered command, run as printed, makes the search see everything
    const offered = lines[1]!.slice(lines[1]!.indexOf('npx molecule '));
    const run = spawnSync('bash', ['-c', offered], { cwd: repoRoot, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const again = await molecule(['search', '--db', db, '--text', 'an audio of train', '--json']);
    expect(JSON.parse(again.stdout).coverage).toEqual({ covered: 6, total: 6 });
    expect(again.stderr).not.toMatch(/only \d+ of/);
  });
});
