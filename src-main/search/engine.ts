import { randomUUID } from 'node:crypto';
import { sep } from 'node:path';
import type { MomentTrack, SearchFilters, SearchHit, SearchResponse, TargetModality } from './types';
import type { Factors } from '../domain/types';
import { checkFactors, combineScores, scanDots, type QueryTerm, type ScanDots } from './live-score';
import type { QueryAtom } from './query-parser';
import { TopK } from './topk';
import type { AnnIndex } from './ann';
import { TRACK_FRAMES, type MomentStore } from './moment-store';
import { MOD_AUDIO, MOD_IMAGE, MOD_VIDEO, modalityName, type VectorStore } from './vector-store';

export type EncodedAtom = Omit<QueryTerm, 'weight'>;

export interface SearchBackend {
  /** Encode one query atom (runs a model for text/image/audio; item: reads stored vectors). */
  encode(atom: QueryAtom): Promise<EncodedAtom>;
  thumbnail?(itemId: number): string | null;
}

/** Moments (clips) listed per hit, best first. */
export const MOMENTS_PER_HIT = 12;

/** Stored vectors of one item and its clips, read exactly (approximate mode re-ranks from these). */
export interface ExactItem {
  base: Float32Array;
  expert: Float32Array | null;
  c: number;
  factor: keyof Factors | null;
  /** A video's last frameCount clips are its frame moments (no experts: `experts` covers the sound clips before them). */
  clips: { spans: [number, number][]; vectors: Float32Array; experts: Float32Array | null; c: ArrayLike<number>; factor: keyof Factors | null; frameCount?: number } | null;
}

/** What approximate search needs beside the index: exact reads of candidates from disk. */
export interface ApproxBackend {
  index: AnnIndex;
  /**
   * Exact base and expert vector of an index row (null when its record cannot be read); decoded into
   * `scratch` when given (valid until the next call with the same scratch), else into new arrays.
   */
  readRow(row: number, scratch?: { base: Float32Array; expert: Float32Array }): { base: Float32Array; expert: Float32Array | null } | null;
  /**
   * Exact vectors of many rows at once, in as few reads as their slots allow: row rows[k]'s base into
   * base[k·dim …], its expert (if it has one) into expert[k·dim …]; ok[k] = 0 where a record cannot be read.
   */
  readRows(rows: Int32Array, base: Float32Array, expert: Float32Array, ok: Uint8Array): void;
  readItem(itemId: number): ExactItem | null;
  nprobe: number;
  /** Candidates re-ranked exactly per query. */
  R: number;
  /** recall@10 against exact search, measured on this library (null until measured). */
  recall: number | null;
}

export interface EngineQuery {
  terms: { weight: number; atom: QueryAtom }[];
  in?: TargetModality;
  k?: number;
  minScore?: number;
  filters?: SearchFilters;
  /** Only items this accepts are ranked (field terms and exclusions of the words side). */
  allow?: (itemId: number) => boolean;
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

