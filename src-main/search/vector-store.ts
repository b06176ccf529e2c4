import type { ItemModality } from '../domain/types';
import type { Factors } from '../domain/types';
import { ChunkedRows } from './row-block';

export interface StoreItem {
  id: number;
  modality: ItemModality;
  base: Float32Array;
  expert: Float32Array | null;
  c: number;
  factor: keyof Factors | null;
  /** ms since epoch (EXIF date or mtime). */
  date: number;
  durationSec: number | null;
  paths: string[];
}

export const FACTOR_NONE = 0;
export const FACTOR_TEXT = 1;
export const FACTOR_AUDIO = 2;
export const MOD_IMAGE = 0;
export const MOD_AUDIO = 1;
export const MOD_VIDEO = 2;
const MOD_CODE = { image: MOD_IMAGE, audio: MOD_AUDIO, video: MOD_VIDEO } as const;
const MOD_NAME = ['image', 'audio', 'video'] as const;
/** The modality stored as a row code. */
export const modalityCode = (m: ItemModality): number => MOD_CODE[m];
export const modalityName = (code: number): ItemModality => MOD_NAME[code] ?? 'image';

/**
 * In-memory vectors laid out for scanning: one contiguous row-major base block (every item), one expert
 * block (only items that have an expert; expertRow maps item row → expert row or −1), per-item c and
 * factor kind, plus the few fields filters need. Rows are compacted on removal (swap with the last).
 */
export class VectorStore {
  size = 0;
  /** Bumped on every change, so cached scans know they are stale. */
  version = 0;
  expertSize = 0;
  ids: Int32Array;
  modality: Uint8Array;
  factor: Uint8Array;
  c: Float32Array;
  date: Float64Array;
  duration: Float32Array;
  expertRow: Int32Array;
  /** Inverse of expertRow: expert row → item row. */
  expertOwner: Int32Array;
  readonly baseBlock: ChunkedRows;
  readonly expertBlock: ChunkedRows;
  paths: string[][] = [];
  private readonly rowOf = new Map<number, number>();

  /**
   * Where vectors come from when the store does not hold them (approximate mode keeps only the rows'
   * fields in memory; vectors are read from disk on demand).
   */
  external: ((id: number) => { base: Float32Array; expert: Float32Array | null } | null) | null = null;

  constructor(readonly dim: number, capacity = 1024, expertCapacity = 256, readonly resident = true) {
    if (!resident) capacity = expertCapacity = 0;
    if (!(dim > 0)) throw new Error(`vector store: bad dimension ${dim}`);
    this.ids = new Int32Array(capacity);
    this.modality = new Uint8Array(capacity);
    this.factor = new Uint8Array(capacity);
    this.c = new Float32Array(capacity);
    this.date = new Float64Array(capacity);
    this.duration = new Float32Array(capacity);
    this.expertRow = new Int32Array(capacity);
    this.baseBlock = new ChunkedRows(dim, capacity);
    this.expertOwner = new Int32Array(expertCapacity);
    this.expertBlock = new ChunkedRows(dim, expertCapacity);
  }

  private ext(r: number): { base: Float32Array; expert: Float32Array | null } {
    const v = this.external?.(this.ids[r]!);
    if (!v) throw new Error(`vectors of item ${this.ids[r]} cannot be read`);
    return v;
  }

  /** Base vector of row r (a view: valid until the store changes). */
  baseRow(r: number): Float32Array {
    return this.resident ? this.baseBlock.row(r) : this.ext(r).base;
  }

  /** Expert vector of expert row x (a view). */
  expertVec(x: number): Float32Array {
    if (this.resident) return this.expertBlock.row(x);
    const v = this.ext(this.expertOwner[x]!).expert;
    if (!v) throw new Error(`item ${this.ids[this.expertOwner[x]!]} has no expert vector`);
    return v;
  }

  get capacity(): number {
    return this.ids.length;
  }

