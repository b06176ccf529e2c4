// SPDX-License-Identifier: LGPL-2.1-or-later
// Part of the libsoxr-derived resampler: see NOTICE.md and LICENSE in this folder.
/**
 * Sample-rate conversion following libsoxr's "HQ" recipe (SOXR_HQ = 20-bit precision, linear phase,
 * the quality python-soxr / librosa ≥ 0.10 use by default), written in TypeScript from a reading of
 * libsoxr 0.1.3 (cr.c stage planning, filter.c Kaiser design). libsoxr is LGPL-2.1; the fitted design
 * constants below (Kaiser β table, response-shape polynomials) are its published numbers, restated here.
 *
 * What is reproduced: the stage plan (pre DFT stage ×L/M, rational poly-phase stage, post DFT stage),
 * every stage's filter (length, cut-off, Kaiser β, window ρ), gains, zero-delay alignment, the zero
 * history before the first sample and the flush tail, and the output length round(n·out/in).
 * What differs: libsoxr runs HQ in float32; here every stage is a float64 poly-phase convolution
 * (direct, or FFT overlap-save for long branches; both on the WebAssembly SIMD code of dsp-wasm.ts,
 * plain JS where those are unavailable), and the stage chain runs in chunks of final output pulled
 * through bounded per-stage buffers rather than whole-signal intermediates; results differ by float32
 * rounding only:
 * ≤ 5e-7 abs from libsoxr 0.1.3 on rational ratios (after the CLAP int16 round trip a few samples
 * move by one LSB).
 * Irrational ratios (no L/M with L ≤ 2048, e.g. 44101 Hz) use libsoxr's interpolated poly-phase stage
 * (prototype sampled at 2^phase_bits phases, coefficients interpolated linearly or quadratically).
 * ≥ 4× downsampling (e.g. 192 kHz → 48 kHz) starts with half-band ÷2 stages; libsoxr uses fixed
 * coefficient tables there, this port designs its own Kaiser half-band filters with the same
 * attenuation budget instead; outputs then differ by up to ~1e-3 abs on content near the 21.9 kHz
 * pass-band edge (measured 8.6e-5 at 192 kHz, 9e-4 at 1 MHz), far above CLAP's 14 kHz mel range.
 */

import { convolveEach } from './convolve';
import { audioDspWasm } from '../dsp-wasm';

export class SoxrUnsupportedError extends Error {
  constructor(inRate: number, outRate: number, reason: string) {
    super(`soxr-HQ port cannot resample ${inRate} Hz → ${outRate} Hz: ${reason}`);
    this.name = 'SoxrUnsupportedError';
  }
}

const MULT32 = 65536 * 65536;
/** Taps per output from which a stage convolves by FFT instead of directly (measured break-even ≈ 40). */
const FFT_MIN_TAPS = 64;
const linearToDb = (x: number) => Math.log10(x) * 20;

