import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../../src-main/preprocess/audio/decode';
import { clapFusionMel } from '../../src-main/preprocess/audio/clap-fusion';
import { clapLoad48k } from '../../src-main/preprocess/audio/clap-load';
import { clapLogMel } from '../../src-main/preprocess/audio/clap-mel';
import { clapLogMelRows } from '../../src-main/preprocess/audio/clap-mel';
import { butterflies, complexPlan } from '../../src-main/preprocess/audio/fft';
import { convolveEach, convolveMany } from '../../src-main/preprocess/audio/soxr/convolve';
import { planSoxrHq, runStage, runStageRange, soxrResampleHq, stageInputRange, type SoxrStage } from '../../src-main/preprocess/audio/soxr/soxr-hq';
import { bitReverseTable, buildAudioDspWasm, audioDspWasm, setAudioDspWasmEnabled, writeTwiddles } from '../../src-main/preprocess/audio/dsp-wasm';
import { casesOf, inputPath } from '../helpers/fixtures';
import { centred, lcg as lcgUniform } from '../helpers/random';

// The WebAssembly SIMD code (dsp-wasm.ts) against the plain JS code they replace.

const lcg = (seed: number) => centred(lcgUniform(seed));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Run fn with WebAssembly switched off (the JS fallbacks), restoring it afterwards. */
function withoutWasm<T>(fn: () => T): T {
  setAudioDspWasmEnabled(false);
  try {
    return fn();
  } finally {
    setAudioDspWasmEnabled(true);
  }
}

const signal = (n: number, seed: number) => {
  const rnd = lcg(seed);
  return Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * 0.031) + 0.2 * Math.sin(i * 1.7) + 0.1 * rnd());
};

describe('WebAssembly FFT module', () => {
  it('validates and instantiates on this Node (SIMD available)', () => {
    expect(WebAssembly.validate(new Uint8Array(buildAudioDspWasm()))).toBe(true);
    expect(audioDspWasm()).not.toBeNull();
  });

  it('is off while disabled and back afterwards', () => {
    withoutWasm(() => expect(audioDspWasm()).toBeNull());
    expect(audioDspWasm()).not.toBeNull();
  });

  for (const n of [1, 2, 4, 8, 32, 512, 2048, 4096]) {
    it(`n=${n}: forward (bit-reversed out) equals the JS FFT and a direct DFT; inverse returns n·input`, () => {
      const k = audioDspWasm()!;
      const f = k.reserve(8 * 12 * n);
      writeTwiddles(f, 2 * n, n, false);
      writeTwiddles(f, 6 * n, n, true);
      const rnd = lcg(n + 11);
      const xr = Float64Array.from({ length: n }, rnd);
      const xi = Float64Array.from({ length: n }, rnd);
      for (let i = 0; i < n; i++) {
        f[2 * i] = xr[i]!;
        f[2 * i + 1] = xi[i]!;
      }
      k.fwd(0, n, 8 * 2 * n);
      const br = bitReverseTable(n);
      // JS reference: bit-reversed input, natural output
      const p = complexPlan(n);
      const re = new Float64Array(n);
      const im = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        re[p.bitrev[i]!] = xr[i]!;
        im[p.bitrev[i]!] = xi[i]!;
      }
      if (n > 1) butterflies(p, re, im, -1);
      let vsJs = 0;
      let vsDft = 0;
      let scale = 1;
      for (let q = 0; q < n; q++) {
        const o = 2 * br[q]!;
        vsJs = Math.max(vsJs, Math.abs(f[o]! - re[q]!), Math.abs(f[o + 1]! - im[q]!));
        if (n <= 512) {
          let dr = 0;
          let di = 0;
          for (let t = 0; t < n; t++) {
            const a = (-2 * Math.PI * ((q * t) % n)) / n;
            dr += xr[t]! * Math.cos(a) - xi[t]! * Math.sin(a);
            di += xr[t]! * Math.sin(a) + xi[t]! * Math.cos(a);
          }
          vsDft = Math.max(vsDft, Math.abs(f[o]! - dr), Math.abs(f[o + 1]! - di));
          scale = Math.max(scale, Math.hypot(dr, di));
        }
      }
      expect(vsJs).toBeLessThan(1e-12 * Math.max(1, Math.sqrt(n)));
      expect(vsDft / scale).toBeLessThan(1e-12);
      k.inv(0, n, 8 * 6 * n);
      let back = 0;
      for (let i = 0; i < n; i++) back = Math.max(back, Math.abs(f[2 * i]! / n - xr[i]!), Math.abs(f[2 * i + 1]! / n - xi[i]!));
      expect(back).toBeLessThan(1e-14);
    });
  }
});

