import { randomUUID } from 'node:crypto';
import { sep } from 'node:path';
import type { SearchFilters, SearchHit, SearchResponse, TargetModality } from './types';
import type { Factors } from '../domain/types';
import { checkFactors, combineScores, scanDots, type QueryTerm, type ScanDots } from './live-score';
import type { QueryAtom } from './query-parser';
import { TopK } from './topk';
import type { MomentStore } from './moment-store';
import { MOD_AUDIO, MOD_IMAGE, type VectorStore } from './vector-store';

export type EncodedAtom = Omit<QueryTerm, 'weight'>;

export interface SearchBackend {
  /** Encode one query atom (runs a model for text/image/audio; item: reads stored vectors). */
  encode(atom: QueryAtom): Promise<EncodedAtom>;
  thumbnail?(itemId: number): string | null;
}

/** Moments (clips) listed per hit, best first. */
export const MOMENTS_PER_HIT = 12;

export interface EngineQuery {
  terms: { weight: number; atom: QueryAtom }[];
  in?: TargetModality;
  k?: number;
  minScore?: number;
  filters?: SearchFilters;
  factors: Factors;
}

interface Cached {
  terms: QueryTerm[];
  dots: ScanDots;
  momentDots: ScanDots | null;
  storeVersion: number;
  momentVersion: number;
  q: Omit<EngineQuery, 'factors' | 'terms'>;
}

const MAX_CACHED = 16;

/** Runs searches against a VectorStore and keeps the last few scans for live re-ranking. */
export class SearchEngine {
  private readonly cache = new Map<string, Cached>();

  constructor(
    readonly store: VectorStore,
    private readonly backend: SearchBackend,
    readonly moments: MomentStore | null = null,
  ) {}

  private owners: { storeVersion: number; momentVersion: number; rows: Int32Array } | null = null;

  /** Item row of every moment row (−1 when its item is not in the store), cached per store version. */
  private ownerRows(): Int32Array {
    const m = this.moments!;
    const o = this.owners;
    if (o && o.storeVersion === this.store.version && o.momentVersion === m.version) return o.rows;
    const rows = new Int32Array(m.size);
    let lastId = -1, lastRow = -1;
    for (let r = 0; r < m.size; r++) {
      const id = m.owner[r]!;
      if (id !== lastId) {
        lastId = id;
        lastRow = this.store.row(id) ?? -1;
      }
      rows[r] = lastRow;
    }
    this.owners = { storeVersion: this.store.version, momentVersion: m.version, rows };
    return rows;
  }

  async search(q: EngineQuery): Promise<SearchResponse> {
    if (q.terms.length === 0) throw new Error('search needs at least one query term');
    checkFactors(q.factors);
    const t0 = performance.now();
    const terms: QueryTerm[] = [];
    for (const t of q.terms) {
      if (!Number.isFinite(t.weight)) throw new Error('query weight is not a finite number');
      terms.push({ weight: t.weight, ...(await this.backend.encode(t.atom)) });
    }
    const encodeMs = performance.now() - t0;
    const id = randomUUID();
    const { terms: _t, factors: _f, ...rest } = q;
    const entry: Cached = { terms, dots: null as unknown as ScanDots, momentDots: null, storeVersion: -1, momentVersion: -1, q: rest };
    this.cache.set(id, entry);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    const res = this.rank(id, entry, q.factors);
    return { ...res, encodeMs };
  }

  /** New factors for a cached query: no model run; re-scans only if the library changed since. */
  rerank(queryId: string, factors: Factors): SearchResponse {
    const entry = this.cache.get(queryId);
    if (!entry) throw new Error(`unknown or expired query id ${queryId}; run the search again`);
    checkFactors(factors);
    return this.rank(queryId, entry, factors);
  }