/** Modified Bessel function I0 (power series; plenty accurate for β ≤ 40). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

// libsoxr filter.c: Kaiser β as a function of attenuation, fitted per transition-band octave.
const KAISER_BETA_FIT: readonly (readonly [number, number, number, number])[] = [
  [-6.784957e-10, 1.02856e-5, 0.1087556, -0.8988365 + 0.001],
  [-6.897885e-10, 1.027433e-5, 0.10876, -0.8994658 + 0.002],
  [-1.000683e-9, 1.030092e-5, 0.1087677, -0.9007898 + 0.003],
  [-3.654474e-10, 1.040631e-5, 0.1087085, -0.8977766 + 0.006],
  [8.106988e-9, 6.983091e-6, 0.1091387, -0.9172048 + 0.015],
  [9.519571e-9, 7.272678e-6, 0.1090068, -0.9140768 + 0.025],
  [-5.626821e-9, 1.342186e-5, 0.1083999, -0.9065452 + 0.05],
  [-9.965946e-8, 5.073548e-5, 0.1040967, -0.7672778 + 0.085],
  [1.604808e-7, -5.856462e-5, 0.1185998, -1.34824 + 0.1],
  [-1.511964e-7, 6.363034e-5, 0.1064627, -0.9876665 + 0.18],
];

const clampInt = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

function kaiserBeta(att: number, trBw: number): number {
  if (att >= 60) {
    const realm = Math.log(trBw / 0.0005) / Math.log(2);
    const last = KAISER_BETA_FIT.length - 1;
    const c0 = KAISER_BETA_FIT[clampInt(Math.trunc(realm), 0, last)]!;
    const c1 = KAISER_BETA_FIT[clampInt(1 + Math.trunc(realm), 0, last)]!;
    const b0 = ((c0[0] * att + c0[1]) * att + c0[2]) * att + c0[3];
    const b1 = ((c1[0] * att + c1[1]) * att + c1[2]) * att + c1[3];
    return b0 + (b1 - b0) * (realm - Math.trunc(realm));
  }
  if (att > 50) return 0.1102 * (att - 8.7);
  if (att > 20.96) return 0.58417 * Math.pow(att - 20.96, 0.4) + 0.07886 * (att - 20.96);
  return 0;
}

function makeLpf(numTaps: number, fc: number, beta: number, rho: number, scale: number): Float64Array {
  const m = numTaps - 1;
  const h = new Float64Array(numTaps);
  const mult = scale / besselI0(beta);
  const mult1 = 1 / (0.5 * m + rho);
  for (let i = 0; i <= m >> 1; i++) {
    const z = i - 0.5 * m;
    const x = z * Math.PI;
    const y = z * mult1;
    let v = x !== 0 ? Math.sin(fc * x) / x : fc;
    v *= besselI0(beta * Math.sqrt(1 - y * y)) * mult;
    h[i] = v;
    h[m - i] = v;
  }
  return h;
}

/**
 * Kaiser-windowed low-pass design (libsoxr lsx_design_lpf). `k > 0`: number of poly-phases;
 * `k < 0`: round the tap count to 1 (mod −k). `numTaps = 0`: estimate it. `fn < 0`: size only.
 */
function designLpf(fp: number, fs: number, fn: number, att: number, numTaps: number, k: number, beta: number) {
  const given = numTaps;
  const phases = Math.max(k, 1);
  const modulo = Math.max(-k, 1);
  const rho = phases === 1 ? 0.5 : att < 120 ? 0.63 : 0.75;
  fp /= Math.abs(fn);
  fs /= Math.abs(fn);
  let trBw = 0.5 * (fs - fp);
  trBw /= phases;
  fs /= phases;
  trBw = Math.min(trBw, 0.5 * fs);
  const fc = fs - trBw;
  if (beta < 0) beta = kaiserBeta(att, (trBw * 0.5) / fc);
  const attTaps =
    att < 60 ? (att - 7.95) / (2.285 * Math.PI * 2) : ((0.0007528358 - 1.577737e-5 * beta) * beta + 0.6248022) * beta + 0.06186902;
  if (!numTaps) numTaps = Math.ceil(attTaps / trBw + 1);
  if (!given) {
    numTaps = phases > 1 ? Math.trunc(numTaps / phases) * phases + phases - 1 : Math.trunc((numTaps + modulo - 2) / modulo) * modulo + 1;
  }
  return { numTaps, h: fn < 0 ? undefined : makeLpf(numTaps, fc, beta, rho, phases) };
}

// libsoxr filter.c response-shape model (used for the pass-band edge and the poly stage's roll-off).
const sinePhi = (x: number) => ((2.0517e-7 * x - 1.1303e-4) * x + 0.023154) * x + 0.55924;
const sinePow = (x: number) => Math.log(0.5) / Math.log(Math.sin(x * 0.5));

function invFResp(drop: number, a: number): number {
  let x = sinePhi(a);
  drop = Math.exp(drop * (Math.LN10 * 0.05));
  const s = drop > 0.5 ? 1 - drop : drop;
  x = Math.asin(Math.pow(s, 1 / sinePow(x))) / x;
  return drop > 0.5 ? x : 1 - x;
}

/** Pass-band end (fraction of Nyquist) of a libsoxr quality recipe with the given precision in bits. */
export function soxrPassbandEnd(precisionBits: number): number {
  const rej = precisionBits * linearToDb(2);
  return 1 - 0.05 / (1 - invFResp(-3, rej));
}

/** One stage: upsample by L, filter with h (odd length, linear phase, centred), keep every M-th sample. */
export interface SoxrStage {
  kind: 'dft' | 'poly' | 'half';
  L: number;
  M: number;
  h: Float64Array;
}

