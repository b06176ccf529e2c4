// A small pool of preprocessing worker threads (decode + encoder inputs off the main thread).
import { Worker } from 'node:worker_threads';
import { workerPath } from '../../runtime/worker-path';
import { checkKinds, type PreprocessKind, type PreprocessOutput } from './run-preprocess';

export type { PreprocessKind, PreprocessOutput } from './run-preprocess';

/** Error raised in a worker, re-thrown in the caller with the worker's error name and message. */
export class PreprocessError extends Error {
  constructor(
    message: string,
    readonly causeName: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'PreprocessError';
  }
}

interface Pending {
  resolve: (o: PreprocessOutput) => void;
  reject: (e: Error) => void;
  worker: number;
  file: string;
}

export class PreprocessPool {
  readonly size: number;
  private readonly workers: { w: Worker; busy: number; dead: boolean }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`PreprocessPool: size must be a positive integer, got ${size}`);
    this.size = size;
    const path = workerPath('preprocess');
    for (let i = 0; i < size; i++) {
      const w = new Worker(path);
      const slot = { w, busy: 0, dead: false };
      w.on('message', (m: { id: number; ok: boolean; out?: PreprocessOutput; err?: { name: string; message: string } }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        slot.busy--;
        if (m.ok) p.resolve(m.out!);
        else p.reject(new PreprocessError(m.err!.message, m.err!.name, p.file));
      });
      const fail = (e: Error) => {
        slot.dead = true;
        for (const [id, p] of this.pending) {
          if (p.worker !== i) continue;
          this.pending.delete(id);
          p.reject(new PreprocessError(`preprocessing worker failed on ${p.file}: ${e.message}`, e.name, p.file));
        }
      };
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!this.closed) fail(new Error(`worker exited with code ${code}`));
      });
      this.workers.push(slot);
    }
  }

  /**
   * Decode `file` (path or bytes) and compute one or several encoder inputs of the same modality.
   * Rejects with PreprocessError (bad media, too-short audio, …) naming the file.
   */
  run(kind: PreprocessKind | PreprocessKind[], file: string | Uint8Array): Promise<PreprocessOutput> {
    if (this.closed) return Promise.reject(new Error('PreprocessPool is closed'));
    let kinds: PreprocessKind[];
    try {
      kinds = checkKinds(Array.isArray(kind) ? kind : [kind]);
    } catch (e) {
      return Promise.reject(e);
    }
    let wi = -1;
    for (let i = 0; i < this.workers.length; i++) {
      const s = this.workers[i]!;
      if (!s.dead && (wi < 0 || s.busy < this.workers[wi]!.busy)) wi = i;
    }
    if (wi < 0) return Promise.reject(new Error('PreprocessPool: all workers have failed'));
    const id = this.nextId++;
    const label = typeof file === 'string' ? file : `<${file.byteLength} bytes>`;
    this.workers[wi]!.busy++;
    return new Promise<PreprocessOutput>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: wi, file: label });
      this.workers[wi]!.w.postMessage({ id, kinds, file });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error('PreprocessPool closed'));
    }
    await Promise.all(this.workers.map((s) => s.w.terminate()));
  }
}