  private rank(queryId: string, entry: Cached, factors: Factors): SearchResponse {
    const t0 = performance.now();
    const store = this.store;
    const moments = this.moments && this.moments.size > 0 ? this.moments : null;
    if (entry.storeVersion !== store.version) {
      entry.dots = scanDots(store, entry.terms);
      entry.storeVersion = store.version;
    }
    if (moments && entry.momentVersion !== moments.version) {
      entry.momentDots = scanDots(moments, entry.terms);
      entry.momentVersion = moments.version;
    }
    const { mask, considered } = buildMask(store, entry.q.in ?? 'all', entry.q.filters);
    const kReq = entry.q.k ?? 20;
    if (!Number.isFinite(kReq) || kReq < 0) throw new Error(`k must be a non-negative number, got ${String(kReq)}`);
    const k = Math.min(store.size, Math.floor(kReq));
    const min = entry.q.minScore ?? -Infinity;
    // A file scores its best: its whole-file vector or its best moment (every 2-s clip is searched).
    const score = new Float64Array(store.size).fill(-Infinity);
    combineScores(store, entry.terms, entry.dots, factors, mask, (r, s) => {
      score[r] = s;
    });
    let momentScores: Float32Array | null = null;
    let bestMoment: Int32Array | null = null;
    let consideredMoments = 0;
    let momentFiles = 0;
    if (moments && entry.momentDots) {
      const owner = this.ownerRows();
      momentScores = new Float32Array(moments.size).fill(-Infinity);
      bestMoment = new Int32Array(store.size).fill(-1);
      const best = new Float64Array(store.size).fill(-Infinity);
      combineScores(moments, entry.terms, entry.momentDots, factors, null, (mr, s) => {
        const ir = owner[mr]!;
        if (ir < 0 || (mask && mask[ir] === 0)) return;
        momentScores![mr] = s;
        consideredMoments++;
        if (s > best[ir]!) {
          if (best[ir] === -Infinity) momentFiles++;
          best[ir] = s;
          bestMoment![ir] = mr;
        }
      });
      for (let r = 0; r < store.size; r++) if (best[r]! > score[r]!) score[r] = best[r]!;
    }
    const top = new TopK(k);
    for (let r = 0; r < store.size; r++) {
      const s = score[r]!;
      if (s !== -Infinity && s >= min) top.push(s, r);
    }
    const results: SearchHit[] = top.sorted().map(({ index, score: s }) => this.hit(index, s, momentScores, bestMoment));
    return {
      queryId, results, factors: { ...factors }, considered, consideredMoments, momentFiles, mode: 'exact',
      encodeMs: 0, scanMs: performance.now() - t0,
    };
  }

  private hit(row: number, score: number, momentScores: Float32Array | null, bestMoment: Int32Array | null): SearchHit {
    const store = this.store;
    const itemId = store.ids[row]!;
    const modality = store.modality[row] === MOD_AUDIO ? 'audio' : 'image';
    const h: SearchHit = { itemId, path: store.paths[row]![0] ?? '', modality, score };
    if (this.backend.thumbnail) h.thumbnailPath = this.backend.thumbnail(itemId);
    const m = this.moments;
    if (m && momentScores && bestMoment && bestMoment[row]! >= 0) {
      const rows = m.rowsOf(itemId);
      const list = rows
        .map((r) => ({ startSec: m.start[r]!, endSec: m.end[r]!, score: momentScores[r]! }))
        .sort((a, b) => b.score - a.score || a.startSec - b.startSec);
      const b = bestMoment[row]!;
      h.clip = { startSec: m.start[b]!, endSec: m.end[b]! };
      h.moments = list.slice(0, MOMENTS_PER_HIT);
      h.momentCount = rows.length;
    }
    return h;
  }
}

export function buildMask(
  store: VectorStore,
  target: TargetModality,
  filters: SearchFilters | undefined,
): { mask: Uint8Array | null; considered: number } {
  const f = filters ?? {};
  const folder = f.folder ? (f.folder.endsWith(sep) ? f.folder : f.folder + sep) : null;
  const hasDate = f.dateFrom !== undefined || f.dateTo !== undefined;
  const hasDur = f.minDuration !== undefined || f.maxDuration !== undefined;
  if (target !== 'image' && target !== 'audio' && target !== 'all') throw new Error(`unknown target modality "${String(target)}"`);
  if (target === 'all' && !folder && !hasDate && !hasDur) return { mask: null, considered: store.size };
  const want = target === 'image' ? MOD_IMAGE : target === 'audio' ? MOD_AUDIO : -1;
  const mask = new Uint8Array(store.size);
  let considered = 0;
  for (let r = 0; r < store.size; r++) {
    if (want >= 0 && store.modality[r] !== want) continue;
    if (hasDate) {
      const d = store.date[r]!;
      if (f.dateFrom !== undefined && d < f.dateFrom) continue;
      if (f.dateTo !== undefined && d > f.dateTo) continue;
    }
    if (hasDur) {
      const d = store.duration[r]!;
      if (Number.isNaN(d)) continue;
      if (f.minDuration !== undefined && d < f.minDuration) continue;
      if (f.maxDuration !== undefined && d > f.maxDuration) continue;
    }
    if (folder && !store.paths[r]!.some((p) => p.startsWith(folder))) continue;
    mask[r] = 1;
    considered++;
  }
  return { mask, considered };
}
