import { unitVector, xorshift32 } from '../helpers/random';

export { unitVector };

/** Deterministic uniforms for search tests: xorshift32 moved into (0, 1) so Box–Muller never takes log 0. */
export function rng(seed: number): () => number {
  const u = xorshift32(seed);
  return () => u() + 2 ** -33;
}

/** A unit vector correlated with `near` (cosine ≈ rho), like an expert that agrees partly with the base. */
export function correlated(r: () => number, near: Float32Array, rho: number): Float32Array {
  const z = unitVector(r, near.length);
  const v = new Float32Array(near.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = rho * near[i]! + Math.sqrt(1 - rho * rho) * z[i]!;
    n += v[i]! * v[i]!;
  }
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

export function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** normalize(f·x + (1−f)·b) in float64. */
export function fused64(b: Float32Array, x: Float32Array | null, f: number): Float64Array {
  const out = new Float64Array(b.length);
  if (!x) {
    for (let i = 0; i < b.length; i++) out[i] = b[i]!;
  } else {
    for (let i = 0; i < b.length; i++) out[i] = f * x[i]! + (1 - f) * b[i]!;
  }
  const n = Math.sqrt(dot64(out, out));
  for (let i = 0; i < out.length; i++) out[i]! /= n;
  return out;
}
