/**
 * THE typed API between the UI and the engine: channel names, request/response types, event types, and a
 * runtime validator for every request. Used by Electron IPC (main + preload), the HTTP bridge and the
 * renderer's client (type-only there). No Node built-ins, no electron.
 */
import type { SearchHit, SearchResponse } from '../../search/types';
import type { FailureInfo, IndexProgress, IndexSummary, ItemDetail, ItemSummary, LibraryEvent, RootInfo, VectorsStatus } from '../../library/service';
import type { Factors, ProviderInfo, SpaceClass } from '../../domain/types';
import type { ErrorCode } from '../../domain/errors';
import type { DuplicatesReport, ItemTagsView, MapPoint, VocabularyInfo } from '../../organise/types';
import type { CollectionInfo, CollectionMember, SmartRule } from '../../organise/types';
import type { MatrixBlock, MatrixPreset, MatrixResponse, MatrixResult } from '../../space/types';
import type { VerificationCheck } from '../../pack/types';
import type { Recommendation } from '../../pack/types';
import type { SameSessionResult, SameSessionHit } from '../../library/service';
import type { RegionResult } from '../../regions/types';
import {
  ValidationError,
  absPath,
  arr,
  bool,
  empty,
  num,
  obj,
  oneOf,
  refine,
  str,
  tuple,
  type Validator,
} from './validate';

export type {
  FailureInfo,
  IndexProgress,
  IndexSummary,
  ItemDetail,
  ItemSummary,
  LibraryEvent,
  RootInfo,
  SearchResponse,
  Factors,
  ProviderInfo,
  SpaceClass,
};
export type { SearchHit };
export type { MatrixBlock, MatrixPreset, MatrixResponse, MatrixResult, VerificationCheck };
export type { DuplicatesReport, ItemTagsView, MapPoint, VocabularyInfo, CollectionInfo, CollectionMember, SmartRule };
export { ValidationError };
export { PRESETS, type PresetId, type ItemModality } from '../../domain/types';
export { ERROR_CODES, isErrorCode, type ErrorCode } from '../../domain/errors';
import type { ItemModality } from '../../domain/types';

export const THEMES = ['dark', 'light'] as const;
export const PRESET_CHOICES = ['versatile', 'at-expertise', 'custom'] as const;
export const MODALITIES = ['image', 'audio', 'video'] as const;
export const TARGETS = ['image', 'audio', 'video', 'all'] as const;
/** What a label vocabulary applies to (a video is tagged by its pictures, as an image). */
export const VOCAB_TARGETS = ['image', 'audio', 'all'] as const;
export const SORT_KEYS = ['name', 'date', 'added', 'duration'] as const;

export type Theme = (typeof THEMES)[number];
export type PresetChoice = (typeof PRESET_CHOICES)[number];

export interface Settings {
  theme: Theme;
  preset: PresetChoice;
  customFactors: Factors;
  /** Pack id of the active pack, null = the default (first valid) pack. */
  activePack: string | null;
  /** The user dismissed the first-run welcome. */
  welcomeDone: boolean;
  /** Search: balance of the words/meaning fusion, 0 = meaning only … 1 = words only (docs/QUERY-SYNTAX.md). */
  wordsBalance: number;
}

export const DEFAULT_SETTINGS: Settings = {
  theme: 'dark',
  preset: 'versatile',
  customFactors: { text: 0.3, audio: 0.6 },
  activePack: null,
  welcomeDone: false,
  wordsBalance: 0.5,
};

export interface AppInfo {
  version: string;
  /** 'electron' inside the desktop shell, 'bridge' in a browser via the local bridge. */
  shell: 'electron' | 'bridge';
  platform: string;
  dataDir: string;
  /** The user's home folder: what "~" means in a path the user types, and where a relative path starts. */
  homeDir: string;
  /** No library root yet: show the welcome / demo library. */
  firstRun: boolean;
  demoAvailable: boolean;
  /** The CC BY 4.0 attribution of the demo assets (resources/demo/NOTICE.md), as text. */
  demoNotice: string;
  /** Where to read about getting real model packs. */
  packsHelpUrl: string;
  /** Where new versions are published (the app does not update itself). */
  releasesUrl: string;
  /** The folder downloaded and imported packs are installed into. */
  packsDir: string;
  /** This run's log file (attach it when reporting a problem), null when the engine logs nowhere. */
  logFile: string | null;
}

