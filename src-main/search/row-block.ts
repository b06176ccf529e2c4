import { dotRows } from './dot-rows';
import { instantiateDot2, Wasm, type Dot2, type WasmMemory } from './dot-rows-wasm';

const CHUNK = 4096;
const PAGE = 65536;

/**
 * A growable block of float32 rows (row-major, `dim` wide) that lives in its own WebAssembly memory, so the
 * WebAssembly SIMD dot product scans it in place. Layout: [query area: 2·dim floats][output chunk: 2·CHUNK floats][rows…].
 * `view` is re-created whenever the memory grows: never keep it across an ensureCapacity() call.
 * Falls back to plain Float32Array + JS loops where WebAssembly SIMD is missing or dim % 16 ≠ 0.
 */
export class RowBlock {
  view: Float32Array;
  private readonly memory: WasmMemory | null;
  private readonly dot2: Dot2 | null;
  private readonly qOff: number;
  private readonly outOff: number;
  private readonly rowsOff: number;
  private capacityRows: number;

  constructor(readonly dim: number, capacity: number, useSimd = true) {
    this.capacityRows = Math.max(1, capacity);
    this.qOff = 0;
    this.outOff = 2 * dim * 4;
    this.rowsOff = this.outOff + 2 * CHUNK * 4;
    let memory: WasmMemory | null = null;
    let dot2: Dot2 | null = null;
    if (useSimd && Wasm && dim % 16 === 0) {
      try {
        memory = new Wasm.Memory({ initial: Math.ceil((this.rowsOff + this.capacityRows * dim * 4) / PAGE) });
        dot2 = instantiateDot2(memory);
      } catch {
        memory = null;
      }
    }
    this.memory = dot2 ? memory : null;
    this.dot2 = dot2;
    this.view = this.memory ? new Float32Array(this.memory.buffer, this.rowsOff, this.capacityRows * dim) : new Float32Array(this.capacityRows * dim);
  }

  get simd(): boolean {
    return this.dot2 !== null;
  }

  get capacity(): number {
    return this.capacityRows;
  }

  ensureCapacity(rows: number): void {
    if (rows <= this.capacityRows) return;
    const cap = Math.max(rows, this.capacityRows * 2);
    if (this.memory) {
      const need = this.rowsOff + cap * this.dim * 4;
      const have = this.memory.buffer.byteLength;
      try {
        if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
      } catch {
        throw new Error(`in-memory vector block cannot grow to ${cap} rows × ${this.dim} dims (${(need / 2 ** 30).toFixed(1)} GiB): over the 4 GiB WebAssembly limit`);
      }
      this.capacityRows = cap;
      this.view = new Float32Array(this.memory.buffer, this.rowsOff, cap * this.dim);
    } else {
      const v = new Float32Array(cap * this.dim);
      v.set(this.view);
      this.view = v;
      this.capacityRows = cap;
    }
  }

  /** out[(outRow0 + r)·m + k] = row_r · q_k for r < n (q holds m query vectors back to back). */
  dots(n: number, q: Float32Array, m: number, out: Float32Array, outRow0 = 0): void {
    if (!this.dot2 || !this.memory) {
      dotRows(this.view, this.dim, 0, n, q, m, out, outRow0);
      return;
    }
    const d = this.dim;
    const f = new Float32Array(this.memory.buffer);
    const outF = this.outOff / 4;
    for (let k0 = 0; k0 < m; k0 += 2) {
      const k1 = Math.min(k0 + 1, m - 1);
      f.set(q.subarray(k0 * d, (k0 + 1) * d), 0);
      f.set(q.subarray(k1 * d, (k1 + 1) * d), d);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const c = Math.min(CHUNK, n - r0);
        this.dot2(this.rowsOff + r0 * d * 4, c, d, this.qOff, this.qOff + d * 4, this.outOff);
        if (m === 2) {
          out.set(f.subarray(outF, outF + 2 * c), 2 * (outRow0 + r0));
        } else {
          for (let j = 0; j < c; j++) {
            out[(outRow0 + r0 + j) * m + k0] = f[outF + 2 * j]!;
            if (k1 !== k0) out[(outRow0 + r0 + j) * m + k1] = f[outF + 2 * j + 1]!;
          }
        }
      }
    }
  }
}

/** Rows per chunk: 65 536 rows × 1024 dims × 4 bytes = 256 MiB, well inside one WebAssembly memory. */
export const CHUNK_ROWS = 65536;

/**
 * Float32 rows spread over as many RowBlocks (each its own WebAssembly memory) as they need, so a store
 * has no 4 GiB ceiling; every chunk but the last is full. Row views stay valid until the next growth.
 */
export class ChunkedRows {
  private readonly chunks: RowBlock[] = [];
  private capacityRows = 0;

  constructor(readonly dim: number, capacity = 0, private readonly chunkRows = CHUNK_ROWS) {
    this.ensureCapacity(capacity);
  }

  get capacity(): number {
    return this.capacityRows;
  }

  get simd(): boolean {
    return this.chunks[0]?.simd ?? new RowBlock(this.dim, 1).simd;
  }

  ensureCapacity(rows: number): void {
    while (this.capacityRows < rows) {
      const last = this.chunks[this.chunks.length - 1];
      if (last && last.capacity < this.chunkRows) {
        last.ensureCapacity(Math.min(this.chunkRows, Math.max(rows - (this.chunks.length - 1) * this.chunkRows, last.capacity * 2)));
      } else {
        const want = Math.min(this.chunkRows, Math.max(1024, rows - this.chunks.length * this.chunkRows));
        this.chunks.push(new RowBlock(this.dim, want));
      }
      this.capacityRows = (this.chunks.length - 1) * this.chunkRows + this.chunks[this.chunks.length - 1]!.capacity;
    }
  }

  /** View of row r (length dim). */
  row(r: number): Float32Array {
    const c = this.chunks[Math.floor(r / this.chunkRows)]!;
    const o = (r % this.chunkRows) * this.dim;
    return c.view.subarray(o, o + this.dim);
  }

  /** The chunk holding row r and the offset of the row in its view (no allocation, for hot loops). */
  at(r: number): { view: Float32Array; offset: number } {
    const c = this.chunks[Math.floor(r / this.chunkRows)]!;
    return { view: c.view, offset: (r % this.chunkRows) * this.dim };
  }

  set(r: number, v: ArrayLike<number>): void {
    const c = this.chunks[Math.floor(r / this.chunkRows)]!;
    c.view.set(v as Float32Array, (r % this.chunkRows) * this.dim);
  }

  copyRow(dst: number, src: number): void {
    if (dst === src) return;
    this.set(dst, this.row(src));
  }

  /** out[r·m + k] = row_r · q_k for r < n. */
  dots(n: number, q: Float32Array, m: number, out: Float32Array): void {
    for (let ci = 0; ci * this.chunkRows < n; ci++) {
      const r0 = ci * this.chunkRows;
      this.chunks[ci]!.dots(Math.min(this.chunkRows, n - r0), q, m, out, r0);
    }
  }
}