  /** Set when the library is too large for exact search in memory: searches go through the index. */
  approx: ApproxBackend | null = null;

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
    const { terms: _t, factors: _f, ...rest } = q;
    return { ...this.searchTerms(terms, rest, q.factors), encodeMs };
  }

  /** A search with query vectors already encoded (benchmarks, recall measurement). */
  searchTerms(terms: QueryTerm[], rest: Omit<EngineQuery, 'factors' | 'terms'>, factors: Factors): SearchResponse {
    checkFactors(factors);
    const id = randomUUID();
    const entry: Cached = { terms, dots: null as unknown as ScanDots, momentDots: null, storeVersion: -1, momentVersion: -1, q: rest };
    this.cache.set(id, entry);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return this.rank(id, entry, factors);
  }

  /** New factors for a cached query: no model run; re-scans only if the library changed since. */
  rerank(queryId: string, factors: Factors): SearchResponse {
    const entry = this.cache.get(queryId);
    if (!entry) throw new Error(`unknown or expired query id ${queryId}; run the search again`);
    checkFactors(factors);
    return this.rank(queryId, entry, factors);
  }

  private rank(queryId: string, entry: Cached, factors: Factors): SearchResponse {
    if (this.approx) return this.rankApprox(queryId, entry, factors, this.approx);
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
    const { mask, considered } = buildMask(store, entry.q.in ?? 'all', entry.q.filters, entry.q.allow);
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

  /**
   * Hits (score + best clip) of given items for a cached query, whatever their rank: the meaning side of items
   * found by words only. No model run; scans again only if the library changed.
   */
  hitsFor(queryId: string, itemIds: readonly number[], factors: Factors): Map<number, SearchHit> {
    const entry = this.cache.get(queryId);
    if (!entry) throw new Error(`unknown or expired query id ${queryId}; run the search again`);
    const want = new Set(itemIds);
    const allow0 = entry.q.allow;
    const tmp: Cached = { ...entry, q: { ...entry.q, k: want.size, minScore: undefined, allow: (id) => want.has(id) && (!allow0 || allow0(id)) } };
    const res = this.rank(queryId, tmp, factors);
    // keep the scans the restricted ranking made (same terms, same store)
    Object.assign(entry, { dots: tmp.dots, storeVersion: tmp.storeVersion, momentDots: tmp.momentDots, momentVersion: tmp.momentVersion });
    return new Map(res.results.map((h) => [h.itemId, h]));
  }

  /**
   * Approximate mode: candidates from the base and expert inverted files under the fused query, re-ranked
   * exactly from disk with the live factors; each result file is then scored exactly over all its moments.
   */
  private rankApprox(queryId: string, entry: Cached, factors: Factors, ax: ApproxBackend): SearchResponse {
    const t0 = performance.now();
    const store = this.store;
    const dim = store.dim;
    const Q = fusedQuery(entry.terms, factors, dim);
    const { mask, considered } = buildMask(store, entry.q.in ?? 'all', entry.q.filters, entry.q.allow);
    const kReq = entry.q.k ?? 20;
    if (!Number.isFinite(kReq) || kReq < 0) throw new Error(`k must be a non-negative number, got ${String(kReq)}`);
    const k = Math.min(store.size, Math.floor(kReq));
    const min = entry.q.minScore ?? -Infinity;
    // without a filter every live row of the index is the store's (rows leave both together): no check per row
    const allow = mask ? (owner: number) => { const r = store.row(owner); return r !== undefined && mask[r] === 1; } : undefined;
    const idx = ax.index;
    const cands = idx.candidates(Q, factors, { nprobe: ax.nprobe, R: Math.max(ax.R, 4 * k), ...(allow ? { allow } : {}) });
    // exact score of every candidate row, best per file; the records read in runs of nearby slots
    const n = cands.length;
    // one pair of blocks kept between queries (several MB at a million files), not two new ones per query
    if (this.rerankBlocks.base.length < n * dim) this.rerankBlocks = { base: new Float32Array(n * dim), expert: new Float32Array(n * dim) };
    const { base, expert } = this.rerankBlocks;
    const ok = new Uint8Array(n);
    ax.readRows(cands, base, expert, ok);
    const best = new Map<number, number>();
    for (let k = 0; k < n; k++) {
      if (!ok[k]) continue;
      const r = cands[k]!;
      const x = idx.expertSlot[r]! >= 0 ? expert.subarray(k * dim, (k + 1) * dim) : null;
      const s = exactScore(Q, base.subarray(k * dim, (k + 1) * dim), x, idx.factor[r]!, idx.c[r]!, factors);
      const o = idx.owner[r]!;
      if (!(best.get(o)! >= s)) best.set(o, s);
    }
    const files = [...best.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, Math.max(k, 1) * 2);
    const hits: SearchHit[] = [];
    for (const [itemId] of files) {
      const it = ax.readItem(itemId);
      const row = store.row(itemId);
      if (!it || row === undefined) continue;
      let score = exactScore(Q, it.base, it.expert, it.expert && it.factor ? (it.factor === 'text' ? 1 : 2) : 0, it.c, factors);
      const h: SearchHit = { itemId, path: store.paths[row]![0] ?? '', modality: modalityName(store.modality[row]!), score };
      if (it.clips && it.clips.spans.length) {
        const cl = it.clips;
        const fk = cl.experts && cl.factor ? (cl.factor === 'text' ? 1 : 2) : 0;
        const sound = cl.spans.length - (cl.frameCount ?? 0);
        const list = cl.spans.map(([startSec, endSec], j) => ({
          startSec, endSec,
          score: exactScore(Q, cl.vectors.subarray(j * dim, (j + 1) * dim), cl.experts && j < sound ? cl.experts.subarray(j * dim, (j + 1) * dim) : null, j < sound ? fk : 0, cl.c[j]!, factors),
          track: (j < sound ? 'sound' : 'frames') as MomentTrack,
        }));
        setMoments(h, list);
        score = Math.max(score, h.moments![0]!.score);
      }
      h.score = score;
      if (score >= min) hits.push(h);
    }
    hits.sort((a, b) => b.score - a.score || a.itemId - b.itemId);
    const results = hits.slice(0, k);
    if (this.backend.thumbnail) for (const h of results) h.thumbnailPath = this.backend.thumbnail(h.itemId);
    return {
      queryId, results, factors: { ...factors }, considered, mode: 'approximate', ...(ax.recall !== null ? { recall: ax.recall } : {}),
      consideredMoments: idx.size - store.size, momentFiles: this.momentFileCount ?? undefined,
      encodeMs: 0, scanMs: performance.now() - t0,
    };
  }

  private rerankBlocks = { base: new Float32Array(0), expert: new Float32Array(0) };

  /** Approximate mode: how many files have moments (set by the library when it loads the index). */
  momentFileCount: number | null = null;

  private hit(row: number, score: number, momentScores: Float32Array | null, bestMoment: Int32Array | null): SearchHit {
    const store = this.store;
    const itemId = store.ids[row]!;
    const modality = modalityName(store.modality[row]!);
    const h: SearchHit = { itemId, path: store.paths[row]![0] ?? '', modality, score };
    if (this.backend.thumbnail) h.thumbnailPath = this.backend.thumbnail(itemId);
    const m = this.moments;
    if (m && momentScores && bestMoment && bestMoment[row]! >= 0) {
      const rows = m.rowsOf(itemId);
      setMoments(h, rows.map((r) => ({ startSec: m.start[r]!, endSec: m.end[r]!, score: momentScores[r]!, track: (m.track[r] === TRACK_FRAMES ? 'frames' : 'sound') as MomentTrack })));
    }
    return h;
  }
}