export interface PackInfo {
  id: string;
  name: string;
  dir: string;
  spaceClass: SpaceClass | null;
  isTestPack: boolean;
  active: boolean;
  /** Packs found under the app's models folder (shipped) vs imported by the user. */
  source: 'shipped' | 'imported';
  /** Why the pack cannot be used, or null when it verified. */
  error: string | null;
}

export interface PackImportResult {
  ok: boolean;
  /** Each check the verification ran (manifest schema, every file's sha256, …). */
  checks: VerificationCheck[];
  /** The first error, named, when !ok. */
  error: string | null;
  pack: PackInfo | null;
}

/** A pack read from its source (manifest only), before the licence step. */
export interface RemotePackInfo {
  /** What was typed (repository id or pack.json address). */
  source: string;
  /** "huggingface.co/org/name @ main (commit 1a2b3c4d5e)" or the pack.json address. */
  origin: string;
  /** Hugging Face: the commit the download is pinned to. */
  commit: string | null;
  id: string;
  name: string;
  spaceClass: SpaceClass;
  dim: number;
  isTestPack: boolean;
  /** From the exporter's naming (…-fp16); null when the pack does not say. */
  precision: 'fp16' | 'fp32' | null;
  licence: string;
  /** What accepting the licence means: its sha256, sent back with packs:download. */
  licenceSha256: string;
  /** The manifest's `source`: the checkpoints and tools the pack was made from. */
  madeFrom: string;
  /** pack.json + every listed file; null when the server does not give every size. */
  totalBytes: number | null;
  files: { file: string; bytes: number | null }[];
  /** Bytes of an earlier, unfinished download of this pack that will be kept. */
  onDiskBytes: number;
  /** 'same': this exact pack is installed; 'different': another pack with this id is. */
  installed: 'same' | 'different' | null;
  /** Why this pack may not suit this machine (memory, disk). */
  fitWarnings: string[];
}

/** packs:lookUp answers with the pack, or with why it could not be read (kind 'offline' → offer the folder import). */
export type RemotePackLookup = { info: RemotePackInfo; error: null } | { info: null; error: { kind: string; message: string } };

