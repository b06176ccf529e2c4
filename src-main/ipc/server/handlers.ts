/**
 * The one implementation of the contract: channel → engine call (Library for roots/indexing/items/search,
 * the Space for the match explorer, the pack registry for packs). Shared by the Electron utility process
 * and the browser bridge; never imports electron. Requests must already be validated (validateRequest).
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { Library } from '../../library/library';
import type { LibraryEvent } from '../../library/service';
import type { SearchResponse } from '../../search/types';
import { listPacks, importPack, defaultPackRoots } from '../../pack/registry';
import { verifyPack, verificationChecks } from '../../pack/verify';
import { openSpace } from '../../space/open-space';
import { matchMatrix } from '../../space/match-matrix';
import { installDemoLibrary } from '../../library/demo-library';
import { downsamplePeaks } from '../../library/peaks';
import { saveQueryUpload } from '../../search/query-uploads';
import { exportRegion } from '../../regions/export-region';
import { Organiser, type Trasher } from '../../organise/organiser';
import { exportCollection } from '../../organise/export';
import type { CollectionMember } from '../../organise/types';
import type { Space } from '../../space/types';
import { CANCEL, DownloadError, PAUSE, discardPartialDownload, downloadPack, listPartialDownloads, lookUpPack, parsePackSource } from '../../pack/fetch';
import { fitWarnings, precisionOf, recommendPack } from '../../pack/recommend';
import { machineInfo } from '../../runtime/machine';
import {
  DEFAULT_SETTINGS,
  releasesUrlOf,
  validateRequest,
  type AppInfo,
  type Channel,
  type EngineStatus,
  type EventMap,
  type EventName,
  type PackImportResult,
  type PackDownloadStatus,
  type PackInfo,
  type PartialDownloadInfo,
  type RemotePackLookup,
  type Request,
  type Response,
  type Settings,
  type UiSearchResponse,
  type DuplicateEntry,
  type ItemTagsView,
  type UiCollectionMember,
} from '../contract/contract';
import { CodedError } from '../../domain/errors';
import { logger } from '../../domain/log';

const log = logger('engine');
const packLog = logger('pack');

export interface SettingsStore {
  get(): Settings;
  set(patch: Partial<Settings>): Settings;
}

/** Settings as a JSON file (bridge, tests). The Electron shell uses electron-store instead. */
export class JsonSettingsStore implements SettingsStore {
  private value: Settings;
  constructor(private readonly file: string) {
    let stored: Partial<Settings> = {};
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Settings>;
    } catch {
      /* first run or unreadable: defaults */
    }
    this.value = { ...DEFAULT_SETTINGS, ...stored, customFactors: { ...DEFAULT_SETTINGS.customFactors, ...stored.customFactors } };
  }
  get(): Settings {
    return structuredClone(this.value);
  }
  set(patch: Partial<Settings>): Settings {
    this.value = { ...this.value, ...patch };
    writeFileSync(this.file, JSON.stringify(this.value, null, 2));
    return this.get();
  }
}

