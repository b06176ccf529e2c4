import { stat } from 'node:fs/promises';
import { sep } from 'node:path';
import type { EmbeddingComponents, PreparedAudio, PreparedClips, PreparedImage, Space } from '../space/types';
import { modalityOf } from '../domain/formats';
import { hashFile } from './hash';
import { precheck, readMetadataOf, type PrepareResult, type PrepareTask } from './prepare-item';
import type { RunHooks } from './prep-pool';
import type { VideoPart } from './prepare-video';
import { VideoMoments } from './video-moments';
import type { NewItem, Repo } from './repo';
import { scanRoot, type ScannedFile } from './scan';
import type { FailureInfo, IndexPhase, IndexProgress, IndexSummary } from './service';
import { logger } from '../domain/log';
import { EnvironmentError, mediaReadError } from '../runtime/env-error';
import { describeHolder, HEARTBEAT_MS, type IndexLock } from './index-lock';

const log = logger('index');

export interface IndexerDeps {
  repo: Repo;
  /** Used for encode* only; preparation goes through `prepare`. */
  space: Pick<Space, 'encodeImages' | 'encodeAudios' | 'encodeClips' | 'factorFor' | 'packId'>;
  /** `hooks`: a video's parts (encoded as they come) and cancellation. */
  prepare: (t: PrepareTask, hooks?: RunHooks) => Promise<PrepareResult>;
  /** How many files may be in preparation at once (≥ workers, so the encoder never waits). */
  prepConcurrency: number;
  batchSize: number;
  thumbDir: string;
  /** The library's index lock; the run holds it from before the scan to its end. */
  lock: IndexLock;
  /** When another process holds the lock: wait for it (phase 'waiting'), or end at once with an error naming it. */
  waitForLock: boolean;
  /** Called with the lock held, before the scan (cleans what killed runs left behind). */
  onLocked?: () => void;
  onItemWritten?: (itemId: number, paths: string[]) => void;
  onItemsRemoved?: (itemIds: number[]) => void;
  onPathsChanged?: (itemId: number) => void;
}

export type IndexTarget = { roots: string[] } | { changed: string[]; removed: string[] };

interface Ready {
  file: ScannedFile;
  item: NewItem;
  image?: PreparedImage;
  audio?: PreparedAudio;
  /** Tells files with the same content, waiting behind this one, whether it was written. */
  settle: (written: boolean) => void;
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** A part of a video waiting for the encoder, and what to do once it is encoded. */
interface PartJob {
  part: Exclude<VideoPart, { kind: 'progress' }>;
  moments: VideoMoments;
  done: () => void;
}

/** Files this large report their own progress (hashing, decoding) while they are worked on. */
const LONG_FILE_BYTES = 64 * 2 ** 20;

/** One indexing run: scan → classify → (hash, prepare in workers) ∥ (batched encode) → one transaction per item. */
export class IndexJob {
  readonly done: Promise<IndexSummary>;
  private paused = false;
  private resumeWaiters: (() => void)[] = [];
  private cancelled = false;
  private progress: IndexProgress;
  private readonly failures: FailureInfo[] = [];
  /** Files that show their own progress (videos, very large files): seconds decoded of how many, or bytes hashed. */
  private readonly inFile = new Map<string, { path: string; stage: 'hashing' | 'decoding'; done: number; total: number | null }>();
  /** Preparations that stop when the job is cancelled (a ten-hour video must not run on for minutes). */
  private readonly aborts = new Set<AbortController>();
  private removed = 0;
  private readonly t0 = performance.now();
  private indexStart = 0;
  /** Milliseconds the encoder was running (for the busy fraction). */
  encodeBusyMs = 0;
  indexWallMs = 0;

  constructor(
    readonly id: string,
    private readonly deps: IndexerDeps,
    private readonly target: IndexTarget,
    private readonly emit: (p: IndexProgress) => void,
  ) {
    this.progress = {
      jobId: id, phase: 'scanning', done: 0, total: 0, indexed: 0, unchanged: 0, skipped: 0, failed: 0,
      ratePerSec: 0, etaSec: null, current: null,
    };
    this.done = this.locked().catch((e) => {
      log.error(`indexing job ${id} stopped`, e);
      this.setPhase('error', msg(e));
      return this.summary('error', msg(e));
    });
  }

  snapshot(): IndexProgress {
    return { ...this.progress, ...(this.inFile.size ? { files: [...this.inFile.values()].map((f) => ({ ...f })) } : {}) };
  }

