import { describe, expect, it } from 'vitest';
import { combineScores, scanDots, type QueryTerm } from '../../src-main/search/live-score';
import { SearchEngine, buildMask } from '../../src-main/search/engine';
import { VectorStore } from '../../src-main/search/vector-store';
import { TopK } from '../../src-main/search/topk';
import { PRESETS, type Factors } from '../../src-main/domain/types';
import { correlated, dot64, fused64, rng, unitVector } from './synthetic';

const DIM = 256;

function makeStore(n: number, seed = 7) {
  const r = rng(seed);
  const store = new VectorStore(DIM, 4, 2);
  const items: { id: number; b: Float32Array; x: Float32Array | null }[] = [];
  for (let i = 0; i < n; i++) {
    const b = unitVector(r, DIM);
    const audio = i % 3 !== 0;
    const x = audio ? correlated(r, b, 0.4) : null;
    store.upsert({
      id: 1000 + i, modality: audio ? 'audio' : 'image', base: b, expert: x, c: x ? dot64(x, b) : 1,
      factor: audio ? 'audio' : null, date: Date.UTC(2020, 0, 1 + i), durationSec: audio ? 1 + (i % 9) : null,
      paths: [`/lib/${i % 2 ? 'a' : 'b'}/f${i}.${audio ? 'wav' : 'png'}`],
    });
    items.push({ id: 1000 + i, b, x });
  }
  return { store, items, r };
}

function textTerm(r: () => number, weight = 1): QueryTerm {
  const a = unitVector(r, DIM);
  const u = correlated(r, a, 0.3);
  return { weight, a, u, factor: 'text', ua: dot64(u, a) };
}

function reference(items: { id: number; b: Float32Array; x: Float32Array | null }[], terms: QueryTerm[], f: Factors) {
  return items.map((it) => {
    const e = fused64(it.b, it.x, f.audio);
    let s = 0;
    for (const t of terms) s += t.weight * dot64(fused64(t.a, t.u, t.u && t.factor ? f[t.factor] : 0), e);
    return { id: it.id, s };
  });
}

