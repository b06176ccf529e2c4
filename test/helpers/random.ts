/**
 * Seeded pseudo-random generators for tests and benches, so every run sees the same data.
 * (src-main/organise/projection.ts keeps its own xorshift32: app code does not import test code.)
 */

/** Marsaglia's xorshift32 (seed 0 → 1): uniforms s / 2³² in [0, 1). */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** The Numerical Recipes LCG s ← 1664525·s + 1013904223 (mod 2³²): uniforms s / 2³² in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `r` shifted to [−0.5, 0.5). */
export const centred = (r: () => number): (() => number) => () => r() - 0.5;

/** A random unit vector: Box–Muller normals from `r` (which must never return 0), normalised. */
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