/** The releases page from package.json's `repository` (or `homepage`): "https://github.com/o/r/releases"; '' if none. */
export function releasesUrlOf(pkg: unknown): string {
  const p = (pkg ?? {}) as { repository?: string | { url?: string }; homepage?: string };
  const repo = typeof p.repository === 'string' ? p.repository : p.repository?.url;
  const base = String(repo ?? p.homepage ?? '')
    .replace(/^git\+/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  return /^https:\/\/[^\s"'<>]+$/.test(base) ? `${base}/releases` : '';
}

export const DOWNLOAD_STATES = ['checking', 'downloading', 'verifying', 'installing', 'done', 'paused', 'cancelled', 'failed'] as const;
export type PackDownloadState = (typeof DOWNLOAD_STATES)[number];

export interface PackDownloadStatus {
  jobId: string;
  source: string;
  id: string | null;
  name: string | null;
  state: PackDownloadState;
  file: string | null;
  fileIndex: number;
  fileCount: number;
  bytesDone: number;
  bytesTotal: number | null;
  /** Received over the network in this run. */
  fetchedBytes: number;
  /** Kept from an earlier run. */
  resumedBytes: number;
  rateBps: number | null;
  etaSec: number | null;
  /** kind: offline, network, proxy, integrity, licence, disk, … (offline → offer the folder import). */
  error: { kind: string; message: string } | null;
  /** The installed pack, once done. */
  pack: PackInfo | null;
}

export interface PartialDownloadInfo {
  id: string;
  name: string;
  source: string;
  origin: string;
  bytesOnDisk: number;
  totalBytes: number | null;
  updatedAt: string;
  /** The licence accepted when it started (a resume sends it back). */
  licenceSha256: string;
  /** Being downloaded right now. */
  active: boolean;
}

export type PackRecommendation = Recommendation;

export interface EngineStatus {
  pack: PackInfo | null;
  /** Execution provider per encoder session created so far. */
  providers: ProviderInfo[];
  /** Encoders the pack declares (so the UI can list them before they run). */
  encoders: string[];
  /** How many query encodings (model runs for search / matrices) the engine has done: proves live re-ranking runs no model. */
  queryEncodes: number;
  /** Indexing jobs started in this session. */
  indexJobs: number;
  /** Last known indexing progress. */
  progress: IndexProgress | null;
  /** The library's vectors: loading (with progress) or ready, and how search runs (exact / approximate + recall). */
  vectors: VectorsStatus | null;
  /** ms the library took to open (listing available); vectors and model sessions load after, each timed apart. */
  openMs: number | null;
  error: string | null;
}

/** A search hit as the UI gets it: the service's hit plus what a result tile shows. */
export interface UiSearchHit extends SearchHit {
  name: string;
  durationSec: number | null;
}
export interface UiSearchResponse extends Omit<SearchResponse, 'results'> {
  results: UiSearchHit[];
}

export interface UploadResult {
  path: string;
  modality: 'image' | 'audio';
}

const factors = obj({ text: num({ min: 0, max: 1 }), audio: num({ min: 0, max: 1 }) });
const id = num({ min: 1, max: Number.MAX_SAFE_INTEGER, int: true });
const jobId = str({ min: 1, max: 128, pattern: /^[A-Za-z0-9._:-]+$/, what: 'a job id' });
const epochMs = num({ min: -62135596800000, max: 253402300799000, int: true });
const seconds = num({ min: 0, max: 1e7 });
const text = str({ min: 1, max: 2000 });
const presetId = oneOf(['versatile', 'at-expertise'] as const);
const packSource = str({ min: 1, max: 2048, what: 'a pack source' });
const packId = str({ min: 1, max: 200, pattern: /^[a-z0-9][a-z0-9._-]*$/, what: 'a pack id' });
const sha256 = str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/, what: 'a sha256 (64 hex digits)' });
const commitId = str({ min: 40, max: 40, pattern: /^[0-9a-f]{40}$/, what: 'a commit id (40 hex digits)' });

const searchFilters = obj(
  { folder: absPath(), dateFrom: epochMs, dateTo: epochMs, minDuration: seconds, maxDuration: seconds },
  ['folder', 'dateFrom', 'dateTo', 'minDuration', 'maxDuration'],
);

const searchRequest = refine(
  obj(
    {
      query: text,
      text,
      imagePath: absPath(),
      audioPath: absPath(),
      itemId: id,
      in: oneOf(TARGETS),
      k: num({ min: 1, max: 1000, int: true }),
      minScore: num({ min: -1, max: 1 }),
      filters: searchFilters,
      preset: presetId,
      factors,
      wordsBalance: num({ min: 0, max: 1 }),
    },
    ['query', 'text', 'imagePath', 'audioPath', 'itemId', 'in', 'k', 'minScore', 'filters', 'preset', 'factors', 'wordsBalance'],
  ),
  (r) => {
    const given = (['query', 'text', 'imagePath', 'audioPath', 'itemId'] as const).filter((k) => r[k] !== undefined);
    if (given.length !== 1) return `give exactly one of query, text, imagePath, audioPath, itemId (got ${given.length ? given.join(', ') : 'none'})`;
    if (r.preset && r.factors) return 'give either preset or factors, not both';
    return null;
  },
);

