/**
 * A second thread for approximate search's code scan: the searching thread hands it the second half of a
 * query's rows through a shared control block and scores the first half itself; both kernels read the same
 * shared WebAssembly memories (codes, table, rows) and write disjoint halves of the scores. A worker that does
 * not answer within two seconds is stopped for good and its half scored here, so a search never hangs on it.
 */
import { Worker } from 'node:worker_threads';
import { workerPath } from '../runtime/worker-path';
import type { WasmMemory } from '../runtime/wasm/assembler';
import { CTRL, CTRL_SLOTS, type CodeScanInit } from './code-scan-protocol';

export class CodeScanThread {
  private readonly ctrl: Int32Array;
  private worker: Worker | null;

  constructor(memories: WasmMemory[]) {
    const control = new SharedArrayBuffer(CTRL_SLOTS * 4);
    this.ctrl = new Int32Array(control);
    const init: CodeScanInit = { control, memories };
    this.worker = new Worker(workerPath('code-scan'), { workerData: init });
    this.worker.unref(); // never what keeps a process (the CLI, a test) alive
    this.worker.on('error', () => this.close());
  }

  /** Whether it waits for jobs (until then, and after close, the searching thread scores alone). */
  get ready(): boolean {
    return this.worker !== null && Atomics.load(this.ctrl, CTRL.ready) === 1;
  }

  /** Hand it a job (byte offsets in memory `memory`); returns its number for finish(). */
  start(memory: number, B: number, rows: number, n: number, lut: number, out: number): number {
    const c = this.ctrl;
    c[CTRL.memory] = memory;
    c[CTRL.B] = B;
    c[CTRL.rows] = rows;
    c[CTRL.n] = n;
    c[CTRL.lut] = lut;
    c[CTRL.out] = out;
    const seq = Atomics.add(c, CTRL.seq, 1) + 1;
    Atomics.notify(c, CTRL.seq);
    return seq;
  }

  /** Wait for job `seq`; false if the worker failed to finish it (then it is stopped and the caller does the job). */
  finish(seq: number): boolean {
    const deadline = performance.now() + 2000;
    for (;;) {
      const done = Atomics.load(this.ctrl, CTRL.done);
      if (done === seq) return true;
      const left = deadline - performance.now();
      if (left <= 0 || !this.worker) {
        this.close();
        return false;
      }
      Atomics.wait(this.ctrl, CTRL.done, done, left);
    }
  }

  close(): void {
    if (!this.worker) return;
    Atomics.store(this.ctrl, CTRL.stop, 1);
    Atomics.add(this.ctrl, CTRL.seq, 1);
    Atomics.notify(this.ctrl, CTRL.seq);
    void this.worker.terminate();
    this.worker = null;
  }
}
