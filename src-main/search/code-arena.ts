/**
 * One family's binary codes (rows × B bytes) for approximate search, kept in a WebAssembly memory with room
 * after them for a query's lookup table, row list and scores, and scored there by codeDots; in a plain array
 * scored by a JavaScript loop where WebAssembly is missing or its memory cannot grow (4 GiB per family).
 */
import { instantiateCodeDots, SHARED_MAX_PAGES, type CodeDots } from './code-scan-wasm';
import type { CodeScanThread } from './code-scan-thread';
import { Wasm, type WasmMemory } from '../runtime/wasm/assembler';

const PAGE = 65536;
const MAX_PAGES = SHARED_MAX_PAGES;
/** Below this many rows a query's codes are scored on the searching thread alone (a hand-off costs ~0.1 ms). */
const SPLIT_ROWS = 8192;
const align16 = (n: number) => (n + 15) & ~15;

/** Σ_j lut[j·256 + codes[at + j]] (the JavaScript path). */
export function codeDot(lut: Float32Array, codes: Uint8Array, at: number, B: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 3 < B; j += 4) {
    s0 += lut[(j << 8) + codes[at + j]!]!;
    s1 += lut[((j + 1) << 8) + codes[at + j + 1]!]!;
    s2 += lut[((j + 2) << 8) + codes[at + j + 2]!]!;
    s3 += lut[((j + 3) << 8) + codes[at + j + 3]!]!;
  }
  for (; j < B; j++) s0 += lut[(j << 8) + codes[at + j]!]!;
  return s0 + s1 + s2 + s3;
}

export class CodeArena {
  /** Row r's code is codes[r·B … r·B + B). A view: read it again after reserve(). */
  codes: Uint8Array;
  private memory: WasmMemory | null = null;
  private kernel: CodeDots | null = null;
  private capacity = 0;

  constructor(readonly B: number, capacity: number, wasm = true) {
    this.codes = new Uint8Array(0);
    if (wasm && Wasm && B % 4 === 0) {
      // shared, so a second thread can score in it (see CodeScanThread); a plain memory where that is refused
      for (const shared of [true, false]) {
        try {
          this.memory = new Wasm.Memory({ initial: this.pagesFor(capacity, 0), maximum: MAX_PAGES, shared });
          this.kernel = instantiateCodeDots(this.memory);
        } catch {
          this.memory = null;
        }
        if (this.kernel) break;
      }
      if (!this.kernel) this.memory = null;
    }
    this.reserve(capacity);
  }

  /** Whether codes are scored in WebAssembly. */
  get wasm(): boolean {
    return this.kernel !== null;
  }

  /** The memory, if a second thread can score in it (shared). */
  get sharedMemory(): WasmMemory | null {
    return this.memory && typeof SharedArrayBuffer !== 'undefined' && this.memory.buffer instanceof SharedArrayBuffer ? this.memory : null;
  }

  private thread: { t: CodeScanThread; memory: number } | null = null;
  /** Let `t` score half of large queries; `memory` is this arena's index in the memories it was given. */
  useThread(t: CodeScanThread, memory: number): void {
    this.thread = { t, memory };
  }

  /** Rows of the last query scored by the second thread (tests, figures). */
  lastSplit = 0;

  private scratchAt(capacity: number): number {
    return align16(capacity * this.B);
  }

  private pagesFor(capacity: number, rows: number): number {
    return Math.ceil((this.scratchAt(capacity) + this.B * 1024 + 8 * rows + 64) / PAGE);
  }

  /** Make room for the memory's scratch of a query scoring `rows` rows (wasm) — false if it cannot grow. */
  private fit(capacity: number, rows: number): boolean {
    const m = this.memory!;
    const need = this.pagesFor(capacity, rows) - m.buffer.byteLength / PAGE;
    if (need <= 0) return true;
    try {
      m.grow(need);
      return true;
    } catch {
      return false;
    }
  }

  /** Room for `capacity` rows, keeping the codes already there. */
  reserve(capacity: number): void {
    if (capacity <= this.capacity && this.codes.length) return;
    if (this.memory && !this.fit(capacity, 0)) {
      // past what one WebAssembly memory holds: the codes move to a plain array, scored in JavaScript
      const old = this.codes;
      this.memory = null;
      this.kernel = null;
      this.codes = new Uint8Array(capacity * this.B);
      this.codes.set(old);
    } else if (this.memory) {
      this.codes = new Uint8Array(this.memory.buffer, 0, capacity * this.B);
    } else {
      const old = this.codes;
      this.codes = new Uint8Array(capacity * this.B);
      this.codes.set(old.subarray(0, Math.min(old.length, this.codes.length)));
    }
    this.capacity = capacity;
  }

  /** out[k] = Σ_j lut[j·256 + code(rows[k])_j] for k < n. */
  score(lut: Float32Array, rows: Int32Array, n: number, out: Float32Array): void {
    const B = this.B;
    if (this.memory && this.kernel && this.fit(this.capacity, n)) {
      const buf = this.memory.buffer;
      const lutAt = this.scratchAt(this.capacity);
      const rowsAt = lutAt + B * 1024;
      const outAt = rowsAt + 4 * n;
      new Float32Array(buf, lutAt, B * 256).set(lut);
      new Int32Array(buf, rowsAt, n).set(rows.subarray(0, n));
      const th = this.thread;
      if (th && n >= SPLIT_ROWS && th.t.ready) {
        // the second half to the other thread, the first half here, at the same time
        const h = n >> 1;
        const job = th.t.start(th.memory, B, rowsAt + 4 * h, n - h, lutAt, outAt + 4 * h);
        this.kernel(0, B, rowsAt, h, lutAt, outAt);
        if (th.t.finish(job)) this.lastSplit = n - h;
        else (this.kernel(0, B, rowsAt + 4 * h, n - h, lutAt, outAt + 4 * h), (this.lastSplit = 0));
      } else {
        this.kernel(0, B, rowsAt, n, lutAt, outAt);
        this.lastSplit = 0;
      }
      out.set(new Float32Array(buf, outAt, n));
      this.codes = new Uint8Array(buf, 0, this.capacity * B); // the memory may have grown
      return;
    }
    const codes = this.codes;
    for (let k = 0; k < n; k++) out[k] = codeDot(lut, codes, rows[k]! * B, B);
  }
}