const listQuery = obj(
  {
    modality: oneOf(MODALITIES),
    root: id,
    folder: absPath(),
    dateFrom: epochMs,
    dateTo: epochMs,
    minDuration: seconds,
    maxDuration: seconds,
    sort: oneOf(SORT_KEYS),
    descending: bool,
    offset: num({ min: 0, max: 1e9, int: true }),
    limit: num({ min: 1, max: 2000, int: true }),
  },
  ['modality', 'root', 'folder', 'dateFrom', 'dateTo', 'minDuration', 'maxDuration', 'descending'],
);

const settingsPatch = obj(
  {
    theme: oneOf(THEMES),
    preset: oneOf(PRESET_CHOICES),
    customFactors: factors,
    activePack: str({ min: 1, max: 200 }),
    welcomeDone: bool,
    wordsBalance: num({ min: 0, max: 1 }),
  },
  ['theme', 'preset', 'customFactors', 'activePack', 'welcomeDone', 'wordsBalance'],
);

/** ~48 MiB of file bytes. */
export const MAX_UPLOAD_BASE64 = 64 * 1024 * 1024;
const fileName = str({ min: 1, max: 255, pattern: /^[^/\\\0]+$/, what: 'a file name without folders' });
const base64 = str({ min: 4, max: MAX_UPLOAD_BASE64, pattern: /^[A-Za-z0-9+/]*={0,2}$/, what: 'base64 data' });

const matrixRequest = refine(
  obj({
    imageIds: arr(id, { max: 16 }),
    audioIds: arr(id, { max: 16 }),
    texts: arr(text, { max: 16 }),
    presets: tuple(
      obj({ label: str({ min: 1, max: 40 }), factors }),
      obj({ label: str({ min: 1, max: 40 }), factors }),
    ),
  }),
  (r) => (r.imageIds.length + r.audioIds.length + r.texts.length < 2 ? 'pick at least two things to compare' : null),
);

// ---- organise (issue 7) ----
const vocabId = str({ min: 1, max: 64, pattern: /^[a-z0-9][a-z0-9_-]*$/, what: 'a vocabulary id (lower-case letters, digits, - or _)' });
const labelId = str({ min: 1, max: 300 });
const itemIds = arr(id, { max: 2000 });
const tagOptions = { top: num({ min: 1, max: 100, int: true }), threshold: num({ min: -1, max: 1 }), factors };
const vocabularyInput = obj(
  {
    id: vocabId,
    name: str({ max: 200 }),
    target: oneOf(VOCAB_TARGETS),
    promptTemplate: refine(str({ min: 1, max: 300 }), (t) => (t.includes('{label}') ? null : 'the prompt template must contain {label}')),
    labels: str({ min: 1, max: 500_000 }),
  },
  ['promptTemplate'],
);
const listFilters = {
  modality: oneOf(MODALITIES),
  root: id,
  folder: absPath(),
  dateFrom: epochMs,
  dateTo: epochMs,
  minDuration: seconds,
  maxDuration: seconds,
};
const smartSearch = refine(
  obj(
    { query: text, text, imagePath: absPath(), audioPath: absPath(), itemId: id, in: oneOf(TARGETS), k: num({ min: 1, max: 10_000, int: true }), minScore: num({ min: -1, max: 1 }), filters: searchFilters },
    ['query', 'text', 'imagePath', 'audioPath', 'itemId', 'in', 'k', 'minScore', 'filters'],
  ),
  (r) => {
    const given = (['query', 'text', 'imagePath', 'audioPath', 'itemId'] as const).filter((k) => r[k] !== undefined);
    return given.length === 1 ? null : `give exactly one of query, text, imagePath, audioPath, itemId (got ${given.length ? given.join(', ') : 'none'})`;
  },
);
const smartRule = refine(
  obj({ search: smartSearch, filters: obj(listFilters, Object.keys(listFilters) as (keyof typeof listFilters)[]) }, ['search', 'filters']),
  (r) => (r.search || r.filters ? null : 'a smart rule needs a search or filters'),
);
const collectionName = str({ min: 1, max: 200 });
export const EXPORT_FORMATS = ['folder', 'm3u', 'csv'] as const;