export interface HandlerOptions {
  shell: 'electron' | 'bridge';
  /** This run's log file, shown under Help / About (null when nothing is logged to a file). */
  logFile?: string | null;
  version: string;
  /** Per-user data: library.db (+ thumbnails), query uploads, demo library copy, imported packs. */
  dataDir: string;
  /** App folder holding resources/ and models/. */
  appRoot: string;
  settings: SettingsStore;
  emit: <E extends EventName>(event: E, payload: EventMap[E]) => void;
  /** Use this pack folder when no pack was chosen in the settings (bridge --pack). */
  defaultPackDir?: string;
  /** Where packs are listed from (default: the registry's defaults + the imported packs folder). */
  packRoots?: string[];
  /** Where imported packs are copied (default dataDir/packs). */
  importDir?: string;
  /** Library options (preprocessing workers). */
  prepWorkers?: number;
  /** Electron only: native folder picker (runs in the main process). */
  openFolderDialog?: () => Promise<string | null>;
  /**
   * Moves one file to the trash. Electron routes this to shell.trashItem in the main process; the bridge
   * uses the `trash` package, or (tests only, --trash-dir) a move into a folder.
   */
  trasher?: Trasher;
  /** Environment of pack downloads: HF_ENDPOINT, HF_TOKEN, HTTPS_PROXY/HTTP_PROXY/NO_PROXY, MOLECULE_CA_CERTS (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const DOWNLOADING = new Set<PackDownloadStatus['state']>(['checking', 'downloading', 'verifying', 'installing']);

interface DownloadJob {
  status: PackDownloadStatus;
  ac: AbortController;
  done: Promise<void>;
}

type Handler<C extends Channel> = (req: Request<C>) => Promise<Response<C>>;

export class EngineHandlers {
  private library: Library | null = null;
  private organiserOf: Organiser | null = null;
  private space: Space | null = null;
  private packDir: string | null = null;
  private packInfo: PackInfo | null = null;
  private engineError: string | null = null;
  private queryEncodes = 0;
  private indexJobs = 0;
  private lastProgress: EngineStatus['progress'] = null;
  private unsubscribe: (() => void) | null = null;
  private readonly itemMeta = new Map<number, { name: string; durationSec: number | null }>();
  private opening: Promise<void> = Promise.resolve();
  private downloadJob: DownloadJob | null = null;

  constructor(private readonly opts: HandlerOptions) {
    mkdirSync(opts.dataDir, { recursive: true });
  }

  get dbPath(): string {
    return join(this.opts.dataDir, 'library.db');
  }
  get thumbDir(): string {
    return `${this.dbPath}.thumbs`;
  }
  get uploadDir(): string {
    return join(this.opts.dataDir, 'queries');
  }
  get demoDir(): string {
    return join(this.opts.dataDir, 'demo-library');
  }
  private get importDir(): string {
    return this.opts.importDir ?? join(this.opts.dataDir, 'packs');
  }
  private get packRoots(): string[] {
    return [...(this.opts.packRoots ?? defaultPackRoots()), this.importDir];
  }

  /** Opens the library with the chosen (or default) pack. Errors are kept and shown, not thrown. */
  async init(): Promise<void> {
    log.info(`engine ${this.opts.version} (${this.opts.shell}, ${process.platform} ${process.arch}, Node ${process.versions.node}); data in ${this.opts.dataDir}`);
    const wanted = this.opts.settings.get().activePack;
    const listing = listPacks(this.packRoots).packs;
    const chosen =
      (wanted && listing.find((p) => p.id === wanted)?.dir) ??
      (this.opts.defaultPackDir ? resolve(this.opts.defaultPackDir) : undefined) ??
      listing.find((p) => !p.test)?.dir ??
      listing[0]?.dir;
    if (!chosen) {
      this.engineError = 'No model pack is installed. Download or import one under Model Packs.';
      packLog.warn(`no model pack found in ${this.packRoots.join(', ')}`);
      return;
    }
    await this.openPack(chosen);
  }

  private async openPack(dir: string): Promise<void> {
    const run = async () => {
      await this.closeLibrary();
      this.engineError = null;
      const t0 = Date.now();
      try {
        const counted = (d: string) => openSpace(d).then((s) => this.countingSpace(s));
        const lib = new Library({ openSpace: counted, prepWorkers: this.opts.prepWorkers });
        await lib.open(this.dbPath, dir);
        this.library = lib;
        this.organiserOf = new Organiser(lib, this.opts.trasher);
        this.space = lib.engineSpace;
        this.packDir = resolve(dir);
        this.packInfo = this.describePack(resolve(dir));
        this.unsubscribe = lib.on((e) => this.onLibraryEvent(e));
        const p = this.packInfo;
        packLog.info(`opened ${p?.id ?? dir} (${p?.spaceClass ?? '?'}${p?.isTestPack ? ', TEST PACK' : ''}) from ${resolve(dir)} in ${Date.now() - t0} ms`);
        // The app watches its folders while it runs: files added, changed or removed are indexed without a re-scan.
        await lib.setWatching(true).catch((e: unknown) =>
          this.onLibraryEvent({ type: 'watch-error', message: e instanceof Error ? e.message : String(e) }),
        );
      } catch (e) {
        this.engineError = `cannot open the model pack ${dir}: ${e instanceof Error ? e.message : String(e)}`;
        packLog.error(`cannot open the model pack ${dir}`, e);
        this.library = null;
        this.space = null;
      }
      this.opts.emit('engine:status', this.status());
    };
    this.opening = this.opening.then(run, run);
    await this.opening;
  }

