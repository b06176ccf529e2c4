import { Worker } from 'node:worker_threads';
import { workerPath } from '../runtime/worker-path';
import type { PrepareResult, PrepareTask } from './prepare-item';
import type { VideoPart } from './prepare-video';

/** Messages to a preprocessing worker. */
export type PoolMessage =
  | { type: 'task'; id: number; task: PrepareTask }
  /** The part the worker sent first and is still waiting on has been encoded. */
  | { type: 'ack'; id: number }
  | { type: 'cancel'; id: number };

/** Messages from a preprocessing worker. */
export type WorkerMessage =
  | { type: 'done'; id: number; res: PrepareResult }
  | { type: 'part'; id: number; part: VideoPart };

export interface RunHooks {
  /** A video's parts, in order; the returned promise settles when the part is encoded (the worker waits on it). */
  onPart?: (part: VideoPart) => Promise<void> | void;
  /** Aborting stops the file's preparation (the result is { ok: false, cancelled }). */
  signal?: AbortSignal;
}

/** A few preprocessing workers; run() resolves with the result of one task (never rejects on bad media). */
export class PrepPool {
  private readonly workers: { w: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, { resolve: (r: PrepareResult) => void; wi: number; hooks?: RunHooks; parts: Promise<void> }>();
  private nextId = 1;

  constructor(private readonly packDir: string, size: number) {
    for (let i = 0; i < size; i++) this.workers.push({ w: this.spawn(i), busy: 0 });
  }

  private spawn(i: number): Worker {
    const w = new Worker(workerPath('library-prep'), { workerData: { packDir: this.packDir } });
    w.on('message', (m: WorkerMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'part') {
        if (m.part.kind === 'progress') {
          void p.hooks?.onPart?.(m.part);
          return;
        }
        // parts are handed on in order; each is acknowledged once the encoder is done with it
        p.parts = p.parts.then(async () => {
          try {
            await p.hooks?.onPart?.(m.part);
          } finally {
            if (this.workers[p.wi]?.w === w) w.postMessage({ type: 'ack', id: m.id } satisfies PoolMessage);
          }
        });
        return;
      }
      this.pending.delete(m.id);
      this.workers[p.wi]!.busy--;
      void p.parts.then(() => p.resolve(m.res));
    });
    w.on('error', (e) => this.failWorker(i, w, e));
    w.on('exit', (code) => {
      if (!this.closing) this.failWorker(i, w, new Error(`preprocessing worker exited with code ${code}`));
    });
    if (!this.active) w.unref();
    return w;
  }

  private closing = false;
  private active = false;

  /** A crashed worker (e.g. out of memory on one file) fails its tasks and is replaced. */
  private failWorker(wi: number, w: Worker, e: Error): void {
    const slot = this.workers[wi];
    if (!slot || slot.w !== w) return;
    for (const [id, p] of this.pending) {
      if (p.wi === wi) {
        this.pending.delete(id);
        void p.parts.then(() => p.resolve({ ok: false, reason: `preprocessing worker failed: ${e.message}` }));
      }
    }
    slot.busy = 0;
    void w.terminate().catch(() => undefined);
    if (!this.closing) slot.w = this.spawn(wi);
  }

  /** Keep the process alive while a job uses the pool; idle workers must not hold an app or CLI open. */
  setActive(on: boolean): void {
    this.active = on;
    for (const x of this.workers) (on ? x.w.ref() : x.w.unref());
  }

  run(task: PrepareTask, hooks?: RunHooks): Promise<PrepareResult> {
    let wi = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i]!.busy < this.workers[wi]!.busy) wi = i;
    const id = this.nextId++;
    this.workers[wi]!.busy++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, wi, hooks, parts: Promise.resolve() });
      const w = this.workers[wi]!.w;
      hooks?.signal?.addEventListener('abort', () => {
        if (this.pending.has(id) && this.workers[wi]!.w === w) w.postMessage({ type: 'cancel', id } satisfies PoolMessage);
      }, { once: true });
      w.postMessage({ type: 'task', id, task } satisfies PoolMessage);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((x) => x.w.terminate()));
  }
}