/** Request validators, one per channel. */
export const requestValidators = {
  'app:info': empty,
  'settings:get': empty,
  'settings:set': settingsPatch,
  'dialog:openFolder': empty,
  'library:roots': empty,
  'library:addRoot': obj({ path: absPath() }),
  'library:removeRoot': obj({ id }),
  'library:installDemo': empty,
  'library:list': listQuery,
  'library:item': obj({ id }),
  'library:peaks': obj({ ids: arr(id, { max: 500 }), buckets: num({ min: 8, max: 1024, int: true }) }),
  'library:failures': empty,
  'index:start': obj({ roots: arr(id, { max: 1000 }) }, ['roots']),
  'index:pause': obj({ jobId }),
  'index:resume': obj({ jobId }),
  'index:cancel': obj({ jobId }),
  'search:run': searchRequest,
  'search:rerank': obj({ queryId: str({ min: 1, max: 200 }), factors, wordsBalance: num({ min: 0, max: 1 }) }, ['wordsBalance']),
  'query:upload': obj({ name: fileName, dataBase64: base64 }),
  'space:matrix': matrixRequest,
  'packs:list': empty,
  'packs:import': obj({ path: absPath() }),
  // `dir` picks one copy when several installed packs share the id (a shipped pack and its downloaded copy).
  'packs:activate': obj({ id: str({ min: 1, max: 200 }), dir: absPath() }, ['dir']),
  'packs:lookUp': obj({ source: packSource }),
  'packs:download': obj({ source: packSource, licenceSha256: sha256, commit: commitId, replace: bool }, ['commit', 'replace']),
  'packs:downloadPause': obj({ jobId }),
  'packs:downloadCancel': obj({ jobId }),
  'packs:downloads': empty,
  'packs:discardDownload': obj({ id: packId }),
  'packs:recommend': empty,
  'engine:status': empty,
  'tags:vocabularies': empty,
  'tags:vocabulary': obj({ id: vocabId }),
  'tags:saveVocabulary': vocabularyInput,
  'tags:deleteVocabulary': obj({ id: vocabId }),
  'tags:items': obj({ vocab: vocabId, itemIds: arr(id, { min: 1, max: 500 }), ...tagOptions }, ['top', 'threshold', 'factors']),
  'tags:set': obj({ itemId: id, vocab: vocabId, labelId, state: oneOf(['confirmed', 'removed'] as const) }),
  'tags:clear': obj({ itemId: id, vocab: vocabId, labelId }),
  'tags:itemsWithTag': obj({ vocab: vocabId, labelId, ...tagOptions }, ['top', 'threshold', 'factors']),
  'tags:findLabels': obj({ vocab: vocabId, text: str({ max: 200 }), limit: num({ min: 1, max: 500, int: true }) }, ['limit']),
  'organise:duplicates': obj({ threshold: num({ min: 0.5, max: 1 }), margin: num({ min: 0, max: 0.5 }) }, ['threshold', 'margin']),
  'organise:trash': obj({ paths: arr(absPath(), { min: 1, max: 1000 }) }),
  'organise:map': obj({ factors }, ['factors']),
  'collections:list': empty,
  'collections:create': refine(
    obj({ name: collectionName, kind: oneOf(['manual', 'smart'] as const), rule: smartRule, itemIds }, ['rule', 'itemIds']),
    (r) => (r.kind === 'smart' && !r.rule ? 'a smart collection needs a rule' : r.kind === 'manual' && r.rule ? 'a manual collection has no rule' : r.kind === 'smart' && r.itemIds ? 'items are added to manual collections only' : null),
  ),
  'collections:rename': obj({ id, name: collectionName }),
  'collections:remove': obj({ id }),
  'collections:add': obj({ id, itemIds: arr(id, { min: 1, max: 2000 }) }),
  'collections:removeItems': obj({ id, itemIds: arr(id, { min: 1, max: 2000 }) }),
  'collections:members': obj({ id }),
  'collections:export': obj({ id, format: oneOf(EXPORT_FORMATS), dest: absPath() }),
  // ---- issue 14: same session, regions out ----
  'library:sameSession': obj(
    { id, windowSec: num({ min: 1, max: 30 * 86400 }), radiusM: num({ min: 1, max: 2.1e7 }), factors },
    ['windowSec', 'radiusM', 'factors'],
  ),
  'regions:export': refine(
    obj({ itemId: id, startSec: seconds, endSec: seconds, dest: absPath(), description: str({ max: 256 }) }, ['dest', 'description']),
    (r) => (r.endSec > r.startSec ? null : 'the region must end after it starts'),
  ),
  'regions:exportMany': obj(
    { regions: arr(refine(obj({ itemId: id, startSec: seconds, endSec: seconds }), (r) => (r.endSec > r.startSec ? null : 'a region must end after it starts')), { min: 1, max: 500 }), dest: absPath() },
    ['dest'],
  ),
} satisfies Record<string, Validator<unknown>>;