  private async closeLibrary(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const lib = this.library;
    this.library = null;
    this.organiserOf = null;
    this.space = null;
    this.itemMeta.clear();
    if (lib) await lib.close();
  }

  async close(): Promise<void> {
    // A running download is paused, not lost: its partial files stay for the next start.
    const job = this.downloadJob;
    if (job && DOWNLOADING.has(job.status.state)) {
      job.ac.abort(PAUSE);
      await job.done;
    }
    await this.opening;
    await this.closeLibrary();
  }

  private get env(): NodeJS.ProcessEnv {
    return this.opts.env ?? process.env;
  }

  private updateDownload(job: DownloadJob, patch: Partial<PackDownloadStatus>): void {
    job.status = { ...job.status, ...patch };
    if (this.downloadJob === job) this.opts.emit('packs:download', job.status);
  }

  private partialDownloads(): PartialDownloadInfo[] {
    return listPartialDownloads(this.importDir).map((d) => ({ ...d }));
  }

  private startDownload(req: Request<'packs:download'>): PackDownloadStatus {
    const running = this.downloadJob;
    if (running && DOWNLOADING.has(running.status.state)) {
      throw new Error(`${running.status.name ?? running.status.source} is being downloaded: pause or cancel it first`);
    }
    let text = req.source;
    if (req.commit) {
      const src = parsePackSource(req.source, this.env);
      if (src.kind === 'hf') text = `hf:${src.repo}@${req.commit}`;
    }
    const status: PackDownloadStatus = {
      jobId: `download-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      source: req.source,
      id: null,
      name: null,
      state: 'checking',
      file: null,
      fileIndex: 0,
      fileCount: 0,
      bytesDone: 0,
      bytesTotal: null,
      fetchedBytes: 0,
      resumedBytes: 0,
      rateBps: null,
      etaSec: null,
      error: null,
      pack: null,
    };
    const job: DownloadJob = { status, ac: new AbortController(), done: Promise.resolve() };
    this.downloadJob = job;
    let licenceChanged = false;
    job.done = downloadPack(text, {
      destRoot: this.importDir,
      replace: req.replace,
      env: this.env,
      signal: job.ac.signal,
      acceptLicence: (pack, onDisk) => {
        this.updateDownload(job, { id: pack.manifest.id, name: pack.manifest.name, fileCount: pack.files.length, bytesTotal: pack.totalBytes, resumedBytes: onDisk.bytes, bytesDone: onDisk.bytes });
        licenceChanged = pack.licenceSha256 !== req.licenceSha256;
        return !licenceChanged;
      },
      onProgress: (p) =>
        this.updateDownload(job, {
          state: p.phase === 'preparing' ? 'checking' : p.phase,
          file: p.file,
          fileIndex: p.fileIndex,
          fileCount: p.fileCount,
          bytesDone: p.bytesDone,
          bytesTotal: p.bytesTotal,
          fetchedBytes: p.fetchedBytes,
          resumedBytes: p.resumedBytes,
          rateBps: p.rateBps,
          etaSec: p.etaSec,
        }),
    }).then(
      (r) => {
        const pack = this.packInfoOf(r.installedDir, r.id, r.name, r.manifest.space, r.manifest.test, null);
        this.updateDownload(job, { state: 'done', id: r.id, name: r.name, file: null, fileIndex: r.files, fileCount: r.files, bytesDone: r.totalBytes, bytesTotal: r.totalBytes, fetchedBytes: r.fetchedBytes, resumedBytes: r.resumedBytes, etaSec: 0, pack });
      },
      (e: unknown) => {
        const kind = e instanceof DownloadError ? e.kind : 'engine';
        const state = kind === 'paused' ? 'paused' : kind === 'cancelled' ? 'cancelled' : 'failed';
        let message = e instanceof Error ? e.message : String(e);
        if (kind === 'licence' && licenceChanged) message = 'the pack’s licence is not the one that was accepted (the pack changed since it was looked up): look it up again and read its licence';
        this.updateDownload(job, { state, rateBps: null, etaSec: null, error: state === 'failed' ? { kind, message } : null });
      },
    );
    return status;
  }

  /** Counts query-time model runs (embed*), which live re-ranking must never cause. */
  private countingSpace(space: Space): Space {
    const bump = () => this.queryEncodes++;
    return new Proxy(space, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        if (prop === 'embedTexts' || prop === 'embedImages' || prop === 'embedAudios') {
          return (...args: unknown[]) => {
            bump();
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return (v as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }

  private onLibraryEvent(e: LibraryEvent): void {
    if (e.type === 'progress') this.lastProgress = e.progress;
    if (e.type === 'items-changed' || e.type === 'job-finished') this.itemMeta.clear();
    this.opts.emit('library:event', e);
    if (e.type === 'job-finished' || e.type === 'vectors') this.opts.emit('engine:status', this.status());
  }

  private lib(): Library {
    if (!this.library) throw new CodedError('no-pack', this.engineError ?? 'the library is not open (no model pack)');
    return this.library;
  }

  private org(): Organiser {
    this.lib();
    return this.organiserOf!;
  }

  private async oneItemTags(itemId: number, vocab: string): Promise<ItemTagsView | null> {
    return (await this.org().tags({ vocab, itemIds: [itemId], top: 12 }))[0] ?? null;
  }

  private async describeFile(itemId: number, path: string): Promise<DuplicateEntry> {
    const d = await this.lib().item(itemId);
    let sizeBytes = d?.sizeBytes ?? 0;
    try {
      sizeBytes = statSync(path).size;
    } catch {
      /* gone since the scan: keep the indexed size */
    }
    return {
      itemId,
      path,
      name: basename(path),
      modality: d?.modality ?? 'image',
      sizeBytes,
      thumbnailPath: d?.thumbnailPath ?? null,
      durationSec: d?.durationSec ?? null,
      width: d?.width ?? null,
      height: d?.height ?? null,
    };
  }

  private async withThumbs(members: CollectionMember[]): Promise<UiCollectionMember[]> {
    const out: UiCollectionMember[] = [];
    for (const m of members) out.push({ ...m, thumbnailPath: (await this.lib().item(m.itemId))?.thumbnailPath ?? null });
    return out;
  }

  /** Folders the media protocol may serve from: library roots, the thumbnail cache, query uploads, region exports. */
  async allowedMediaRoots(): Promise<string[]> {
    const roots = this.library ? (await this.library.listRoots()).map((r) => r.path) : [];
    return [...roots, this.thumbDir, this.uploadDir, this.exportDir];
  }

  /** Regions exported without a destination (drag-out, browser downloads) land here. */
  get exportDir(): string {
    return join(this.opts.dataDir, 'exports');
  }

  private async exportOne(itemId: number, startSec: number, endSec: number, dest: string | undefined, description?: string) {
    const d = await this.lib().item(itemId);
    if (!d) throw new Error(`item ${itemId} is not in the library`);
    if (d.modality !== 'audio') throw new Error(`${d.name} is not a sound`);
    const source = d.paths.find((p) => existsSync(p));
    if (!source) throw new Error(`${d.name}: none of its files is on disk`);
    const dir = dest ?? this.exportDir;
    mkdirSync(dir, { recursive: true });
    return { itemId, ...(await exportRegion({ source, startSec, endSec, out: dir, outIsDir: true, description })) };
  }

  private describePack(dir: string): PackInfo | null {
    const listed = listPacks([dir]);
    const p = listed.packs[0];
    if (!p) return null;
    return this.packInfoOf(p.dir, p.id, p.name, p.space, p.test, null);
  }

  private packInfoOf(dir: string, id: string, name: string, space: PackInfo['spaceClass'], test: boolean, error: string | null): PackInfo {
    const shippedRoot = resolve(this.opts.appRoot, 'models') + sep;
    return {
      id,
      name,
      dir,
      spaceClass: space,
      isTestPack: test,
      active: this.packDir !== null && resolve(dir) === this.packDir,
      source: (resolve(dir) + sep).startsWith(shippedRoot) ? 'shipped' : 'imported',
      error,
    };
  }

  status(): EngineStatus {
    const manifest = (this.space as (Space & { manifest?: { encoders: Record<string, unknown> } }) | null)?.manifest;
    return {
      pack: this.packInfo ? { ...this.packInfo, active: true } : null,
      providers: this.space ? this.space.providers() : [],
      encoders: manifest ? Object.keys(manifest.encoders) : [],
      queryEncodes: this.queryEncodes,
      indexJobs: this.indexJobs,
      progress: this.lastProgress,
      vectors: this.library ? { ...this.library.vectorsStatus } : null,
      openMs: this.library ? Math.round(this.library.openMs) : null,
      error: this.engineError,
    };
  }

  private async enrich(r: SearchResponse): Promise<UiSearchResponse> {
    const lib = this.lib();
    const results = await Promise.all(
      r.results.map(async (h) => {
        let meta = this.itemMeta.get(h.itemId);
        if (!meta) {
          const d = await lib.item(h.itemId);
          meta = { name: d?.name ?? basename(h.path), durationSec: d?.durationSec ?? null };
          this.itemMeta.set(h.itemId, meta);
        }
        return { ...h, ...meta };
      }),
    );
    return { ...r, results };
  }

  private readonly handlers: { [C in Channel]: Handler<C> } = {
    'app:info': async (): Promise<AppInfo> => {
      const roots = this.library ? await this.library.listRoots() : [];
      const demoSrc = join(this.opts.appRoot, 'resources', 'demo');
      let notice = '';
      try {
        notice = readFileSync(join(demoSrc, 'NOTICE.md'), 'utf8');
      } catch {
        /* no demo shipped */
      }
      return {
        version: this.opts.version,
        shell: this.opts.shell,
        platform: process.platform,
        dataDir: this.opts.dataDir,
        homeDir: homedir(),
        firstRun: roots.length === 0,
        demoAvailable: existsSync(demoSrc),
        demoNotice: notice,
        packsHelpUrl: 'README.md#model-packs',
        releasesUrl: releasesUrl(this.opts.appRoot),
        packsDir: this.importDir,
        logFile: this.opts.logFile ?? null,
      };
    },
    'settings:get': async () => this.opts.settings.get(),
    'settings:set': async (patch) => {
      const next = this.opts.settings.set(patch);
      this.opts.emit('settings:changed', next);
      return next;
    },
    'dialog:openFolder': async () => (this.opts.openFolderDialog ? this.opts.openFolderDialog() : null),
    'library:roots': async () => (this.library ? this.library.listRoots() : []),
    // Library.addRoot says in plain words what is wrong with the path (missing, a file, no permission).
    'library:addRoot': async ({ path }) => this.lib().addRoot(path),
    'library:removeRoot': async ({ id }) => {
      await this.lib().removeRoot(id);
      return this.lib().listRoots();
    },
    'library:installDemo': async () => installDemoLibrary(this.lib(), join(this.opts.appRoot, 'resources', 'demo'), this.demoDir),
    'library:list': async (q) => this.lib().listItems(q),
    'library:item': async ({ id }) => this.lib().item(id),
    'library:peaks': async ({ ids, buckets }) => {
      const lib = this.lib();
      const out: Record<number, number[]> = {};
      for (const id of ids) {
        const d = await lib.item(id);
        if (d?.peaks && d.peaks.length >= 2) out[id] = downsamplePeaks(d.peaks, buckets);
      }
      return out;
    },
    'library:failures': async () => (this.library ? this.library.failures() : []),
    'index:start': async (req) => {
      const r = await this.lib().startIndexing(req.roots ? { roots: req.roots } : {});
      this.indexJobs++;
      return r;
    },
    'index:pause': async ({ jobId }) => {
      await this.lib().pauseIndexing(jobId);
      return this.lib().jobProgress(jobId);
    },
    'index:resume': async ({ jobId }) => {
      await this.lib().resumeIndexing(jobId);
      return this.lib().jobProgress(jobId);
    },
    'index:cancel': async ({ jobId }) => {
      await this.lib().cancelIndexing(jobId);
      return this.lib().jobProgress(jobId);
    },
    'search:run': async (req) => {
      const r = await this.lib().search(req);
      const out = await this.enrich(r);
      this.opts.emit('engine:status', this.status());
      return out;
    },
    'library:sameSession': async ({ id, windowSec, radiusM, factors }) => {
      const r = await this.lib().sameSession(id, { windowSec, radiusM, factors });
      const hits = [];
      for (const h of r.hits) {
        const d = await this.lib().item(h.itemId);
        hits.push({ ...h, name: d?.name ?? basename(h.path), durationSec: d?.durationSec ?? null });
      }
      return { ...r, hits };
    },
    'regions:export': async ({ itemId, startSec, endSec, dest, description }) => this.exportOne(itemId, startSec, endSec, dest, description),
    'regions:exportMany': async ({ regions, dest }) => {
      const written = [];
      const failed: { itemId: number; reason: string }[] = [];
      for (const r of regions) {
        try {
          written.push(await this.exportOne(r.itemId, r.startSec, r.endSec, dest));
        } catch (e) {
          failed.push({ itemId: r.itemId, reason: e instanceof Error ? e.message : String(e) });
        }
      }
      return { dest: dest ?? this.exportDir, written, failed };
    },
    'search:rerank': async ({ queryId, factors, wordsBalance }) => this.enrich(await this.lib().rerank(queryId, factors, wordsBalance)),
    'query:upload': async ({ name, dataBase64 }) => saveQueryUpload(this.uploadDir, name, Buffer.from(dataBase64, 'base64')),
    'space:matrix': async ({ imageIds, audioIds, texts, presets }) => {
      const lib = this.lib();
      const pathsOf = async (ids: number[], want: 'image' | 'audio') => {
        const out: { name: string; path: string }[] = [];
        for (const id of ids) {
          const d = await lib.item(id);
          if (!d) throw new CodedError('not-found', `item ${id} is not in the library`);
          if (d.modality !== want) throw new CodedError('validation', `item ${id} (${d.name}) is not an ${want}`);
          out.push({ name: d.name, path: d.path });
        }
        return out;
      };
      const images = await pathsOf(imageIds, 'image');
      const audios = await pathsOf(audioIds, 'audio');
      const r = await matchMatrix(this.space!, { images, audios, texts }, presets);
      this.opts.emit('engine:status', this.status());
      return r;
    },
    'packs:list': async () => {
      const { packs, invalid } = listPacks(this.packRoots);
      return [
        ...packs.map((p) => this.packInfoOf(p.dir, p.id, p.name, p.space, p.test, null)),
        ...invalid.map((x) => this.packInfoOf(x.dir, basename(x.dir), basename(x.dir), null, false, x.error)),
      ];
    },
    'packs:import': async ({ path }): Promise<PackImportResult> => {
      const report = await verifyPack(path);
      const checks = verificationChecks(report);
      if (!report.ok || !report.manifest) return { ok: false, checks, error: report.errors[0] ?? 'verification failed', pack: null };
      try {
        const done = await importPack(path, this.importDir, { replace: false });
        const m = report.manifest;
        return { ok: true, checks, error: null, pack: this.packInfoOf(done.installedDir, m.id, m.name, m.space, m.test, null) };
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return { ok: false, checks: [...checks, { name: 'install', ok: false, detail: msg }], error: msg, pack: null };
      }
    },
    'packs:activate': async ({ id, dir }) => {
      const p = listPacks(this.packRoots).packs.find((x) => x.id === id && (dir === undefined || x.dir === resolve(dir)));
      if (!p) throw new CodedError('not-found', `no installed pack with id "${id}"${dir === undefined ? '' : ` in ${dir}`}`);
      await this.openPack(p.dir);
      if (!this.engineError) {
        const next = this.opts.settings.set({ activePack: id });
        this.opts.emit('settings:changed', next);
      }
      return this.status();
    },
    'engine:status': async () => this.status(),
    'packs:lookUp': async ({ source }): Promise<RemotePackLookup> => {
      try {
        const { pack, onDiskBytes, installed } = await lookUpPack(source, { destRoot: this.importDir, env: this.env });
        const m = pack.manifest;
        const machine = await machineInfo(this.importDir);
        return {
          error: null,
          info: {
            source,
            origin: pack.origin,
            commit: pack.commit,
            id: m.id,
            name: m.name,
            spaceClass: m.space,
            dim: m.dim,
            isTestPack: m.test,
            precision: precisionOf(m),
            licence: m.licence,
            licenceSha256: pack.licenceSha256,
            madeFrom: m.source,
            totalBytes: pack.totalBytes,
            files: [{ file: 'pack.json', bytes: pack.manifestBytes.length }, ...pack.files.map((f) => ({ file: f.file, bytes: f.size }))],
            onDiskBytes,
            installed,
            fitWarnings: fitWarnings(machine, m.space, pack.totalBytes === null ? null : pack.totalBytes - onDiskBytes),
          },
        };
      } catch (e) {
        if (e instanceof DownloadError) return { info: null, error: { kind: e.kind, message: e.message } };
        throw e;
      }
    },
    'packs:download': async (req) => this.startDownload(req),
    'packs:downloadPause': async ({ jobId }) => {
      const job = this.downloadJob;
      if (!job || job.status.jobId !== jobId) return null;
      if (DOWNLOADING.has(job.status.state)) {
        job.ac.abort(PAUSE);
        await job.done;
      }
      return job.status;
    },
    'packs:downloadCancel': async ({ jobId }) => {
      const job = this.downloadJob;
      if (!job || job.status.jobId !== jobId) return null;
      if (DOWNLOADING.has(job.status.state)) {
        job.ac.abort(CANCEL);
        await job.done;
      } else if ((job.status.state === 'paused' || job.status.state === 'failed') && job.status.id) {
        discardPartialDownload(this.importDir, job.status.id);
        this.updateDownload(job, { state: 'cancelled', error: null });
      }
      return job.status;
    },
    'packs:downloads': async () => ({ current: this.downloadJob?.status ?? null, partial: this.partialDownloads() }),
    'packs:discardDownload': async ({ id }) => {
      const job = this.downloadJob;
      if (job && DOWNLOADING.has(job.status.state) && job.status.id === id) throw new Error(`${job.status.name ?? id} is being downloaded: pause or cancel it first`);
      discardPartialDownload(this.importDir, id);
      if (job && job.status.id === id && job.status.state !== 'done') this.updateDownload(job, { state: 'cancelled', error: null });
      return this.partialDownloads();
    },
    'packs:recommend': async () => recommendPack(await machineInfo(this.importDir)),

    // ---- organise ----
    'tags:vocabularies': async () => this.org().vocabularyInfos(),
    'tags:vocabulary': async ({ id }) => {
      const org = this.org();
      const v = org.vocabulary(id);
      const names = new Map(v.labels.map((l) => [l.id, l.name]));
      const labelsText = v.labels
        .map((l) => (l.parents.length ? l.parents.map((p) => `${names.get(p) ?? p} > ${l.name}`).join('\n') : l.name))
        .join('\n');
      return { ...org.vocabularyInfos().find((x) => x.id === id)!, labelsText };
    },
    'tags:saveVocabulary': async (req) => this.org().saveUserVocabulary(req),
    'tags:deleteVocabulary': async ({ id }) => {
      const org = this.org();
      if (org.vocabulary(id).builtin) throw new CodedError('conflict', `"${id}" is a built-in vocabulary and cannot be deleted`);
      org.deleteUserVocabulary(id);
      return org.vocabularyInfos();
    },
    'tags:items': async ({ vocab, itemIds, top, threshold, factors }) => this.org().tags({ vocab, itemIds, top, threshold, factors }),
    'tags:set': async ({ itemId, vocab, labelId, state }) => {
      this.org().setUserTag(itemId, vocab, labelId, state);
      return this.oneItemTags(itemId, vocab);
    },
    'tags:clear': async ({ itemId, vocab, labelId }) => {
      this.org().clearUserTag(itemId, vocab, labelId);
      return this.oneItemTags(itemId, vocab);
    },
    'tags:itemsWithTag': async ({ vocab, labelId, top, threshold, factors }) => {
      const hits = await this.org().itemsWithTag(vocab, labelId, { top, threshold, factors });
      const out = [];
      for (const h of hits.slice(0, 2000)) {
        const item = await this.lib().item(h.itemId);
        if (item) out.push({ item, score: h.score, confirmed: h.confirmed });
      }
      return out;
    },
    'tags:findLabels': async ({ vocab, text, limit }) => {
      const v = this.org().vocabulary(vocab);
      const names = new Map(v.labels.map((l) => [l.id, l.name]));
      return this.org()
        .findLabels(vocab, text, limit ?? 50)
        .map((l) => ({ id: l.id, name: l.name, path: l.parents.map((p) => names.get(p) ?? p).join(' · ') }));
    },
    'organise:duplicates': async (opts) => {
      const r = await this.org().duplicates(opts);
      const exact = [];
      for (const g of r.exact) exact.push({ itemId: g.itemId, files: await Promise.all(g.paths.map((p) => this.describeFile(g.itemId, p))) });
      const near = [];
      for (const g of r.near) near.push({ ...g, items: await Promise.all(g.items.map((m) => this.describeFile(m.itemId, m.path))) });
      return { exact, near, options: r.options };
    },
    'organise:trash': async ({ paths }) => {
      const r = await this.org().trash(paths);
      this.itemMeta.clear();
      return r;
    },
    'organise:map': async ({ factors }) => {
      let last = 0;
      return this.org().map(factors, {
        onProgress: (epoch, total) => {
          const now = Date.now();
          if (now - last < 100 && epoch < total) return;
          last = now;
          this.opts.emit('organise:mapProgress', { epoch, total });
        },
      });
    },
    'collections:list': async () => this.org().collections.list(),
    'collections:create': async ({ name, kind, rule, itemIds }) => {
      const c = this.org().collections;
      const made = c.create(name, kind, rule);
      if (itemIds?.length) c.add(made.id, itemIds);
      return c.list().find((x) => x.id === made.id)!;
    },
    'collections:rename': async ({ id, name }) => {
      this.org().collections.rename(id, name);
      return this.org().collections.list();
    },
    'collections:remove': async ({ id }) => {
      this.org().collections.remove(id);
      return this.org().collections.list();
    },
    'collections:add': async ({ id, itemIds }) => {
      const c = this.org().collections;
      const added = c.add(id, itemIds);
      return { added, collection: c.list().find((x) => x.id === id)! };
    },
    'collections:removeItems': async ({ id, itemIds }) => {
      const c = this.org().collections;
      c.removeItems(id, itemIds);
      const info = c.list().find((x) => x.id === id);
      if (!info) throw new CodedError('not-found', `no collection ${id}`);
      return info;
    },
    'collections:members': async ({ id }) => this.withThumbs(await this.org().collections.members(id)),
    'collections:export': async ({ id, format, dest }) => ({ dest, format, ...(await exportCollection(await this.org().collections.members(id), format, dest)) }),
  };

  /** Validates and runs one request. */
  async handle(channel: string, payload: unknown): Promise<unknown> {
    const req = validateRequest(channel, payload);
    await this.opening;
    const h = this.handlers[channel as Channel] as (r: unknown) => Promise<unknown>;
    return h(req);
  }
}

function releasesUrl(appRoot: string): string {
  try {
    return releasesUrlOf(JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')));
  } catch {
    return '';
  }
}