describe('live-factor scoring', () => {
  it('equals dot products of recomputed fused vectors for any factors (1e-5)', () => {
    const { store, items, r } = makeStore(300);
    const terms = [textTerm(r)];
    const dots = scanDots(store, terms);
    for (const f of [PRESETS.versatile, PRESETS['at-expertise'], { text: 0, audio: 1 }, { text: 1, audio: 0 }, { text: 0.33, audio: 0.71 }]) {
      const got = new Map<number, number>();
      combineScores(store, terms, dots, f, null, (row, s) => got.set(store.ids[row]!, s));
      let maxErr = 0;
      for (const ref of reference(items, terms, f)) maxErr = Math.max(maxErr, Math.abs(got.get(ref.id)! - ref.s));
      expect(maxErr).toBeLessThan(1e-5);
    }
  });

  it('combined queries: weighted sum of per-term cosines, negatives included', () => {
    const { store, items, r } = makeStore(120, 11);
    const img = unitVector(r, DIM);
    const terms: QueryTerm[] = [textTerm(r, 1), { weight: 0.5, a: img, u: null, factor: null, ua: 1 }, textTerm(r, -1)];
    const f = { text: 0.4, audio: 0.6 };
    const got = new Map<number, number>();
    combineScores(store, terms, scanDots(store, terms), f, null, (row, s) => got.set(store.ids[row]!, s));
    for (const ref of reference(items, terms, f)) expect(Math.abs(got.get(ref.id)! - ref.s)).toBeLessThan(1e-5);
  });

  it('top-k equals a brute-force sort; rerank changes order without re-encoding', async () => {
    const { store, items, r } = makeStore(500, 3);
    const term = textTerm(r);
    let encodes = 0;
    const engine = new SearchEngine(store, {
      encode: async () => (encodes++, { a: term.a, u: term.u, factor: 'text', ua: term.ua }),
    });
    const res = await engine.search({ terms: [{ weight: 1, atom: { kind: 'text', text: 'x' } }], k: 10, factors: PRESETS.versatile });
    const ref = reference(items, [term], PRESETS.versatile).sort((a, b) => b.s - a.s).slice(0, 10);
    expect(res.results.map((h) => h.itemId)).toEqual(ref.map((x) => x.id));
    res.results.forEach((h, i) => expect(Math.abs(h.score - ref[i]!.s)).toBeLessThan(1e-5));
    const re = engine.rerank(res.queryId, PRESETS['at-expertise']);
    const ref2 = reference(items, [term], PRESETS['at-expertise']).sort((a, b) => b.s - a.s).slice(0, 10);
    expect(re.results.map((h) => h.itemId)).toEqual(ref2.map((x) => x.id));
    expect(encodes).toBe(1);
    // store changes after the search: rerank rescans (still no encode) and sees the removal
    store.remove(ref2[0]!.id);
    const re2 = engine.rerank(res.queryId, PRESETS['at-expertise']);
    expect(re2.results[0]!.itemId).toBe(ref2[1]!.id);
    expect(encodes).toBe(1);
  });

  it('filters: modality, folder, date, duration, cutoff', async () => {
    const { store, items, r } = makeStore(90, 5);
    const term = textTerm(r);
    const engine = new SearchEngine(store, { encode: async () => ({ a: term.a, u: term.u, factor: 'text', ua: term.ua }) });
    const base = { terms: [{ weight: 1, atom: { kind: 'text' as const, text: 'q' } }], k: 1000, factors: PRESETS.versatile };
    const audio = await engine.search({ ...base, in: 'audio' });
    expect(audio.results.length).toBe(items.filter((_, i) => i % 3 !== 0).length);
    expect(audio.results.every((h) => h.modality === 'audio')).toBe(true);
    const folder = await engine.search({ ...base, filters: { folder: '/lib/a' } });
    expect(folder.results.every((h) => h.path.startsWith('/lib/a/'))).toBe(true);
    expect(folder.results.length).toBe(45);
    const dated = await engine.search({ ...base, filters: { dateFrom: Date.UTC(2020, 0, 11), dateTo: Date.UTC(2020, 0, 20) } });
    expect(dated.results.length).toBe(10);
    const dur = await engine.search({ ...base, filters: { minDuration: 3, maxDuration: 4 } });
    expect(dur.results.every((h) => h.modality === 'audio')).toBe(true);
    expect(dur.results.length).toBe(buildMask(store, 'all', { minDuration: 3, maxDuration: 4 }).considered);
    expect(dur.results.length).toBeGreaterThan(0);
    const cut = await engine.search({ ...base, minScore: 0.05 });
    expect(cut.results.every((h) => h.score >= 0.05)).toBe(true);
    expect(cut.results.length).toBe(reference(items, [term], PRESETS.versatile).filter((x) => x.s >= 0.05).length);
  });

  it('rejects bad factors clearly', async () => {
    const { store, r } = makeStore(5);
    const term = textTerm(r);
    const engine = new SearchEngine(store, { encode: async () => ({ a: term.a, u: term.u, factor: 'text', ua: term.ua }) });
    await expect(engine.search({ terms: [{ weight: 1, atom: { kind: 'text', text: 'q' } }], factors: { text: NaN, audio: 0.5 } })).rejects.toThrow(/factor text/);
  });
});

describe('vector store and top-k', () => {
  it('keeps rows consistent through removals and growth', () => {
    const { store, items } = makeStore(50);
    for (const it of items.filter((_, i) => i % 4 === 1)) store.remove(it.id);
    for (const it of items) {
      const v = store.vectors(it.id);
      if (items.indexOf(it) % 4 === 1) expect(v).toBeNull();
      else {
        expect(Array.from(v!.base)).toEqual(Array.from(it.b));
        expect(v!.expert ? Array.from(v!.expert) : null).toEqual(it.x ? Array.from(it.x) : null);
      }
    }
    expect(store.size).toBe(50 - items.filter((_, i) => i % 4 === 1).length);
  });

  it('TopK returns the k best in order', () => {
    const r = rng(99);
    const vals = Array.from({ length: 1000 }, () => r());
    const t = new TopK(7);
    vals.forEach((v, i) => t.push(v, i));
    const want = vals.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v).slice(0, 7);
    expect(t.sorted().map((x) => x.index)).toEqual(want.map((x) => x.i));
  });
});
