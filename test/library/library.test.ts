import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, renameSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { fuse } from '../../src-main/space/components';
import { PRESETS, type Factors } from '../../src-main/domain/types';
import { Repo } from '../../src-main/library/repo';
import { MIGRATIONS } from '../../src-main/library/schema';
import type { Library } from '../../src-main/library/library';
import type { LibraryEvent } from '../../src-main/library/service';
import { makeBrokenCorpus, makeImage, makeWav } from './media';
import { openLibrary, tempDir, type EncodeCounter } from './helpers';

const { dir, cleanup } = tempDir('lib');
const media = join(dir, 'media');
const dbPath = join(dir, 'lib.db');
let broken: Record<string, RegExp>;
let lib: Library;
let counts: EncodeCounter;

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

beforeAll(async () => {
  for (let i = 0; i < 8; i++) await makeImage(join(media, 'photos', `p${i}.${i % 2 ? 'png' : 'jpg'}`), i, i === 2 ? { exifDate: '2015:07:04 10:00:00' } : {});
  for (let i = 0; i < 5; i++) makeWav(join(media, 'sounds', `s${i}.wav`), i, 1.5 + i * 1.2, i % 2 ? 44100 : 16000, 1 + (i % 2));
  broken = await makeBrokenCorpus(join(media, 'broken'));
  ({ lib, counts } = await openLibrary(dbPath, { prepWorkers: 1 }));
});

afterAll(async () => {
  await lib?.close();
  cleanup();
});

/** Reference: score = Σ w·fuse(q)·fuse(e) over every stored item, from components re-read from the DB. */
async function bruteForce(terms: { w: number; text?: string; item?: number }[], f: Factors, modality?: 'image' | 'audio') {
  const space = lib.engineSpace;
  const repo = new Repo(lib.database);
  const qs: { w: number; v: Float32Array }[] = [];
  for (const t of terms) {
    if (t.text !== undefined) qs.push({ w: t.w, v: fuse((await space.embedTexts([t.text]))[0]!, f) });
    else {
      const v = repo.vectorsOf(t.item!, space.packId)!;
      qs.push({ w: t.w, v: fuse({ modality: v.modality, base: v.base, expert: v.expert, c: v.c, factor: v.factor, raw: {} }, f) });
    }
  }
  const out: { id: number; score: number; clip?: { startSec: number; endSec: number } }[] = [];
  for (const v of repo.allVectors(space.packId)) {
    if (modality && v.modality !== modality) continue;
    const e = fuse({ modality: v.modality, base: v.base, expert: v.expert, c: v.c, factor: v.factor, raw: {} }, f);
    const item = { id: v.itemId, score: qs.reduce((s, q) => s + q.w * dot(q.v, e), 0), clip: undefined as { startSec: number; endSec: number } | undefined };
    // every 2-second clip is a moment with its own base and expert vector; a file scores its best
    const clips = repo.clips(v.itemId, space.packId);
    let best = -Infinity;
    clips?.spans.forEach(([startSec, endSec], j) => {
      const d = v.base.length;
      const ce = fuse({ modality: 'audio', base: clips.vectors.subarray(j * d, (j + 1) * d), expert: clips.experts ? clips.experts.subarray(j * d, (j + 1) * d) : null, c: clips.c[j]!, factor: clips.factor, raw: {} }, f);
      const sc = qs.reduce((s, q) => s + q.w * dot(q.v, ce), 0);
      if (sc > best) {
        best = sc;
        item.clip = { startSec, endSec };
      }
    });
    item.score = Math.max(item.score, best);
    out.push(item);
  }
  return out.sort((a, b) => b.score - a.score);
}

