/** Deterministic unit vectors for search tests (xorshift32 + Box–Muller), so every run sees the same data. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}

export function unitVector(r: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i += 2) {
    const u1 = r(), u2 = r();
    const m = Math.sqrt(-2 * Math.log(u1));
    v[i] = m * Math.cos(2 * Math.PI * u2);
    if (i + 1 < dim) v[i + 1] = m * Math.sin(2 * Math.PI * u2);
  }
  for (let i = 0; i < dim; i++) n += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i]! *= inv;
  return v;
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
