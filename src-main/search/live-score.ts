import type { Factors } from '../domain/types';
import type { ChunkedRows } from './row-block';
import { FACTOR_NONE, FACTOR_TEXT } from './vector-store';

/** What scoring needs of a set of rows (items: VectorStore, clips: MomentStore). */
export interface ScoredRows {
  readonly dim: number;
  size: number;
  expertSize: number;
  readonly baseBlock: ChunkedRows;
  readonly expertBlock: ChunkedRows;
  expertRow: Int32Array;
  factor: Uint8Array;
  c: Float32Array;
}

/**
 * One encoded query term. q(g) = normalize(g·u + (1−g)·a) where g = factors[factor]; a term without an
 * expert (u = null, factor = null) is just a. `ua` = u·a.
 */
export interface QueryTerm {
  weight: number;
  a: Float32Array;
  u: Float32Array | null;
  factor: keyof Factors | null;
  ua: number;
}

/**
 * The part of a search that needs the stored vectors: every item's base vector and expert vector dotted
 * once with every query vector (a and u of each term). Any factor setting is then scored from these
 * numbers alone (docs/REFERENCE.md §9), so moving a factor never touches the vectors again.
 */
export interface ScanDots {
  /** Query vectors per item: M = number of columns. */
  m: number;
  /** Column of a_i, u_i (−1 when the term has no expert). */
  colA: Int32Array;
  colU: Int32Array;
  /** [itemRow * M + col] base·query. */
  baseDots: Float32Array;
  /** [expertRow * M + col] expert·query. */
  expertDots: Float32Array;
  /** Store size when scanned (rows beyond it are not covered). */
  rows: number;
}

export function queryMatrix(terms: QueryTerm[], dim: number): { q: Float32Array; m: number; colA: Int32Array; colU: Int32Array } {
  const colA = new Int32Array(terms.length);
  const colU = new Int32Array(terms.length);
  let m = 0;
  for (let i = 0; i < terms.length; i++) {
    colA[i] = m++;
    colU[i] = terms[i]!.u ? m++ : -1;
  }
  const q = new Float32Array(m * dim);
  terms.forEach((t, i) => {
    if (t.a.length !== dim) throw new Error(`query term ${i + 1} has ${t.a.length} dims, the library has ${dim}`);
    q.set(t.a, colA[i]! * dim);
    if (t.u) q.set(t.u, colU[i]! * dim);
  });
  return { q, m, colA, colU };
}

/** One pass over the stored vectors. */
export function scanDots(store: ScoredRows, terms: QueryTerm[]): ScanDots {
  const { q, m, colA, colU } = queryMatrix(terms, store.dim);
  const baseDots = new Float32Array(store.size * m);
  const expertDots = new Float32Array(store.expertSize * m);
  store.baseBlock.dots(store.size, q, m, baseDots);
  store.expertBlock.dots(store.expertSize, q, m, expertDots);
  return { m, colA, colU, baseDots, expertDots, rows: store.size };
}

/** Per-term constants for one factor setting: g and 1/|q(g)|. */
function termConstants(terms: QueryTerm[], factors: Factors): { g: Float64Array; invNq: Float64Array } {
  const g = new Float64Array(terms.length);
  const invNq = new Float64Array(terms.length);
  terms.forEach((t, i) => {
    const gi = t.u && t.factor ? factors[t.factor] : 0;
    g[i] = gi;
    const n2 = gi * gi + (1 - gi) * (1 - gi) + 2 * gi * (1 - gi) * t.ua;
    invNq[i] = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
  });
  return { g, invNq };
}

export function checkFactors(f: Factors): void {
  for (const k of ['text', 'audio'] as const) {
    const v = f[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      throw new Error(`factor ${k} must be a number in [0, 1], got ${String(v)}`);
    }
  }
}

/**
 * score(item) = Σ_i w_i · q_i(g_i)·e(f), with e(f) = normalize(f·x + (1−f)·b), f = factors[item factor],
 * computed from the scan's dot products only:
 *   q·e = [g·f·(u·x) + g·(1−f)·(u·b) + (1−g)·f·(a·x) + (1−g)·(1−f)·(a·b)] / (|q|·|e|)
 *   |e|² = f² + (1−f)² + 2·f·(1−f)·c,  |q|² = g² + (1−g)² + 2·g·(1−g)·(u·a).
 * Calls `emit(row, score)` for every row where mask is null or mask[row] is 1.
 */
export function combineScores(
  store: ScoredRows,
  terms: QueryTerm[],
  dots: ScanDots,
  factors: Factors,
  mask: Uint8Array | null,
  emit: (row: number, score: number) => void,
): void {
  const { g, invNq } = termConstants(terms, factors);
  const { m, colA, colU, baseDots, expertDots } = dots;
  const T = terms.length;
  const w = Float64Array.from(terms, (t) => t.weight);
  const n = Math.min(dots.rows, store.size);
  for (let r = 0; r < n; r++) {
    if (mask && mask[r] === 0) continue;
    const xr = store.expertRow[r]!;
    const fk = store.factor[r]!;
    const f = xr >= 0 && fk !== FACTOR_NONE ? (fk === FACTOR_TEXT ? factors.text : factors.audio) : 0;
    const c = store.c[r]!;
    const ne2 = f * f + (1 - f) * (1 - f) + 2 * f * (1 - f) * c;
    const invNe = ne2 > 0 ? 1 / Math.sqrt(ne2) : 0;
    const bo = r * m;
    const xo = xr * m;
    let s = 0;
    for (let i = 0; i < T; i++) {
      const ca = colA[i]!, cu = colU[i]!;
      const ab = baseDots[bo + ca]!;
      const ub = cu >= 0 ? baseDots[bo + cu]! : ab;
      let ax = ab, ux = ub;
      if (f !== 0) {
        ax = expertDots[xo + ca]!;
        ux = cu >= 0 ? expertDots[xo + cu]! : ax;
      }
      const gi = g[i]!;
      const dot = gi * f * ux + gi * (1 - f) * ub + (1 - gi) * f * ax + (1 - gi) * (1 - f) * ab;
      s += w[i]! * dot * invNq[i]! * invNe;
    }
    emit(r, s);
  }
}

