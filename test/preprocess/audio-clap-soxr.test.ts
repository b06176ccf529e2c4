import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convolveMany } from '../../src-main/preprocess/audio/soxr/convolve';
import { planSoxrHq, soxrPassbandEnd, soxrResampleHq, SoxrUnsupportedError } from '../../src-main/preprocess/audio/soxr/soxr-hq';

// Golden input/output pairs made with libsoxr 0.1.3 (HQ) by audio-clap-soxr/gen-golden.py.
const dir = join(import.meta.dirname, 'audio-clap-soxr');
const readF32 = (p: string) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const rates = readdirSync(dir)
  .map((f) => /^in-(\d+)\.f32$/.exec(f)?.[1])
  .filter((r): r is string => !!r)
  .map(Number)
  .sort((a, b) => a - b);

/**
 * Max abs difference allowed per input rate. Rational plans are the same filters run in float64 instead
 * of libsoxr's float32 (measured ≤ 5e-7); irrational ratios also differ in clock/coefficient-interpolation
 * rounding (measured 3.4e-6 at 44101 Hz); ≥ 4× downsampling uses this port's own half-band filters instead
 * of libsoxr's tables (measured 1.4e-4 at 192 kHz, from band-edge content near 22 kHz).
 */
function tolerance(sr: number): number {
  if (sr >= 4 * 48000) return 5e-4;
  if (planSoxrHq(sr, 48000).some((s) => s.kind === 'interp')) return 2e-5;
  return 2e-6;
}

describe('soxr HQ port', () => {
  it('derives libsoxr HQ pass-band end (20-bit recipe)', () => {
    // soxr_quality_spec(SOXR_HQ, 0).passband_end as printed by libsoxr 0.1.3
    expect(soxrPassbandEnd(20)).toBeCloseTo(0.9137436532733066, 15);
  });

  it('has golden data for several rates', () => expect(rates.length).toBeGreaterThanOrEqual(6));

  for (const sr of rates) {
    it(`matches libsoxr HQ ${sr} Hz → 48 kHz to float32 rounding`, () => {
      const x = readF32(join(dir, `in-${sr}.f32`));
      const ref = readF32(join(dir, `out-${sr}.f32`));
      const y = soxrResampleHq(x, sr, 48000);
      expect(y.length).toBe(ref.length);
      let max = 0;
      let peak = 0;
      for (let i = 0; i < ref.length; i++) {
        max = Math.max(max, Math.abs(y[i]! - ref[i]!));
        peak = Math.max(peak, Math.abs(ref[i]!));
      }
      console.log(`soxr HQ port vs libsoxr ${sr} Hz → 48 kHz: max abs ${max.toExponential(2)}`);
      expect(peak).toBeGreaterThan(0.3);
      expect(max).toBeLessThan(tolerance(sr));
    });
  }

  it('plans the stages libsoxr uses', () => {
    const show = (sr: number) => planSoxrHq(sr, 48000).map((s) => (s.kind === 'interp' ? s.kind : `${s.kind}${s.L}/${s.M}:${s.h.length}`));
    expect(show(16000)).toEqual(['dft3/1:581']);
    expect(show(32000)).toEqual(['dft3/2:581']);
    expect(show(44100)).toEqual(['dft2/1:409', 'poly80/147:1199']);
    expect(show(8000)).toEqual(['dft3/2:609', 'dft4/1:105']);
    expect(planSoxrHq(48000, 48000)).toEqual([]);
  });

  it('keeps a DC level and output length round(n·out/in)', () => {
    const x = new Float32Array(3001).fill(0.25);
    const y = soxrResampleHq(x, 22050, 48000);
    expect(y.length).toBe(Math.round((3001 * 48000) / 22050));
    for (let i = 1000; i < 5000; i++) expect(Math.abs(y[i]! - 0.25)).toBeLessThan(1e-5);
  });

  it('uses half-band stages for ≥ 4× downsampling and the interpolated stage for irrational ratios', () => {
    expect(planSoxrHq(192000, 48000).map((s) => s.kind)).toEqual(['half', 'dft']);
    expect(planSoxrHq(384000, 48000).map((s) => s.kind)).toEqual(['half', 'half', 'dft']);
    const irr = planSoxrHq(44101, 48000);
    expect(irr.map((s) => s.kind)).toEqual(['dft', 'interp']);
    expect(irr[1]).toMatchObject({ phases: 2048, order: 1 });
  });

  it('rejects invalid rates with a clear error', () => {
    expect(() => soxrResampleHq(new Float32Array(10), 0, 48000)).toThrow(SoxrUnsupportedError);
    expect(() => soxrResampleHq(new Float32Array(10), Number.NaN, 48000)).toThrow(/invalid rates/);
  });

  it('FFT overlap-save convolution equals direct convolution (odd filter count, several blocks; WebAssembly and JS)', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    const x = Float64Array.from({ length: 20000 }, rnd);
    // 600 taps → 8192-point transforms (odd log2: one radix-2 stage), 17 taps alone → 1024 (even log2)
    const filters = [600, 17, 599].map((n) => Float64Array.from({ length: n }, rnd));
    const outLen = 20000 + 550;
    for (const useWasm of [true, false]) {
      const z = [...convolveMany(x, filters, outLen, useWasm), ...convolveMany(x, [filters[1]!], outLen, useWasm)];
      [...filters, filters[1]!].forEach((h, r) => {
        let max = 0;
        for (const m of [0, 1, 599, 600, 4095, 4096, 7593, 7594, 9999, 19999, 20400, outLen - 1]) {
          let want = 0;
          for (let k = 0; k < h.length; k++) if (m - k >= 0 && m - k < x.length) want += h[k]! * x[m - k]!;
          max = Math.max(max, Math.abs(z[r]![m]! - want));
        }
        expect(max, `filter ${r}, wasm ${useWasm}`).toBeLessThan(1e-12);
      });
    }
  });
});
