/** Waveform peaks as stored ([min, max] pairs over equal time buckets) resampled for display. */

/** [min,max]-pair peaks → `buckets` pairs (min of mins, max of maxes); fewer stay as they are. */
export function downsamplePeaks(p: ArrayLike<number>, buckets: number): number[] {
  const n = Math.floor(p.length / 2);
  if (n <= buckets) return Array.from({ length: 2 * n }, (_, i) => p[i]!);
  const out = new Array<number>(2 * buckets);
  for (let b = 0; b < buckets; b++) {
    const s = Math.floor((b * n) / buckets);
    const e = Math.max(s + 1, Math.floor(((b + 1) * n) / buckets));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = s; i < e; i++) {
      lo = Math.min(lo, p[2 * i]!);
      hi = Math.max(hi, p[2 * i + 1]!);
    }
    out[2 * b] = lo;
    out[2 * b + 1] = hi;
  }
  return out;
}
