/**
 * torchaudio.functional.resample with its defaults (docs/REFERENCE.md §3.2): Hann-windowed sinc,
 * lowpass_filter_width 6, rolloff 0.99. The rates are reduced by their gcd to o → n; output phase
 * j ∈ [0, n) of block b is Σ_t xpad[b·o + t]·h_j[t] with the signal zero-padded by `width` on the left,
 * and the first ceil(n·N/o) outputs are kept.
 *
 * torchaudio builds the kernel and convolves in float32. The kernel is reproduced in float32 here;
 * the convolution accumulates in float64 and rounds once per output sample (measured against
 * torchaudio 0.13: within 1.8e-7). Taps where the clamped kernel argument reaches ±6 are the
 * window's zeros and are dropped, so each phase only loops over its non-zero support
 * (≈ 12·o/base + 1 taps instead of 2·width + o).
 */

export interface SincResamplerPlan {
  readonly orig: number;
  readonly target: number;
  /** reduced input step o and output phases n */
  readonly o: number;
  readonly n: number;
  readonly width: number;
  /** per phase: index of the first non-zero tap in [0, 2·width + o) and the taps from there */
  readonly first: Int32Array;
  readonly taps: Float32Array[];
}

import { LIMITS } from '../../domain/limits';

const LOWPASS_FILTER_WIDTH = 6;
const ROLLOFF = 0.99;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function checkRate(rate: number, what: string): void {
  if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`${what} sample rate must be a positive integer, got ${rate}`);
  // the plan costs O(12·max(o, n)): past the decoders' limit a rate is refused here too, not planned
  if (rate > LIMITS.audio.maxSampleRate) throw new RangeError(`${what} sample rate ${rate} Hz is above the limit of ${LIMITS.audio.maxSampleRate} Hz`);
}

/** Plans kept for reuse, most recent last; bounded by their total tap count (4 bytes each), not by how many there are. */
const planCache = new Map<string, SincResamplerPlan>();
const PLAN_CACHE_TAPS = 4_000_000;
let cachedTaps = 0;

const tapCount = (p: SincResamplerPlan) => p.taps.reduce((a, t) => a + t.length, 0);

/**
 * The plan for orig → target. Only each phase's non-zero support is evaluated (≈ 12·o/base + 1 taps around
 * width + o·j/n), so building it costs O(n + 12·max(o, n)) whatever the ratio: a coprime pair such as
 * 767 999 → 16 000 Hz (o = 767 999, n = 16 000) no longer loops n × (2·width + o) ≈ 10^10 times nor allocates
 * a kernel sized by the reduced rate. Rates are bounded by LIMITS.audio before anything reaches here.
 */
export function sincResamplerPlan(orig: number, target: number): SincResamplerPlan {
  checkRate(orig, 'source');
  checkRate(target, 'target');
  const key = `${orig}:${target}`;
  const cached = planCache.get(key);
  if (cached) {
    planCache.delete(key);
    planCache.set(key, cached);
    return cached;
  }
  const g = gcd(orig, target);
  const o = orig / g;
  const n = target / g;
  const base = Math.min(o, n) * ROLLOFF;
  const width = Math.ceil((LOWPASS_FILTER_WIDTH * o) / base);
  const kernelLen = 2 * width + o;
  const scale = base / o;
  const first = new Int32Array(n);
  const taps: Float32Array[] = [];
  // The kernel is evaluated with torchaudio's float32 operation order (each step rounded with
  // fround): a float64 kernel differs from torchaudio's by up to ~1e-6 per tap, which moved the
  // resampled waveform by 6e-6 and the near-silent mel bins of a tone by 0.036 (README). Every tap is a
  // float32 value, so a Float32Array holds it exactly.
  const f = Math.fround;
  const base32 = f(base);
  const pi32 = f(Math.PI);
  const scale32 = f(scale);
  // |u| < 6 ⇔ t − width ∈ o·(j/n ± 6/base): evaluate that span (plus a margin far wider than float32 rounding
  // can move the edge) instead of the whole kernel
  const half = (LOWPASS_FILTER_WIDTH * o) / base;
  const span = new Float32Array(Math.ceil(2 * half) + 8);
  for (let j = 0; j < n; j++) {
    const centre = width + (o * j) / n;
    const t0 = Math.max(0, Math.floor(centre - half) - 2);
    const t1 = Math.min(kernelLen - 1, Math.ceil(centre + half) + 2);
    let lo = -1;
    let hi = -1;
    const phase = f(f(-j) / n);
    for (let t = t0; t <= t1; t++) {
      const idx = f(f(t - width) / o);
      let u = f(f(phase + idx) * base32);
      if (u <= -LOWPASS_FILTER_WIDTH || u >= LOWPASS_FILTER_WIDTH) continue; // the window's zeros
      const c = f(Math.cos(f(f(f(u * pi32) / LOWPASS_FILTER_WIDTH) / 2)));
      const w = f(c * c);
      u = f(u * pi32);
      const sinc = u === 0 ? 1 : f(f(Math.sin(u)) / u);
      if (lo < 0) lo = t;
      span[t - t0] = f(sinc * f(w * scale32));
      hi = t;
    }
    first[j] = Math.max(lo, 0);
    taps.push(lo < 0 ? new Float32Array(0) : span.slice(lo - t0, hi - t0 + 1));
  }
  const plan: SincResamplerPlan = { orig, target, o, n, width, first, taps };
  // the newest plan always stays (a long file resampled clip by clip reuses it); older ones leave past the budget
  planCache.set(key, plan);
  cachedTaps += tapCount(plan);
  for (const [k, p] of planCache) {
    if (cachedTaps <= PLAN_CACHE_TAPS || planCache.size === 1) break;
    planCache.delete(k);
    cachedTaps -= tapCount(p);
  }
  return plan;
}

