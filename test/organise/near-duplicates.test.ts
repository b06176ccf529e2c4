import { describe, expect, it } from 'vitest';
import { groupNearDuplicates, exactDuplicateGroups } from '../../src-main/organise/near-duplicates';
import { similarityTopK } from '../../src-main/organise/similarity-topk-onnx';
import { lcg } from '../helpers/random';


function gaussian(r: () => number) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

function unit(v: Float32Array) {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

describe('similarityTopK (ONNX Runtime MatMul + TopK graph)', () => {
  it('equals a brute-force top-k', async () => {
    const r = lcg(7);
    const n = 37, m = 53, d = 24, k = 5;
    const rows = Float32Array.from({ length: n * d }, () => r() - 0.5);
    const cols = Float32Array.from({ length: m * d }, () => r() - 0.5);
    const got = await similarityTopK(rows, n, cols, m, d, k, 10);
    for (let i = 0; i < n; i++) {
      const scores = Array.from({ length: m }, (_, j) => {
        let s = 0;
        for (let t = 0; t < d; t++) s += rows[i * d + t]! * cols[j * d + t]!;
        return { j, s };
      }).sort((a, b) => b.s - a.s);
      for (let t = 0; t < k; t++) {
        expect(got.indices[i * k + t]).toBe(scores[t]!.j);
        expect(got.values[i * k + t]).toBeCloseTo(scores[t]!.s, 5);
      }
    }
  });
});

const cosine = (vecs: Float32Array[]) => (i: number, j: number) => {
  let s = 0;
  for (let t = 0; t < vecs[i]!.length; t++) s += vecs[i]![t]! * vecs[j]![t]!;
  return s;
};

describe('groupNearDuplicates', () => {
  async function neighbours(vecs: Float32Array[], k: number) {
    const d = vecs[0]!.length;
    const n = vecs.length;
    const flat = new Float32Array(n * d);
    vecs.forEach((v, i) => flat.set(v, i * d));
    const top = await similarityTopK(flat, n, flat, n, d, k + 1);
    // drop self matches
    const indices = new Int32Array(n * k);
    const scores = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      let w = 0;
      for (let t = 0; t < k + 1 && w < k; t++) {
        const j = top.indices[i * (k + 1) + t]!;
        if (j === i) continue;
        indices[i * k + w] = j;
        scores[i * k + w] = top.values[i * (k + 1) + t]!;
        w++;
      }
    }
    return { indices, scores, k };
  }

  it('finds planted near-copy clusters and no group among unrelated items', async () => {
    const r = lcg(11);
    const d = 64;
    const vecs: Float32Array[] = [];
    const planted: number[][] = [];
    for (let c = 0; c < 4; c++) {
      const centre = Float32Array.from({ length: d }, () => gaussian(r));
      const members: number[] = [];
      for (let i = 0; i < 2 + c; i++) {
        members.push(vecs.length);
        vecs.push(unit(Float32Array.from(centre, (x) => x + 0.08 * gaussian(r))));
      }
      planted.push(members);
    }
    for (let i = 0; i < 60; i++) vecs.push(unit(Float32Array.from({ length: d }, () => gaussian(r))));
    const nb = await neighbours(vecs, 8);
    const groups = groupNearDuplicates(vecs.length, nb, cosine(vecs), { threshold: 0.9, margin: 0.02 });
    const found = groups.map((g) => g.members.join(',')).sort();
    expect(found).toEqual(planted.map((m) => m.join(',')).sort());
    for (const g of groups) expect(g.cohesion - g.separation).toBeGreaterThanOrEqual(0.02);
  });

  it('splits a chain whose ends are unrelated instead of grouping it', async () => {
    // 0°, 14°, 32°, 44° on a circle: neighbours are ≥ 0.95 alike, the ends only cos 44° = 0.72
    const ang = (deg: number) => unit(Float32Array.from([Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180), 0]));
    const vecs = [ang(0), ang(14), ang(32), ang(44), unit(Float32Array.from([0, 0, 1]))];
    const nb = await neighbours(vecs, 4);
    const groups = groupNearDuplicates(vecs.length, nb, cosine(vecs), { threshold: 0.9, margin: 0.02 });
    // {0,1,2,3} fails the pairwise test; splitting at the weakest link (14°→32°, .951) leaves {0,1} (.970, but
    // only .019 above its outside neighbour) and {2,3} (.978 vs .951 outside: a clear gap).
    expect(groups.map((g) => g.members)).toEqual([[2, 3]]);
  });
});

describe('exactDuplicateGroups', () => {
  it('groups by hash, largest first, ignoring singletons', () => {
    const items = [
      { p: 'a', h: '1' },
      { p: 'b', h: '2' },
      { p: 'c', h: '1' },
      { p: 'd', h: '3' },
      { p: 'e', h: '3' },
      { p: 'f', h: '3' },
    ];
    const g = exactDuplicateGroups(items, (x) => x.h);
    expect(g.map((x) => x.map((y) => y.p))).toEqual([['d', 'e', 'f'], ['a', 'c']]);
  });
});
