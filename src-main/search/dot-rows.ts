/**
 * Dot products of stored rows against a few query vectors, reading each stored row once.
 * out[r*M + m] = rows[r] · Q[m] for r in [r0, r1). Loops are unrolled by 4 with independent accumulators
 * so V8 keeps the pipeline busy; M = 1 and M = 2 (the common "base + expert text" case) are specialised.
 */
export function dotRows(
  rows: Float32Array,
  dim: number,
  r0: number,
  r1: number,
  q: Float32Array,
  m: number,
  out: Float32Array,
  outRowOffset = 0,
): void {
  if (m === 1) return dot1(rows, dim, r0, r1, q, out, outRowOffset);
  if (m === 2) return dot2(rows, dim, r0, r1, q, out, outRowOffset);
  for (let r = r0; r < r1; r++) {
    const base = r * dim;
    for (let k = 0; k < m; k++) {
      const qb = k * dim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (; i + 3 < dim; i += 4) {
        s0 += rows[base + i]! * q[qb + i]!;
        s1 += rows[base + i + 1]! * q[qb + i + 1]!;
        s2 += rows[base + i + 2]! * q[qb + i + 2]!;
        s3 += rows[base + i + 3]! * q[qb + i + 3]!;
      }
      for (; i < dim; i++) s0 += rows[base + i]! * q[qb + i]!;
      out[(r - r0 + outRowOffset) * m + k] = s0 + s1 + s2 + s3;
    }
  }
}

function dot1(rows: Float32Array, dim: number, r0: number, r1: number, q: Float32Array, out: Float32Array, off: number): void {
  for (let r = r0; r < r1; r++) {
    const b = r * dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    let i = 0;
    for (; i + 7 < dim; i += 8) {
      s0 += rows[b + i]! * q[i]!;
      s1 += rows[b + i + 1]! * q[i + 1]!;
      s2 += rows[b + i + 2]! * q[i + 2]!;
      s3 += rows[b + i + 3]! * q[i + 3]!;
      s4 += rows[b + i + 4]! * q[i + 4]!;
      s5 += rows[b + i + 5]! * q[i + 5]!;
      s6 += rows[b + i + 6]! * q[i + 6]!;
      s7 += rows[b + i + 7]! * q[i + 7]!;
    }
    for (; i < dim; i++) s0 += rows[b + i]! * q[i]!;
    out[r - r0 + off] = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
  }
}

function dot2(rows: Float32Array, dim: number, r0: number, r1: number, q: Float32Array, out: Float32Array, off: number): void {
  for (let r = r0; r < r1; r++) {
    const b = r * dim;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    let i = 0;
    for (; i + 3 < dim; i += 4) {
      const v0 = rows[b + i]!, v1 = rows[b + i + 1]!, v2 = rows[b + i + 2]!, v3 = rows[b + i + 3]!;
      a0 += v0 * q[i]!;
      a1 += v1 * q[i + 1]!;
      a2 += v2 * q[i + 2]!;
      a3 += v3 * q[i + 3]!;
      c0 += v0 * q[dim + i]!;
      c1 += v1 * q[dim + i + 1]!;
      c2 += v2 * q[dim + i + 2]!;
      c3 += v3 * q[dim + i + 3]!;
    }
    for (; i < dim; i++) {
      a0 += rows[b + i]! * q[i]!;
      c0 += rows[b + i]! * q[dim + i]!;
    }
    const o = (r - r0 + off) * 2;
    out[o] = a0 + a1 + a2 + a3;
    out[o + 1] = c0 + c1 + c2 + c3;
  }
}