/** Output length torchaudio produces: ceil(n·N/o) with the reduced rates. */
export function resampledLength(inputLength: number, orig: number, target: number): number {
  if (orig === target) return inputLength;
  const p = sincResamplerPlan(orig, target);
  // n·N/o as an exact integer ceiling (n·N stays far below 2^53 for any real recording)
  return Math.ceil((p.n * inputLength) / p.o);
}

/**
 * The input samples [from, to) that output samples [start, end) read (a safe superset, clamped to the
 * input), e.g. to check or condition only the part of a long input that a few clips depend on.
 */
export function resampleInputSpan(inputLength: number, orig: number, target: number, start: number, end: number): [number, number] {
  if (end <= start) return [0, 0];
  if (orig === target) return [Math.max(0, start), Math.min(inputLength, end)];
  const { o, n, width, first, taps } = sincResamplerPlan(orig, target);
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < n; j++) {
    lo = Math.min(lo, first[j]!);
    hi = Math.max(hi, first[j]! + taps[j]!.length);
  }
  const from = Math.floor(start / n) * o + lo - width;
  const to = Math.floor((end - 1) / n) * o + hi - width;
  return [Math.max(0, from), Math.min(inputLength, to)];
}

/** Resample one channel. Returns the input itself (not a copy) when the rates are equal, as torchaudio does. */
export function resampleSinc(x: Float32Array, orig: number, target: number): Float32Array {
  if (orig === target) {
    checkRate(orig, 'source');
    return x;
  }
  return resampleSincRange(x, orig, target, 0, resampledLength(x.length, orig, target));
}

/**
 * Output samples [start, end) of the resampled channel (end is clamped to the full output length),
 * identical to the same slice of resampleSinc(x) — for callers that need only a few clips of a long file.
 */
export function resampleSincRange(x: Float32Array, orig: number, target: number, start: number, end: number): Float32Array {
  const total = resampledLength(x.length, orig, target);
  const stop = Math.min(end, total);
  if (!Number.isInteger(start) || start < 0 || stop < start) throw new RangeError(`bad output range [${start}, ${end}) of ${total}`);
  if (orig === target) return x.slice(start, stop);
  const { o, n, width, first, taps } = sincResamplerPlan(orig, target);
  const N = x.length;
  const y = new Float32Array(stop - start);
  let b = Math.floor(start / n);
  let j = start - b * n;
  for (let out = 0; out < y.length; out++) {
    const h = taps[j]!;
    const K = h.length;
    // input index of the phase's first non-zero tap: b·o + first_j − width
    const s = b * o + first[j]! - width;
    let acc = 0;
    if (s >= 0 && s + K <= N) {
      let a1 = 0, a2 = 0, a3 = 0;
      let t = 0;
      for (; t + 3 < K; t += 4) {
        acc += x[s + t]! * h[t]!;
        a1 += x[s + t + 1]! * h[t + 1]!;
        a2 += x[s + t + 2]! * h[t + 2]!;
        a3 += x[s + t + 3]! * h[t + 3]!;
      }
      for (; t < K; t++) acc += x[s + t]! * h[t]!;
      acc += a1 + a2 + a3;
    } else {
      const t1 = Math.min(K, N - s);
      for (let t = Math.max(0, -s); t < t1; t++) acc += x[s + t]! * h[t]!;
    }
    y[out] = acc;
    if (++j === n) {
      j = 0;
      b++;
    }
  }
  return y;
}