export type Channel = keyof typeof requestValidators;
export type Request<C extends Channel> = ReturnType<(typeof requestValidators)[C]>;

export interface ResponseMap {
  'app:info': AppInfo;
  'settings:get': Settings;
  'settings:set': Settings;
  'dialog:openFolder': string | null;
  'library:roots': RootInfo[];
  'library:addRoot': RootInfo;
  'library:removeRoot': RootInfo[];
  'library:installDemo': RootInfo;
  'library:list': { total: number; items: ItemSummary[] };
  'library:item': ItemDetail | null;
  /** Audio items' waveform peaks ([min0, max0, …], `buckets` pairs) keyed by item id; images and unknown ids are absent. */
  'library:peaks': Record<number, number[]>;
  'library:failures': FailureInfo[];
  'index:start': { jobId: string };
  'index:pause': IndexProgress | null;
  'index:resume': IndexProgress | null;
  'index:cancel': IndexProgress | null;
  'search:run': UiSearchResponse;
  'search:rerank': UiSearchResponse;
  'query:upload': UploadResult;
  'space:matrix': MatrixResponse;
  'packs:list': PackInfo[];
  'packs:import': PackImportResult;
  'packs:activate': EngineStatus;
  'packs:lookUp': RemotePackLookup;
  'packs:download': PackDownloadStatus;
  'packs:downloadPause': PackDownloadStatus | null;
  'packs:downloadCancel': PackDownloadStatus | null;
  /** The download of this session (running or last finished) and unfinished downloads on disk. */
  'packs:downloads': { current: PackDownloadStatus | null; partial: PartialDownloadInfo[] };
  'packs:discardDownload': PartialDownloadInfo[];
  'packs:recommend': PackRecommendation;
  'engine:status': EngineStatus;
  'tags:vocabularies': VocabularyInfo[];
  /** The vocabulary with its labels as editable text (one per line, `parent > label`). */
  'tags:vocabulary': VocabularyInfo & { labelsText: string };
  'tags:saveVocabulary': VocabularyInfo;
  'tags:deleteVocabulary': VocabularyInfo[];
  'tags:items': ItemTagsView[];
  'tags:set': ItemTagsView | null;
  'tags:clear': ItemTagsView | null;
  'tags:itemsWithTag': TaggedItem[];
  'tags:findLabels': { id: string; name: string; path: string }[];
  'organise:duplicates': UiDuplicatesReport;
  'organise:trash': { trashed: string[]; failed: { path: string; reason: string }[] };
  'organise:map': MapPoint[];
  'collections:list': CollectionInfo[];
  'collections:create': CollectionInfo;
  'collections:rename': CollectionInfo[];
  'collections:remove': CollectionInfo[];
  'collections:add': { added: number; collection: CollectionInfo };
  'collections:removeItems': CollectionInfo;
  'collections:members': UiCollectionMember[];
  'collections:export': { dest: string; format: (typeof EXPORT_FORMATS)[number]; written: number; failed: { path: string; reason: string }[] };
  'library:sameSession': UiSameSession;
  /** The written file (in `dest`, default the app's exports folder; never overwriting). */
  'regions:export': RegionResult & { itemId: number };
  'regions:exportMany': { dest: string; written: (RegionResult & { itemId: number })[]; failed: { itemId: number; reason: string }[] };
}

