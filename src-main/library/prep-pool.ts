import { Worker } from 'node:worker_threads';
import { workerPath } from '../runtime/worker-path';
import type { PrepareResult, PrepareTask } from './prepare-item';

/** A few preprocessing workers; run() resolves with the result of one task (never rejects on bad media). */
export class PrepPool {
  private readonly workers: { w: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, { resolve: (r: PrepareResult) => void; wi: number }>();
  private nextId = 1;

  constructor(private readonly packDir: string, size: number) {
    for (let i = 0; i < size; i++) this.workers.push({ w: this.spawn(i), busy: 0 });
  }

  private spawn(i: number): Worker {
    const w = new Worker(workerPath('library-prep'), { workerData: { packDir: this.packDir } });
    w.on('message', (m: { id: number; res: PrepareResult }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.workers[p.wi]!.busy--;
      p.resolve(m.res);
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
        p.resolve({ ok: false, reason: `preprocessing worker failed: ${e.message}` });
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

  run(task: PrepareTask): Promise<PrepareResult> {
    let wi = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i]!.busy < this.workers[wi]!.busy) wi = i;
    const id = this.nextId++;
    this.workers[wi]!.busy++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, wi });
      this.workers[wi]!.w.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((x) => x.w.terminate()));
  }
}
