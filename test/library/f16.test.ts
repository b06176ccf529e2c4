import { describe, expect, it } from 'vitest';
import { asStored, decodeUnitF16, encodeF16, f16Table, f32ToF16Bits } from '../../src-main/library/f16';

describe('float16 storage of vectors', () => {
  it('the fast encoder rounds exactly like the reference conversion, including ties, subnormals and overflow', () => {
    const vals = [0, -0, 1, -1, 0.1, 65504, 65520, 1e6, -1e6, 6.1e-5, 5.96e-8, 2.98e-8, 1e-9, 0.000123, 1 + 2 ** -11, 1 + 3 * 2 ** -11, Infinity, -Infinity];
    let s = 7;
    for (let i = 0; i < 5000; i++) vals.push(((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.2);
    const src = Float32Array.from(vals);
    const fast = new Uint16Array(src.length);
    encodeF16(src, fast);
    const ref = Uint16Array.from(src, (x) => f32ToF16Bits(x));
    expect(Array.from(fast)).toEqual(Array.from(ref));
    const t = f16Table();
    // round to nearest: no other half value is closer
    for (let i = 0; i < src.length; i++) {
      const x = src[i]!;
      if (!Number.isFinite(x) || Math.abs(x) > 65504) continue;
      const h = ref[i]!;
      const err = Math.abs(t[h]! - x);
      for (const n of [h - 1, h + 1]) if (n >= 0 && n < 65536 && Number.isFinite(t[n]!) && Math.sign(t[n]!) === Math.sign(t[h]!)) expect(Math.abs(t[n]! - x)).toBeGreaterThanOrEqual(err);
    }
    expect(t[f32ToF16Bits(65520)]).toBe(Infinity);
    expect(t[f32ToF16Bits(1 + 2 ** -11)]).toBe(1); // tie → even
  });

  it('a stored unit vector reads back at unit length within 1e-6, each component within 2^-11 relative', () => {
    let s = 3;
    const v = Float32Array.from({ length: 1024 }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5));
    let n = 0;
    for (const x of v) n += x * x;
    for (let i = 0; i < v.length; i++) v[i]! /= Math.sqrt(n);
    const r = asStored(v);
    let n2 = 0, dot = 0;
    for (let i = 0; i < r.length; i++) {
      n2 += r[i]! * r[i]!;
      dot += r[i]! * v[i]!;
    }
    expect(Math.abs(Math.sqrt(n2) - 1)).toBeLessThan(1e-6);
    expect(1 - dot).toBeLessThan(1e-6);
    const h = new Uint16Array(1024);
    encodeF16(v, h);
    const d = new Float32Array(1024);
    decodeUnitF16(h, 0, 1024, d);
    expect(Array.from(d)).toEqual(Array.from(r));
  });
});
