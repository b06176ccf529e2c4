// SPDX-License-Identifier: LGPL-2.1-or-later
// Part of the libsoxr-derived resampler: see NOTICE.md and LICENSE in this folder.
/**
 * FFT overlap-save convolution of one real signal with several real filters at once (float64), used
 * by the soxr-HQ port for its long poly-phase branches (hundreds of taps per output sample).
 */

import { butterflies, complexPlan } from '../fft';
import { audioDspWasm, writeFactors, writeTwiddles } from '../dsp-wasm';

/**
 * z_r[m] = Σ_k h_r[k]·x[m − k] for m in [0, outLen) and every filter r (x is zero outside its range).
 * (convolveEach generalises this to a window: x[i] is signal sample xOff + i, outputs m from zStart.)
 * Two consecutive blocks of the real input ride in one complex transform (A + i·B); a real filter
 * keeps them apart: IFFT(FFT(A + i·B)·H) = A∗h + i·(B∗h). Per two blocks: one forward FFT and one
 * inverse FFT per filter.
 */
export function convolveMany(x: ArrayLike<number>, filters: Float64Array[], outLen: number, useWasm = true): Float64Array[] {
  const outs = filters.map(() => new Float64Array(outLen));
  convolveEach(x, filters, outLen, (r, start, block, offset, count, stride) => {
    const o = outs[r]!;
    for (let i = 0; i < count; i++) o[start + i] = block[offset + i * stride]!;
  }, useWasm);
  return outs;
}

/**
 * Receives z_r[start + i] = block[offset + i·stride] for i < count. On the WebAssembly path `block` is the
 * WebAssembly memory and `outBase` the float64 index of `outSlots` free slots there (the sink may gather its
 * results in them on WebAssembly), −1 on the JS path.
 */
export type ConvolutionSink = (r: number, start: number, block: Float64Array, offset: number, count: number, stride: number, outBase: number) => void;

/**
 * As convolveMany, streaming each finished block to `sink` instead of keeping whole outputs. Runs on the
 * WebAssembly SIMD module (dsp-wasm.ts) where available, else on the JS FFT; `useWasm: false` forces JS.
 */
export function convolveEach(
  x: ArrayLike<number>,
  filters: Float64Array[],
  outLen: number,
  sink: ConvolutionSink,
  useWasm = true,
  xOff = 0,
  zStart = 0,
  outSlots = 0,
): void {
  const K = Math.max(1, ...filters.map((f) => f.length));
  let n = 1024;
  while (n < 8 * K && n < 1 << 16) n <<= 1; // 8·K: measured a little faster than 4·K or 16·K (2048 points for ~200 taps)
  while (n < 2 * K) n <<= 1;
  if (useWasm && convolveEachWasm(x, filters, outLen, sink, n, K, xOff, zStart, outSlots)) return;
  const p = complexPlan(n);
  const { bitrev } = p;
  const B = n - K + 1;
  const spectra = filters.map((h) => {
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let k = 0; k < h.length; k++) re[bitrev[k]!] = h[k]! / n; // 1/n of the inverse folded in
    butterflies(p, re, im, -1);
    return { re, im };
  });
  const zr = new Float64Array(n);
  const zi = new Float64Array(n);
  const yr = new Float64Array(n);
  const yi = new Float64Array(n);
  const nx = x.length;
  for (let start = zStart; start < zStart + outLen; start += 2 * B) {
    // block A: outputs start…start+B−1, block B: the next B; segments begin K−1 samples earlier
    const sA = start - (K - 1) - xOff; // index into x
    const sB = sA + B;
    for (let i = 0; i < n; i++) {
      const ja = sA + i;
      const jb = sB + i;
      const d = bitrev[i]!;
      zr[d] = ja >= 0 && ja < nx ? x[ja]! : 0;
      zi[d] = jb >= 0 && jb < nx ? x[jb]! : 0;
    }
    butterflies(p, zr, zi, -1);
    const countA = Math.min(B, zStart + outLen - start);
    const countB = Math.min(B, zStart + outLen - start - B);
    for (let r = 0; r < filters.length; r++) {
      const { re: hr, im: hi } = spectra[r]!;
      for (let k = 0; k < n; k++) {
        const ar = zr[k]!;
        const ai = zi[k]!;
        const br = hr[k]!;
        const bi = hi[k]!;
        const d = bitrev[k]!;
        yr[d] = ar * br - ai * bi;
        yi[d] = ar * bi + ai * br;
      }
      butterflies(p, yr, yi, 1);
      sink(r, start, yr, K - 1, countA, 1, -1);
      if (countB > 0) sink(r, start + B, yi, K - 1, countB, 1, -1);
    }
  }
}

