import { describe, expect, it } from 'vitest';
import { computeMap } from '../../src-main/organise/projection';
import { lcg } from '../helpers/random';


function clusters(nPer: number, k: number, d: number, spread: number, seed = 3) {
  const r = lcg(seed);
  const g = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const v = new Float32Array(nPer * k * d);
  const label: number[] = [];
  for (let c = 0; c < k; c++) {
    const centre = Array.from({ length: d }, g);
    for (let i = 0; i < nPer; i++) {
      const row = (c * nPer + i) * d;
      let norm = 0;
      for (let t = 0; t < d; t++) norm += (v[row + t] = centre[t]! + spread * g()) ** 2;
      for (let t = 0; t < d; t++) v[row + t]! /= Math.sqrt(norm);
      label.push(c);
    }
  }
  return { v, label, n: nPer * k };
}

describe('computeMap', () => {
  it('places every item, inside [-1,1], keeping clusters apart', async () => {
    const { v, label, n } = clusters(40, 3, 32, 0.3);
    const { positions } = await computeMap(v, n, 32, { epochs: 150 });
    expect(positions.length).toBe(n * 2);
    for (const p of positions) {
      expect(Number.isFinite(p)).toBe(true);
      expect(Math.abs(p)).toBeLessThanOrEqual(1 + 1e-6);
    }
    // each point's nearest 2-D neighbour belongs to its own cluster
    let same = 0;
    for (let i = 0; i < n; i++) {
      let best = -1, bd = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const dd = (positions[i * 2]! - positions[j * 2]!) ** 2 + (positions[i * 2 + 1]! - positions[j * 2 + 1]!) ** 2;
        if (dd < bd) { bd = dd; best = j; }
      }
      if (label[best] === label[i]) same++;
    }
    expect(same / n).toBeGreaterThan(0.95);
  });

  it('is deterministic for a seed, and a warm start stays close to the previous layout', async () => {
    const { v, n } = clusters(30, 3, 16, 0.4, 9);
    const a = await computeMap(v, n, 16, { epochs: 100, seed: 5 });
    const b = await computeMap(v, n, 16, { epochs: 100, seed: 5 });
    expect(Array.from(b.positions)).toEqual(Array.from(a.positions));
    const warm = await computeMap(v, n, 16, { init: a.positions, epochs: 30, seed: 6 });
    const cold = await computeMap(v, n, 16, { epochs: 100, seed: 6 });
    const dist = (p: Float32Array) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) s += (p[i]! - a.positions[i]!) ** 2;
      return Math.sqrt(s / n);
    };
    expect(dist(warm.positions)).toBeLessThan(dist(cold.positions));
  });
});
