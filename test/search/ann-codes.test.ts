/**
 * Approximate search's binary codes: the WebAssembly scorer equals the JavaScript one and the exact sum of
 * table entries, across the memory growing under it; candidates are the same rows either way, and the code
 * estimate ranks the true best rows among them.
 */
import { describe, expect, it } from 'vitest';
import { AnnIndex, codeTable, trainQuantizer } from '../../src-main/search/ann';
import { CodeArena, codeDot } from '../../src-main/search/code-arena';
import { binaryCode } from '../../src-main/library/vector-files';
import { FACTOR_AUDIO, FACTOR_NONE } from '../../src-main/search/vector-store';
import { dot64, rng, unitVector } from './synthetic';

describe('binary codes for approximate search', () => {
  it('the WebAssembly scorer equals the JavaScript one and the float64 sum of table entries, across growth', () => {
    const dim = 1024, B = dim / 8;
    const r = rng(5);
    const wasm = new CodeArena(B, 10, true), js = new CodeArena(B, 10, false);
    expect(wasm.wasm).toBe(true);
    expect(js.wasm).toBe(false);
    const n = 3000;
    const vecs: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      if (i % 700 === 0) (wasm.reserve(i + 700), js.reserve(i + 700)); // the memory grows under the codes
      const v = unitVector(r, dim);
      vecs.push(v);
      binaryCode(v, wasm.codes, i * B);
      binaryCode(v, js.codes, i * B);
    }
    const q = unitVector(r, dim);
    const lut = codeTable(q);
    const rows = Int32Array.from({ length: 2000 }, (_, k) => (k * 7919) % n);
    const a = new Float32Array(rows.length), b = new Float32Array(rows.length);
    wasm.score(lut, rows, rows.length, a);
    js.score(lut, rows, rows.length, b);
    for (let k = 0; k < rows.length; k++) {
      const v = vecs[rows[k]!]!;
      // Σ_i q_i·sign(v_i): what the table sums to
      let exact = 0;
      for (let i = 0; i < dim; i++) exact += q[i]! * (v[i]! > 0 ? 1 : -1);
      expect(Math.abs(a[k]! - exact)).toBeLessThan(1e-3);
      expect(Math.abs(b[k]! - exact)).toBeLessThan(1e-3);
      expect(codeDot(lut, js.codes, rows[k]! * B, B)).toBeCloseTo(b[k]!, 4);
    }
  });

  it('a second thread scores half of a large query in the shared memory: the same scores, and stopped by close', async () => {
    const dim = 1024, B = dim / 8;
    const r = rng(21);
    const n = 20_000;
    const base = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) base.set(unitVector(r, dim), i * dim);
    const q = trainQuantizer(base, 2000, dim, 2, 2, 2);
    const idx = new AnnIndex(dim, q, q, 16);
    for (let i = 0; i < n; i++) {
      const row = idx.addRow(i, -1, i, -1, FACTOR_NONE, 1);
      idx.baseAlpha[row] = binaryCode(base.subarray(i * dim, (i + 1) * dim), idx.baseCodes, row * B);
    }
    expect(idx.baseArena.sharedMemory).not.toBeNull();
    expect(idx.startThread()).toBe(true);
    // the worker starts on its own; until it waits for jobs the searching thread scores alone
    const t0 = Date.now();
    const lut = codeTable(unitVector(r, dim));
    const rows = Int32Array.from({ length: n }, (_, k) => (k * 7919) % n);
    const two = new Float32Array(n), one = new Float32Array(n);
    for (;;) {
      idx.baseArena.score(lut, rows, n, two);
      if (idx.baseArena.lastSplit > 0 || Date.now() - t0 > 10_000) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(idx.baseArena.lastSplit).toBe(n - (n >> 1));
    for (let k = 0; k < n; k++) one[k] = codeDot(lut, idx.baseCodes, rows[k]! * B, B);
    for (let k = 0; k < n; k += 13) expect(Math.abs(two[k]! - one[k]!)).toBeLessThan(1e-3);
    // the second half really came from the other thread: both halves agree with the JS sums
    expect(Math.abs(two[n - 1]! - one[n - 1]!)).toBeLessThan(1e-3);
    idx.close();
    idx.baseArena.score(lut, rows, n, two);
    expect(idx.baseArena.lastSplit).toBe(0);
    for (let k = 0; k < n; k += 13) expect(Math.abs(two[k]! - one[k]!)).toBeLessThan(1e-3);
  });

  it('candidates are the same rows scored in WebAssembly or JavaScript, and hold the exact best rows', () => {
    const dim = 256, B = dim / 8;
    const r = rng(11);
    const n = 4000;
    const base: Float32Array[] = [], expert: Float32Array[] = [];
    const sample = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      base.push(unitVector(r, dim));
      expert.push(unitVector(r, dim));
      sample.set(base[i]!, i * dim);
    }
    const q = trainQuantizer(sample, n, dim, 4, 4, 3);
    const build = (wasm: boolean) => {
      const idx = new AnnIndex(dim, q, q, 16, { wasm });
      for (let i = 0; i < n; i++) {
        const hasX = i % 3 !== 0;
        const row = idx.addRow(i, -1, i, hasX ? i : -1, FACTOR_AUDIO, hasX ? dot64(base[i]!, expert[i]!) : 1);
        idx.baseAlpha[row] = binaryCode(base[i]!, idx.baseCodes, row * B);
        idx.baseLists.add(q.assign(base[i]!), row);
        if (hasX) {
          idx.expertAlpha[row] = binaryCode(expert[i]!, idx.expertCodes, row * B);
          idx.expertLists.add(q.assign(expert[i]!), row);
        }
      }
      return idx;
    };
    const w = build(true), j = build(false);
    expect(w.baseArena.wasm).toBe(true);
    expect(j.baseArena.wasm).toBe(false);
    expect(w.factor[0]).toBe(FACTOR_NONE);
    const Q = unitVector(r, dim);
    const factors = { text: 0.1, audio: 0.5 };
    const cw = [...w.candidates(Q, factors, { nprobe: 16, R: 400 })].sort((a, b) => a - b);
    const cj = [...j.candidates(Q, factors, { nprobe: 16, R: 400 })].sort((a, b) => a - b);
    expect(cw.length).toBe(400);
    // float32 (WebAssembly) and float64 (JavaScript) sums may swap rows tied at the cut, nothing more
    const same = cw.filter((x) => cj.includes(x)).length;
    expect(same).toBeGreaterThanOrEqual(398);
    // every list probed: the exact top 10 under the fused score is among the 400 candidates
    const f = factors.audio;
    const exact = base.map((b, i) => {
      if (i % 3 === 0) return dot64(Q, b);
      const c = dot64(b, expert[i]!);
      return ((1 - f) * dot64(Q, b) + f * dot64(Q, expert[i]!)) / Math.sqrt(f * f + (1 - f) * (1 - f) + 2 * f * (1 - f) * c);
    });
    const top10 = exact.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 10).map(([, i]) => i);
    for (const i of top10) expect(cw).toContain(i);
    // an item removed is never a candidate again
    w.removeItem(top10[0]!);
    expect([...w.candidates(Q, factors, { nprobe: 16, R: 400 })]).not.toContain(top10[0]);
  });
});