  pause(): void {
    if (this.paused || this.isOver()) return;
    this.paused = true;
    this.setPhase('paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.setPhase(this.indexStart ? 'indexing' : 'scanning');
    for (const r of this.resumeWaiters.splice(0)) r();
  }

  cancel(): void {
    this.cancelled = true;
    for (const a of this.aborts) a.abort();
    this.resume();
  }

  /** The first environmental error (disk full, cache unwritable …): the run stops and records nothing more. */
  private fatal: EnvironmentError | null = null;

  private abort(e: EnvironmentError): void {
    this.fatal ??= e;
    this.cancelled = true;
    this.resume();
  }

  /** Wait for (or refuse) another index run on this library, hold the lock for the whole run, release it at the end. */
  private async locked(): Promise<IndexSummary> {
    const { lock } = this.deps;
    for (let holder = lock.tryAcquire(); holder; holder = lock.tryAcquire()) {
      const who = describeHolder(holder);
      if (!this.deps.waitForLock) throw new Error(`another index run holds this library: ${who}`);
      this.progress.waitingFor = who;
      if (this.progress.phase !== 'waiting') this.setPhase('waiting');
      await new Promise((r) => setTimeout(r, 250));
      if (this.cancelled) {
        this.setPhase('cancelled');
        return this.summary('cancelled');
      }
    }
    delete this.progress.waitingFor;
    const beat = setInterval(() => {
      try {
        lock.beat();
      } catch {
        /* a busy or failing database: the next beat tries again */
      }
    }, HEARTBEAT_MS);
    beat.unref?.();
    try {
      this.deps.onLocked?.();
      return await this.run();
    } finally {
      clearInterval(beat);
      lock.release();
    }
  }

  private isOver(): boolean {
    return ['done', 'cancelled', 'error'].includes(this.progress.phase);
  }

  private gate(): Promise<void> | void {
    if (!this.paused) return;
    return new Promise((r) => this.resumeWaiters.push(r));
  }

  private setPhase(phase: IndexPhase, error?: string): void {
    this.progress.phase = phase;
    if (error) this.progress.error = error;
    this.emit(this.snapshot());
  }

  private tick(current: string | null): void {
    const p = this.progress;
    p.done = p.indexed + p.unchanged + p.skipped + p.failed;
    p.current = current;
    if (this.indexStart) {
      const el = (performance.now() - this.indexStart) / 1000;
      const worked = p.indexed + p.skipped + p.failed - this.preFailed;
      p.ratePerSec = el > 0 ? worked / el : 0;
      p.etaSec = p.ratePerSec > 0 ? (p.total - p.done) / p.ratePerSec : null;
    }
    // At most ~10 progress events per second (they cross IPC); phase changes always go out.
    const now = performance.now();
    if (now - this.lastEmit < 100 && p.done < p.total) return;
    this.lastEmit = now;
    this.emit(this.snapshot());
  }

  private lastEmit = 0;

  private preFailed = 0;

  private fail(path: string, reason: string, size: number | null, mtimeMs: number | null): void {
    if (this.fatal) return; // after an environmental error nothing more is recorded
    log.warn(`not indexed: ${path}: ${reason}`);
    this.deps.repo.recordFailure(path, reason, size, mtimeMs);
    this.failures.push({ path, reason, at: Date.now() });
    this.progress.failed++;
  }

  private summary(phase: IndexSummary['phase'], error?: string): IndexSummary {
    const p = this.progress;
    return {
      jobId: this.id, phase, indexed: p.indexed, unchanged: p.unchanged, skipped: p.skipped, failed: p.failed,
      removed: this.removed, failures: this.failures, elapsedSec: (performance.now() - this.t0) / 1000,
      ...(error ? { error } : {}),
    };
  }

  private async collect(): Promise<{ files: ScannedFile[]; vanished: string[] }> {
    const { repo } = this.deps;
    const files: ScannedFile[] = [];
    const errors: { path: string; reason: string }[] = [];
    const vanished: string[] = [];
    if ('roots' in this.target) {
      for (const r of this.target.roots) {
        await this.gate();
        await scanRoot(r, files, errors);
      }
      // the library's own thumbnail cache (next to its database, perhaps inside a library folder) is not media
      let kept = 0;
      for (const f of files) if (!underAny(f.path, [this.deps.thumbDir])) files[kept++] = f;
      files.length = kept;
      const seen = new Set(files.map((f) => f.path));
      for (const r of this.target.roots) {
        for (const f of repo.filesUnder(r)) if (!seen.has(f.path)) vanished.push(f.path);
        for (const f of repo.failuresUnder([r])) if (!seen.has(f.path) && !errors.some((e) => e.path === f.path)) vanished.push(f.path);
      }
    } else {
      for (const p of this.target.changed) {
        const modality = modalityOf(p);
        if (!modality) continue;
        try {
          const s = await stat(p);
          if (s.isFile()) files.push({ path: p, size: s.size, mtimeMs: s.mtimeMs, modality });
        } catch {
          vanished.push(p);
        }
      }
      vanished.push(...this.target.removed);
    }
    for (const e of errors) this.fail(e.path, e.reason, null, null);
    // Nested roots (or a path given twice) must not index the same file twice in one run.
    const seenPaths = new Set<string>();
    const unique = files.filter((f) => !seenPaths.has(f.path) && (seenPaths.add(f.path), true));
    return { files: unique, vanished: [...new Set(vanished)].filter((p) => !seenPaths.has(p)) };
  }

  private async run(): Promise<IndexSummary> {
    const { repo, space } = this.deps;
    const packId = space.packId;
    this.setPhase('scanning');
    const { files, vanished } = await this.collect();
    // Vanished paths leave first; their items stay until the end so a rename found in the same run reuses them.
    const affected = new Set<number>();
    for (const p of vanished) {
      const fr = repo.fileByPath(p);
      if (fr) {
        this.removed++;
        affected.add(fr.item_id);
      }
      repo.removeFile(p);
    }
    const todo: ScannedFile[] = [];
    const metaBackfill: { path: string; itemId: number; modality: ScannedFile['modality'] }[] = [];
    this.progress.total = files.length + this.progress.failed;
    for (const f of files) {
      const row = repo.fileByPath(f.path);
      if (row && row.size === f.size && row.mtime_ms === f.mtimeMs && repo.hasVectors(row.item_id, packId)) {
        this.progress.unchanged++;
        // Indexed before embedded metadata was read (schema < v8): read it now, no re-encoding.
        if (!repo.hasMeta(row.item_id)) metaBackfill.push({ path: f.path, itemId: row.item_id, modality: f.modality });
        continue;
      }
      const fl = repo.failureByPath(f.path);
      if (fl && fl.size === f.size && fl.mtime_ms === f.mtimeMs) {
        this.failures.push({ path: f.path, reason: fl.reason, at: Date.now() });
        this.progress.failed++;
        continue;
      }
      if (row) affected.add(row.item_id);
      todo.push(f);
    }
    this.preFailed = this.progress.failed;
    this.indexStart = performance.now();
    this.setPhase(this.paused ? 'paused' : 'indexing');
    this.tick(null);

    const queues: Record<'image' | 'audio', Ready[]> = { image: [], audio: [] };
    const parts: PartJob[] = [];
    let producing = true;
    let wake: (() => void) | null = null;
    const signal = () => {
      const w = wake;
      wake = null;
      w?.();
    };

    // Content in preparation or waiting for the encoder, by hash. A second file with the same bytes (a copy, a
    // hard link) waits for the first one's outcome and then only links its path to the item: two files with one
    // hash in flight at once must neither race on the item nor on its thumbnail.
    const inFlight = new Map<string, Promise<boolean>>();
    let dupWaiters = 0;

    const handle = async (f: ScannedFile): Promise<void> => {
      this.progress.current = f.path;
      const bad = await precheck(f.path, f.modality);
      if (bad) return this.fail(f.path, bad, f.size, f.mtimeMs);
      let hash: string;
      const long = f.size >= LONG_FILE_BYTES || f.modality === 'video';
      const live = long ? { path: f.path, stage: 'hashing' as 'hashing' | 'decoding', done: 0, total: f.size as number | null } : null;
      if (live) this.inFile.set(f.path, live);
      try {
        hash = await hashFile(f.path, live ? (n) => {
          live.done = n;
          this.tick(f.path);
        } : undefined);
      } catch (e) {
        this.inFile.delete(f.path);
        const env = mediaReadError(e, f.path);
        if (env) throw env;
        return this.fail(f.path, `cannot read file: ${(e as NodeJS.ErrnoException).code ?? msg(e)}`, f.size, f.mtimeMs);
      }
      for (let first = inFlight.get(hash); first; first = inFlight.get(hash)) {
        dupWaiters++;
        signal(); // the consumer encodes a partial batch rather than leave the first copy waiting for company
        try {
          await first;
        } finally {
          dupWaiters--;
        }
      }
      if (this.cancelled) return; // stopped (cancel, or an environmental error) while this copy waited
      const existing = repo.itemByHash(hash);
      // a video file's content may be an audio item (sound only)
      const sameKind = existing && (existing.modality === f.modality || (f.modality === 'video' && existing.modality === 'audio'));
      if (existing && sameKind && repo.hasVectors(existing.id, packId)) {
        this.inFile.delete(f.path);
        repo.linkFile(f.path, existing.id, f.size, f.mtimeMs);
        this.progress.skipped++;
        this.deps.onPathsChanged?.(existing.id);
        return;
      }
      let settle!: (written: boolean) => void;
      inFlight.set(hash, new Promise<boolean>((r) => (settle = r)));
      const done = (written: boolean) => {
        inFlight.delete(hash);
        settle(written);
      };
      let r: PrepareResult;
      const task: PrepareTask = { path: f.path, modality: f.modality, hash, size: f.size, mtimeMs: f.mtimeMs, thumbDir: this.deps.thumbDir };
      const moments = f.modality === 'video' ? new VideoMoments() : null;
      const abort = new AbortController();
      this.aborts.add(abort);
      try {
        r = await this.deps.prepare(task, moments ? {
          signal: abort.signal,
          onPart: (part) => {
            if (part.kind === 'progress') {
              if (live) Object.assign(live, { stage: 'decoding', done: part.sec, total: part.durationSec });
              this.tick(f.path);
              return;
            }
            if (this.cancelled) return;
            return new Promise<void>((resolve) => {
              parts.push({ part, moments, done: resolve });
              signal();
            });
          },
        } : { signal: abort.signal });
      } catch (e) {
        done(false);
        throw e;
      } finally {
        this.aborts.delete(abort);
        this.inFile.delete(f.path);
      }
      if (!r.ok) {
        done(false);
        if (r.cancelled || this.cancelled) return; // nothing written, nothing recorded: the next run starts over
        if (r.environmental) throw new EnvironmentError(r.reason, 'ENV', this.deps.thumbDir);
        return this.fail(f.path, r.reason, f.size, f.mtimeMs);
      }
      if (r.video && moments) {
        if (this.cancelled) {
          // parts that arrived after the cancel were dropped, so the moments are incomplete: write nothing and
          // record nothing (the next run starts the file over)
          done(false);
          return;
        }
        // every part was encoded before the worker finished (each waits for its acknowledgement)
        let written = false;
        try {
          const comps = moments.components();
          if (comps instanceof Error) return this.fail(f.path, comps.message, f.size, f.mtimeMs);
          // the sound moments' experts are governed by the audio factor, as a recording's
          if (comps.clips?.some((c) => c.expert)) comps.factor = space.factorFor('audio');
          const id = repo.writeItem(f.path, f.mtimeMs, r.item, packId, comps, r.video);
          written = true;
          this.progress.indexed++;
          this.deps.onItemWritten?.(id, repo.pathsOf(id));
        } finally {
          done(written);
        }
        return;
      }
      const mod = r.item.modality === 'image' ? 'image' : 'audio';
      queues[mod].push({ file: f, item: r.item, image: r.image, audio: r.audio, settle: done });
      signal();
    };

    /** Encode one video part and keep its vectors with the video's other moments. */
    const encodePart = async (j: PartJob): Promise<void> => {
      const t = performance.now();
      try {
        if (j.part.kind === 'frames') {
          const fresh = j.part.frames.filter((f) => f.image);
          const comps = fresh.length ? await space.encodeImages(fresh.map((f) => f.image!)) : [];
          j.moments.addFrames(j.part.frames, fresh.map((f, i) => ({ moment: f.moment, vector: comps[i]!.base })));
        } else {
          const clips = await space.encodeClips(j.part.clips as PreparedClips);
          j.moments.addSound(j.part.moments, clips);
        }
      } catch (e) {
        j.moments.fail(`encoder failed on a ${j.part.kind === 'frames' ? 'frame' : 'sound'} part: ${msg(e)}`);
      } finally {
        this.encodeBusyMs += performance.now() - t;
        j.done();
      }
    };

    const producer = async () => {
      let next = 0;
      const lane = async () => {
        while (!this.cancelled) {
          await this.gate();
          if (this.cancelled) break;
          // Back-pressure: keep at most a few batches of prepared tensors in memory.
          while (queues.image.length + queues.audio.length > this.deps.batchSize * 3 && !this.cancelled) {
            await new Promise((r) => setTimeout(r, 5));
          }
          const i = next++;
          if (i >= todo.length) break;
          try {
            await handle(todo[i]!);
          } catch (e) {
            if (!(e instanceof EnvironmentError)) throw e;
            this.abort(e);
            break;
          }
          this.tick(todo[i]!.path);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, this.deps.prepConcurrency) }, lane));
      producing = false;
      signal();
    };