/**
 * libsoxr's interpolated poly-phase stage (irrational ratios): output i sits at input position i·step;
 * the prototype h (length numCoefs·phases − 1) is read at fractional indices and interpolated with a
 * forward polynomial of the given order through h[k], h[k+1](, h[k+2]).
 */
export interface SoxrInterpStage {
  kind: 'interp';
  phases: number;
  order: 1 | 2;
  step: number;
  h: Float64Array;
}

export type SoxrAnyStage = SoxrStage | SoxrInterpStage;

// libsoxr cr-core.c poly_firs[] entries reachable with the HQ recipe (mode 3), indexed by
// 6·(upsample + preM) + mode − !upsample: interpolated variants as [phase-bit scalar (float), order].
const INTERP_VARIANTS: Record<number, readonly [number, 1 | 2][]> = {
  2: [[Math.fround(12.4), 1], [Math.fround(7.8), 2]],
  8: [[Math.fround(10.6), 1], [Math.fround(6.75), 2]],
  9: [[Math.fround(12.6), 1], [Math.fround(8.6), 2]],
  15: [[11, 1], [7, 2]],
};

const isPow2 = (x: number) => !(x < 2 || (x & (x - 1)) !== 0);

function dftStage(fp: number, fs: number, fn: number, att: number, L: number, M: number): SoxrStage {
  const k = isPow2(L) && fn === L ? L << 1 : 4;
  const { h } = designLpf(fp, fs, fn, att, 0, -k, -1);
  const g = h!;
  for (let i = 0; i < g.length; i++) g[i] = g[i]! * L;
  return { kind: 'dft', L, M, h: g };
}

