import { describe, expect, it } from 'vitest';
import { RowBlock } from '../../src-main/search/row-block';
import { dotRowsWasmModule } from '../../src-main/search/dot-rows-wasm';
import { dot64, rng, unitVector } from './synthetic';

describe('dot-product scans (JS loops, WebAssembly SIMD)', () => {
  it('the hand-assembled WebAssembly SIMD module validates and compiles here', () => {
    expect(dotRowsWasmModule()).not.toBeNull();
  });

  for (const [dim, simd] of [[1024, true], [512, false], [100, true]] as const) {
    it(`RowBlock dim=${dim} simd=${simd} matches float64 dot products for m = 1, 2, 3, 5 across growth`, () => {
      const r = rng(dim);
      const block = new RowBlock(dim, 3, simd);
      expect(block.simd).toBe(simd && dim % 16 === 0);
      const n = 5000; // > one 4096-row output chunk
      block.ensureCapacity(n);
      const rows: Float32Array[] = [];
      for (let i = 0; i < n; i++) {
        const v = unitVector(r, dim);
        rows.push(v);
        block.view.set(v, i * dim);
      }
      for (const m of [1, 2, 3, 5]) {
        const q = new Float32Array(m * dim);
        for (let k = 0; k < m; k++) q.set(unitVector(r, dim), k * dim);
        const out = new Float32Array(n * m);
        block.dots(n, q, m, out);
        let maxErr = 0;
        for (let i = 0; i < n; i += 7) {
          for (let k = 0; k < m; k++) maxErr = Math.max(maxErr, Math.abs(out[i * m + k]! - dot64(rows[i]!, q.subarray(k * dim, (k + 1) * dim))));
        }
        expect(maxErr).toBeLessThan(1e-5);
      }
    });
  }
});
