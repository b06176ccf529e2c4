import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSoxrHq, soxrPassbandEnd, soxrResampleHq, SoxrUnsupportedError } from '../../src-main/preprocess/audio/soxr-hq';

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
      expect(peak).toBeGreaterThan(0.3);
      expect(max).toBeLessThan(2e-6); // measured ≤ 5e-7 (libsoxr runs HQ in float32)
    });
  }

  it('plans the stages libsoxr uses', () => {
    const show = (sr: number) => planSoxrHq(sr, 48000).map((s) => `${s.kind}${s.L}/${s.M}:${s.h.length}`);
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

  it('refuses plans it does not implement with a clear error', () => {
    expect(() => planSoxrHq(192000, 48000)).toThrow(SoxrUnsupportedError);
    expect(() => planSoxrHq(44101, 48000)).toThrow(/irrational/);
  });
});