/** The stage plan of libsoxr's HQ recipe for io_ratio = inRate / outRate (linear phase, default runtime spec). */
export function planSoxrHq(inRate: number, outRate: number): SoxrAnyStage[] {
  const ioRatio = inRate / outRate;
  if (!(ioRatio > 0) || !Number.isFinite(ioRatio)) throw new SoxrUnsupportedError(inRate, outRate, 'invalid rates');
  if (ioRatio === 1) return [];
  const bits1 = 20;
  const fp0 = soxrPassbandEnd(20);
  const fs0 = 1;
  let att = (bits1 + 1) * linearToDb(2);
  let attArb = att;
  let arbM = ioRatio;
  let fp1 = fp0;
  let fs1 = fs0;
  let preL = 1;
  let preM = 1;
  let shr = 0;
  let arbL = 1;
  let postL = 1;
  let postM = 1;
  let upsample = false;
  let rational = false;
  const mode = Math.trunc((Math.ceil(bits1) - 6) / 4); // 3 for 20 bits
  const maxL = 2048;
  let n = 0;
  while (n++ === 0) {
    let epsilon = 0;
    upsample = arbM < 1;
    let i = Math.trunc(0.5 * arbM);
    for (shr = 0; (i >>= 1) !== 0; arbM *= 0.5, ++shr);
    preM = upsample || (arbM > 1.5 && arbM < 2) ? 1 : 0;
    postM = 1 + (arbM > 1 && preM ? 1 : 0);
    arbM /= postM;
    preL = 1 + (!preM && arbM < 2 ? 1 : 0) + (upsample && mode ? 1 : 0);
    arbM *= preL;
    const frac = arbM - Math.trunc(arbM);
    if (frac !== 0) epsilon = Math.abs(Math.floor(frac * MULT32 + 0.5) / (frac * MULT32) - 1);
    rational = frac === 0;
    for (i = 1; i <= maxL && !rational; ++i) {
      const d = frac * i;
      const t = Math.trunc(d + 0.5);
      rational = Math.abs(t / d - 1) <= epsilon;
      if (rational) {
        if (t === i) {
          arbM = Math.ceil(arbM);
          const x = arbM > 3 ? 1 : 0;
          shr += x;
          arbM /= 1 + x;
        } else {
          arbM = i * Math.trunc(arbM) + t;
          arbL = i;
        }
      }
    }
    let L = preL * arbL;
    let M = Math.trunc(arbM * postM);
    const odd = (L | M) & 1;
    if (!odd) {
      L >>= 1;
      M >>= 1;
    }
    const d = (preL * arbL) / arbM;
    if (postL === 1 && d > 4 && d !== 5) {
      postL = 4;
      for (let j = Math.trunc(d / 16); (j >>= 1) !== 0 && postL < 256; postL <<= 1);
      arbM = (arbM * postL) / arbL / preL;
      arbL = 1;
      n = 0;
    } else if (rational && (Math.max(L, M) < 5 || L * M < 6)) {
      preL = L;
      preM = M;
      arbM = arbL = postM = 1;
    }
  }
  const havePre = preM * preL !== 1;
  const haveArb = arbM * arbL !== 1;
  const havePost = postM * postL !== 1;
  const numStages = shr + (havePre ? 1 : 0) + (haveArb ? 1 : 0) + (havePost ? 1 : 0);
  const alpha = postM / (ioRatio * postL);
  let nb = numStages;
  if (nb > 1) {
    if (haveArb) {
      att += linearToDb(2);
      attArb = att;
      --nb;
    }
    att += linearToDb(nb);
  }
  const tighten = (x: number) => fs0 - (fs0 - x) * 1; // tbw_tighten = 1 (no SOXR_MAINTAIN_3DB_PT)
  const stages: SoxrAnyStage[] = [];
  for (let k = 0; k < shr; k++) {
    // ÷2 from rate R = inRate/2^k: keep [0, outRate/2] free of aliases (stop-band from 1 − outRate/R of
    // this stage's Nyquist); a true half-band (cut-off 0.5) with libsoxr's attenuation budget.
    const fsHalf = 1 - outRate / (inRate / 2 ** k);
    const { h } = designLpf(1 - fsHalf, fsHalf, 1, att, 0, -4, -1);
    stages.push({ kind: 'half', L: 1, M: 2, h: h! });
  }
  if (havePre) {
    const fn1 = preM ? Math.max(preL, preM) : arbM / arbL;
    stages.push(dftStage(tighten(fp1), fs1, fn1, att, preL, Math.max(preM, 1)));
    fp1 /= fn1;
    fs1 /= fn1;
  }
  if (haveArb) {
    const mult = upsample ? 1 : arbM / arbL;
    let fn: number;
    let fs: number;
    if (!upsample && preM) {
      fn = 2 * mult;
      fs = 3 + Math.abs(fs1 - 1);
    } else {
      fn = 1;
      fs = 2 - (fp1 + (fs1 - fp1) * 0.7);
    }
    const rolloffSmall = Math.fround(-0.01);
    const fp = fs - (fs - fp1) / (1 - invFResp(rolloffSmall, attArb));
    const variants = INTERP_VARIANTS[6 * ((upsample ? 1 : 0) + (preM ? 1 : 0)) + mode - (upsample ? 0 : 1)];
    if (!variants) throw new SoxrUnsupportedError(inRate, outRate, 'no poly-phase variant');
    // i = 0: exact rational table; 1, 2: interpolated tables (taken when irrational or over 400 kB)
    let variant = rational ? 0 : 1;
    let phases = 0;
    let numCoefs = 0;
    let order = 0;
    for (;;) {
      if (variant > 0) {
        arbM /= arbL;
        arbL = 1;
        rational = false;
      }
      const scalar = variant === 0 ? 0 : variants[variant - 1]![0];
      const phaseBits = Math.ceil(scalar - Math.log(mult) / Math.log(2));
      phases = rational ? arbL : 1 << phaseBits;
      const phases0 = Math.max(phases, 19);
      const n0 = designLpf(fp, fs, -fn, attArb, 0, phases0, -1).numTaps;
      numCoefs = Math.trunc(n0 / phases0) + 1;
      numCoefs += numCoefs & (preM ? 0 : 1);
      if (numCoefs & 1 && rational && arbL & 1) {
        phases <<= 1;
        arbL <<= 1;
        arbM *= 2;
      }
      order = variant === 0 ? 0 : variants[variant - 1]![1];
      const coefBytes = ((numCoefs + 3) & ~3) * phases * (order + 1) * 4;
      if (variant < 2 && Math.trunc(coefBytes / 1000) > 400) variant++;
      else break;
    }
    const { h } = designLpf(fp, fs, fn, attArb, numCoefs * phases - 1, phases, -1);
    if (order === 0) stages.push({ kind: 'poly', L: arbL, M: arbM, h: h! });
    else stages.push({ kind: 'interp', phases, order: order as 1 | 2, step: arbM, h: h! });
  }
  if (havePost) {
    stages.push(
      dftStage(tighten(fp0 / (upsample ? alpha : 1)), upsample ? Math.max(2 - fs0 / alpha, 1) : fs0, Math.max(postL, postM), att, postL, postM),
    );
  }
  return stages;
}

