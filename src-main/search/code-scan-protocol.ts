/** What the searching thread and the code-scan worker share (search/code-scan.worker.ts). */

/** Slots of the shared control block (Int32Array). */
export const CTRL = {
  /** bumped by the searching thread for each job (the worker waits on it) */
  seq: 0,
  /** the seq of the last job the worker finished (the searching thread waits on it) */
  done: 1,
  /** 1: the worker leaves its loop */
  stop: 2,
  /** 1 once the worker waits for jobs */
  ready: 9,
  /** the job: which memory, bytes per code, and byte offsets of its rows, row count, table and scores */
  memory: 3,
  B: 4,
  rows: 5,
  n: 6,
  lut: 7,
  out: 8,
} as const;
export const CTRL_SLOTS = 10;

export interface CodeScanInit {
  control: SharedArrayBuffer;
  /** the shared WebAssembly memories it may be asked to score in, by index */
  memories: unknown[];
}
