/**
 * Float64 FFTs in plain JS: an in-place complex radix-2 FFT (two stages per pass) used by the soxr port's
 * overlap-save convolution, and a real-input power spectrum for the CLAP mel's 1024-point frames and the
 * Kaldi fbank's 512-point frames (ImageBind audio).
 * These are the fallbacks (and the test references) of the WebAssembly SIMD code in dsp-wasm.ts, which
 * do the same float64 arithmetic ~3× faster.
 */
import { bitReverseTable } from './dsp-wasm';

export interface ComplexPlan {
  n: number;
  bitrev: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
  /** per radix-2² pass (half-size h): twiddles W_{2h}^k and W_{4h}^k for k < h, forward sign */
  passes: { h: number; w1r: Float64Array; w1i: Float64Array; w2r: Float64Array; w2i: Float64Array }[];
}

const plans = new Map<number, ComplexPlan>();

export function complexPlan(n: number): ComplexPlan {
  let p = plans.get(n);
  if (p) return p;
  let bits = 0;
  while (1 << bits < n) bits++;
  const bitrev = bitReverseTable(n);
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  const passes: ComplexPlan['passes'] = [];
  for (let h = bits & 1 ? 2 : 1; h < n; h <<= 2) {
    const w1r = new Float64Array(h);
    const w1i = new Float64Array(h);
    const w2r = new Float64Array(h);
    const w2i = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      w1r[k] = cos[(k * n) / (2 * h)]!;
      w1i[k] = -sin[(k * n) / (2 * h)]!;
      w2r[k] = cos[(k * n) / (4 * h)]!;
      w2i[k] = -sin[(k * n) / (4 * h)]!;
    }
    passes.push({ h, w1r, w1i, w2r, w2i });
  }
  p = { n, bitrev, cos, sin, passes };
  plans.set(n, p);
  return p;
}

/**
 * In-place complex FFT on bit-reversed input (sign −1 forward, +1 inverse without the 1/n scale).
 * Radix-2 decimation in time, two stages per pass (radix-2²) to halve the passes over memory.
 */
export function butterflies(p: ComplexPlan, re: Float64Array, im: Float64Array, sign: number): void {
  const n = p.n;
  if (p.passes.length === 0 || p.passes[0]!.h === 2) {
    // odd log2(n): one plain radix-2 stage of size 2 (twiddle 1) first
    for (let i = 0; i < n; i += 2) {
      const xr = re[i + 1]!;
      const xi = im[i + 1]!;
      re[i + 1] = re[i]! - xr;
      im[i + 1] = im[i]! - xi;
      re[i] = re[i]! + xr;
      im[i] = im[i]! + xi;
    }
  }
  // the inverse uses conjugate twiddles: flip the sign of every imaginary twiddle part via s
  const s = sign < 0 ? 1 : -1;
  for (const { h, w1r, w1i, w2r, w2i } of p.passes) {
    // stages of half-size h (twiddle W_{2h}^k) and 2h (W_{4h}^k; W_{4h}^{k+h} = W_{4h}^k·(∓i))
    for (let s0 = 0; s0 < n; s0 += 4 * h) {
      for (let k = 0; k < h; k++) {
        const ar = w1r[k]!;
        const ai = s * w1i[k]!;
        const br = w2r[k]!;
        const bi = s * w2i[k]!;
        const i0 = s0 + k;
        const i1 = i0 + h;
        const i2 = i1 + h;
        const i3 = i2 + h;
        const a0r = re[i0]!;
        const a0i = im[i0]!;
        const x1r = re[i1]!;
        const x1i = im[i1]!;
        const a1r = x1r * ar - x1i * ai;
        const a1i = x1r * ai + x1i * ar;
        const a2r = re[i2]!;
        const a2i = im[i2]!;
        const x3r = re[i3]!;
        const x3i = im[i3]!;
        const a3r = x3r * ar - x3i * ai;
        const a3i = x3r * ai + x3i * ar;
        const b0r = a0r + a1r;
        const b0i = a0i + a1i;
        const b1r = a0r - a1r;
        const b1i = a0i - a1i;
        const b2r = a2r + a3r;
        const b2i = a2i + a3i;
        const b3r = a2r - a3r;
        const b3i = a2i - a3i;
        const t2r = b2r * br - b2i * bi;
        const t2i = b2r * bi + b2i * br;
        const u3r = b3r * br - b3i * bi;
        const u3i = b3r * bi + b3i * br;
        // ·(sign·i): forward (sign −1) multiplies by −i
        const t3r = -sign * u3i;
        const t3i = sign * u3r;
        re[i0] = b0r + t2r;
        im[i0] = b0i + t2i;
        re[i2] = b0r - t2r;
        im[i2] = b0i - t2i;
        re[i1] = b1r + t3r;
        im[i1] = b1i + t3i;
        re[i3] = b1r - t3r;
        im[i3] = b1i - t3i;
      }
    }
  }
}

/**
 * |X_k|² (k = 0…n/2) of a real frame of length n (power of two ≥ 4): the frame is packed into n/2
 * complex samples (even → re, odd → im), transformed, and the two interleaved spectra separated.
 */
export function createRealPowerSpectrum(n: number): (frame: ArrayLike<number>, power: Float64Array) => void {
  if (!Number.isInteger(n) || n < 4 || (n & (n - 1)) !== 0) throw new RangeError(`FFT size must be a power of two ≥ 4, got ${n}`);
  const half = n >> 1;
  const p = complexPlan(half);
  const { bitrev } = p;
  const re = new Float64Array(half);
  const im = new Float64Array(half);
  const wr = new Float64Array(half);
  const wi = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    wr[k] = Math.cos((2 * Math.PI * k) / n);
    wi[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  return (frame, power) => {
    for (let m = 0; m < half; m++) {
      const d = bitrev[m]!;
      re[d] = frame[2 * m]!;
      im[d] = frame[2 * m + 1]!;
    }
    butterflies(p, re, im, -1);
    const dc = re[0]! + im[0]!;
    const ny = re[0]! - im[0]!;
    power[0] = dc * dc;
    power[half] = ny * ny;
    for (let k = 1; k < half; k++) {
      const ar = re[k]!;
      const ai = im[k]!;
      const br = re[half - k]!;
      const bi = -im[half - k]!;
      // even part E = (Z_k + conj Z_{h−k})/2, odd part O = (Z_k − conj Z_{h−k})/(2i), X_k = E + W^k·O
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const xr = er + (or * wr[k]! - oi * wi[k]!);
      const xi = ei + (or * wi[k]! + oi * wr[k]!);
      power[k] = xr * xr + xi * xi;
    }
  };
}