/**
 * y[j] = Σ_n x[n]·h[c + j·M − n·L] for j in [0, outLen), x zero outside [0, x.length), c = centre of h.
 * Samples before the start are zeros (libsoxr's zero preload), after the end the filter tail is kept.
 */
export function runStage(x: Float64Array, st: SoxrStage, outLen: number, useWasm = true): Float64Array {
  const y = new Float64Array(outLen);
  if (outLen > 0) runStageRange(x, 0, st, 0, outLen, y, useWasm);
  return y;
}

/** Input samples that outputs [a, b) of a stage read: [lo, hi). */
export function stageInputRange(st: SoxrStage, a: number, b: number): [number, number] {
  const c = (st.h.length - 1) >> 1;
  return [Math.ceil((a * st.M - c) / st.L), Math.floor((c + (b - 1) * st.M) / st.L) + 1];
}

interface StageTables {
  /** poly-phase branches sub[r][k] = h[r + k·L] */
  subs: Float64Array[];
  /** the branches reversed (taps run forwards over the samples) */
  rev: Float64Array[];
}
const tableCache = new WeakMap<SoxrStage, StageTables>();
function stageTables(st: SoxrStage): StageTables {
  let t = tableCache.get(st);
  if (t) return t;
  const { L, h } = st;
  const len = h.length;
  const subs: Float64Array[] = [];
  for (let r = 0; r < L; r++) {
    const cnt = Math.max(0, Math.ceil((len - r) / L));
    const s = new Float64Array(cnt);
    for (let k = 0; k < cnt; k++) s[k] = h[r + k * L]!;
    subs.push(s);
  }
  t = { subs, rev: subs.map((s) => s.slice().reverse()) };
  tableCache.set(st, t);
  return t;
}

/**
 * Outputs [a, b) of runStage into y[0 … b−a), from a window of the stage input: xw[i] is input sample
 * xOff + i; the input is zero outside the window (the window must cover stageInputRange(st, a, b)
 * wherever the input is non-zero).
 */