describe('library on real folders (ib-pp-test pack)', () => {
  it('scans, indexes with a worker, records every broken file with its reason', async () => {
    const progress: LibraryEvent[] = [];
    const off = lib.on((e) => e.type === 'progress' && progress.push(e));
    const s = await lib.indexFolders([media]);
    off();
    expect(s.phase).toBe('done');
    expect(s.indexed).toBe(13);
    expect(s.failed).toBe(Object.keys(broken).length);
    for (const [name, re] of Object.entries(broken)) {
      const f = s.failures.find((x) => x.path === join(media, 'broken', name));
      expect(f, name).toBeDefined();
      expect(f!.reason, name).toMatch(re);
    }
    expect((await lib.failures()).length).toBe(Object.keys(broken).length);
    expect(counts.images).toBe(8);
    expect(counts.audios).toBe(5);
    const last = progress.at(-1)!;
    expect(last.type === 'progress' && last.progress.phase).toBe('done');
    expect(progress.some((p) => p.type === 'progress' && p.progress.phase === 'indexing' && p.progress.done > 0 && p.progress.ratePerSec > 0)).toBe(true);

    const db = new Database(dbPath);
    expect((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok');
    expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(MIGRATIONS.length);
    const raw = db.prepare('SELECT encoder, length(vec) AS n FROM raw_vectors r JOIN items i ON i.id = r.item_id WHERE i.modality = ?').all('audio') as { encoder: string; n: number }[];
    expect(raw.some((r) => r.encoder.startsWith('clap') && r.n > 0)).toBe(true);
    db.close();
  });

  it('stores metadata, thumbnails, peaks, EXIF date and per-2-s clip vectors', async () => {
    const { items, total } = await lib.listItems({ sort: 'name', offset: 0, limit: 100 });
    expect(total).toBe(13);
    const photo = items.find((i) => i.path.endsWith('p2.jpg'))!;
    expect(photo.date).toBe(Date.UTC(2015, 6, 4, 10, 0, 0));
    const d = (await lib.item(photo.id))!;
    expect(d.exifDate).toBe('2015:07:04 10:00:00');
    expect(d.width).toBe(96 + 2 * 8);
    expect(existsSync(d.thumbnailPath!)).toBe(true);
    const s4 = items.find((i) => i.path.endsWith('s4.wav'))!;
    const a = (await lib.item(s4.id))!;
    expect(a.durationSec).toBeCloseTo(1.5 + 4 * 1.2, 3);
    expect(a.sampleRate).toBe(16000);
    expect(a.peaks!.length).toBe(2000);
    expect(Math.max(...a.peaks!)).toBeGreaterThan(0.3);
    expect(a.clipSpans).toEqual([[0, 2], [2, 4], [4, 6], [6, 6.3]].map(([x, y]) => [x, expect.closeTo(y!, 3)]));
    const names = items.map((i) => i.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('p0.jpg');
    const byDur = await lib.listItems({ sort: 'duration', descending: true, modality: 'audio', offset: 0, limit: 2 });
    expect(byDur.items[0]!.id).toBe(s4.id);
    const inRange = await lib.listItems({ sort: 'date', dateFrom: Date.UTC(2015, 0, 1), dateTo: Date.UTC(2015, 11, 31), offset: 0, limit: 10 });
    expect(inRange.items.map((i) => i.id)).toEqual([photo.id]);
  });

  it('search equals a brute-force reference over fused vectors; live factors re-rank with no model run', async () => {
    for (const preset of ['versatile', 'at-expertise'] as const) {
      const res = await lib.search({ text: 'a dog barking in the rain', k: 13, preset });
      const ref = await bruteForce([{ w: 1, text: 'a dog barking in the rain' }], PRESETS[preset]);
      expect(res.results.map((r) => r.itemId)).toEqual(ref.map((r) => r.id));
      res.results.forEach((r, i) => expect(Math.abs(r.score - ref[i]!.score)).toBeLessThan(1e-5));
    }
    const first = await lib.search({ text: 'ocean waves', k: 13, preset: 'versatile' });
    const before = { ...counts };
    for (const f of [{ text: 0.9, audio: 0.1 }, { text: 0, audio: 1 }, PRESETS['at-expertise'], { text: 0.37, audio: 0.63 }]) {
      const re = await lib.rerank(first.queryId, f);
      const ref = await bruteForce([{ w: 1, text: 'ocean waves' }], f);
      expect(re.results.map((r) => r.itemId)).toEqual(ref.map((r) => r.id));
      let maxErr = 0;
      re.results.forEach((r, i) => (maxErr = Math.max(maxErr, Math.abs(r.score - ref[i]!.score))));
      expect(maxErr).toBeLessThan(1e-5);
    }
    // bruteForce itself embedded the texts; rerank did not touch any encoder
    expect(counts.images).toBe(before.images);
    expect(counts.audios).toBe(before.audios);
    expect(counts.texts).toBe(before.texts + 4);
  });

  it('combined queries with weights and negatives; audio hits carry the best clip', async () => {
    const target = (await lib.listItems({ sort: 'name', modality: 'audio', offset: 0, limit: 1 })).items[0]!;
    const f = { text: 0.3, audio: 0.7 };
    const res = await lib.search({ query: `"rain on a roof" + 0.5*item:${target.id} - 0.25 * "traffic"`, k: 13, factors: f });
    const ref = await bruteForce([{ w: 1, text: 'rain on a roof' }, { w: 0.5, item: target.id }, { w: -0.25, text: 'traffic' }], f);
    expect(res.results.map((r) => r.itemId)).toEqual(ref.map((r) => r.id));
    res.results.forEach((r, i) => expect(Math.abs(r.score - ref[i]!.score)).toBeLessThan(1e-5));
    for (const h of res.results.filter((r) => r.modality === 'audio')) {
      expect(h.clip).toBeDefined();
      expect(h.clip!.endSec).toBeGreaterThan(h.clip!.startSec);
    }
    // the hit's moment is the best-scoring clip under the live factors (brute force over every clip)
    res.results.forEach((r, i) => r.modality === 'audio' && expect(r.clip).toEqual({ ...ref[i]!.clip, track: 'sound' }));
    const one = await lib.search({ itemId: target.id, in: 'audio', k: 1, factors: f });
    expect(one.results[0]!.itemId).toBe(target.id);
    const oneRef = await bruteForce([{ w: 1, item: target.id }], f, 'audio');
    expect(one.results[0]!.clip).toEqual({ ...oneRef.find((x) => x.id === target.id)!.clip, track: 'sound' });
    const clips = new Repo(lib.database).clips(target.id, lib.engineSpace.packId)!;
    expect(one.results[0]!.momentCount).toBe(clips.spans.length);
    expect(one.results[0]!.moments![0]).toMatchObject(one.results[0]!.clip!);
  });

  it('filters: target modality, folder, date, duration, cutoff, k', async () => {
    const textsBefore = counts.texts;
    const img = await lib.search({ text: 'x', in: 'image', k: 50 });
    expect(img.results.length).toBe(8);
    expect(img.results.every((r) => r.modality === 'image')).toBe(true);
    const folder = await lib.search({ text: 'x', filters: { folder: join(media, 'sounds') }, k: 50 });
    expect(folder.results.length).toBe(5);
    const dated = await lib.search({ text: 'x', filters: { dateTo: Date.UTC(2016, 0, 1) }, k: 50 });
    expect(dated.results.map((r) => r.path)).toEqual([join(media, 'photos', 'p2.jpg')]);
    const dur = await lib.search({ text: 'x', filters: { minDuration: 3, maxDuration: 5.5 }, k: 50 });
    expect(dur.results.map((r) => r.path.split('/').pop()).sort()).toEqual(['s2.wav', 's3.wav']);
    const all = await lib.search({ text: 'x', k: 50 });
    const cut = all.results[4]!.score;
    const top = await lib.search({ text: 'x', minScore: cut, k: 50 });
    expect(top.results.map((r) => r.itemId)).toEqual(all.results.slice(0, 5).map((r) => r.itemId));
    expect((await lib.search({ text: 'x', k: 3 })).results.length).toBe(3);
    // the same text with other filters is encoded once (query cache)
    expect(counts.texts - textsBefore).toBeLessThanOrEqual(1);
    await expect(lib.search({ text: 'x', imagePath: '/a.png' })).rejects.toThrow(/exactly one/);
    await expect(lib.search({ imagePath: join(media, 'nope.png') })).rejects.toThrow(/nope\.png/);
    await expect(lib.search({ query: '"a" +' })).rejects.toThrow(/query syntax error/);
  });

  it('incremental re-scan: nothing re-encoded; touched-but-identical files are re-linked, not re-encoded', async () => {
    const before = { ...counts };
    const s = await lib.indexFolders([media]);
    expect(s.indexed).toBe(0);
    expect(s.unchanged).toBe(13);
    expect(s.failed).toBe(Object.keys(broken).length);
    const p = join(media, 'photos', 'p1.png');
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    const s2 = await lib.indexFolders([media]);
    expect(s2.skipped).toBe(1);
    expect(s2.unchanged).toBe(12);
    expect(counts.images + counts.audios).toBe(before.images + before.audios);
  });

  it('rename and move keep the item and its vectors (no encoder run); deletion removes; changed content re-encodes', async () => {
    const before = { ...counts };
    const old = (await lib.listItems({ sort: 'name', offset: 0, limit: 100 })).items;
    const idOf = (name: string) => old.find((i) => i.path.endsWith(name))!.id;
    const p3 = idOf('p3.png'), s1 = idOf('s1.wav'), p5 = idOf('p5.png');
    const vecBefore = lib.vectorStore.vectors(p3)!.base;
    renameSync(join(media, 'photos', 'p3.png'), join(media, 'photos', 'renamed.png'));
    mkdirSync(join(media, 'moved'), { recursive: true });
    renameSync(join(media, 'sounds', 's1.wav'), join(media, 'moved', 's1.wav'));
    unlinkSync(join(media, 'photos', 'p5.png'));
    const p6 = idOf('p6.jpg');
    await makeImage(join(media, 'photos', 'p6.jpg'), 60); // new content at an indexed path
    const s = await lib.indexFolders([media]);
    expect(s.skipped).toBe(2);
    expect(s.indexed).toBe(1);
    expect(s.removed).toBe(3);
    expect(counts.audios).toBe(before.audios);
    expect(counts.images).toBe(before.images + 1);
    const now = (await lib.listItems({ sort: 'name', offset: 0, limit: 100 })).items;
    expect(now.find((i) => i.id === p3)!.path).toBe(join(media, 'photos', 'renamed.png'));
    expect(now.find((i) => i.id === s1)!.path).toBe(join(media, 'moved', 's1.wav'));
    expect(now.some((i) => i.id === p5)).toBe(false);
    expect(Array.from(lib.vectorStore.vectors(p3)!.base)).toEqual(Array.from(vecBefore));
    expect(lib.vectorStore.has(p5)).toBe(false);
    const res = await lib.search({ text: 'x', k: 100 });
    expect(res.results.some((r) => r.itemId === p5)).toBe(false);
    expect(res.results.find((r) => r.itemId === s1)!.path).toBe(join(media, 'moved', 's1.wav'));
    // 13 − p5 (deleted) − old p6 content (orphaned) + new p6 content
    expect(res.results.length).toBe(12);
    expect(lib.vectorStore.has(p6)).toBe(false);
    expect(now.find((i) => i.path.endsWith('p6.jpg'))!.id).not.toBe(p6);
    const db = new Database(dbPath);
    expect((db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n).toBe(12);
    expect((db.prepare('SELECT COUNT(*) AS n FROM vectors WHERE item_id = ?').get(p5) as { n: number }).n).toBe(0);
    db.close();
  });

  it('watching: new, changed and deleted files are picked up while the app runs', async () => {
    await lib.setWatching(true);
    try {
      const changed: LibraryEvent[] = [];
      const off = lib.on((e) => e.type === 'items-changed' && changed.push(e));
      makeWav(join(media, 'sounds', 'live.wav'), 42, 2.5);
      await makeImage(join(media, 'photos', 'live.png'), 77);
      await waitFor(async () => (await lib.listItems({ sort: 'name', offset: 0, limit: 100 })).items.some((i) => i.path.endsWith('live.png') || i.path.endsWith('live.wav')) && (await lib.listItems({ sort: 'name', offset: 0, limit: 100 })).total === 14);
      await lib.watchIdle();
      const hit = await lib.search({ audioPath: join(media, 'sounds', 'live.wav'), in: 'audio', k: 1 });
      expect(hit.results[0]!.path).toBe(join(media, 'sounds', 'live.wav'));
      unlinkSync(join(media, 'photos', 'live.png'));
      await waitFor(async () => (await lib.listItems({ sort: 'name', offset: 0, limit: 100 })).total === 13);
      await lib.watchIdle();
      expect(lib.vectorStore.size).toBe(13);
      off();
      expect(changed.length).toBeGreaterThan(0);
    } finally {
      await lib.setWatching(false);
    }
  });

  it('removing a root drops its items; a file in two roots keeps its item', async () => {
    const roots = await lib.listRoots();
    expect(roots.map((r) => r.path)).toEqual([media]);
    expect(roots[0]!.fileCount).toBe(13);
    const sub = await lib.addRoot(join(media, 'sounds'));
    // nested roots: each file counted once
    const both = await lib.indexFolders([media, join(media, 'sounds')]);
    expect([both.unchanged, both.indexed, both.skipped, both.removed]).toEqual([13, 0, 0, 0]);
    await lib.removeRoot(roots[0]!.id);
    const left = await lib.listItems({ sort: 'name', offset: 0, limit: 100 });
    expect(left.items.every((i) => i.path.startsWith(join(media, 'sounds')))).toBe(true);
    // s0, s2, s3, s4 and live.wav (s1 was moved out of sounds/)
    expect(left.total).toBe(5);
    expect(lib.vectorStore.size).toBe(5);
    await lib.removeRoot(sub.id);
    expect(lib.vectorStore.size).toBe(0);
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 20000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for the watcher');
    await new Promise((r) => setTimeout(r, 50));
  }
}
