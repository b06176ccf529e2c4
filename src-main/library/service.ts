/**
 * The library + search contract the UI (Electron main process, HTTP bridge) talks to.
 * Everything crossing this boundary is plain structured-cloneable data: no class instances, no functions,
 * no typed arrays in results except where noted (peaks are plain number arrays).
 */
import type { Factors, ItemModality, ProviderInfo } from '../domain/types';
import type { SearchHit, SearchRequest, SearchResponse } from '../search/types';
import type { MediaMetadata } from '../metadata/types';
import type { MetaGroup } from '../metadata/views';


export interface RootInfo {
  id: number;
  path: string;
  addedAt: number;
  /** Files currently indexed under this root (live paths, any item). */
  fileCount: number;
}

/** 'waiting': another index run (the app, the CLI) holds this library; `waitingFor` names it. */
export type IndexPhase = 'waiting' | 'scanning' | 'indexing' | 'paused' | 'done' | 'cancelled' | 'error';

export interface IndexProgress {
  jobId: string;
  phase: IndexPhase;
  /** Files processed so far in this job (indexed + unchanged + skipped + failed). */
  done: number;
  /** Files found by the scan (0 while scanning). */
  total: number;
  indexed: number;
  unchanged: number;
  /** Files skipped without error (e.g. new path of already-indexed content: vectors reused). */
  skipped: number;
  failed: number;
  /** Files per second over the last few seconds of the indexing phase. */
  ratePerSec: number;
  /** Estimated seconds left, null when unknown. */
  etaSec: number | null;
  /** File being processed, null when idle. */
  current: string | null;
  /**
   * Long files in the works (videos, very large files), each with its own progress: bytes hashed of the file's size,
   * then seconds decoded of its duration (total null when the file does not say).
   */
  files?: { path: string; stage: 'hashing' | 'decoding'; done: number; total: number | null }[];
  /** Set when phase === 'error'. */
  error?: string;
  /** Set when phase === 'waiting': who holds the library, e.g. "molecule index (pid 1234, since 10:02:03)". */
  waitingFor?: string;
}

export interface FailureInfo {
  path: string;
  reason: string;
  /** ms since epoch. */
  at: number;
}

export interface IndexSummary {
  jobId: string;
  phase: 'done' | 'cancelled' | 'error';
  indexed: number;
  unchanged: number;
  skipped: number;
  failed: number;
  /** Paths that left the index because the file vanished. */
  removed: number;
  failures: FailureInfo[];
  elapsedSec: number;
  error?: string;
}

export type SortKey = 'name' | 'date' | 'added' | 'duration';

export interface ListItemsQuery {
  modality?: ItemModality;
  /** Restrict to one root (by id). */
  root?: number;
  /** Restrict to files under this folder (absolute path, recursive). */
  folder?: string;
  /** Item date (EXIF DateTimeOriginal, else file mtime), ms since epoch, inclusive. */
  dateFrom?: number;
  dateTo?: number;
  /** Audio duration bounds in seconds (images never match a duration filter). */
  minDuration?: number;
  maxDuration?: number;
  sort: SortKey;
  descending?: boolean;
  offset: number;
  limit: number;
}

export interface ItemSummary {
  id: number;
  /** One live path of this content (the first by path order). */
  path: string;
  name: string;
  modality: ItemModality;
  width: number | null;
  height: number | null;
  durationSec: number | null;
  /** EXIF DateTimeOriginal or file mtime, ms since epoch. */
  date: number;
  /** When the item first entered the index, ms since epoch. */
  addedAt: number;
  thumbnailPath: string | null;
}

/** A video's metadata and its two tracks of moments (written by library/prepare-video.ts). */
export interface VideoInfo {
  /** File type (mp4, mov, m4v, mkv, webm, avi). */
  container: string;
  videoCodec: string;
  /** Null when the file has no sound track we could index. */
  audioCodec: string | null;
  fps: number | null;
  variableFrameRate: boolean;
  /** Clockwise rotation applied for display (phones store portrait video turned). */
  rotation: number;
  bitDepth: number;
  hdr: 'pq' | 'hlg' | null;
  /** Moments per track, and the step between moments (2 s unless the video is longer than the cap allows). */
  frameMoments: number;
  soundMoments: number;
  momentStepSec: number;
  /** Frame moments whose picture is a keyframe inside the clip (the rest show the frame at the clip's midpoint). */
  keyframeMoments: number;
  framesDecoded: number;
  /** Sound moments carry expert vectors: the live factors apply to them as to recordings. */
  soundExperts: boolean;
  /** The player's film strip: one sprite, tiles left to right, tile i shows the moment starting at times[i]. */
  strip: { file: string; tiles: number; tileWidth: number; tileHeight: number; times: number[] } | null;
  /** Things a person should know about this file (sound not indexed, a truncated file, moments spread out, …). */
  notes: string[];
}