    const encodeBatch = async (mod: 'image' | 'audio', batch: Ready[]): Promise<(EmbeddingComponents | Error)[]> => {
      const t = performance.now();
      try {
        return mod === 'image'
          ? await space.encodeImages(batch.map((b) => b.image!))
          : await space.encodeAudios(batch.map((b) => b.audio!));
      } catch (e) {
        if (batch.length === 1) return [e instanceof Error ? e : new Error(String(e))];
        const out: (EmbeddingComponents | Error)[] = [];
        for (const b of batch) out.push(...(await encodeBatch(mod, [b])));
        return out;
      } finally {
        this.encodeBusyMs += performance.now() - t;
      }
    };

    const consumer = async () => {
      for (;;) {
        await this.gate();
        if (parts.length) {
          // a video's parts first: its worker waits on them, and each is a full batch already
          await encodePart(parts.shift()!);
          this.tick(null);
          continue;
        }
        const mod = queues.audio.length >= queues.image.length ? 'audio' : 'image';
        const q = queues[mod];
        const full = q.length >= this.deps.batchSize;
        if (q.length === 0 || (!full && producing && dupWaiters === 0)) {
          if (!producing && queues.image.length === 0 && queues.audio.length === 0) break;
          if (this.cancelled && queues.image.length === 0 && queues.audio.length === 0) break;
          await new Promise<void>((r) => {
            wake = r;
            if (!producing || full || parts.length || (dupWaiters > 0 && q.length > 0)) r();
          });
          continue;
        }
        if (this.fatal) {
          // the disk is full (or similar): what is prepared is dropped, recorded neither as indexed nor as failed
          for (const b of [...queues.image.splice(0), ...queues.audio.splice(0)]) b.settle(false);
          continue;
        }
        const batch = q.splice(0, this.deps.batchSize);
        const comps = await encodeBatch(mod, batch);
        const good: { path: string; mtimeMs: number; item: NewItem; comps: EmbeddingComponents }[] = [];
        batch.forEach((b, i) => {
          if (this.fatal) return; // settled below, unwritten
          const c = comps[i]!;
          if (c instanceof Error) return this.fail(b.file.path, `encoder failed: ${msg(c)}`, b.file.size, b.file.mtimeMs);
          if (!c.base.every(Number.isFinite)) return this.fail(b.file.path, 'encoder produced non-finite values', b.file.size, b.file.mtimeMs);
          good.push({ path: b.file.path, mtimeMs: b.file.mtimeMs, item: b.item, comps: c });
        });
        // One write of the batch's vectors (one fdatasync), then each item's rows commit.
        const written = new Set<string>();
        try {
          const ids = repo.writeItems(packId, good);
          ids.forEach((id, i) => {
            written.add(good[i]!.path);
            this.progress.indexed++;
            this.deps.onItemWritten?.(id, repo.pathsOf(id));
          });
        } catch (e) {
          if (!(e instanceof EnvironmentError)) throw e;
          this.abort(e);
        } finally {
          for (const b of batch) b.settle(written.has(b.file.path));
        }
        this.tick(null);
      }
    };