export function runStageRange(xw: Float64Array, xOff: number, st: SoxrStage, a: number, b: number, y: Float64Array, useWasm = true): void {
  const { L, M, h } = st;
  const len = h.length;
  const c = (len - 1) >> 1;
  const nx = xw.length;
  if (b <= a) return;
  const { subs, rev } = stageTables(st);
  if (len / L >= FFT_MIN_TAPS && useWasm && b - a > FFT_RANGE_MAX) {
    // long ranges in pieces: the WebAssembly module gathers a piece's outputs in its memory, which stays bounded
    for (let p = a; p < b; p += FFT_RANGE_MAX) {
      const q = Math.min(p + FFT_RANGE_MAX, b);
      runStageRange(xw, xOff, st, p, q, y.subarray(p - a, q - a), useWasm);
    }
    return;
  }
  if (len / L >= FFT_MIN_TAPS) {
    // long branches: z_r = x ∗ sub_r by FFT; output j is z_r[m] where m·L + r = c + j·M
    const m0 = Math.floor((c + a * M) / L);
    const m1 = Math.floor((c + (b - 1) * M) / L) + 1;
    // kept outputs: d = m·L + r − c ≡ 0 (mod M) with a ≤ d/M < b, i.e. every M/gcd(L, M)-th m
    let g = L;
    for (let q = M; q; ) [g, q] = [q, g % q];
    const di = M / g;
    const dStep = ((di * L) / M) | 0;
    const kern = useWasm ? audioDspWasm() : null;
    let gathered = -1; // WebAssembly-memory float64 index where the outputs were gathered (WebAssembly path)
    convolveEach(xw, subs, m1 - m0, (r, start, block, offset, count, stride, outBase) => {
      let i = 0;
      let d = start * L + r - c;
      for (let q = 0; q < M && i < count && d % M !== 0; q++, i++) d += L;
      if (i >= count || d % M !== 0) return;
      let j = d / M;
      if (j < a) {
        const skip = Math.ceil((a - j) / dStep);
        i += skip * di;
        j += skip * dStep;
      }
      if (i >= count || j >= b) return;
      const n = Math.min(Math.ceil((count - i) / di), Math.ceil((b - j) / dStep)) | 0;
      const sStep = di * stride;
      let o = offset + i * stride;
      let w = (j - a) | 0;
      if (outBase >= 0 && kern) {
        kern.scatter(8 * (outBase + w), 8 * o, n, 8 * sStep, 8 * dStep);
        gathered = outBase;
        return;
      }
      for (let q = 0; q < n; q++) {
        y[w] = block[o]!;
        o += sStep;
        w += dStep;
      }
    }, useWasm, xOff, m0, b - a);
    if (gathered >= 0) y.set(kern!.f64.subarray(gathered, gathered + b - a));
    return;
  }
  // direct: phase r and the newest input index nHi of t = c + j·M advance incrementally (no division
  // per output); nHi counts in window coordinates
  if (useWasm && runDirectWasm(xw, xOff, rev, L, M, c, a, b, y)) return;
  const t0 = c + a * M;
  let nHi = Math.floor(t0 / L);
  let r = t0 - nHi * L;
  nHi -= xOff;
  const dN = Math.floor(M / L);
  const dR = M - dN * L;
  for (let j = 0; j < b - a; j++) {
    const taps = rev[r]!;
    const kl = taps.length;
    const base = nHi - kl + 1; // window index of taps[0]
    let acc = 0;
    if (base >= 0 && nHi < nx) {
      let a1 = 0;
      let k = 0;
      for (; k + 1 < kl; k += 2) {
        acc += taps[k]! * xw[base + k]!;
        a1 += taps[k + 1]! * xw[base + k + 1]!;
      }
      if (k < kl) acc += taps[k]! * xw[base + k]!;
      acc += a1;
    } else {
      const k0 = base < 0 ? -base : 0;
      const k1 = Math.min(kl, nx - base);
      for (let k = k0; k < k1; k++) acc += taps[k]! * xw[base + k]!;
    }
    y[j] = acc;
    nHi += dN;
    r += dR;
    if (r >= L) {
      r -= L;
      nHi++;
    }
  }
}

/** Outputs per FFT-stage call on WebAssembly (bounds the WebAssembly memory its outputs are gathered in). */
const FFT_RANGE_MAX = 1 << 18;

/** Outputs per call of the WebAssembly direct loop (bounds the memory it copies x into). */
const DIRECT_CHUNK = 1 << 15;

/**
 * The direct loop of runStageRange on the WebAssembly SIMD module (float64, taps zero-padded to a multiple
 * of four; the f64x2 lanes are the loop's even/odd accumulators), in chunks of outputs whose input windows
 * are copied into the WebAssembly memory with zeros outside xw. False when WebAssembly is unavailable.
 */
function runDirectWasm(xw: Float64Array, xOff: number, rev: Float64Array[], L: number, M: number, c: number, a: number, b: number, y: Float64Array): boolean {
  const kern = audioDspWasm();
  if (!kern) return false;
  const maxK = Math.max(...rev.map((t) => t.length));
  const KP = Math.max(4, Math.ceil(maxK / 4) * 4); // the WebAssembly loop takes taps four at a time
  const lags = rev.map((t) => Math.max(t.length - 1, 0));
  const maxLag = Math.max(...lags);
  const minLag = Math.min(...lags);
  const TAPS = 0; // float64 index
  const LAG = L * KP; // float64 index; int32 lags take L/2 float64 slots (rounded up, 16-byte aligned)
  const X = LAG + 2 * Math.ceil(L / 4);
  const xMax = Math.ceil((DIRECT_CHUNK * M) / L) + maxLag + KP + 2;
  const OUT = X + xMax + (xMax & 1);
  let f = kern.reserve(8 * (OUT + DIRECT_CHUNK));
  f.fill(0, TAPS, LAG);
  rev.forEach((t, r) => f.set(t, TAPS + r * KP));
  new Int32Array(f.buffer, 8 * LAG, L).set(lags);
  const nx = xw.length;
  for (let j0 = a; j0 < b; j0 += DIRECT_CHUNK) {
    const count = Math.min(DIRECT_CHUNK, b - j0);
    const t0 = c + j0 * M;
    const nHi0 = Math.floor(t0 / L);
    const nHiLast = Math.floor((c + (j0 + count - 1) * M) / L);
    const lo = nHi0 - maxLag - xOff; // window coordinates
    const hi = nHiLast - minLag + KP - xOff; // exclusive
    f = kern.f64;
    const p = Math.max(lo, 0);
    const q = Math.min(hi, nx);
    f.fill(0, X, X + hi - lo);
    if (q > p) f.set(xw.subarray(p, q), X + p - lo);
    kern.poly(8 * X, 8 * TAPS, 8 * LAG, 8 * OUT, count, L, Math.floor(M / L), M % L, t0 - nHi0 * L, nHi0 - xOff - lo, 8 * KP);
    y.set(f.subarray(OUT, OUT + count), j0 - a);
  }
  return true;
}

