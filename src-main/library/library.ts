import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import { availableParallelism } from 'node:os';
import type { FSWatcher } from 'chokidar';
import { CodedError } from '../domain/errors';
import { PRESETS, type Factors, type ItemModality } from '../domain/types';
import type { Space } from '../space/types';
import { SearchEngine, buildMask, type EncodedAtom } from '../search/engine';
import { DEFAULT_WORDS_BALANCE, RRF_K, fuseRankings } from '../search/fusion';
import { hasKeywords, keywordExprs, type KeywordExprs } from '../search/keyword-query';
import { checkFactors, type QueryTerm } from '../search/live-score';
import { lookupWords as lookupWordsOf, parseSearchQuery, type ParsedSearch, type ParsedTerm, type QueryAtom } from '../search/query-parser';
import { MomentStore } from '../search/moment-store';
import { MOD_AUDIO, VectorStore } from '../search/vector-store';
import { blobToF32, openDb, row, type Db } from './db';
import { IndexJob, underAny, type IndexTarget } from './indexer';
import { PrepPool, type RunHooks } from './prep-pool';
import { prepareFile, prepareVideoTracks, type PrepareTask, type prepareItem } from './prepare-item';
import { cleanThumbnailCache, IndexLock } from './index-lock';
import { rootRefusal } from './root-policy';
import { Repo } from './repo';
import type { FailureInfo, IndexProgress, IndexSummary, ItemDetail, ItemSummary, LibraryEvent, LibraryService, ListItemsQuery, RootInfo, SameSessionResult, StartIndexOptions, EngineStatus, VectorsStatus, VideoInfo } from './service';
import type { SearchHit, SearchRequest, SearchResponse, TargetModality } from '../search/types';
import { TextIndex } from './text-index';
import { sessionMatches, DEFAULT_RADIUS_M, DEFAULT_WINDOW_SEC, type SessionCandidate } from './same-session';
import { displayGroups } from '../metadata/views';
import { parseUcsName } from '../metadata/ucs';
import { loadVectors, type LoadResult } from './vector-loader';
import { loadAnn, readAnnRecall, writeAnnRecall, type AnnLoad } from './ann-loader';
import { exactTopFiles } from './exact-truth';
import { fusedQuery } from '../search/engine';
import type { AnnIndex } from '../search/ann';
import { binaryCode, type VectorFiles } from './vector-files';
import { FACTOR_AUDIO, FACTOR_TEXT } from '../search/vector-store';
import { loadSpace } from './space-access';
import { writeAnnSnapshot } from './ann-snapshot';
import { logger } from '../domain/log';

const log = logger('library');

/** Approximate search: lists probed per index. */
const ANN_PROBE = 24;
/**
 * Candidates re-ranked exactly per query (at least 4·k): 300, and one per 6 000 index rows past 1.8M rows. The
 * more rows, the more of them a query's binary-code estimate cannot tell apart. Measured recall@10 (20 queries,
 * nprobe 24): 1M files / 5M rows: 0.85 with 300, 0.975 with 600, 1.00 with 1 000; 100k / 1.65M rows: 1.00 with 300.
 */
const annCandidates = (rows: number) => Math.max(300, Math.ceil(rows / 6000));

export interface LibraryOptions {
  /**
   * Listing pages starting before this offset are read with LIMIT/OFFSET (default 5000); deeper ones from the
   * listing's whole ordered id list, built once and cached until the library changes.
   */
  listShallowOffset?: number;
  /** Approximate mode: score large queries' codes on a second thread (default: when there are 2 cores or more). */
  annThreads?: boolean;
  /** How to open the engine (default: the real openSpace). */
  openSpace?: (packDir: string) => Promise<Space>;
  /** Preprocessing worker threads; 0 prepares on the calling thread (tests, tiny jobs). */
  prepWorkers?: number;
  batchSize?: number;
  /** Debounce for watcher events, ms. */
  watchDebounceMs?: number;
  /** Stored vectors above which search becomes approximate (default 1 000 000). */
  annThreshold?: number;
  /** Candidates re-ranked exactly per approximate search (default: 300, more past 1.8M index rows; at least 4·k) and lists probed per index (default 24). */
  annCandidates?: number;
  annProbe?: number;
  /** How this process names itself to another index run that has to wait for it (default "Molecule Space"). */
  holder?: string;
  /** When another process is indexing the same library: wait for it (default) or refuse at once. */
  waitForLock?: boolean;
}

interface ItemRow {
  id: number; hash: string; modality: ItemModality; size: number; format: string | null; mime: string | null;
  width: number | null; height: number | null; exif_date: string | null; date: number; duration: number | null;
  sample_rate: number | null; channels: number | null; added_at: number; thumbnail: string | null; peaks: unknown; path: string;
  video: string | null;
}

/** The pack folder that last opened this database, or null (new or pack-less database). */
export function lastPackDir(dbPath: string): string | null {
  const db = openDb(resolve(dbPath));
  try {
    return row<{ dir: string }>(db.prepare('SELECT dir FROM packs ORDER BY used_at DESC LIMIT 1').get())?.dir ?? null;
  } finally {
    db.close();
  }
}

/** The LibraryService implementation: SQLite index + in-memory vector store + search engine + watcher. */
export class Library implements LibraryService {
  private db!: Db;
  private repo!: Repo;
  private text!: TextIndex;
  private space!: Space;
  private store!: VectorStore;
  private moments!: MomentStore;
  private engine!: SearchEngine;
  /** How the last open loaded the vectors (figures for the status bar and the bench). */
  lastLoad: LoadResult | null = null;
  private pool: PrepPool | null = null;
  private thumbDir = '';
  private lock!: IndexLock;
  private factors: Factors = { ...PRESETS.versatile };
  private readonly events = new EventEmitter();
  private readonly jobs = new Map<string, IndexJob>();
  private running: IndexJob | null = null;
  private readonly allRootJobs = new Set<string>();
  private watcher: FSWatcher | null = null;
  private pendingChanged = new Set<string>();
  private pendingRemoved = new Set<string>();
  private watchTimer: NodeJS.Timeout | null = null;
  private watchChain: Promise<unknown> = Promise.resolve();
  /** Bumped on every library change event; invalidates listCache. */
  private listVersion = 0;
  private readonly listCache = new Map<string, { version: number; ids: Int32Array }>();

  constructor(private readonly opts: LibraryOptions = {}) {
    this.events.setMaxListeners(100);
  }

  get vectorStore(): VectorStore {
    return this.store;
  }
  get momentStore(): MomentStore {
    return this.moments;
  }
  get engineSpace(): Space {
    return this.space;
  }
  get database(): Db {
    return this.db;
  }

