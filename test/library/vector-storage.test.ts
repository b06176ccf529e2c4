/**
 * Vector segment files (library/vector-files.ts): a crash at every step of a vector write, damaged
 * segments found on open and rebuilt, a library written by the previous schema (vectors in BLOBs)
 * migrating without losing a vector, and moment search equal to a brute-force reference over every clip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { MIGRATIONS } from '../../src-main/library/schema';
import { Repo } from '../../src-main/library/repo';
import { f32ToBlob } from '../../src-main/library/db';
import { SEG_RECORDS } from '../../src-main/library/vector-files';
import { exactTopFiles } from '../../src-main/library/exact-truth';
import { fusedQuery } from '../../src-main/search/engine';
import { fuse } from '../../src-main/space/components';
import type { Factors } from '../../src-main/domain/types';
import type { Library } from '../../src-main/library/library';
import { repoRoot } from '../helpers/fixtures';
import { makeImage, makeWav } from './media';
import { PACK, openLibrary, tempDir } from './helpers';

const CLI = join(repoRoot, 'out', 'cli', 'molecule.js');
const { dir, cleanup } = tempDir('vecstore');
const media = join(dir, 'media');
const refDb = join(dir, 'ref', 'library.db');
const F: Factors = { text: 0.3, audio: 0.7 };
const QUERIES = ['rain on a roof', 'a dog barking', 'city traffic at night'];

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

type Answer = { itemId: number; path: string; score: number; clip?: { startSec: number; endSec: number } }[];

/** The answers a library gives: ids by path (ids differ between libraries), scores, best moments. */
async function answers(lib: Library): Promise<Record<string, { path: string; score: number; clip?: unknown }[]>> {
  const out: Record<string, { path: string; score: number; clip?: unknown }[]> = {};
  for (const q of QUERIES) {
    const r = await lib.search({ text: q, k: 50, factors: F });
    out[q] = (r.results as Answer).map((h) => ({ path: h.path, score: h.score, ...(h.clip ? { clip: h.clip } : {}) }));
  }
  return out;
}

function expectSameAnswers(a: Awaited<ReturnType<typeof answers>>, b: Awaited<ReturnType<typeof answers>>): void {
  for (const q of QUERIES) {
    expect(a[q]!.map((h) => h.path)).toEqual(b[q]!.map((h) => h.path));
    a[q]!.forEach((h, i) => {
      expect(Math.abs(h.score - b[q]![i]!.score)).toBeLessThan(1e-5);
      expect(h.clip).toEqual(b[q]![i]!.clip);
    });
  }
}

/**
 * An open that found damaged records: their items are out of the store until re-encoded (a search never sees
 * their records), the rebuild job encodes exactly them again, and the answers are then `want`.
 */
async function expectDamagedRebuilt(lib: Library, counts: { audios: number }, want: Awaited<ReturnType<typeof answers>>): Promise<void> {
  const damaged = lib.lastLoad!.damaged;
  expect(damaged.length).toBeGreaterThan(0);
  for (const id of damaged) expect(lib.vectorStore.has(id)).toBe(false);
  expect(lib.rebuildJob).not.toBeNull();
  const s = await lib.rebuildJob!.done;
  expect(s.phase).toBe('done');
  expect(s.indexed).toBe(damaged.length);
  expect(counts.audios).toBe(s.indexed);
  expectSameAnswers(await answers(lib), want);
}

let reference: Awaited<ReturnType<typeof answers>>;
const FILES = 7;

beforeAll(async () => {
  for (let i = 0; i < 4; i++) makeWav(join(media, `s${i}.wav`), i + 20, 3 + i * 1.7, i % 2 ? 44100 : 16000, 1);
  for (let i = 0; i < 3; i++) await makeImage(join(media, `p${i}.png`), i + 40);
  const { lib } = await openLibrary(refDb);
  try {
    const s = await lib.indexFolders([media]);
    expect(s.indexed).toBe(FILES);
    reference = await answers(lib);
  } finally {
    await lib.close();
  }
}, 120_000);
afterAll(cleanup);