/**
 * A hit's moments, best first (the best dozen), its best moment as `clip`, and the track that matched: a recording's
 * moments are its sound; a video's best moment is by its picture or its sound, or by both when the video's best
 * picture moment and best sound moment overlap in time (what is seen and what is heard match at the same moment).
 */
function setMoments(h: SearchHit, all: { startSec: number; endSec: number; score: number; track: MomentTrack }[]): void {
  if (!all.length) return;
  const list = all.sort((a, b) => b.score - a.score || a.startSec - b.startSec);
  const best = list[0]!;
  let track: MomentTrack = best.track;
  if (h.modality === 'video') {
    const f = list.find((x) => x.track === 'frames');
    const s = list.find((x) => x.track === 'sound');
    if (f && s && f.startSec < s.endSec && s.startSec < f.endSec) track = 'both';
  }
  h.clip = { startSec: best.startSec, endSec: best.endSec, track };
  h.track = track;
  h.moments = list.slice(0, MOMENTS_PER_HIT);
  if (track === 'both') h.moments[0] = { ...best, track };
  h.momentCount = list.length;
}

/** Σ_i w_i · q_i(g_i): the one query vector whose dot with a fused item vector is the item's score. */
export function fusedQuery(terms: QueryTerm[], factors: Factors, dim: number): Float32Array {
  const Q = new Float64Array(dim);
  for (const t of terms) {
    if (t.a.length !== dim) throw new Error(`query term has ${t.a.length} dims, the library has ${dim}`);
    const g = t.u && t.factor ? factors[t.factor] : 0;
    const n2 = g * g + (1 - g) * (1 - g) + 2 * g * (1 - g) * t.ua;
    const inv = n2 > 0 ? t.weight / Math.sqrt(n2) : 0;
    for (let i = 0; i < dim; i++) Q[i]! += inv * ((1 - g) * t.a[i]! + (t.u ? g * t.u[i]! : 0));
  }
  return Float32Array.from(Q);
}

/** Q · normalize(f·x + (1−f)·b), f from the row's factor kind (0 none, 1 text, 2 audio). */
export function exactScore(Q: Float32Array, b: Float32Array, x: Float32Array | null, factorKind: number, c: number, factors: Factors): number {
  let qb = 0;
  for (let i = 0; i < b.length; i++) qb += Q[i]! * b[i]!;
  const f = x && factorKind !== 0 ? (factorKind === 1 ? factors.text : factors.audio) : 0;
  if (f === 0 || !x) return qb;
  let qx = 0;
  for (let i = 0; i < x.length; i++) qx += Q[i]! * x[i]!;
  const ne2 = f * f + (1 - f) * (1 - f) + 2 * f * (1 - f) * c;
  return ((1 - f) * qb + f * qx) / Math.sqrt(ne2 > 0 ? ne2 : 1);
}

export function buildMask(
  store: VectorStore,
  target: TargetModality,
  filters: SearchFilters | undefined,
  allow?: (itemId: number) => boolean,
): { mask: Uint8Array | null; considered: number } {
  const f = filters ?? {};
  const folder = f.folder ? (f.folder.endsWith(sep) ? f.folder : f.folder + sep) : null;
  const hasDate = f.dateFrom !== undefined || f.dateTo !== undefined;
  const hasDur = f.minDuration !== undefined || f.maxDuration !== undefined;
  if (target !== 'image' && target !== 'audio' && target !== 'video' && target !== 'all') throw new Error(`unknown target modality "${String(target)}"`);
  if (target === 'all' && !folder && !hasDate && !hasDur && !allow) return { mask: null, considered: store.size };
  const want = target === 'image' ? MOD_IMAGE : target === 'audio' ? MOD_AUDIO : target === 'video' ? MOD_VIDEO : -1;
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
    if (allow && !allow(store.ids[r]!)) continue;
    mask[r] = 1;
    considered++;
  }
  return { mask, considered };
}