  async open(dbPath: string, packDir: string): Promise<void> {
    const t0 = performance.now();
    const abs = resolve(dbPath);
    this.space = await (this.opts.openSpace ?? loadSpace)(resolve(packDir));
    this.db = openDb(abs);
    this.repo = new Repo(this.db, abs);
    this.lock = new IndexLock(this.db, this.opts.holder ?? 'Molecule Space');
    this.text = new TextIndex(this.db);
    this.db.prepare('INSERT OR REPLACE INTO packs(id, dir, used_at) VALUES (?, ?, ?)').run(this.space.packId, this.space.packDir, Date.now());
    this.thumbDir = `${abs}.thumbs`;
    const packId = this.space.packId;
    // Libraries written before vectors moved to segment files: move them now (once).
    this.repo.moveBlobVectors();
    const count = this.repo.vectorCount(packId);
    this.mode = count.vectors > (this.opts.annThreshold ?? 1_000_000) ? 'approximate' : 'exact';
    this.store = new VectorStore(this.space.dim, 1024, 256, this.mode === 'exact');
    this.moments = new MomentStore(this.space.dim);
    this.engine = new SearchEngine(
      this.store,
      {
        encode: (atom) => this.encodeAtom(atom),
        thumbnail: (id) => (row<{ thumbnail: string | null }>(this.db.prepare('SELECT thumbnail FROM items WHERE id = ?').get(id))?.thumbnail ?? null),
      },
      this.moments,
    );
    this.vectorsStatus = { phase: 'loading', loaded: 0, total: count.vectors, mode: this.mode, items: count.items, moments: count.moments, vectors: count.vectors };
    this.openMs = performance.now() - t0;
    // The listing answers from SQLite now; vectors load in the background (searches wait for them).
    this.ready = this.loadVectorsInBackground(count.vectors);
    this.ready.catch(() => undefined);
  }

  /** Resolves when the vectors are loaded and searches can run (rejects if they could not be). */
  ready: Promise<void> = Promise.resolve();
  vectorsReady(): Promise<void> {
    return this.ready;
  }
  /** Time open() took (SQLite, migrations, pack manifest): the listing is available after it. */
  openMs = 0;
  vectorsStatus: VectorsStatus = { phase: 'loading', loaded: 0, total: 0, mode: 'exact', items: 0, moments: 0, vectors: 0 };

  private progressVectors(loaded: number, total: number): void {
    this.vectorsStatus = { ...this.vectorsStatus, loaded, total };
    const now = performance.now();
    if (now - this.lastVectorsEvent < 100) return;
    this.lastVectorsEvent = now;
    this.events.emit('event', { type: 'vectors', status: { ...this.vectorsStatus } } satisfies LibraryEvent);
  }
  private lastVectorsEvent = 0;

  private async loadVectorsInBackground(vectors: number): Promise<void> {
    // let the caller's first listing run before any vector is read
    await new Promise<void>((r) => setImmediate(r));
    const packId = this.space.packId;
    const files = this.repo.vectorFiles(packId, this.space.dim);
    const onProgress = (p: { loaded: number; total: number }) => this.progressVectors(p.loaded, p.total);
    try {
      if (this.mode === 'exact') {
        this.lastLoad = await loadVectors(this.repo, files, packId, this.store, this.moments, this.repo.allPaths(), onProgress);
      } else {
        this.store.external = (id) => this.repo.vectorsOf(id, packId);
        const a = await loadAnn(this.repo, files, packId, this.store, this.repo.allPaths(), onProgress);
        this.ann = a;
        this.lastLoad = { items: this.store.size, moments: a.index.size - this.store.size, vectors, damaged: a.damaged, ms: a.ms };
        this.attachAnn(a, files);
      }
    } catch (e) {
      this.vectorsStatus = { ...this.vectorsStatus, phase: 'error', error: e instanceof Error ? e.message : String(e) };
      this.events.emit('event', { type: 'vectors', status: { ...this.vectorsStatus } } satisfies LibraryEvent);
      throw e;
    }
    this.vectorsStatus = {
      ...this.vectorsStatus, phase: 'ready', loaded: this.lastLoad.vectors, total: this.lastLoad.vectors, loadMs: this.lastLoad.ms,
      ...(this.engine.approx?.recall != null ? { recall: this.engine.approx.recall } : {}),
    };
    this.events.emit('event', { type: 'vectors', status: { ...this.vectorsStatus } } satisfies LibraryEvent);
    if (this.ann && !this.ann.fromSnapshot && !this.ann.damaged.length) this.snapshotJob = this.saveSnapshot(this.ann.fingerprint);
    if (this.ann && this.engine.approx?.recall == null) this.recallJob = this.measureRecall().catch(() => null);
    // Records found missing or torn are never served: their items lose the rows and are encoded again.
    const damagedPaths = this.lastLoad.damaged.length ? this.repo.dropVectors(this.lastLoad.damaged, packId) : [];
    if (damagedPaths.length) this.rebuildJob = this.launch({ changed: damagedPaths, removed: [] });
  }

  /** Approximate mode: the snapshot being written (after a load that built the index, or at close). */
  snapshotJob: Promise<void> | null = null;
  /** Approximate mode: rows were added or removed since the index was loaded or last saved. */
  private annChanged = false;