  private get expertCap(): number {
    return this.expertOwner.length;
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  row(id: number): number | undefined {
    return this.rowOf.get(id);
  }

  private growItems(): void {
    const cap = Math.max(1024, this.capacity * 2);
    const g = <T extends Float32Array | Float64Array | Int32Array | Uint8Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.ids = g(this.ids, cap);
    this.modality = g(this.modality, cap);
    this.factor = g(this.factor, cap);
    this.c = g(this.c, cap);
    this.date = g(this.date, cap);
    this.duration = g(this.duration, cap);
    this.expertRow = g(this.expertRow, cap);
    if (this.resident) this.baseBlock.ensureCapacity(cap);
  }

  private growExperts(): void {
    const cap = Math.max(256, this.expertCap * 2);
    const o = new Int32Array(cap);
    o.set(this.expertOwner);
    this.expertOwner = o;
    if (this.resident) this.expertBlock.ensureCapacity(cap);
  }

  /** Room for this many items and expert rows without growing (bulk loads). */
  reserve(items: number, experts: number): void {
    while (this.capacity < items) this.growItems();
    while (this.expertOwner.length < experts) this.growExperts();
  }

  /** Insert or replace an item. */
  upsert(it: StoreItem): void {
    if (it.base.length !== this.dim) throw new Error(`item ${it.id}: base has ${it.base.length} dims, store has ${this.dim}`);
    if (it.expert && it.expert.length !== this.dim) throw new Error(`item ${it.id}: expert has ${it.expert.length} dims, store has ${this.dim}`);
    if (this.rowOf.has(it.id)) this.remove(it.id);
    this.version++;
    if (this.size === this.capacity) this.growItems();
    const r = this.size++;
    this.rowOf.set(it.id, r);
    this.ids[r] = it.id;
    this.modality[r] = modalityCode(it.modality);
    if (this.resident) this.baseBlock.set(r, it.base);
    this.date[r] = it.date;
    this.duration[r] = it.durationSec ?? NaN;
    this.paths[r] = it.paths;
    if (it.expert && it.factor) {
      if (this.expertSize === this.expertOwner.length) this.growExperts();
      const x = this.expertSize++;
      if (this.resident) this.expertBlock.set(x, it.expert);
      this.expertOwner[x] = r;
      this.expertRow[r] = x;
      this.c[r] = it.c;
      this.factor[r] = it.factor === 'text' ? FACTOR_TEXT : FACTOR_AUDIO;
    } else {
      this.expertRow[r] = -1;
      this.c[r] = 1;
      this.factor[r] = FACTOR_NONE;
    }
  }

  /**
   * Append an item's row without its vectors (bulk loaders write them in place through baseBlock and
   * expertBlock afterwards). Returns the row and its expert row (−1 without expert).
   */
  addRow(it: Omit<StoreItem, 'base' | 'expert'>, withExpert: boolean): { row: number; expertRow: number } {
    if (this.rowOf.has(it.id)) this.remove(it.id);
    this.version++;
    if (this.size === this.capacity) this.growItems();
    const r = this.size++;
    this.rowOf.set(it.id, r);
    this.ids[r] = it.id;
    this.modality[r] = modalityCode(it.modality);
    this.date[r] = it.date;
    this.duration[r] = it.durationSec ?? NaN;
    this.paths[r] = it.paths;
    let x = -1;
    if (withExpert && it.factor) {
      if (this.expertSize === this.expertOwner.length) this.growExperts();
      x = this.expertSize++;
      this.expertOwner[x] = r;
      this.c[r] = it.c;
      this.factor[r] = it.factor === 'text' ? FACTOR_TEXT : FACTOR_AUDIO;
    } else {
      this.c[r] = 1;
      this.factor[r] = FACTOR_NONE;
    }
    this.expertRow[r] = x;
    return { row: r, expertRow: x };
  }

  setPaths(id: number, paths: string[]): void {
    const r = this.rowOf.get(id);
    if (r !== undefined) this.paths[r] = paths;
  }

  remove(id: number): boolean {
    const r = this.rowOf.get(id);
    if (r === undefined) return false;
    this.version++;
    this.rowOf.delete(id);
    const x = this.expertRow[r]!;
    if (x >= 0) {
      const lastX = --this.expertSize;
      if (x !== lastX) {
        if (this.resident) this.expertBlock.copyRow(x, lastX);
        const owner = this.expertOwner[lastX]!;
        this.expertOwner[x] = owner;
        this.expertRow[owner] = x;
      }
    }
    const last = --this.size;
    if (r !== last) {
      if (this.resident) this.baseBlock.copyRow(r, last);
      this.ids[r] = this.ids[last]!;
      this.modality[r] = this.modality[last]!;
      this.factor[r] = this.factor[last]!;
      this.c[r] = this.c[last]!;
      this.date[r] = this.date[last]!;
      this.duration[r] = this.duration[last]!;
      this.expertRow[r] = this.expertRow[last]!;
      if (this.expertRow[r]! >= 0) this.expertOwner[this.expertRow[r]!] = r;
      this.paths[r] = this.paths[last]!;
      this.rowOf.set(this.ids[r]!, r);
    }
    this.paths.length = this.size;
    return true;
  }

  /** Copies of one item's stored vectors. */
  vectors(id: number): { base: Float32Array; expert: Float32Array | null; c: number; factor: keyof Factors | null } | null {
    const r = this.rowOf.get(id);
    if (r === undefined) return null;
    const x = this.expertRow[r]!;
    const f = this.factor[r]!;
    const ext = this.resident ? null : this.ext(r);
    return {
      base: ext ? ext.base : this.baseRow(r).slice(),
      expert: x >= 0 ? (ext ? ext.expert : this.expertVec(x).slice()) : null,
      c: this.c[r]!,
      factor: f === FACTOR_TEXT ? 'text' : f === FACTOR_AUDIO ? 'audio' : null,
    };
  }
}
