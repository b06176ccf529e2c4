import type { Factors } from '../domain/types';
import { FACTOR_AUDIO, FACTOR_TEXT, MOD_AUDIO, MOD_IMAGE, MOD_VIDEO, type VectorStore } from '../search/vector-store';
import { similarityTopK } from './similarity-topk-onnx';
import { ancestorsOf, type Label, type Vocabulary } from './vocabulary';
import type { TagScore, ItemTags } from './types';

/**
 * Zero-shot tags: every item is compared with the vocabulary's label prompts in the fused space, and gets its
 * best labels. Label prompts are embedded once per pack (their base text vector a and projected expert text
 * vector u are preset-independent); items keep base b and expert x. For any factors the fused vectors are
 * rebuilt from those (no model run) and one MatMul + TopK on ONNX Runtime ranks all labels for all items.
 */
export interface LabelVectors {
  vocabId: string;
  labels: Label[];
  dim: number;
  /** [M,D] base-space text vectors of the prompts. */
  a: Float32Array;
  /** [M,D] expert text ensembles, or null when the space has no text expert. */
  u: Float32Array | null;
}

export interface TagOptions {
  top: number;
  /** Minimum cosine for a label to be suggested. */
  threshold: number;
}

export const DEFAULT_TAG_OPTIONS: TagOptions = { top: 5, threshold: -1 };

/** normalize(g·u + (1−g)·a) row by row (g = the text factor); a when there is no expert. */
export function fusedLabelRows(lv: LabelVectors, g: number): Float32Array {
  const { dim, a, u } = lv;
  const m = lv.labels.length;
  const out = new Float32Array(m * dim);
  for (let i = 0; i < m; i++) mixInto(out, i * dim, a, i * dim, u, u ? i * dim : -1, u ? g : 0, dim);
  return out;
}

/** Fused vectors of the given store rows for `factors`, row-major [rows.length, D]. */
export function fusedItemRows(store: VectorStore, rows: ArrayLike<number>, factors: Factors): Float32Array {
  const d = store.dim;
  const out = new Float32Array(rows.length * d);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    const xr = store.expertRow[r]!;
    const fk = store.factor[r]!;
    const f = xr < 0 ? 0 : fk === FACTOR_TEXT ? factors.text : fk === FACTOR_AUDIO ? factors.audio : 0;
    mixInto(out, k * d, store.baseRow(r), 0, xr >= 0 ? store.expertVec(xr) : null, 0, f, d);
  }
  return out;
}

function mixInto(
  out: Float32Array,
  o: number,
  base: Float32Array,
  bo: number,
  expert: Float32Array | null,
  xo: number,
  f: number,
  d: number,
): void {
  let n2 = 0;
  if (expert && xo >= 0 && f !== 0) {
    for (let i = 0; i < d; i++) {
      const v = f * expert[xo + i]! + (1 - f) * base[bo + i]!;
      out[o + i] = v;
      n2 += v * v;
    }
  } else {
    for (let i = 0; i < d; i++) {
      const v = base[bo + i]!;
      out[o + i] = v;
      n2 += v * v;
    }
  }
  const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
  for (let i = 0; i < d; i++) out[o + i]! *= inv;
}

/** Store rows a vocabulary applies to (audio vocabularies tag sounds, image ones pictures). */
export function rowsFor(store: VectorStore, target: Vocabulary['target'], only?: Set<number>): Int32Array {
  const rows: number[] = [];
  for (let r = 0; r < store.size; r++) {
    if (only && !only.has(store.ids[r]!)) continue;
    const m = store.modality[r]!;
    // a video is tagged by its pictures (its item vector is the mean of its frame moments)
    if (target === 'all' || (target === 'audio' && m === MOD_AUDIO) || (target === 'image' && (m === MOD_IMAGE || m === MOD_VIDEO))) rows.push(r);
  }
  return Int32Array.from(rows);
}

export async function suggestTags(
  store: VectorStore,
  lv: LabelVectors,
  target: Vocabulary['target'],
  factors: Factors,
  opts: TagOptions = DEFAULT_TAG_OPTIONS,
  onlyItems?: Set<number>,
  chunk = 4096,
): Promise<ItemTags[]> {
  if (lv.dim !== store.dim) throw new Error(`label vectors have ${lv.dim} dims, the library ${store.dim}`);
  const rows = rowsFor(store, target, onlyItems);
  const q = fusedLabelRows(lv, factors.text);
  const m = lv.labels.length;
  const ancestors = ancestorsOf(lv.labels);
  const byId = new Map(lv.labels.map((l) => [l.id, l]));
  const out: ItemTags[] = [];
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.subarray(start, Math.min(rows.length, start + chunk));
    const e = fusedItemRows(store, part, factors);
    const top = await similarityTopK(e, part.length, q, m, store.dim, opts.top);
    for (let i = 0; i < part.length; i++) {
      const labels: TagScore[] = [];
      for (let j = 0; j < top.k; j++) {
        const score = top.values[i * top.k + j]!;
        if (score < opts.threshold) break;
        const l = lv.labels[top.indices[i * top.k + j]!]!;
        labels.push({ labelId: l.id, name: l.name, score });
      }
      out.push({ itemId: store.ids[part[i]!]!, labels, categories: rollUp(labels, ancestors, byId) });
    }
  }
  return out;
}

/** Each ancestor of a suggested label gets the best score among its suggested descendants. */
export function rollUp(labels: TagScore[], ancestors: Map<string, string[]>, byId: Map<string, Label>): (TagScore & { via: string })[] {
  const best = new Map<string, TagScore & { via: string }>();
  for (const t of labels) {
    for (const a of ancestors.get(t.labelId) ?? []) {
      const prev = best.get(a);
      if (!prev || t.score > prev.score) best.set(a, { labelId: a, name: byId.get(a)?.name ?? a, score: t.score, via: t.labelId });
    }
  }
  return [...best.values()].sort((x, y) => y.score - x.score || x.labelId.localeCompare(y.labelId));
}