const twiddleCache = new Map<number, Float64Array>();
/** filter spectra in the WebAssembly module's factor form, per filter list (the soxr port keeps its lists per stage) */
const spectrumCache = new WeakMap<Float64Array[], Float64Array>();

/** The same overlap-save scheme on the WebAssembly module; false when it is unavailable. */
function convolveEachWasm(
  x: ArrayLike<number>,
  filters: Float64Array[],
  outLen: number,
  sink: ConvolutionSink,
  n: number,
  K: number,
  xOff: number,
  zStart: number,
  outSlots: number,
): boolean {
  const kern = audioDspWasm();
  if (!kern) return false;
  // memory (float64 index): block n·2, product n·2, forward twiddles n·4, inverse twiddles n·4, filters n·4
  // each, staging for the real samples of a block pair n + B
  const BLK = 0;
  const TMP = 2 * n;
  const TWF = 4 * n;
  const TWI = 8 * n;
  const FLT = 12 * n;
  const STG = FLT + 4 * n * filters.length;
  const OUT = STG + 2 * n;
  let f = kern.reserve(8 * (OUT + outSlots));
  let tw = twiddleCache.get(n);
  if (!tw) {
    tw = new Float64Array(8 * n);
    writeTwiddles(tw, 0, n, false);
    writeTwiddles(tw, 4 * n, n, true);
    twiddleCache.set(n, tw);
  }
  f.set(tw, TWF); // forward then inverse table, back to back
  let spectra = spectrumCache.get(filters);
  if (!spectra || spectra.length !== 4 * n * filters.length) {
    spectra = new Float64Array(4 * n * filters.length);
    const hr = new Float64Array(n);
    const hi = new Float64Array(n);
    filters.forEach((h, r) => {
      f.fill(0, BLK, BLK + 2 * n);
      for (let k = 0; k < h.length; k++) f[BLK + 2 * k] = h[k]! / n; // 1/n of the inverse folded in
      kern.fwd(8 * BLK, n, 8 * TWF);
      for (let k = 0; k < n; k++) {
        hr[k] = f[BLK + 2 * k]!;
        hi[k] = f[BLK + 2 * k + 1]!;
      }
      writeFactors(spectra!, 4 * n * r, hr, hi, n);
    });
    spectrumCache.set(filters, spectra);
  }
  f.set(spectra, FLT);
  f = kern.f64;
  const B = n - K + 1;
  const nx = x.length;
  const xf64 = x instanceof Float64Array ? x : null;
  for (let start = zStart; start < zStart + outLen; start += 2 * B) {
    // block A: outputs start…start+B−1 (real parts), block B: the next B (imaginary parts)
    const sA = start - (K - 1) - xOff; // index into x
    const sB = sA + B;
    // x[sA … sB + n) into the staging area (zeros outside x), then interleaved by the WebAssembly module
    const p = Math.max(sA, 0);
    const q = Math.min(sB + n, nx);
    if (p > sA || q < sB + n) f.fill(0, STG, STG + B + n);
    if (q > p) {
      if (xf64) f.set(xf64.subarray(p, q), STG + p - sA);
      else for (let i = p; i < q; i++) f[STG + i - sA] = x[i]!;
    }
    kern.pack2(8 * BLK, 8 * STG, 8 * (STG + B), n);
    kern.fwd(8 * BLK, n, 8 * TWF);
    const countA = Math.min(B, zStart + outLen - start);
    const countB = Math.min(B, zStart + outLen - start - B);
    for (let r = 0; r < filters.length; r++) {
      kern.cmul(8 * TMP, 8 * BLK, 8 * (FLT + 4 * n * r), n);
      kern.inv(8 * TMP, n, 8 * TWI);
      sink(r, start, f, TMP + 2 * (K - 1), countA, 2, OUT);
      if (countB > 0) sink(r, start + B, f, TMP + 2 * (K - 1) + 1, countB, 2, OUT);
    }
  }
  return true;
}
