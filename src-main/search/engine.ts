import { randomUUID } from 'node:crypto';
import { sep } from 'node:path';
import type { SearchFilters, SearchHit, SearchResponse, TargetModality } from './types';
import type { Factors } from '../domain/types';
import { checkFactors, combineScores, scanDots, type QueryTerm, type ScanDots } from './live-score';
import type { QueryAtom } from './query-parser';
import { TopK } from './topk';
import { MOD_AUDIO, MOD_IMAGE, type VectorStore } from './vector-store';

export type EncodedAtom = Omit<QueryTerm, 'weight'>;

export interface SearchBackend {
  /** Encode one query atom (runs a model for text/image/audio; item: reads stored vectors). */
  encode(atom: QueryAtom): Promise<EncodedAtom>;
  /** Stored clip vectors of an audio item (n × dim row-major), or null. */
  clips(itemId: number): { spans: [number, number][]; vectors: Float32Array } | null;
  thumbnail?(itemId: number): string | null;
}

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
  storeVersion: number;
  q: Omit<EngineQuery, 'factors' | 'terms'>;
}

const MAX_CACHED = 16;

/** Runs searches against a VectorStore and keeps the last few scans for live re-ranking. */
export class SearchEngine {
  private readonly cache = new Map<string, Cached>();

  constructor(readonly store: VectorStore, private readonly backend: SearchBackend) {}

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
    const entry: Cached = { terms, dots: null as unknown as ScanDots, storeVersion: -1, q: rest };
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
    if (entry.storeVersion !== store.version) {
      entry.dots = scanDots(store, entry.terms);
      entry.storeVersion = store.version;
    }
    const { mask, considered } = buildMask(store, entry.q.in ?? 'all', entry.q.filters);
    const kReq = entry.q.k ?? 20;
    if (!Number.isFinite(kReq) || kReq < 0) throw new Error(`k must be a non-negative number, got ${String(kReq)}`);
    const k = Math.min(store.size, Math.floor(kReq));
    const top = new TopK(k);
    const min = entry.q.minScore ?? -Infinity;
    combineScores(store, entry.terms, entry.dots, factors, mask, (r, s) => {
      if (s >= min) top.push(s, r);
    });
    const results: SearchHit[] = top.sorted().map(({ index, score }) => this.hit(index, score, entry.terms));
    return { queryId, results, factors: { ...factors }, considered, encodeMs: 0, scanMs: performance.now() - t0 };
  }

  private hit(row: number, score: number, terms: QueryTerm[]): SearchHit {
    const store = this.store;
    const itemId = store.ids[row]!;
    const modality = store.modality[row] === MOD_AUDIO ? 'audio' : 'image';
    const h: SearchHit = { itemId, path: store.paths[row]![0] ?? '', modality, score };
    if (this.backend.thumbnail) h.thumbnailPath = this.backend.thumbnail(itemId);
    if (modality === 'audio') {
      const clip = bestClip(this.backend.clips(itemId), terms, store.dim);
      if (clip) h.clip = clip;
    }
    return h;
  }
}

/** Best clip by the query's base-space similarity: argmax over clips of clip·(Σ w_i a_i). */
export function bestClip(
  clips: { spans: [number, number][]; vectors: Float32Array } | null,
  terms: QueryTerm[],
  dim: number,
): { startSec: number; endSec: number } | undefined {
  if (!clips || clips.spans.length === 0) return undefined;
  const qa = new Float64Array(dim);
  for (const t of terms) for (let i = 0; i < dim; i++) qa[i]! += t.weight * t.a[i]!;
  let best = -Infinity;
  let bi = 0;
  for (let j = 0; j < clips.spans.length; j++) {
    let s = 0;
    const o = j * dim;
    for (let i = 0; i < dim; i++) s += clips.vectors[o + i]! * qa[i]!;
    if (s > best) {
      best = s;
      bi = j;
    }
  }
  const [startSec, endSec] = clips.spans[bi]!;
  return { startSec, endSec };
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