  /**
   * Approximate mode: keep the index as a snapshot, so the next open reads it in a few large reads. A failure
   * costs only that speed (the next open builds the index again), so it is logged, never raised.
   */
  private async saveSnapshot(fingerprint: string): Promise<void> {
    const a = this.ann;
    if (!a) return;
    this.annChanged = false;
    try {
      const files = this.repo.vectorFiles(this.space.packId, this.space.dim);
      const ok = await writeAnnSnapshot(files.dir, fingerprint, a.index, this.store, this.engine.momentFileCount ?? a.momentFiles);
      if (!ok) log.warn(`approximate index: snapshot not written (the index holds ${a.index.owners} items, the store ${this.store.size})`);
    } catch (e) {
      log.warn(`approximate index: snapshot not written (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  /** Approximate mode's recall measurement running in the background after load (null: none). */
  recallJob: Promise<number | null> | null = null;

  /**
   * Measures recall@10 of approximate search on this library: 10 stored vectors as queries (both presets),
   * approximate top-10 files against the exact top-10 of a brute-force pass over every stored vector.
   * Kept in ann-recall.json; shown in the status bar and every approximate response.
   */
  async measureRecall(queries = 10): Promise<number | null> {
    const ax = this.engine.approx;
    if (!ax) return null;
    const packId = this.space.packId;
    const files = this.repo.vectorFiles(packId, this.space.dim);
    const idx = ax.index;
    const picks: QueryTerm[][] = [];
    const factors: Factors[] = [];
    for (let i = 0; i < queries && idx.size > 0; i++) {
      const r = Math.floor(((i + 0.5) / queries) * idx.size);
      const v = ax.readRow(r);
      if (!v) continue;
      picks.push([{ weight: 1, a: v.base, u: v.expert, factor: v.expert ? 'text' : null, ua: v.expert ? dotF(v.expert, v.base) : 1 }]);
      factors.push(i % 2 ? PRESETS.versatile : PRESETS['at-expertise']);
    }
    if (!picks.length) return null;
    const truth = await exactTopFiles(this.repo, files, packId, picks.map((t, i) => ({ Q: fusedQuery(t, factors[i]!, this.space.dim), factors: factors[i]! })), 10);
    let hit = 0;
    picks.forEach((t, i) => {
      const got = new Set(this.engine.searchTerms(t, { k: 10 }, factors[i]!).results.map((h) => h.itemId));
      const ref = truth[i]!;
      hit += ref.length ? ref.filter((id) => got.has(id)).length / ref.length : 1;
    });
    const recall = hit / picks.length;
    writeAnnRecall(files, { recall, queries: picks.length, rows: idx.size, measuredAt: Date.now(), settings: this.annSettings() });
    ax.recall = recall;
    this.vectorsStatus = { ...this.vectorsStatus, recall };
    this.events.emit('event', { type: 'vectors', status: { ...this.vectorsStatus } } satisfies LibraryEvent);
    return recall;
  }

  /** The approximate search settings a measured recall holds for (a change of them measures it again). */
  private annSettings(): string {
    return `nprobe ${this.opts.annProbe ?? ANN_PROBE}, candidates ${this.opts.annCandidates ?? 'max(300, rows/6000)'}, 2 per file, v2`;
  }

  /** Engine status for the status bar: vector mode and load, model sessions with their load times. */
  async status(): Promise<EngineStatus> {
    return { openMs: this.openMs, vectors: { ...this.vectorsStatus }, models: this.space.providers() };
  }

  private attachAnn(a: AnnLoad, files: VectorFiles): void {
    const packId = this.space.packId;
    const idx = a.index;
    // a query scores ~10⁵ codes: on two threads where there are two cores
    if ((this.opts.annThreads ?? availableParallelism() > 1) && !idx.startThread()) log.info('approximate index: codes scored on one thread');
    const opts = this.opts;
    this.engine.approx = {
      index: idx,
      readRow: (r, scratch) => {
        const clip = idx.clip[r]! >= 0;
        const base = scratch?.base ?? new Float32Array(this.space.dim);
        if (!files.read(clip ? 'clip-base' : 'base', idx.baseSlot[r]!, base)) return null;
        let expert: Float32Array | null = null;
        if (idx.expertSlot[r]! >= 0) {
          expert = scratch?.expert ?? new Float32Array(this.space.dim);
          if (!files.read(clip ? 'clip-expert' : 'expert', idx.expertSlot[r]!, expert)) return null;
        }
        return { base, expert };
      },
      readRows: (rows, base, expert, ok) => {
        ok.fill(1, 0, rows.length);
        const okX = new Uint8Array(rows.length).fill(1);
        for (const clip of [false, true]) {
          const mine = Array.from(rows.keys()).filter((k) => idx.clip[rows[k]!]! >= 0 === clip);
          const by = (slot: Int32Array) => (a: number, b: number) => slot[rows[a]!]! - slot[rows[b]!]!;
          const bs = mine.sort(by(idx.baseSlot));
          files.readSlots(clip ? 'clip-base' : 'base', bs.map((k) => idx.baseSlot[rows[k]!]!), bs, base, ok);
          const xs = mine.filter((k) => idx.expertSlot[rows[k]!]! >= 0).sort(by(idx.expertSlot));
          files.readSlots(clip ? 'clip-expert' : 'expert', xs.map((k) => idx.expertSlot[rows[k]!]!), xs, expert, okX);
        }
        for (let k = 0; k < rows.length; k++) ok[k] = ok[k]! & okX[k]!;
      },
      readItem: (id) => {
        const v = this.repo.vectorsOf(id, packId);
        if (!v) return null;
        return { base: v.base, expert: v.expert, c: v.c, factor: v.factor, clips: this.repo.clips(id, packId) };
      },
      nprobe: this.opts.annProbe ?? ANN_PROBE,
      get R() {
        return opts.annCandidates ?? annCandidates(idx.size);
      },
      recall: readAnnRecall(files, this.annSettings())?.recall ?? null,
    };
    this.engine.momentFileCount = a.momentFiles;
  }

  /** The job re-encoding items whose vector records were found damaged on open, if any. */
  rebuildJob: IndexJob | null = null;

  /** 'exact' (every vector in memory, every vector scored) or 'approximate' (codes + inverted files). */
  mode: 'exact' | 'approximate' = 'exact';
  /** Approximate mode's index and how it loaded. */
  ann: AnnLoad | null = null;

  /** Approximate mode: a newly written item's rows (codes from its stored vectors, lists assigned). */
  private annAdd(index: AnnIndex, itemId: number): void {
    const packId = this.space.packId;
    this.annChanged = true;
    index.removeItem(itemId);
    const meta = this.repo.vectorMetaOf(itemId, packId);
    if (!meta) return;
    const v = this.repo.vectorsOf(itemId, packId);
    if (!v) return;
    const B = index.B;
    const fk = meta.factor === 'text' ? FACTOR_TEXT : FACTOR_AUDIO;
    const add = (clip: number, bs: number, xs: number, c: number, base: Float32Array, expert: Float32Array | null) => {
      const r = index.addRow(itemId, clip, bs, xs, fk, c);
      index.baseAlpha[r] = binaryCode(base, index.baseCodes, r * B);
      index.baseLists.add(index.baseQ.assign(base), r);
      if (expert && xs >= 0) {
        index.expertAlpha[r] = binaryCode(expert, index.expertCodes, r * B);
        index.expertLists.add(index.expertQ.assign(expert), r);
      }
    };
    add(-1, meta.baseSlot, meta.expertSlot ?? -1, meta.c, v.base, v.expert);
    const clips = this.repo.clips(itemId, packId);
    if (clips && meta.clipSlot !== null) {
      const d = this.space.dim;
      clips.spans.forEach((_, j) => {
        const sound = clips.spans.length - clips.frameCount;
        const xs = clips.experts && meta.clipExpertSlot !== null && j < sound ? meta.clipExpertSlot + j : -1;
        add(j, meta.clipSlot! + j, xs, clips.c[j]!, clips.vectors.subarray(j * d, (j + 1) * d), xs >= 0 ? clips.experts!.subarray(j * d, (j + 1) * d) : null);
      });
    }
  }


  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.recallJob;
    await this.snapshotJob;
    await this.setWatching(false);
    for (const j of this.jobs.values()) j.cancel();
    if (this.running) await this.running.done;
    if (this.ann && this.annChanged) await this.saveSnapshot(this.repo.vectorFingerprint(this.space.packId, this.space.dim));
    this.ann?.index.close();
    await this.pool?.close();
    this.pool = null;
    this.repo?.closeVectorFiles();
    this.db?.close();
    await this.space?.close();
  }

  on(listener: (e: LibraryEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  private emit(e: LibraryEvent): void {
    if (e.type !== 'progress') this.listVersion++;
    this.events.emit('event', e);
  }

  // ---- roots ----

  async listRoots(): Promise<RootInfo[]> {
    const roots = this.db.prepare('SELECT id, path, added_at FROM roots ORDER BY path').all() as { id: number; path: string; added_at: number }[];
    return roots.map((r) => ({ id: r.id, path: r.path, addedAt: r.added_at, fileCount: this.repo.filesUnder(r.path).length }));
  }

  async addRoot(path: string): Promise<RootInfo> {
    const abs = resolve(path);
    let s;
    try {
      s = await stat(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new CodedError('not-found', `There is no folder ${abs}.`);
      if (code === 'EACCES' || code === 'EPERM') throw new CodedError('permission-denied', `Molecule Space may not open ${abs} (permission denied).`);
      throw new Error(`Cannot open the folder ${abs} (${code ?? String(e)}).`);
    }
    if (!s.isDirectory()) throw new CodedError('validation', `${abs} is a file, not a folder: give the folder that holds it.`);
    const refusal = rootRefusal(abs);
    if (refusal) throw new CodedError('forbidden', `cannot add ${refusal}`);
    this.db.prepare('INSERT OR IGNORE INTO roots(path, added_at) VALUES (?, ?)').run(abs, Date.now());
    const roots = await this.listRoots();
    this.emit({ type: 'roots-changed', roots });
    if (this.watcher) this.watcher.add(abs);
    return roots.find((r) => r.path === abs)!;
  }

  async removeRoot(id: number): Promise<void> {
    const r = row<{ path: string }>(this.db.prepare('SELECT path FROM roots WHERE id = ?').get(id));
    if (!r) throw new Error(`no library folder with id ${id}`);
    this.db.prepare('DELETE FROM roots WHERE id = ?').run(id);
    const others = (await this.listRoots()).map((x) => x.path);
    const paths = [
      ...this.repo.filesUnder(r.path).map((f) => f.path),
      ...this.repo.failuresUnder([r.path]).map((f) => f.path),
    ].filter((p) => !underAny(p, others));
    if (this.watcher) this.watcher.unwatch(r.path);
    await this.forgetPaths(paths);
    this.emit({ type: 'roots-changed', roots: await this.listRoots() });
  }

  /** Drops paths from the index (e.g. files the user moved to the trash); content no path points at leaves too. */
  async forgetPaths(paths: string[]): Promise<void> {
    await this.ready;
    for (const p of paths) this.repo.removeFile(p);
    const gone = this.repo.collectOrphans().map((g) => g.id);
    for (const g of gone) {
      this.store.remove(g);
      this.moments.remove(g);
      this.ann?.index.removeItem(g);
      this.annChanged = true;
    }
    this.refreshAllPaths();
    if (gone.length || paths.length) this.emit({ type: 'items-changed', added: 0, removed: gone.length, updated: paths.length - gone.length });
  }

  private refreshAllPaths(): void {
    const paths = this.repo.allPaths();
    for (let r = 0; r < this.store.size; r++) this.store.paths[r] = paths.get(this.store.ids[r]!) ?? [];
  }

  // ---- indexing ----

  private prepare() {
    // One preprocessing worker per core: decoding and preprocessing (CPU) overlap the encoder, whose ONNX
    // Runtime pool also sizes itself from the cores; the OS shares the cores between them.
    const workers = this.opts.prepWorkers ?? defaultPrepWorkers();
    if (workers > 0) {
      this.pool ??= new PrepPool(this.space.packDir, workers);
      const pool = this.pool;
      const run = pool.run.bind(pool);
      // with two workers or more a video's pictures and its sound are prepared side by side
      return { fn: workers >= 2 ? (t: PrepareTask, hooks?: RunHooks) => prepareVideoTracks(run, t, hooks) : run, concurrency: workers * 2 };
    }
    return { fn: (t: Parameters<typeof prepareItem>[1], hooks?: RunHooks) => prepareFile(this.space, t, hooks), concurrency: 2 };
  }

  private launch(target: IndexTarget): IndexJob {
    const id = randomUUID();
    const { fn, concurrency } = this.prepare();
    let added = 0, updated = 0, removed = 0;
    let lastFlush = performance.now();
    // Long jobs tell the UI about new items as they land (at most once a second), the rest at the end.
    const flush = (force: boolean) => {
      if (!(added || removed || updated)) return;
      if (!force && performance.now() - lastFlush < 1000) return;
      lastFlush = performance.now();
      this.emit({ type: 'items-changed', added, removed, updated });
      added = removed = updated = 0;
    };
    const job = new IndexJob(
      id,
      {
        repo: this.repo, space: this.space, prepare: fn, prepConcurrency: concurrency, batchSize: this.opts.batchSize ?? 8,
        lock: this.lock, waitForLock: this.opts.waitForLock ?? true,
        onLocked: () => cleanThumbnailCache(this.db, this.thumbDir),
        thumbDir: this.thumbDir,
        onItemWritten: (itemId, paths) => {
          const v = this.repo.vectorsOf(itemId, this.space.packId);
          if (!v) return;
          this.store.upsert({ id: itemId, modality: v.modality, base: v.base, expert: v.expert, c: v.c, factor: v.factor, date: v.date, durationSec: v.durationSec, paths });
          if (this.ann) {
            this.annAdd(this.ann.index, itemId);
            added++;
            return;
          }
          const clips = this.repo.clips(itemId, this.space.packId);
          if (clips) {
            this.moments.set({ itemId, spans: clips.spans.flat(), base: clips.vectors, expert: clips.experts, c: clips.c, factor: clips.factor, frameCount: clips.frameCount });
          } else {
            this.moments.remove(itemId);
          }
          added++;
        },
        onItemsRemoved: (ids) => {
          for (const i of ids) {
            this.store.remove(i);
            this.moments.remove(i);
            this.ann?.index.removeItem(i);
            this.annChanged = true;
          }
          removed += ids.length;
        },
        onPathsChanged: (itemId) => {
          this.store.setPaths(itemId, this.repo.pathsOf(itemId));
          updated++;
        },
      },
      target,
      (p) => {
        this.emit({ type: 'progress', progress: p });
        flush(false);
      },
    );
    this.jobs.set(id, job);
    this.running = job;
    this.pool?.setActive(true);
    void job.done.then((summary) => {
      this.pool?.setActive(false);
      if (this.running === job) this.running = null;
      try {
        this.text.refresh(); // the text rows of what this job changed, so the next keyword search starts at once
      } catch {
        /* a closed database (app quitting): the next search refreshes */
      }
      flush(true);
      this.emit({ type: 'job-finished', summary });
    });
    return job;
  }

  async startIndexing(opts: StartIndexOptions = {}): Promise<{ jobId: string }> {
    await this.ready;
    // A running scan of all roots already covers an all-roots request; anything else (a watcher batch, a
    // scan of other roots) finishes first, so jobs never overlap.
    for (let r = this.running; r; r = this.running) {
      if (!opts.roots && this.allRootJobs.has(r.id)) return { jobId: r.id };
      await r.done;
    }
    const roots = (await this.listRoots()).filter((r) => !opts.roots || opts.roots.includes(r.id)).map((r) => r.path);
    const job = this.launch({ roots });
    if (!opts.roots) this.allRootJobs.add(job.id);
    return { jobId: job.id };
  }

  /** Index the given folders as roots (adding them) and wait for the summary: the CLI path. */
  async indexFolders(folders: string[]): Promise<IndexSummary> {
    const ids: number[] = [];
    for (const f of folders) ids.push((await this.addRoot(f)).id);
    const { jobId } = await this.startIndexing({ roots: ids });
    return this.waitForJob(jobId);
  }

  private job(jobId: string): IndexJob {
    const j = this.jobs.get(jobId);
    if (!j) throw new Error(`no indexing job ${jobId}`);
    return j;
  }
  async pauseIndexing(jobId: string): Promise<void> {
    this.job(jobId).pause();
  }
  async resumeIndexing(jobId: string): Promise<void> {
    this.job(jobId).resume();
  }
  async cancelIndexing(jobId: string): Promise<void> {
    this.job(jobId).cancel();
  }
  waitForJob(jobId: string): Promise<IndexSummary> {
    return this.job(jobId).done;
  }
  async jobProgress(jobId: string): Promise<IndexProgress | null> {
    return this.jobs.get(jobId)?.snapshot() ?? null;
  }
  /** Encoder busy fraction of a finished job (bench). */
  jobStats(jobId: string): { encodeBusyMs: number; indexWallMs: number } {
    const j = this.job(jobId);
    return { encodeBusyMs: j.encodeBusyMs, indexWallMs: j.indexWallMs };
  }

  // ---- watching ----

  async setWatching(on: boolean): Promise<void> {
    if (!on) {
      if (this.watchTimer) clearTimeout(this.watchTimer);
      this.watchTimer = null;
      await this.watcher?.close();
      this.watcher = null;
      await this.watchChain;
      return;
    }
    if (this.watcher) return;
    const { watch } = await import('chokidar');
    const roots = (await this.listRoots()).map((r) => r.path);
    const w = watch(roots, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 }, ignored: (p: string) => basename(p).startsWith('.') && !roots.includes(p) });
    const changed = (p: string) => {
      this.pendingRemoved.delete(p);
      this.pendingChanged.add(p);
      this.schedule();
    };
    w.on('add', changed).on('change', changed).on('unlink', (p) => {
      this.pendingChanged.delete(p);
      this.pendingRemoved.add(p);
      this.schedule();
    }).on('unlinkDir', (d) => {
      for (const f of this.repo.filesUnder(d)) this.pendingRemoved.add(f.path);
      this.schedule();
    });
    // A watcher error (too many watched folders, a folder that became unreadable) must not stop the app: those
    // changes then wait for the next re-scan, which still finds them.
    w.on('error', (e) => this.emit({ type: 'watch-error', message: e instanceof Error ? e.message : String(e) }));
    // chokidar announces 'ready' after its first scan of the given folders; with none (folders are added later
    // through addRoot) there is no scan and no 'ready' to wait for.
    if (roots.length) await new Promise<void>((r) => w.once('ready', () => r()));
    this.watcher = w;
  }

  private schedule(): void {
    if (this.watchTimer) clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(() => {
      this.watchTimer = null;
      const changed = [...this.pendingChanged];
      const removed = [...this.pendingRemoved];
      this.pendingChanged.clear();
      this.pendingRemoved.clear();
      if (!changed.length && !removed.length) return;
      this.watchChain = this.watchChain.then(async () => {
        while (this.running) await this.running.done;
        await this.launch({ changed, removed }).done;
      });
    }, this.opts.watchDebounceMs ?? 300);
  }

  /** Resolves when the watcher has no pending or running work (tests). */
  async watchIdle(): Promise<void> {
    for (;;) {
      const chain = this.watchChain;
      await chain;
      if (!this.watchTimer && chain === this.watchChain && !this.running) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---- items ----

  private itemSelect = `SELECT i.* FROM items i`;

  /**
   * How many of the library's items the open pack has vectors for (search and listing cover only those): less than
   * all when the database was indexed with another pack too and this one never saw some files.
   */
  async packCoverage(): Promise<{ covered: number; total: number; packs: { id: string; dir: string }[] }> {
    const covered = (await this.listItems({ sort: 'name', offset: 0, limit: 1 })).total;
    const total = row<{ n: number }>(this.db.prepare('SELECT COUNT(*) AS n FROM items WHERE path IS NOT NULL').get())?.n ?? 0;
    const packs = this.db.prepare('SELECT id, dir FROM packs ORDER BY used_at DESC').all() as { id: string; dir: string }[];
    return { covered, total, packs };
  }

  async listItems(q: ListItemsQuery): Promise<{ total: number; items: ItemSummary[] }> {
    const where: string[] = ['i.path IS NOT NULL', 'EXISTS (SELECT 1 FROM vectors v WHERE v.item_id = i.id AND v.pack_id = ?)'];
    const args: unknown[] = [this.space.packId];
    if (q.modality) (where.push('i.modality = ?'), args.push(q.modality));
    let folder = q.folder;
    if (q.root !== undefined) {
      const r = row<{ path: string }>(this.db.prepare('SELECT path FROM roots WHERE id = ?').get(q.root));
      if (!r) throw new Error(`no library folder with id ${q.root}`);
      folder = r.path;
    }
    if (folder) {
      const pre = (folder.endsWith(sep) ? folder : folder + sep).replace(/[\\%_]/g, (m) => '\\' + m) + '%';
      where.push("EXISTS (SELECT 1 FROM files f WHERE f.item_id = i.id AND f.path LIKE ? ESCAPE '\\')");
      args.push(pre);
    }
    if (q.dateFrom !== undefined) (where.push('i.date >= ?'), args.push(q.dateFrom));
    if (q.dateTo !== undefined) (where.push('i.date <= ?'), args.push(q.dateTo));
    if (q.minDuration !== undefined) (where.push('i.duration >= ?'), args.push(q.minDuration));
    if (q.maxDuration !== undefined) (where.push('i.duration <= ?'), args.push(q.maxDuration));
    const w = `WHERE ${where.join(' AND ')}`;
    const col = { name: 'i.name_key', date: 'i.date', added: 'i.added_at', duration: 'i.duration' }[q.sort];
    if (!col) throw new Error(`unknown sort key "${String(q.sort)}"`);
    const dir = q.descending ? 'DESC' : 'ASC';
    const sql = `SELECT i.id FROM items i ${w} ORDER BY ${col} ${dir}, i.id`;
    const offset = Math.max(0, q.offset | 0), limit = Math.max(0, q.limit | 0);
    let page: Int32Array | number[];
    let total: number;
    const cached = this.cachedIds(sql, args);
    if (cached || offset >= (this.opts.listShallowOffset ?? 5000)) {
      const ids = cached ?? this.orderedIds(sql, args);
      page = ids.subarray(offset, offset + limit);
      total = ids.length;
    } else {
      // The first pages straight from SQLite (an index walk and a count, no row of the rest reaches JavaScript):
      // at a million items the whole ordered list takes seconds, paid only when the grid jumps deep.
      page = (this.db.prepare(`${sql} LIMIT ? OFFSET ?`) as unknown as { pluck(): { all(...a: unknown[]): number[] } }).pluck().all(...args, limit, offset);
      total = this.listCount(`SELECT count(*) AS n FROM items i ${w}`, args);
    }
    if (page.length === 0) return { total, items: [] };
    const rows = this.db
      .prepare(`${this.itemSelect} WHERE i.id IN (${Array.from(page, () => '?').join(',')})`)
      .all(...page) as ItemRow[];
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    const items: ItemSummary[] = [];
    for (const id of page) {
      const r = byId.get(id);
      if (r) items.push(this.summary(r));
    }
    return { total, items };
  }

  private cachedIds(sql: string, args: unknown[]): Int32Array | null {
    const hit = this.listCache.get(JSON.stringify([sql, args]));
    return hit && hit.version === this.listVersion ? hit.ids : null;
  }

  /** COUNT(*) of a listing, cached until the library changes. */
  private listCount(sql: string, args: unknown[]): number {
    const key = JSON.stringify([sql, args]);
    const hit = this.countCache.get(key);
    if (hit && hit.version === this.listVersion) return hit.n;
    const n = Number(row<{ n: number }>(this.db.prepare(sql).get(...args))?.n ?? 0);
    this.countCache.delete(key);
    this.countCache.set(key, { version: this.listVersion, n });
    while (this.countCache.size > 16) this.countCache.delete(this.countCache.keys().next().value!);
    return n;
  }
  private readonly countCache = new Map<string, { version: number; n: number }>();

  /**
   * The full ordered id list of one listing (filters + sort), cached until the library changes, so that a
   * grid jumping anywhere in 100k items pays one indexed pass per filter/sort instead of OFFSET scans and a
   * COUNT(*) on every page.
   */
  private orderedIds(sql: string, args: unknown[]): Int32Array {
    const key = JSON.stringify([sql, args]);
    const hit = this.cachedIds(sql, args);
    if (hit) return hit;
    const ids = Int32Array.from(
      (this.db.prepare(sql) as unknown as { pluck(): { all(...a: unknown[]): unknown[] } }).pluck().all(...args) as number[],
    );
    this.listCache.delete(key);
    this.listCache.set(key, { version: this.listVersion, ids });
    while (this.listCache.size > 8) this.listCache.delete(this.listCache.keys().next().value!);
    return ids;
  }

  private summary(r: ItemRow): ItemSummary {
    return {
      id: r.id, path: r.path, name: basename(r.path ?? ''), modality: r.modality, width: r.width, height: r.height,
      durationSec: r.duration, date: r.date, addedAt: r.added_at, thumbnailPath: r.thumbnail,
    };
  }

  async item(id: number): Promise<ItemDetail | null> {
    const r = row<ItemRow>(this.db.prepare(`${this.itemSelect} WHERE i.id = ?`).get(id));
    if (!r) return null;
    const packs = this.db.prepare('SELECT pack_id FROM vectors WHERE item_id = ? ORDER BY pack_id').all(id) as { pack_id: string }[];
    const clips = this.repo.clips(id, this.space.packId);
    const meta = this.repo.meta(id);
    if (meta && !meta.ucs && r.path) {
      const ucs = parseUcsName(r.path);
      if (ucs) meta.ucs = ucs;
    }
    return {
      ...this.summary(r), hash: r.hash, sizeBytes: r.size, paths: this.repo.pathsOf(id), mimeType: r.mime, format: r.format,
      sampleRate: r.sample_rate, channels: r.channels, exifDate: r.exif_date,
      peaks: r.peaks ? Array.from(blobToF32(r.peaks)) : null, packs: packs.map((p) => p.pack_id),
      // a video's clips are its sound moments, then its frame moments
      clipSpans: clips ? clips.spans.slice(0, clips.spans.length - clips.frameCount) : null,
      frameSpans: clips && clips.frameCount ? clips.spans.slice(clips.spans.length - clips.frameCount) : null,
      video: r.video ? (JSON.parse(r.video) as VideoInfo) : null,
      related: this.sameShot(id),
      meta, metaGroups: displayGroups(meta),
    };
  }

  /** The full-text index (tests, bench); refresh() it before reading. */
  get textIndex(): TextIndex {
    return this.text;
  }

  /** Items with a file named like one of this item's files (same folder, same stem, another extension). */
  private sameShot(id: number): ItemDetail['related'] {
    const q = this.db.prepare(
      'SELECT f.item_id AS id, f.path AS path, i.format AS format FROM files f JOIN items i ON i.id = f.item_id WHERE f.path >= ? AND f.path < ? AND f.item_id != ?',
    );
    const out = new Map<number, ItemDetail['related'][number]>();
    for (const p of this.repo.pathsOf(id)) {
      const slash = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
      const dot = p.lastIndexOf('.');
      if (dot <= slash + 1) continue;
      const prefix = p.slice(0, dot + 1);
      for (const r of q.all(prefix, prefix + '\uffff', id) as { id: number; path: string; format: string | null }[]) {
        const rest = r.path.slice(prefix.length);
        if (!/[./\\]/.test(rest) && !out.has(r.id)) out.set(r.id, r);
      }
    }
    return [...out.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  async failures(): Promise<FailureInfo[]> {
    return this.repo.failuresUnder(null);
  }

  // ---- search ----

  /** Recently encoded query texts/files, so changing filters or target re-searches without a model run. */
  private readonly atomCache = new Map<string, EncodedAtom>();

  private async encodeAtom(atom: QueryAtom): Promise<EncodedAtom> {
    if (atom.kind === 'item') return this.encodeAtomUncached(atom);
    let key = `${atom.kind}\0${atom.kind === 'text' ? atom.text : atom.path}`;
    if (atom.kind !== 'text') {
      const st = await stat(atom.path).catch(() => null);
      if (st) key += `\0${st.size}\0${st.mtimeMs}`;
    }
    const hit = this.atomCache.get(key);
    if (hit) {
      this.atomCache.delete(key);
      this.atomCache.set(key, hit);
      return hit;
    }
    const enc = await this.encodeAtomUncached(atom);
    this.atomCache.set(key, enc);
    if (this.atomCache.size > 64) this.atomCache.delete(this.atomCache.keys().next().value!);
    return enc;
  }

  private async encodeAtomUncached(atom: QueryAtom): Promise<EncodedAtom> {
    const one = (c: { base: Float32Array; expert: Float32Array | null; c: number; factor: keyof Factors | null }): EncodedAtom => ({
      a: c.base, u: c.expert, ua: c.expert ? c.c : 1, factor: c.expert ? c.factor : null,
    });
    switch (atom.kind) {
      case 'text':
        return one((await this.space.embedTexts([atom.text]))[0]!);
      case 'image':
        await mustRead(atom.path, 'image');
        return one((await this.space.embedImages([atom.path]))[0]!);
      case 'audio':
        await mustRead(atom.path, 'audio');
        return one((await this.space.embedAudios([atom.path]))[0]!);
      case 'item': {
        const v = this.store.vectors(atom.id);
        if (!v) throw new Error(`no library item ${atom.id} with vectors for pack ${this.space.packId}`);
        return one(v);
      }
    }
  }

  toTerms(req: SearchRequest): ParsedTerm[] {
    return this.toSearch(req).terms;
  }

  private toSearch(req: SearchRequest): ParsedSearch {
    const given = [req.query, req.text, req.imagePath, req.audioPath, req.itemId].filter((x) => x !== undefined);
    if (given.length !== 1) throw new Error('a search needs exactly one of query, text, imagePath, audioPath, itemId');
    const none = { should: [], must: [], not: [] };
    if (req.query !== undefined) return parseSearchQuery(req.query);
    if (req.text !== undefined) {
      if (!req.text.trim()) throw new Error('search text is empty');
      // Plain text: its words are looked up too (no syntax: quotes and colons are just characters here).
      const words = lookupWordsOf(req.text);
      return { terms: [{ weight: 1, atom: { kind: 'text', text: req.text } }], keywords: { ...none, should: words.length ? [{ words, phrase: false, columns: null }] : [] } };
    }
    if (req.imagePath !== undefined) return { terms: [{ weight: 1, atom: { kind: 'image', path: resolve(req.imagePath) } }], keywords: none };
    if (req.audioPath !== undefined) return { terms: [{ weight: 1, atom: { kind: 'audio', path: resolve(req.audioPath) } }], keywords: none };
    return { terms: [{ weight: 1, atom: { kind: 'item', id: req.itemId! } }], keywords: none };
  }

  /** Words/meaning balance of the fusion when a request gives none (the app's setting). */
  wordsBalance = DEFAULT_WORDS_BALANCE;

  /** Words side of recent queries, by query id (for rerank). */
  private readonly wordsState = new Map<string, WordsState>();

  async search(req: SearchRequest): Promise<SearchResponse> {
    await this.ready;
    const factors = req.factors ?? (req.preset ? PRESETS[req.preset] : undefined) ?? this.factors;
    if (req.preset && !PRESETS[req.preset]) throw new Error(`unknown preset "${req.preset}" (versatile, at-expertise)`);
    const parsed = this.toSearch(req);
    const target: TargetModality = req.in ?? 'all';
    const k = req.k ?? 20;
    if (!hasKeywords(parsed.keywords)) {
      const res = await this.engine.search({ terms: parsed.terms, in: target, k, minScore: req.minScore, filters: req.filters, factors });
      for (const h of res.results) h.why = { words: null, meaning: true, wordsRank: null, meaningRank: null };
      res.results.forEach((h, i) => (h.why!.meaningRank = i + 1));
      return res;
    }
    const t0 = performance.now();
    this.text.refresh();
    const exprs = keywordExprs(parsed.keywords);
    const allowSet = exprs.must ? this.text.matchAll(exprs.must) : null;
    const deny = exprs.not ? this.text.matchAll(exprs.not) : new Set<number>();
    const accept = (id: number) => (!allowSet || allowSet.has(id)) && !deny.has(id);
    const { mask } = buildMask(this.store, target, req.filters);
    const ok = (id: number) => {
      const r = this.store.row(id);
      return r !== undefined && (!mask || mask[r] === 1) && accept(id);
    };
    const words: number[] = [];
    const seen = new Set<number>();
    const add = (ids: { itemId: number }[]) => {
      for (const { itemId } of ids) if (!seen.has(itemId) && ok(itemId)) (seen.add(itemId), words.push(itemId));
    };
    let strictCount = 0;
    if (exprs.strict) {
      add(this.text.match(exprs.must ? `(${exprs.strict}) AND (${exprs.must})` : exprs.strict, WORDS_LIMIT));
      strictCount = words.length;
      if (exprs.loose && words.length < WORDS_LIMIT) add(this.text.match(exprs.must ? `(${exprs.loose}) AND (${exprs.must})` : exprs.loose, WORDS_LIMIT));
    } else if (exprs.must) {
      add(this.text.match(exprs.must, WORDS_LIMIT));
      strictCount = words.length;
    }
    const wordsMs = performance.now() - t0;
    const balance = req.wordsBalance ?? this.wordsBalance;
    let res: SearchResponse;
    if (parsed.terms.length) {
      res = await this.engine.search({
        terms: parsed.terms, in: target, k: Math.max(k, MEANING_POOL), minScore: req.minScore, filters: req.filters, factors,
        allow: allowSet || deny.size ? accept : undefined,
      });
    } else {
      res = { queryId: randomUUID(), results: [], factors: { ...factors }, considered: allowSet ? words.length : 0, encodeMs: 0, scanMs: 0 };
    }
    res.scanMs += wordsMs;
    const lookedUp = [...parsed.keywords.should, ...parsed.keywords.must].flatMap((g) => g.words.flatMap((w) => w.toLowerCase().split(/\s+/)));
    const st: WordsState = { exprs, words, strictCount, k, balance, meaning: parsed.terms.length > 0, lookedUp };
    this.wordsState.set(res.queryId, st);
    if (this.wordsState.size > 16) this.wordsState.delete(this.wordsState.keys().next().value!);
    return this.fuse(res, st, factors);
  }

  /** Fuse the words ranking with the meaning ranking of `res` (docs/QUERY-SYNTAX.md, "Words and meaning"). */
  private fuse(res: SearchResponse, st: WordsState, factors: Factors): SearchResponse {
    const meaning = res.results;
    if (st.words.length === 0) {
      // Nothing matched by words: the meaning ranking as it is.
      const results = meaning.slice(0, st.k);
      results.forEach((h, i) => (h.why = { words: null, meaning: true, wordsRank: null, meaningRank: i + 1 }));
      return { ...res, results };
    }
    const fused = fuseRankings(st.words, meaning.map((h) => h.itemId), st.balance, RRF_K, st.strictCount).slice(0, st.k);
    const byId = new Map(meaning.map((h) => [h.itemId, h]));
    const missing = fused.filter((f) => !byId.has(f.itemId)).map((f) => f.itemId);
    if (missing.length && st.meaning) for (const [id, h] of this.engine.hitsFor(res.queryId, missing, factors)) byId.set(id, h);
    const results: SearchHit[] = [];
    const highlights = st.exprs.highlight
      ? this.text.highlightMany(fused.filter((f) => f.wordsRank !== null).map((f) => f.itemId), st.exprs.highlight, st.exprs.highlightExact, st.lookedUp)
      : new Map();
    for (const f of fused) {
      const h = byId.get(f.itemId) ?? this.plainHit(f.itemId);
      if (!h) continue;
      const cosine = st.meaning ? h.score : undefined;
      results.push({
        ...h,
        score: f.fused,
        ...(cosine !== undefined ? { cosine } : {}),
        why: {
          words: f.wordsRank !== null ? (highlights.get(f.itemId) ?? null) : null,
          meaning: f.meaningRank !== null, wordsRank: f.wordsRank, meaningRank: f.meaningRank,
        },
      });
    }
    return { ...res, results, considered: Math.max(res.considered, st.words.length) };
  }

  private plainHit(itemId: number): SearchHit | null {
    const r = this.store.row(itemId);
    if (r === undefined) return null;
    const thumb = row<{ thumbnail: string | null }>(this.db.prepare('SELECT thumbnail FROM items WHERE id = ?').get(itemId))?.thumbnail ?? null;
    return { itemId, path: this.store.paths[r]![0] ?? '', modality: this.store.modality[r] === MOD_AUDIO ? 'audio' : 'image', score: 0, thumbnailPath: thumb };
  }

  /**
   * Photos and recordings captured within a time window of an item (and near it where both have GPS), ranked by
   * how well their content agrees with it in the space (the item's fused vector · theirs, current factors).
   */
  async sameSession(id: number, o: { windowSec?: number; radiusM?: number; factors?: Factors; k?: number } = {}): Promise<SameSessionResult> {
    await this.ready;
    const windowSec = o.windowSec ?? DEFAULT_WINDOW_SEC;
    const radiusM = o.radiusM ?? DEFAULT_RADIUS_M;
    const q = this.db.prepare(
      `SELECT i.id AS id, i.date AS date, m.lat AS lat, m.lon AS lon, m.captured_at AS captured, m.json AS json FROM items i LEFT JOIN item_meta m ON m.item_id = i.id WHERE i.id = ?`,
    );
    const me = row<SessionCandidate & { captured: number | null; json: string | null }>(q.get(id));
    if (!me) throw new Error(`no library item ${id}`);
    const w = windowSec * 1000;
    const rows = this.db
      .prepare('SELECT i.id AS id, i.date AS date, m.lat AS lat, m.lon AS lon, m.captured_at AS captured FROM items i LEFT JOIN item_meta m ON m.item_id = i.id WHERE i.date BETWEEN ? AND ? AND i.id != ? LIMIT 5000')
      .all(me.date - w, me.date + w, id) as (SessionCandidate & { captured: number | null })[];
    const matches = sessionMatches(me, rows, { windowSec, radiusM });
    const byId = new Map(matches.map((m) => [m.id, m]));
    const fromOf = new Map(rows.map((r) => [Number(r.id), r.captured !== null ? 'capture' : 'file']));
    const base = { itemId: id, date: me.date, timeFrom: (me.captured !== null ? 'capture' : 'file') as 'capture' | 'file', gps: me.lat !== null && me.lon !== null ? { lat: me.lat, lon: me.lon } : null, windowSec, radiusM };
    if (!matches.length || !this.store.has(id)) return { ...base, hits: [] };
    const res = await this.engine.search({
      terms: [{ weight: 1, atom: { kind: 'item', id } }], k: Math.min(o.k ?? 48, matches.length), factors: o.factors ?? this.factors,
      allow: (x) => byId.has(x),
    });
    return {
      ...base,
      hits: res.results.map((h) => ({ ...h, dtSec: byId.get(h.itemId)!.dtSec, distanceM: byId.get(h.itemId)!.distanceM, timeFrom: (fromOf.get(h.itemId) ?? 'file') as 'capture' | 'file' })),
    };
  }

  /** Search with query vectors already encoded (no model run): benchmarks and recall measurement. */
  async searchEncoded(terms: QueryTerm[], opts: { k?: number; in?: SearchRequest['in']; factors: Factors }): Promise<SearchResponse> {
    await this.ready;
    return this.engine.searchTerms(terms, { k: opts.k, in: opts.in }, opts.factors);
  }

  async rerank(queryId: string, factors: Factors, wordsBalance?: number): Promise<SearchResponse> {
    await this.ready;
    const st = this.wordsState.get(queryId);
    if (!st) return this.engine.rerank(queryId, factors);
    if (wordsBalance !== undefined) {
      if (!(wordsBalance >= 0 && wordsBalance <= 1)) throw new Error(`words/meaning balance must be in [0, 1], got ${wordsBalance}`);
      st.balance = wordsBalance;
    }
    const res = st.meaning
      ? this.engine.rerank(queryId, factors)
      : { queryId, results: [], factors: { ...factors }, considered: st.words.length, encodeMs: 0, scanMs: 0 };
    return this.fuse(res, st, factors);
  }

  async setFactors(factors: Factors): Promise<void> {
    checkFactors(factors);
    this.factors = { text: factors.text, audio: factors.audio };
  }

  async getFactors(): Promise<Factors> {
    return { ...this.factors };
  }
}

/** Preprocessing workers by default: the core count (MOLECULE_PREP_WORKERS overrides), at least 1, at most 8. */
export function defaultPrepWorkers(): number {
  const env = Number(process.env.MOLECULE_PREP_WORKERS);
  if (Number.isInteger(env) && env >= 0) return env;
  return Math.max(1, Math.min(8, availableParallelism()));
}

function dotF(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** How many items the words side ranks at most, and how deep the meaning ranking goes for the fusion. */
const WORDS_LIMIT = 1000;
const MEANING_POOL = 500;

interface WordsState {
  exprs: KeywordExprs;
  /** Item ids matched by words, best first (already filtered by target, filters, field terms, exclusions). */
  words: number[];
  /** The first strictCount words hits matched every word; the rest only some. */
  strictCount: number;
  k: number;
  balance: number;
  /** The query has a meaning side (terms to embed). */
  meaning: boolean;
  /** The words looked up (to pick the field that explains a hit). */
  lookedUp: string[];
}

async function mustRead(path: string, what: string): Promise<void> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
  } catch (e) {
    throw new Error(`query ${what} ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