describe('vector segment files', () => {
  it('moment search equals a brute-force reference over every clip; moment scores equal re-fused vectors (1e-5)', async () => {
    const { lib } = await openLibrary(refDb);
    try {
      const space = lib.engineSpace;
      const repo = new Repo(lib.database);
      const q = (await space.embedTexts(['rain on a roof']))[0]!;
      const qf = fuse(q, F);
      const res = await lib.search({ text: 'rain on a roof', k: 50, factors: F });
      expect(res.mode).toBe('exact');
      let clipsTotal = 0;
      const ref: { id: number; score: number }[] = [];
      for (const v of repo.allVectors(space.packId)) {
        let best = dot(qf, fuse({ modality: v.modality, base: v.base, expert: v.expert, c: v.c, factor: v.factor, raw: {} }, F));
        const clips = repo.clips(v.itemId, space.packId);
        const hit = res.results.find((h) => h.itemId === v.itemId)!;
        if (clips) {
          expect(clips.experts, 'every clip has its own expert vector (IB_PP)').not.toBeNull();
          clipsTotal += clips.spans.length;
          const d = v.base.length;
          const scores = clips.spans.map((_, j) =>
            dot(qf, fuse({ modality: 'audio', base: clips.vectors.subarray(j * d, (j + 1) * d), expert: clips.experts!.subarray(j * d, (j + 1) * d), c: clips.c[j]!, factor: 'audio', raw: {} }, F)),
          );
          // every listed moment's score is the fused clip's score
          for (const m of hit.moments!) {
            const j = clips.spans.findIndex(([s, e]) => s === m.startSec && e === m.endSec);
            expect(j).toBeGreaterThanOrEqual(0);
            expect(Math.abs(m.score - scores[j]!)).toBeLessThan(1e-5);
          }
          expect(hit.momentCount).toBe(clips.spans.length);
          best = Math.max(best, ...scores);
        }
        ref.push({ id: v.itemId, score: best });
      }
      ref.sort((a, b) => b.score - a.score);
      expect(res.results.map((h) => h.itemId)).toEqual(ref.map((r) => r.id));
      res.results.forEach((h, i) => expect(Math.abs(h.score - ref[i]!.score)).toBeLessThan(1e-5));
      expect(res.consideredMoments).toBe(clipsTotal);
      expect(res.momentFiles).toBe(4);
      // a factor move re-ranks moments too, with no model run
      const moved = await lib.rerank(res.queryId, { text: 0.9, audio: 0.1 });
      const qm = fuse(q, { text: 0.9, audio: 0.1 });
      for (const h of moved.results.filter((x) => x.moments)) {
        const clips = repo.clips(h.itemId, space.packId)!;
        const d = clips.vectors.length / clips.spans.length;
        const j = clips.spans.findIndex(([s]) => s === h.moments![0]!.startSec);
        const e = fuse({ modality: 'audio', base: clips.vectors.subarray(j * d, (j + 1) * d), expert: clips.experts!.subarray(j * d, (j + 1) * d), c: clips.c[j]!, factor: 'audio', raw: {} }, { text: 0.9, audio: 0.1 });
        expect(Math.abs(h.moments![0]!.score - dot(qm, e))).toBeLessThan(1e-5);
      }
    } finally {
      await lib.close();
    }
  });

  for (const step of ['reserve', 'records', 'before-sync', 'after-sync', 'in-transaction', 'after-commit']) {
    it(`a process killed at "${step}" of a vector write leaves a library that opens and answers correctly`, { timeout: 120_000 }, async () => {
      const db = join(dir, `crash-${step}`, 'library.db');
      const r = spawnSync(process.execPath, [CLI, 'index', media, '--db', db, '--pack', PACK, '--workers', '0', '--batch', '2', '--quiet', '--no-checksums'], {
        env: { ...process.env, MOLECULE_CRASH_AT: step }, encoding: 'utf8',
      });
      expect(r.signal, `the child was killed at ${step}`).toBe('SIGKILL');
      const raw = new Database(db);
      expect((raw.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok');
      const committed = (raw.prepare('SELECT COUNT(*) AS n FROM vectors').get() as { n: number }).n;
      raw.close();
      if (step === 'after-commit') expect(committed).toBeGreaterThanOrEqual(1);
      expect(committed).toBeLessThan(FILES);
      const { lib } = await openLibrary(db);
      try {
        // what was committed reads back whole; nothing torn is served
        expect(lib.lastLoad!.damaged).toEqual([]);
        expect(lib.vectorStore.size).toBe(committed);
        const s = await lib.indexFolders([media]);
        expect(s.phase).toBe('done');
        expect(s.indexed + s.unchanged).toBe(FILES);
        expectSameAnswers(await answers(lib), reference);
      } finally {
        await lib.close();
      }
      // and again after a clean reopen
      const { lib: again } = await openLibrary(db);
      try {
        expect(again.lastLoad!.damaged).toEqual([]);
        expectSameAnswers(await answers(again), reference);
      } finally {
        await again.close();
      }
    });
  }

  for (const damage of ['truncated', 'deleted'] as const) {
    it(`a ${damage} segment is found on open, never served, and rebuilt`, { timeout: 120_000 }, async () => {
      const copy = join(dir, `damage-${damage}`);
      cpSync(join(dir, 'ref'), copy, { recursive: true });
      const db = join(copy, 'library.db');
      const segDir = join(`${db}.vectors`, readdirSync(`${db}.vectors`)[0]!);
      const seg = join(segDir, 'clip-base-00000.f16');
      expect(existsSync(seg)).toBe(true);
      if (damage === 'truncated') truncateSync(seg, Math.floor(statSync(seg).size / 2));
      else rmSync(seg);
      const { lib, counts } = await openLibrary(db);
      try {
        await expectDamagedRebuilt(lib, counts, reference);
      } finally {
        await lib.close();
      }
    });
  }

  it('a library written by the previous schema (vectors in SQLite BLOBs) migrates without losing a vector', { timeout: 120_000 }, async () => {
    // Build a v4 database the way the previous code wrote it, from the reference library's vectors.
    const old = join(dir, 'v4', 'library.db');
    const refLib = await openLibrary(refDb);
    const repo = new Repo(refLib.lib.database);
    const packId = refLib.lib.engineSpace.packId;
    const src = refLib.lib.database;
    cpSync(`${refDb}.thumbs`, `${old}.thumbs`, { recursive: true });
    mkdirSync(join(dir, 'v4'), { recursive: true });
    const d = new Database(old);
    d.exec('PRAGMA journal_mode = WAL');
    for (let v = 0; v < 4; v++) d.exec(MIGRATIONS[v]!);
    d.exec('PRAGMA user_version = 4');
    const want = new Map<number, { base: Float32Array; expert: Float32Array | null; clips: Float32Array | null }>();
    d.transaction(() => {
      for (const r of src.prepare('SELECT * FROM items').all() as Record<string, unknown>[]) {
        delete r._metadata;
        delete r.path;
        delete r.name_key;
        delete r.video; // a later schema's column
        const cols = Object.keys(r);
        const val = (x: unknown) => (x instanceof ArrayBuffer ? Buffer.from(x) : x);
        d.prepare(`INSERT INTO items(${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`).run(...cols.map((c) => val(r[c])));
      }
      for (const r of src.prepare('SELECT path, item_id, size, mtime_ms, seen_at FROM files').all() as Record<string, unknown>[]) {
        d.prepare('INSERT INTO files(path, item_id, size, mtime_ms, seen_at) VALUES (?, ?, ?, ?, ?)').run(r.path, r.item_id, r.size, r.mtime_ms, r.seen_at);
      }
      d.prepare('INSERT INTO roots(path, added_at) VALUES (?, ?)').run(media, Date.now());
      for (const v of repo.allVectors(packId)) {
        const clips = repo.clips(v.itemId, packId);
        want.set(v.itemId, { base: v.base, expert: v.expert, clips: clips?.vectors ?? null });
        d.prepare('INSERT INTO vectors(item_id, pack_id, dim, base, expert, c, factor, clip_spans, clips) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
          v.itemId, packId, v.base.length, f32ToBlob(v.base), v.expert ? f32ToBlob(v.expert) : null, v.c, v.factor,
          clips ? JSON.stringify(clips.spans) : null, clips ? f32ToBlob(clips.vectors) : null,
        );
      }
    })();
    d.close();
    await refLib.lib.close();

    const { lib, counts } = await openLibrary(old);
    try {
      expect(lib.lastLoad!.damaged).toEqual([]);
      expect(lib.vectorStore.size).toBe(FILES);
      const m = new Repo(lib.database);
      let clipsSeen = 0;
      for (const [id, w] of want) {
        const v = m.vectorsOf(id, packId)!;
        expect(v).not.toBeNull();
        for (let i = 0; i < w.base.length; i++) expect(Math.abs(v.base[i]! - w.base[i]!)).toBeLessThan(1e-6);
        if (w.expert) for (let i = 0; i < w.expert.length; i++) expect(Math.abs(v.expert![i]! - w.expert[i]!)).toBeLessThan(1e-6);
        if (w.clips) {
          const c = m.clips(id, packId)!;
          expect(c.vectors.length).toBe(w.clips.length);
          for (let i = 0; i < w.clips.length; i++) expect(Math.abs(c.vectors[i]! - w.clips[i]!)).toBeLessThan(1e-6);
          clipsSeen += c.spans.length;
        }
      }
      expect(clipsSeen).toBeGreaterThan(0);
      const left = lib.database.prepare("SELECT COUNT(*) AS n FROM vectors WHERE base_slot IS NULL OR length(base) > 0").get() as { n: number };
      expect(left.n).toBe(0);
      // nothing is re-encoded by the migration
      const s = await lib.indexFolders([media]);
      expect(s.unchanged).toBe(FILES);
      expect(counts.audios + counts.images).toBe(0);
    } finally {
      await lib.close();
    }
  });

  it('past the threshold search is approximate: inverted files + exact re-rank, with its measured recall reported', { timeout: 120_000 }, async () => {
    const copy = join(dir, 'approx');
    cpSync(join(dir, 'ref'), copy, { recursive: true });
    const db = join(copy, 'library.db');
    const { lib } = await openLibrary(db, { annThreshold: 10 });
    try {
      expect(lib.mode).toBe('approximate');
      expect(lib.vectorStore.resident).toBe(false);
      const recall = await lib.recallJob;
      expect(recall).not.toBeNull();
      expect(recall!).toBeGreaterThanOrEqual(0);
      expect(recall!).toBeLessThanOrEqual(1);
      const st = await lib.status();
      expect(st.vectors).toMatchObject({ phase: 'ready', mode: 'approximate', recall });
      const res = await lib.search({ text: 'rain on a roof', k: 50, factors: F });
      expect(res.mode).toBe('approximate');
      expect(res.recall).toBe(recall);
      // a library this small is probed whole: the approximate answers are the exact ones
      expectSameAnswers(await answers(lib), reference);
      // a factor move re-ranks without a model run, still through the index
      const moved = await lib.rerank(res.queryId, { text: 0.9, audio: 0.1 });
      expect(moved.mode).toBe('approximate');
    } finally {
      await lib.close();
    }
    // the index (quantizers, list assignments, recall) is kept: a reopen trains nothing
    const { lib: again } = await openLibrary(db, { annThreshold: 10 });
    try {
      expect(again.ann!.trainedMs).toBe(0);
      expect(again.ann!.assigned).toBe(0);
      expectSameAnswers(await answers(again), reference);
    } finally {
      await again.close();
    }
  });

  it('approximate mode keeps its index as a snapshot: a reopen reads it, a change rewrites it, a stale or damaged one is never used', { timeout: 240_000 }, async () => {
    const copy = join(dir, 'snapshot');
    cpSync(join(dir, 'ref'), copy, { recursive: true });
    const db = join(copy, 'library.db');
    const snap = join(`${db}.vectors`, readdirSync(`${db}.vectors`)[0]!, 'ann.snap');
    const approx = () => openLibrary(db, { annThreshold: 10 });
    /** What exact mode answers for the library as it is now (a library this small is probed whole). */
    const exactNow = async () => {
      const { lib } = await openLibrary(db);
      try {
        expect(lib.mode).toBe('exact');
        return await answers(lib);
      } finally {
        await lib.close();
      }
    };
    // 1. the open that builds the index writes the snapshot once the index is ready
    let { lib } = await approx();
    try {
      expect(lib.ann!.fromSnapshot).toBe(false);
      await lib.snapshotJob;
      expect(existsSync(snap)).toBe(true);
      expectSameAnswers(await answers(lib), reference);
    } finally {
      await lib.close();
    }
    // 2. a reopen reads it: nothing assigned, no code read, the same answers
    ({ lib } = await approx());
    try {
      expect(lib.ann!.fromSnapshot).toBe(true);
      expect(lib.ann!.assigned).toBe(0);
      expect(lib.vectorStore.size).toBe(FILES);
      expectSameAnswers(await answers(lib), reference);
    } finally {
      await lib.close();
    }
    // 3. a file indexed while it is open changes the index; close rewrites the snapshot and the reopen finds it
    const more = join(copy, 'more');
    makeWav(join(more, 'late.wav'), 77, 4.5, 22050, 1);
    ({ lib } = await approx());
    const before = statSync(snap).mtimeMs;
    try {
      expect((await lib.indexFolders([more])).indexed).toBe(1);
    } finally {
      await lib.close();
    }
    expect(statSync(snap).mtimeMs).toBeGreaterThan(before);
    let truth = await exactNow();
    expect(Object.values(truth).some((hits) => hits.some((h) => h.path.endsWith('late.wav')))).toBe(true);
    ({ lib } = await approx());
    try {
      expect(lib.ann!.fromSnapshot).toBe(true);
      expect(lib.vectorStore.size).toBe(FILES + 1);
      expectSameAnswers(await answers(lib), truth);
    } finally {
      await lib.close();
    }
    // 4. a change the snapshot did not see (exact mode wrote it): the fingerprint differs, the index is built again
    const other = join(copy, 'other');
    await makeImage(join(other, 'late.png'), 91);
    {
      const { lib: exact } = await openLibrary(db);
      try {
        expect((await exact.indexFolders([other])).indexed).toBe(1);
      } finally {
        await exact.close();
      }
    }
    truth = await exactNow();
    ({ lib } = await approx());
    try {
      expect(lib.ann!.fromSnapshot).toBe(false);
      expect(lib.vectorStore.size).toBe(FILES + 2);
      expectSameAnswers(await answers(lib), truth);
      await lib.snapshotJob;
    } finally {
      await lib.close();
    }
    // 5. one flipped byte in the snapshot's rows (an owner: the first section after the header and fingerprint):
    //    its checksum fails, the index is built again
    const bytes = readFileSync(snap);
    bytes[((64 + bytes.readUInt32LE(32) + 7) & ~7) + 1]! ^= 0x10;
    writeFileSync(snap, bytes);
    ({ lib } = await approx());
    try {
      expect(lib.ann!.fromSnapshot).toBe(false);
      expectSameAnswers(await answers(lib), truth);
      await lib.snapshotJob;
    } finally {
      await lib.close();
    }
    // 6. a valid snapshot over a truncated segment: the missing records are found on open from the file sizes,
    //    never served, and their items encoded again
    const seg = join(`${db}.vectors`, readdirSync(`${db}.vectors`)[0]!, 'clip-base-00000.f16');
    truncateSync(seg, Math.floor(statSync(seg).size / 2));
    const { lib: hurt, counts } = await approx();
    try {
      expect(hurt.ann!.fromSnapshot).toBe(true);
      await expectDamagedRebuilt(hurt, counts, truth);
    } finally {
      await hurt.close();
    }
  });

  it('the brute-force reference behind measured recall ranks files as exact search does, every clip included', { timeout: 120_000 }, async () => {
    const { lib } = await openLibrary(refDb);
    try {
      expect(lib.mode).toBe('exact');
      const repo = new Repo(lib.database);
      const packId = lib.engineSpace.packId, dim = lib.engineSpace.dim;
      const files = repo.vectorFiles(packId, dim);
      // stored vectors as queries (as measureRecall does), both presets and a moved factor
      const ids = [...lib.vectorStore.ids.subarray(0, lib.vectorStore.size)];
      const asks = ids.slice(0, 4).flatMap((id, i) => {
        const v = repo.vectorsOf(id, packId)!;
        const terms = [{ weight: 1, a: v.base, u: v.expert, factor: v.expert ? ('text' as const) : null, ua: v.expert ? dot(v.expert, v.base) : 1 }];
        return [F, { text: 0.5, audio: 0.8 }, { text: i / 4, audio: 1 - i / 4 }].map((factors) => ({ terms, factors }));
      });
      const truth = await exactTopFiles(repo, files, packId, asks.map((a) => ({ Q: fusedQuery(a.terms, a.factors, dim), factors: a.factors })), 3);
      for (const [i, a] of asks.entries()) {
        const got = (await lib.searchEncoded(a.terms, { k: 3, factors: a.factors })).results.map((h) => h.itemId);
        expect(truth[i]).toEqual(got);
      }
    } finally {
      await lib.close();
    }
  });

  it('segment files hold fixed-size float16 records (disk per vector ≈ 2·dim bytes)', () => {
    const segDir = join(`${refDb}.vectors`, readdirSync(`${refDb}.vectors`)[0]!);
    const files = readdirSync(segDir).filter((f) => f.endsWith('.f16')).sort();
    expect(files).toEqual(['base-00000.f16', 'clip-base-00000.f16', 'clip-expert-00000.f16', 'expert-00000.f16']);
    // each has its binary code file (dim/8 sign bytes + α per record), derived and rebuilt when lost
    expect(statSync(join(segDir, 'base-00000.b1')).size).toBe(FILES * (1024 / 8 + 4));
    const base = statSync(join(segDir, 'base-00000.f16')).size;
    expect((base - 32) % (1024 * 2 + 4)).toBe(0);
    expect((base - 32) / (1024 * 2 + 4)).toBe(FILES);
    expect(SEG_RECORDS).toBeGreaterThan(1000);
  });
});
