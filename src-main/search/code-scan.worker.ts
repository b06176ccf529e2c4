/**
 * The second thread of approximate search's code scan: scores its share of a query's rows in the same shared
 * WebAssembly memories as the searching thread (search/code-arena.ts), told what to do through a shared
 * control block (CodeScanJob) and Atomics, so a query costs no message and no copy.
 */
import { workerData } from 'node:worker_threads';
import { instantiateCodeDots } from './code-scan-wasm';
import { CTRL, type CodeScanInit } from './code-scan-protocol';
import type { WasmMemory } from '../runtime/wasm/assembler';

const { control, memories } = workerData as CodeScanInit;
const ctrl = new Int32Array(control);
const kernels = (memories as WasmMemory[]).map((m) => instantiateCodeDots(m));
let seen = Atomics.load(ctrl, CTRL.seq);
Atomics.store(ctrl, CTRL.ready, 1);
for (;;) {
  Atomics.wait(ctrl, CTRL.seq, seen);
  seen = Atomics.load(ctrl, CTRL.seq);
  if (Atomics.load(ctrl, CTRL.stop)) break;
  const k = kernels[ctrl[CTRL.memory]!];
  if (k) k(0, ctrl[CTRL.B]!, ctrl[CTRL.rows]!, ctrl[CTRL.n]!, ctrl[CTRL.lut]!, ctrl[CTRL.out]!);
  Atomics.store(ctrl, CTRL.done, seen);
  Atomics.notify(ctrl, CTRL.done);
}