/**
 * y[j] = Σ_n x[n]·H(C + (j·step − n)·phases), H = h read at fractional index t = m + f through the
 * forward polynomial of h[m], h[m+1](, h[m+2]) (libsoxr's coefficient interpolation), C = centre of h.
 */
export function runInterpStage(x: Float64Array, st: SoxrInterpStage, outLen: number): Float64Array {
  const y = new Float64Array(outLen);
  const { phases: np, order, step, h } = st;
  const len = h.length;
  const C = (len - 1) / 2;
  const nx = x.length;
  const at = (m: number) => (m >= 0 && m < len ? h[m]! : 0);
  for (let j = 0; j < outLen; j++) {
    const p = j * step;
    // taps with |C + (p − n)·np| inside the prototype
    let nLo = Math.ceil(p - (len - C) / np);
    let nHi = Math.floor(p + (C + 1) / np);
    if (nLo < 0) nLo = 0;
    if (nHi > nx - 1) nHi = nx - 1;
    let acc = 0;
    for (let n = nLo; n <= nHi; n++) {
      const t = C + (p - n) * np;
      const m = Math.floor(t);
      const f = t - m;
      const f0 = at(m);
      const f1 = at(m + 1);
      let v: number;
      if (order === 1) v = f0 + (f1 - f0) * f;
      else {
        const f2 = at(m + 2);
        const c = 0.5 * (f2 + f0) - f1;
        const b = f1 - c - f0;
        v = (c * f + b) * f + f0;
      }
      acc += v * x[n]!;
    }
    y[j] = acc;
  }
  return y;
}

const planCache = new Map<string, SoxrAnyStage[]>();
/** planSoxrHq memoised per rate pair (a few recent pairs; the stages are never modified after planning). */
function cachedPlan(inRate: number, outRate: number): SoxrAnyStage[] {
  const key = `${inRate}/${outRate}`;
  let p = planCache.get(key);
  if (!p) {
    p = planSoxrHq(inRate, outRate);
    if (planCache.size >= 8) planCache.delete(planCache.keys().next().value!);
    planCache.set(key, p);
  }
  return p;
}

/** Final outputs per pass of the chunked stage chain (≈ 2.7 s at 48 kHz). */
const CHAIN_CHUNK = 1 << 17;

/**
 * Resample a mono signal like `soxr.resample(x, inRate, outRate, 'HQ')` with float32 output (what
 * python-soxr returns for float32 input); output length round(n·out/in). Intermediate stages run in
 * float64.
 */
export function soxrResampleHq(x: Float32Array | Float64Array, inRate: number, outRate: number): Float32Array {
  planSoxrHq(inRate, outRate); // rejects invalid rates before the output is sized
  const finalLen = Math.trunc((x.length * outRate) / inRate + 0.5);
  const out = new Float32Array(finalLen);
  soxrResampleHqInto(x, inRate, outRate, out);
  return out;
}

/**
 * soxrResampleHq writing into `out`: its first min(out.length, round(n·out/in)) samples are the
 * resampled signal, any further ones are left as they are.
 */
export function soxrResampleHqInto(x: Float32Array | Float64Array, inRate: number, outRate: number, out: Float32Array, useWasm = true): void {
  const source: SoxrSource = { length: x.length, read: (buf, at, a, b) => buf.set(x.subarray(a, b), at) };
  soxrResampleSource(source, inRate, outRate, out, useWasm);
}