describe('CLAP int16 round trip on WebAssembly', () => {
  it('equals fl32(int16(fl32(clamp(fl32(x))·32767)) / 32767) at every level boundary, out of range and ±0', () => {
    const vals: number[] = [0, -0, 1, -1, 1.5, -1.5, 2, -7, 1e-30, -1e-30, 0.99999994, -0.99999994];
    for (let q = -32767; q <= 32767; q++) {
      const b = q / 32767;
      const b32 = Math.fround(b);
      vals.push(b, b32, b + 1e-9, b - 1e-9, b32 * (1 + 2 ** -23), b32 * (1 - 2 ** -23));
    }
    const rnd = lcg(3);
    for (let i = 0; i < 50000; i++) vals.push(rnd() * 2.2);
    const n = vals.length & ~1;
    const k = audioDspWasm()!;
    const f = k.reserve(12 * n);
    f.set(vals.slice(0, n), 0);
    k.int16rt(8 * n, 0, n / 2);
    const got = new Float32Array(f.buffer, 8 * n, n);
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const v = Math.min(1, Math.max(-1, Math.fround(vals[i]!)));
      const q = Math.trunc(Math.fround(v * 32767)) + 0; // an int16 has no −0
      if (!Object.is(got[i], Math.fround(q / 32767))) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe('soxr stages on WebAssembly vs JS', () => {
  const stage = (sr: number, kind: 'dft' | 'poly', i = 0) => planSoxrHq(sr, 48000).filter((s): s is SoxrStage => s.kind === kind)[i]!;
  const cases: [string, SoxrStage][] = [
    ['FFT dft3/2:581 (32 kHz)', stage(32000, 'dft')],
    ['FFT dft2/1:409 (44.1 kHz)', stage(44100, 'dft')],
    ['direct poly80/147:1199 (44.1 kHz)', stage(44100, 'poly')],
    ['direct dft4/1:105 (8 kHz, second stage)', stage(8000, 'dft', 1)],
  ];
  for (const [name, st] of cases) {
    it(`${name}: whole-signal runStage equal to float64 rounding; windowed ranges equal the whole`, () => {
      const x = Float64Array.from(signal(30011, 5));
      const c = (st.h.length - 1) >> 1;
      const len = Math.floor(((x.length - 1) * st.L + c) / st.M) + 1;
      const w = runStage(x, st, len, true);
      const j = runStage(x, st, len, false);
      expect(maxAbsDiff(w, j)).toBeLessThan(1e-13);
      // ranges from windows of the input, across the start and the flushed tail
      for (const [a, b] of [[0, 100], [7, len >> 2], [len >> 1, len - 400], [len - 300, len]]) {
        const [lo, hi] = stageInputRange(st, a!, b!);
        const xw = new Float64Array(hi - lo);
        for (let i = Math.max(lo, 0); i < Math.min(hi, x.length); i++) xw[i - lo] = x[i]!;
        for (const useWasm of [true, false]) {
          const y = new Float64Array(b! - a!);
          runStageRange(xw, lo, st, a!, b!, y, useWasm);
          expect(maxAbsDiff(y, w.subarray(a!, b!)), `[${a}, ${b}) wasm=${useWasm}`).toBeLessThan(1e-13);
        }
      }
    });
  }

  it('an FFT stage over more than 2^18 outputs (split into bounded WebAssembly calls) equals the JS result', () => {
    const st = stage(44100, 'dft');
    const x = Float64Array.from(signal(150001, 77));
    const c = (st.h.length - 1) >> 1;
    const len = Math.floor(((x.length - 1) * st.L + c) / st.M) + 1;
    expect(len).toBeGreaterThan(1 << 18);
    expect(maxAbsDiff(runStage(x, st, len, true), runStage(x, st, len, false))).toBeLessThan(1e-13);
  });

  it('windowed overlap-save convolution (xOff, zStart) equals the whole convolution', () => {
    const rnd = lcg(99);
    const x = Float64Array.from({ length: 9000 }, rnd);
    const filters = [250, 17].map((n) => Float64Array.from({ length: n }, rnd));
    const whole = convolveMany(x, filters, 9300);
    for (const useWasm of [true, false]) {
      const xOff = 3000;
      const zStart = 4000;
      const count = 5200; // runs past the end of x into the tail
      const got = filters.map(() => new Float64Array(count));
      convolveEach(x.subarray(xOff), filters, count, (r, start, block, offset, cnt, stride) => {
        for (let i = 0; i < cnt; i++) got[r]![start - zStart + i] = block[offset + i * stride]!;
      }, useWasm, xOff, zStart);
      // the window drops x before xOff, so only outputs whose taps stay inside it compare
      filters.forEach((h, r) => {
        const from = xOff + h.length - 1 - zStart;
        expect(maxAbsDiff(got[r]!.subarray(Math.max(from, 0)), whole[r]!.subarray(zStart + Math.max(from, 0), zStart + count))).toBeLessThan(1e-13);
      });
    }
  });

  for (const sr of [8000, 16000, 22050, 32000, 44100, 96000, 192000]) {
    it(`soxrResampleHq ${sr} Hz → 48 kHz: WebAssembly and JS fallback agree (float32 output)`, () => {
      const x = signal(sr * 3 + 17, sr);
      const w = soxrResampleHq(x, sr, 48000);
      const j = withoutWasm(() => soxrResampleHq(x, sr, 48000));
      expect(w.length).toBe(Math.round((x.length * 48000) / sr));
      // float64 paths that differ only in rounding order: at most one float32 ulp apart
      expect(maxAbsDiff(w, j)).toBeLessThanOrEqual(6e-8);
    });
  }
});

describe('CLAP mel on WebAssembly vs JS', () => {
  for (const n of [513, 1500, 480000, 700123]) {
    it(`${n} samples: same log-mel (dB) both ways, reflect-padded edge frames included`, () => {
      const x = signal(n, n);
      const w = clapLogMel(x, true);
      const j = clapLogMel(x, false);
      expect(w.length).toBe(j.length);
      expect(maxAbsDiff(w, j)).toBeLessThanOrEqual(1e-4);
      expect(w.every(Number.isFinite)).toBe(true);
    });
  }

  it('row mask: the selected frames equal the full mel, the rest stay 0 (WebAssembly and JS)', () => {
    const x = signal(300007, 9);
    const full = clapLogMel(x);
    const T = full.length / 64;
    const need = new Uint8Array(T);
    for (const t of [0, 1, 2, 5, 300, 301, 302, 303, 511, 512, 513, T - 2, T - 1]) need[t] = 1;
    need.fill(1, 700, 760);
    for (const useWasm of [true, false]) {
      const part = clapLogMelRows(x, need, useWasm);
      for (let t = 0; t < T; t++) {
        const row = part.subarray(t * 64, t * 64 + 64);
        if (need[t]) expect(maxAbsDiff(row, full.subarray(t * 64, t * 64 + 64)), `frame ${t}`).toBeLessThanOrEqual(1e-4);
        else expect(row.every((v) => v === 0)).toBe(true);
      }
    }
    expect(() => clapLogMelRows(x, new Uint8Array(3))).toThrow(/row mask/);
  });

  it('digital silence gives the −100 dB floor both ways', () => {
    const x = new Float32Array(48000);
    expect(clapLogMel(x, true).every((v) => v === -100)).toBe(true);
    expect(clapLogMel(x, false).every((v) => v === -100)).toBe(true);
  });

  const demo = casesOf('audio').find((c) => c.meta.clap_fusion && c.input.samplerate && c.input.samplerate !== 48000);
  it('decode + clapLoad48k + clapFusionMel of a resampled fixture file: identical with WebAssembly off', async () => {
    expect(demo).toBeDefined();
    const a = await decodeAudio(inputPath(demo!));
    const w = clapFusionMel(clapLoad48k(a));
    const j = withoutWasm(() => clapFusionMel(clapLoad48k(a)));
    expect(maxAbsDiff(clapLoad48k(a), withoutWasm(() => clapLoad48k(a)))).toBeLessThanOrEqual(1 / 32767 + 1e-7);
    expect(maxAbsDiff(w.mel, j.mel)).toBeLessThanOrEqual(1e-3);
  });
});
