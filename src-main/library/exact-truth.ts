/**
 * Brute-force reference for approximate search: the exact top-k files for a few fused queries, every
 * stored vector (items and every clip) read from the segment files once and scored with the live factors;
 * a file scores its best row. Used to measure recall (bench, status bar), never to answer a search.
 */
import { RowBlock } from '../search/row-block';
import type { Factors } from '../domain/types';
import type { Repo } from './repo';
import { VECTOR_KINDS, type VectorFiles, type VectorKind } from './vector-files';

export interface TruthQuery {
  /** Fused query vector (search/engine fusedQuery). */
  Q: Float32Array;
  factors: Factors;
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export async function exactTopFiles(repo: Repo, files: VectorFiles, packId: string, queries: TruthQuery[], k: number): Promise<number[][]> {
  const dim = files.dim;
  const m = queries.length;
  // the rows are walked (streamed from SQLite) rather than held: a million files' metadata objects would cost
  // more memory than the scores
  const metas = () => {
    const it = repo.allVectorMeta(packId);
    return (function* () {
      for (const x of it) if (x.dim === dim) yield x;
    })();
  };
  // dots per kind: slot range → [ (slot − min)·m + q ]
  const ranges = {} as Record<VectorKind, { min: number; dots: Float32Array }>;
  const slotsOf = (kind: VectorKind): [number, number][] => {
    const out: [number, number][] = [];
    for (const x of metas()) {
      if (kind === 'base') out.push([x.baseSlot, 1]);
      else if (kind === 'expert' && x.expertSlot !== null) out.push([x.expertSlot, 1]);
      else if (kind === 'clip-base' && x.clipSlot !== null && x.clipCount) out.push([x.clipSlot, x.clipCount]);
      else if (kind === 'clip-expert' && x.clipExpertSlot !== null && x.clipCount > x.frameCount) out.push([x.clipExpertSlot, x.clipCount - x.frameCount]);
    }
    return out;
  };
  const q = new Float32Array(m * dim);
  queries.forEach((t, i) => q.set(t.Q, i * dim));
  const STEP = 8192;
  const block = new RowBlock(dim, STEP);
  const out = new Float32Array(STEP * m);
  for (const kind of VECTOR_KINDS) {
    const spans = slotsOf(kind);
    if (!spans.length) continue;
    let min = Infinity, max = -1;
    for (const [s, n] of spans) (min = Math.min(min, s)), (max = Math.max(max, s + n - 1));
    const want = new Uint8Array(max - min + 1);
    for (const [s, n] of spans) want.fill(1, s - min, s - min + n);
    const dots = new Float32Array((max - min + 1) * m);
    for (let b0 = min; b0 <= max; b0 += STEP) {
      const c = Math.min(STEP, max + 1 - b0);
      files.readRange(kind, b0, c, (slot) => (want[slot - min] ? { out: block.view, offset: (slot - b0) * dim } : null), (slot, ok) => {
        if (!ok) block.view.fill(0, (slot - b0) * dim, (slot - b0 + 1) * dim);
      });
      block.dots(c, q, m, out);
      dots.set(out.subarray(0, c * m), (b0 - min) * m);
      await yieldNow();
    }
    ranges[kind] = { min, dots };
  }
  const dot = (kind: VectorKind, slot: number, qi: number) => ranges[kind].dots[(slot - ranges[kind].min) * m + qi]!;
  const score = (qb: number, qx: number | null, factor: 'text' | 'audio' | null, c: number, f: Factors) => {
    const g = qx !== null && factor ? f[factor] : 0;
    if (g === 0 || qx === null) return qb;
    const ne2 = g * g + (1 - g) * (1 - g) + 2 * g * (1 - g) * c;
    return ((1 - g) * qb + g * qx) / Math.sqrt(ne2 > 0 ? ne2 : 1);
  };
  // one walk over the rows for all queries: each file's best row per query, the best k files kept per query
  const best = queries.map(() => [] as { id: number; s: number }[]);
  const keep = (list: { id: number; s: number }[], id: number, s: number) => {
    list.push({ id, s });
    if (list.length >= 4 * k + 64) {
      list.sort((a, b) => b.s - a.s || a.id - b.id);
      list.length = k;
    }
  };
  for (const x of metas()) {
    queries.forEach((t, qi) => {
      let s = score(dot('base', x.baseSlot, qi), x.expertSlot !== null ? dot('expert', x.expertSlot, qi) : null, x.factor, x.c, t.factors);
      for (let j = 0; j < x.clipCount; j++) {
        // a video's frame moments (after its sound moments) have no expert
        const qx = x.clipExpertSlot !== null && j < x.clipCount - x.frameCount ? dot('clip-expert', x.clipExpertSlot + j, qi) : null;
        const cs = score(dot('clip-base', x.clipSlot! + j, qi), qx, x.factor ?? 'audio', x.clipC ? x.clipC[j]! : 1, t.factors);
        if (cs > s) s = cs;
      }
      keep(best[qi]!, x.itemId, s);
    });
  }
  return best.map((list) => {
    list.sort((a, b) => b.s - a.s || a.id - b.id);
    return list.slice(0, k).map((b) => b.id);
  });
}
