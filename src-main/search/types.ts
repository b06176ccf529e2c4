/**
 * What a search asks and answers: the request (text, file, item or query-language expression; target
 * modality; filters; factors) and the ranked hits. The library service and the IPC contract use these.
 */
import type { Factors, ItemModality, PresetId } from '../domain/types';

export type TargetModality = 'image' | 'audio' | 'video' | 'all';

/** Which track of a video a moment is on — its pictures (frames), its sound, or both at the same time. */
export type MomentTrack = 'frames' | 'sound' | 'both';

export interface SearchFilters {
  /** Absolute folder; recursive. */
  folder?: string;
  dateFrom?: number;
  dateTo?: number;
  minDuration?: number;
  maxDuration?: number;
}

/**
 * A search. Give exactly one of `query` (the expression language of docs/QUERY-SYNTAX.md), `text`,
 * `imagePath`, `audioPath` or `itemId`.
 */
export interface SearchRequest {
  query?: string;
  text?: string;
  imagePath?: string;
  audioPath?: string;
  itemId?: number;
  in?: TargetModality;
  k?: number;
  /** Drop results whose score is below this. */
  minScore?: number;
  filters?: SearchFilters;
  /** Either a preset or explicit factors; defaults to the service's current factors. */
  preset?: PresetId;
  factors?: Factors;
  /** Words/meaning balance of the fusion, 0 = meaning only … 1 = words only; default the service's setting (0.5). */
  wordsBalance?: number;
}

export interface SearchHit {
  itemId: number;
  path: string;
  modality: ItemModality;
  /**
   * The ranking score: the cosine (weighted sum of cosines) for a meaning-only ranking; the fused rank score in
   * (0, 1] (search/fusion.ts) when words matched too.
   */
  score: number;
  /** Audio and video: the best-scoring 2-second moment (clip) of the file, with the live factors applied. */
  clip?: { startSec: number; endSec: number; track?: MomentTrack };
  /** Which track the hit's best moment matched on: 'sound' for recordings; for videos 'frames', 'sound' or 'both'. */
  track?: MomentTrack;
  /** Audio and video: the file's best moments, best first (at most a dozen), to jump between. */
  moments?: { startSec: number; endSec: number; score: number; track?: MomentTrack }[];
  /** Audio: how many moments the file has in the index. */
  momentCount?: number;
  thumbnailPath?: string | null;
  /** The meaning score (cosine, or the weighted sum of cosines) when `score` is the fused rank score. */
  cosine?: number;
  /** Why the hit is there: the matched words (highlighted), and/or its rank by meaning. */
  why?: HitReason;
}

export interface HighlightSegment {
  text: string;
  hit: boolean;
}

/** Where a hit's words matched: one full-text column (metadata/views.ts SEARCH_COLUMNS), cut around the match. */
export interface Highlight {
  field: string;
  segments: HighlightSegment[];
}

export interface HitReason {
  /** Where the words matched (field + highlighted text), null when the hit came by meaning only. */
  words: Highlight | null;
  /** In the meaning ranking (the space) at all. */
  meaning: boolean;
  wordsRank: number | null;
  meaningRank: number | null;
}

export interface SearchResponse {
  /** Handle for rerank(): the encoded query is cached under it. */
  queryId: string;
  results: SearchHit[];
  factors: Factors;
  /** Items that passed the filters and target modality (before top-k / cutoff). */
  considered: number;
  /** Moments (2-second clips) searched, and the files they belong to. */
  consideredMoments?: number;
  momentFiles?: number;
  /** How the vectors were searched: every vector scored ('exact'), or candidates re-ranked ('approximate'). */
  mode?: 'exact' | 'approximate';
  /** Approximate mode: recall@10 against exact search, measured on this library. */
  recall?: number;
  encodeMs: number;
  scanMs: number;
}
