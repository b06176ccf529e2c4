import { Worker } from 'node:worker_threads';
import { workerPath } from '../runtime/worker-path';
import type { PrepareResult, PrepareTask } from './prepare-item';

/** A few preprocessing workers; run() resolves with the result of one task (never rejects on bad media). */
export class PrepPool {
  private readonly workers: { w: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, { resolve: (r: PrepareResult) => void; wi: number }>();
  private nextId = 1;

  constructor(packDir: string, size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(workerPath('library-prep'), { workerData: { packDir } });
      w.on('message', (m: { id: number; res: PrepareResult }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.workers[p.wi]!.busy--;
        p.resolve(m.res);
      });
      w.on('error', (e) => this.failWorker(i, e));
      w.on('exit', (code) => {
        if (code !== 0) this.failWorker(i, new Error(`preprocessing worker exited with code ${code}`));
      });
      w.unref();
      this.workers.push({ w, busy: 0 });
    }
  }

  private failWorker(wi: number, e: Error): void {
    for (const [id, p] of this.pending) {
      if (p.wi === wi) {
        this.pending.delete(id);
        p.resolve({ ok: false, reason: `preprocessing worker failed: ${e.message}` });
      }
    }
  }

  /** Keep the process alive while a job uses the pool; idle workers must not hold an app or CLI open. */
  setActive(on: boolean): void {
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
    await Promise.all(this.workers.map((x) => x.w.terminate()));
  }
}