export interface ItemDetail extends ItemSummary {
  hash: string;
  sizeBytes: number;
  /** Every live path with this content. */
  paths: string[];
  mimeType: string | null;
  format: string | null;
  sampleRate: number | null;
  channels: number | null;
  /** EXIF DateTimeOriginal as written in the file ("YYYY:MM:DD HH:MM:SS"), if any. */
  exifDate: string | null;
  /** Audio only: [min0, max0, min1, max1, …] over equal time buckets, values in [-1, 1]. */
  peaks: number[] | null;
  /** Pack ids this item has vectors for. */
  packs: string[];
  /** Audio and video (the sound track): spans of the stored 2-second clip vectors. */
  clipSpans: [number, number][] | null;
  /** Video only: spans of the frame moments (one picture each), and what the file holds. */
  frameSpans: [number, number][] | null;
  video: VideoInfo | null;
  /**
   * Other items of the same shot: files in the same folder with the same name and another extension
   * (a camera RAW and its JPEG/HEIC, or the JPEG exported next to it).
   */
  related: { id: number; path: string; format: string | null }[];
  /** Embedded metadata (docs/METADATA.md); null when none was read. */
  meta: MediaMetadata | null;
  /** The same as labelled groups, in the order the item view shows them. */
  metaGroups: MetaGroup[];
}

/** Where the vectors are: loading in the background (searches wait), ready, or failed. */
export interface VectorsStatus {
  phase: 'loading' | 'ready' | 'error';
  loaded: number;
  total: number;
  /** 'exact': every vector scored; 'approximate': inverted files + exact re-rank of candidates. */
  mode: 'exact' | 'approximate';
  items: number;
  moments: number;
  vectors: number;
  /** Approximate mode: measured recall@10 against exact search, when measured. */
  recall?: number;
  loadMs?: number;
  error?: string;
}

export interface EngineStatus {
  /** ms from open() to the listing being available. */
  openMs: number;
  vectors: VectorsStatus;
  /** Model sessions created so far (lazily, on first use), with their load times. */
  models: ProviderInfo[];
}

export type LibraryEvent =
  | { type: 'progress'; progress: IndexProgress }
  | { type: 'job-finished'; summary: IndexSummary }
  | { type: 'items-changed'; added: number; removed: number; updated: number }
  | { type: 'roots-changed'; roots: RootInfo[] }
  | { type: 'vectors'; status: VectorsStatus }
  /** Watching the folders failed (e.g. the system's limit of watched folders): changes wait for a re-scan. */
  | { type: 'watch-error'; message: string };

export interface StartIndexOptions {
  /** Default: all roots. */
  roots?: number[];
}

export interface LibraryService {
  open(dbPath: string, packDir: string): Promise<void>;
  close(): Promise<void>;

  listRoots(): Promise<RootInfo[]>;
  addRoot(path: string): Promise<RootInfo>;
  /** Removes the root and every file under it that no other root covers. */
  removeRoot(id: number): Promise<void>;

  /** Starts (or returns the running) indexing job; progress comes as 'progress' events. */
  startIndexing(opts?: StartIndexOptions): Promise<{ jobId: string }>;
  pauseIndexing(jobId: string): Promise<void>;
  resumeIndexing(jobId: string): Promise<void>;
  cancelIndexing(jobId: string): Promise<void>;
  /** Resolves with the job's summary when it ends. */
  waitForJob(jobId: string): Promise<IndexSummary>;
  jobProgress(jobId: string): Promise<IndexProgress | null>;

  /** Watch roots (chokidar) and index changes as they happen. */
  setWatching(on: boolean): Promise<void>;

  listItems(q: ListItemsQuery): Promise<{ total: number; items: ItemSummary[] }>;
  item(id: number): Promise<ItemDetail | null>;
  failures(): Promise<FailureInfo[]>;

  search(req: SearchRequest): Promise<SearchResponse>;
  /** Re-rank a previous search's query with new factors (and words/meaning balance): no model run. */
  rerank(queryId: string, factors: Factors, wordsBalance?: number): Promise<SearchResponse>;
  /** Sets the default factors for later searches. */
  setFactors(factors: Factors): Promise<void>;
  getFactors(): Promise<Factors>;

  /** Subscribe to events; returns an unsubscribe function (the IPC layer forwards the event objects). */
  on(listener: (e: LibraryEvent) => void): () => void;
}

/** "Same session" (library/same-session.ts): an item captured near another in time and place. */
export interface SameSessionHit extends SearchHit {
  /** Its time − the item's time, seconds. */
  dtSec: number;
  /** Metres apart when both carry GPS, else null. */
  distanceM: number | null;
  /** Whether its time is a capture time (EXIF / BWF / tags) or only the file's date. */
  timeFrom: 'capture' | 'file';
}

export interface SameSessionResult {
  itemId: number;
  date: number;
  timeFrom: 'capture' | 'file';
  gps: { lat: number; lon: number } | null;
  windowSec: number;
  radiusM: number;
  /** Best agreement in the space first. */
  hits: SameSessionHit[];
}