export interface UiSameSession extends Omit<SameSessionResult, 'hits'> {
  hits: (SameSessionHit & { name: string; durationSec: number | null })[];
}
export type { RegionResult };

export interface TaggedItem {
  item: ItemSummary;
  score: number | null;
  confirmed: boolean;
}

export interface UiCollectionMember extends CollectionMember {
  thumbnailPath: string | null;
}

export interface DuplicateEntry {
  itemId: number;
  path: string;
  name: string;
  modality: ItemModality;
  sizeBytes: number;
  thumbnailPath: string | null;
  durationSec: number | null;
  width: number | null;
  height: number | null;
}

/** The duplicates report with what the UI shows for each file. */
export interface UiDuplicatesReport {
  exact: { itemId: number; files: DuplicateEntry[] }[];
  near: { modality: ItemModality; cohesion: number; separation: number; items: DuplicateEntry[] }[];
  options: DuplicatesReport['options'];
}
export type Response<C extends Channel> = ResponseMap[C];

/** Commands from the native menu (Electron) to the UI. */
export const APP_COMMANDS = ['add-folder', 'import-pack', 'go:about', 'go:library', 'go:search', 'go:explorer', 'go:models', 'go:indexing', 'go:duplicates', 'go:map', 'toggle-theme'] as const;
export type AppCommand = (typeof APP_COMMANDS)[number];

export interface EventMap {
  'library:event': LibraryEvent;
  'engine:status': EngineStatus;
  'settings:changed': Settings;
  'app:command': { command: AppCommand };
  /** UMAP epochs done while the map is computed. */
  'organise:mapProgress': { epoch: number; total: number };
  /** A pack download's progress and end (done, paused, cancelled, failed). */
  'packs:download': PackDownloadStatus;
}
export type EventName = keyof EventMap;
export const EVENT_NAMES: readonly EventName[] = ['library:event', 'engine:status', 'settings:changed', 'app:command', 'organise:mapProgress', 'packs:download'];

export const CHANNELS = Object.keys(requestValidators) as Channel[];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requestValidators, name);
}

/** Checks a request against its channel's validator; throws ValidationError naming the channel and field. */
export function validateRequest<C extends Channel>(channel: C, payload: unknown): Request<C>;
export function validateRequest(channel: string, payload: unknown): unknown;
export function validateRequest(channel: string, payload: unknown): unknown {
  if (!isChannel(channel)) throw new ValidationError(`unknown channel "${String(channel).slice(0, 60)}"`);
  const validator = requestValidators[channel] as Validator<unknown>;
  return validator(payload, channel);
}

/** The API the renderer sees (window.molecule in Electron; the bridge client in a browser). */
export interface MoleculeApi {
  invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}

/**
 * Errors cross IPC, the engine process and HTTP as this shape: a stable code (domain/errors.ts ERROR_CODES) the
 * UI can word and tests can assert, and the engine's message.
 */
export interface WireError {
  code: ErrorCode;
  message: string;
}

/** What the Electron IPC handlers answer; the preload passes it on as is (an Error would lose its code). */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: WireError };

/** `window.molecule` in Electron (src-main/electron/preload.ts); the renderer's client wraps it in MoleculeApi. */
export interface PreloadApi {
  mediaBase: string;
  invoke(channel: Channel, request: unknown): Promise<IpcReply>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  /** The real path of a dropped / picked File (Electron ≥ 32 removed File.path). */
  pathForFile?(file: File): string | null;
  /** Electron only: drag these exported files out of the window (webContents.startDrag, electron/main.ts). */
  startDrag?(files: string[]): void;
}