/** A signal read on demand: `read` puts samples [a, b) at buf[at …] (float64 holding float32 values). */
export interface SoxrSource {
  length: number;
  read(buf: Float64Array, at: number, a: number, b: number): void;
}

/**
 * The chunked resampler on a source read piecewise (so a caller's channel mix need not be stored whole);
 * `store(chunk, a)` receives final samples [a, a + chunk.length) in float64 (default: rounded into out).
 */
export function soxrResampleSource(
  src: SoxrSource,
  inRate: number,
  outRate: number,
  out: Float32Array,
  useWasm = true,
  store: (chunk: Float64Array, a: number) => void = (chunk, a) => out.set(chunk, a),
): void {
  const stages = cachedPlan(inRate, outRate);
  const finalLen = Math.trunc((src.length * outRate) / inRate + 0.5);
  const keep = Math.min(finalLen, out.length);
  if (stages.length === 0 || stages.some((st) => st.kind === 'interp')) {
    const whole = new Float64Array(src.length);
    src.read(whole, 0, 0, src.length);
    if (keep > 0) store((stages.length === 0 ? whole : resampleWhole(whole, stages, finalLen)).subarray(0, keep), 0);
    return;
  }
  const chain = stages as SoxrStage[];
  // output length of every stage: all that any input reaches (the flushed tail), finalLen for the last
  const lens = [src.length];
  chain.forEach((st, s) => {
    const c = (st.h.length - 1) >> 1;
    lens.push(s === chain.length - 1 ? finalLen : Math.max(Math.floor(((lens[s]! - 1) * st.L + c) / st.M) + 1, 0));
  });
  // the largest window each stage is asked for, and one reused buffer per stage (bounded by the chunk)
  const sizes: number[] = new Array(chain.length + 1);
  sizes[chain.length] = CHAIN_CHUNK;
  for (let s = chain.length - 1; s >= 0; s--) {
    const st = chain[s]!;
    const [lo, hi] = stageInputRange(st, 0, sizes[s + 1]!);
    sizes[s] = hi - lo + st.L + st.M + 2; // other chunk offsets round differently by at most a sample or two
  }
  const bufs = sizes.map((n) => new Float64Array(n));
  // outputs [lo, hi) of stage s (s = −1: the input itself), zero outside [0, lens[s+1])
  const pull = (s: number, lo: number, hi: number): Float64Array => {
    const buf = bufs[s + 1]!.subarray(0, hi - lo);
    const a = Math.max(lo, 0);
    const b = Math.min(hi, lens[s + 1]!);
    if (a > lo || b < hi) buf.fill(0);
    if (b <= a) return buf;
    if (s < 0) {
      src.read(buf, a - lo, a, b);
      return buf;
    }
    const st = chain[s]!;
    const [ilo, ihi] = stageInputRange(st, a, b);
    const xw = pull(s - 1, ilo, ihi);
    runStageRange(xw, ilo, st, a, b, buf.subarray(a - lo, b - lo), useWasm);
    return buf;
  };
  for (let a = 0; a < keep; a += CHAIN_CHUNK) {
    const b = Math.min(a + CHAIN_CHUNK, keep);
    store(pull(chain.length - 1, a, b), a);
  }
}

/** The stage chain on whole arrays (used when it has an interpolated poly-phase stage). */
function resampleWhole(x: Float32Array | Float64Array, stages: SoxrAnyStage[], finalLen: number): Float64Array {
  // one array type through every stage keeps the hot loops monomorphic
  let cur: Float64Array = new Float64Array(x);
  for (let s = 0; s < stages.length; s++) {
    const st = stages[s]!;
    const last = s === stages.length - 1;
    if (st.kind === 'interp') {
      const full = Math.floor((cur.length - 1 + (st.h.length - 1) / 2 / st.phases) / st.step) + 2;
      cur = runInterpStage(cur, st, last ? finalLen : full);
      continue;
    }
    const c = (st.h.length - 1) >> 1;
    // every output that any input sample reaches (the flushed tail), or just what is kept at the end
    const len = last ? finalLen : Math.max(Math.floor(((cur.length - 1) * st.L + c) / st.M) + 1, 0);
    cur = runStage(cur, st, len);
  }
  return cur;
}
