import { describe, expect, it } from 'vitest';
import { createRealDft, createRealFft } from '../../src-main/preprocess/audio/fft';

function naiveDft(x: ArrayLike<number>, n: number) {
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < x.length; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += x[t]! * Math.cos(a);
      si += x[t]! * Math.sin(a);
    }
    re[k] = sr;
    im[k] = si;
  }
  return { re, im };
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

describe('real FFT', () => {
  for (const n of [4, 8, 64, 512, 1024]) {
    it(`matches a direct DFT at n=${n} (full and zero-padded input)`, () => {
      const rnd = lcg(n);
      for (const len of [n, Math.max(1, Math.floor(n * 0.78))]) {
        const x = Float64Array.from({ length: len }, rnd);
        const ref = naiveDft(x, n);
        const re = new Float64Array(n / 2 + 1);
        const im = new Float64Array(n / 2 + 1);
        createRealDft(n)(x, re, im);
        const pw = new Float64Array(n / 2 + 1);
        createRealFft(n)(x, pw);
        for (let k = 0; k <= n / 2; k++) {
          expect(Math.abs(re[k]! - ref.re[k]!)).toBeLessThan(1e-10 * n);
          expect(Math.abs(im[k]! - ref.im[k]!)).toBeLessThan(1e-10 * n);
          const p = ref.re[k]! ** 2 + ref.im[k]! ** 2;
          expect(Math.abs(pw[k]! - p)).toBeLessThanOrEqual(1e-10 * n * (1 + p));
        }
      }
    });
  }

  it('rejects sizes that are not powers of two and over-long input', () => {
    expect(() => createRealFft(400)).toThrow(/power of two/);
    expect(() => createRealFft(8)(new Float64Array(9), new Float64Array(5))).toThrow(/exceeds/);
  });
});