    await Promise.all([producer(), consumer()]);
    for (const m of metaBackfill) {
      if (this.cancelled) break;
      await this.gate();
      if (repo.hasMeta(m.itemId)) continue;
      repo.writeMeta(m.itemId, await readMetadataOf(m.path, m.modality));
    }
    this.indexWallMs = performance.now() - this.indexStart;
    if (!this.cancelled) {
      const gone = repo.collectOrphans().map((g) => g.id);
      if (gone.length) this.deps.onItemsRemoved?.(gone);
      for (const id of affected) if (!gone.includes(id)) this.deps.onPathsChanged?.(id);
    }
    this.progress.current = null;
    if (this.fatal) {
      log.error(`indexing job ${this.id} stopped: ${this.fatal.message}`);
      this.setPhase('error', this.fatal.message);
      return this.summary('error', this.fatal.message);
    }
    const phase = this.cancelled ? 'cancelled' : 'done';
    this.setPhase(phase);
    const p = this.progress;
    log.info(`indexing job ${this.id} ${phase}: ${p.indexed} indexed, ${p.unchanged} unchanged, ${p.skipped} skipped, ${p.failed} failed, ${this.removed} removed`);
    return this.summary(phase);
  }
}

export const underAny = (path: string, dirs: string[]) => dirs.some((d) => path.startsWith(d.endsWith(sep) ? d : d + sep));
