import { describe, expect, it } from 'vitest';
import { butterflies, complexPlan, createRealPowerSpectrum } from '../../src-main/preprocess/audio/fft';
import { centred, lcg as lcgUniform } from '../helpers/random';

const lcg = (seed: number) => centred(lcgUniform(seed));

describe('float64 FFTs (Kaldi fbank, CLAP mel, soxr convolution)', () => {
  for (const n of [4, 8, 16, 512, 1024, 2048]) {
    it(`real power spectrum matches a direct DFT at n=${n}`, () => {
      const rnd = lcg(n);
      const x = Float64Array.from({ length: n }, rnd);
      const power = new Float64Array(n / 2 + 1);
      createRealPowerSpectrum(n)(x, power);
      let scale = 0;
      let max = 0;
      for (let k = 0; k <= n / 2; k++) {
        let re = 0;
        let im = 0;
        for (let t = 0; t < n; t++) {
          const a = (-2 * Math.PI * ((k * t) % n)) / n;
          re += x[t]! * Math.cos(a);
          im += x[t]! * Math.sin(a);
        }
        const want = re * re + im * im;
        scale = Math.max(scale, want);
        max = Math.max(max, Math.abs(power[k]! - want));
      }
      expect(max / scale).toBeLessThan(1e-12);
    });
  }

  it('complex forward then inverse transform returns the input (×n)', () => {
    for (const n of [2, 8, 32, 4096]) {
      const p = complexPlan(n);
      const rnd = lcg(7 * n);
      const xr = Float64Array.from({ length: n }, rnd);
      const xi = Float64Array.from({ length: n }, rnd);
      const re = new Float64Array(n);
      const im = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        re[p.bitrev[i]!] = xr[i]!;
        im[p.bitrev[i]!] = xi[i]!;
      }
      butterflies(p, re, im, -1);
      const r2 = new Float64Array(n);
      const i2 = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        r2[p.bitrev[i]!] = re[i]!;
        i2[p.bitrev[i]!] = im[i]!;
      }
      butterflies(p, r2, i2, 1);
      let max = 0;
      for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(r2[i]! / n - xr[i]!), Math.abs(i2[i]! / n - xi[i]!));
      expect(max).toBeLessThan(1e-13);
    }
  });
});

describe('real power spectrum input checks', () => {
  it('rejects sizes that are not powers of two', () => {
    expect(() => createRealPowerSpectrum(400)).toThrow(/power of two/);
    expect(() => createRealPowerSpectrum(2)).toThrow(/power of two/);
  });
});
