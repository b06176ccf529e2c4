/**
 * Molecule-Space combination math (docs/REFERENCE.md §7, §8), on plain Float32Arrays.
 * Accumulation is in float64; results are stored as float32.
 */

/** v / |v|₂ (a zero vector is returned unchanged rather than producing NaN). */
export function l2normalize(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  if (n === 0 || !Number.isFinite(n)) {
    if (!Number.isFinite(n)) throw new RangeError('cannot normalise a vector with non-finite entries');
    return out;
  }
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`dot: length mismatch ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** E = normalize(mean_i normalize(v_i)) — the projector-ensemble combination (§7.2). */
export function ensembleMean(vectors: ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('ensemble of zero vectors');
  const d = vectors[0]!.length;
  const acc = new Float64Array(d);
  for (const v of vectors) {
    if (v.length !== d) throw new RangeError(`ensemble: length mismatch ${d} vs ${v.length}`);
    const u = l2normalize(v);
    for (let i = 0; i < d; i++) acc[i]! += u[i]!;
  }
  for (let i = 0; i < d; i++) acc[i]! /= vectors.length;
  return l2normalize(acc);
}

/** mix(E, base, f) = normalize(f·E + (1−f)·base) (§7.2). */
export function mix(expert: ArrayLike<number>, base: ArrayLike<number>, f: number): Float32Array {
  if (!(f >= 0 && f <= 1)) throw new RangeError(`factor must be in [0, 1], got ${f}`);
  if (expert.length !== base.length) throw new RangeError(`mix: length mismatch ${expert.length} vs ${base.length}`);
  const out = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) out[i] = f * expert[i]! + (1 - f) * base[i]!;
  return l2normalize(out);
}

/** Heads output [B,7,out] (flat) → for item b, the 7 head vectors. */
export function headsOf(flat: Float32Array, b: number, heads: number, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  const base = b * heads * dim;
  for (let h = 0; h < heads; h++) out.push(flat.subarray(base + h * dim, base + (h + 1) * dim));
  return out;
}

/** Row-wise softmax(scale · A·Bᵀ) (§8, scale 10), and the raw cosines. */
export function similarityMatrix(a: ArrayLike<number>[], b: ArrayLike<number>[], scale = 10): { cosine: number[][]; softmax: number[][] } {
  const cosine = a.map((x) => b.map((y) => dot(x, y)));
  const softmax = cosine.map((row) => {
    const m = Math.max(...row.map((c) => scale * c));
    const e = row.map((c) => Math.exp(scale * c - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((x) => x / s);
  });
  return { cosine, softmax };
}
