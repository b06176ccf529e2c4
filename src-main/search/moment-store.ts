import type { Factors } from '../domain/types';
import { ChunkedRows } from './row-block';
import { FACTOR_AUDIO, FACTOR_NONE, FACTOR_TEXT } from './vector-store';

/** A moment's track: a recording's or a video's sound, or a video's pictures. */
export const TRACK_SOUND = 0;
export const TRACK_FRAMES = 1;

/**
 * One item's clips as stored: spans, base vectors (n × dim), expert vectors and c when the clips have them. A video's
 * last `frameCount` clips are its frame moments (pictures: no expert; `expert` then holds the sound clips' only).
 */
export interface ItemMoments {
  itemId: number;
  /** [start0, end0, start1, end1, …] seconds. */
  spans: ArrayLike<number>;
  base: Float32Array;
  expert: Float32Array | null;
  c: ArrayLike<number> | null;
  factor: keyof Factors | null;
  frameCount?: number;
}

/**
 * Every 2-second clip of every audio item as a searchable row, laid out like VectorStore: a base block for
 * all clips, an expert block for clips that have an expert vector (expertRow −1 otherwise), per-row c and
 * factor kind, so the same live-factor scoring applies to a clip as to an item. Rows of one item are
 * found through rowsOf; removal swaps the last row in.
 */
export class MomentStore {
  size = 0;
  expertSize = 0;
  version = 0;
  owner: Int32Array;
  clip: Int32Array;
  start: Float32Array;
  end: Float32Array;
  factor: Uint8Array;
  c: Float32Array;
  /** TRACK_SOUND or TRACK_FRAMES per row. */
  track: Uint8Array;
  expertRow: Int32Array;
  expertOwner: Int32Array;
  readonly baseBlock: ChunkedRows;
  readonly expertBlock: ChunkedRows;
  private readonly rows = new Map<number, number[]>();

  constructor(readonly dim: number, capacity = 1024, expertCapacity = 1024) {
    this.owner = new Int32Array(capacity);
    this.clip = new Int32Array(capacity);
    this.start = new Float32Array(capacity);
    this.end = new Float32Array(capacity);
    this.factor = new Uint8Array(capacity);
    this.c = new Float32Array(capacity);
    this.track = new Uint8Array(capacity);
    this.expertRow = new Int32Array(capacity);
    this.expertOwner = new Int32Array(expertCapacity);
    this.baseBlock = new ChunkedRows(dim, capacity);
    this.expertBlock = new ChunkedRows(dim, expertCapacity);
  }

  get capacity(): number {
    return this.owner.length;
  }

  /** Items that have moments. */
  get items(): number {
    return this.rows.size;
  }

  rowsOf(itemId: number): readonly number[] {
    return this.rows.get(itemId) ?? [];
  }

  reserve(rows: number, experts: number): void {
    if (rows > this.capacity) this.growRows(rows);
    if (experts > this.expertOwner.length) this.growExperts(experts);
  }

  private growRows(min: number): void {
    const cap = Math.max(min, this.capacity * 2);
    const g = <T extends Float32Array | Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.owner = g(this.owner);
    this.clip = g(this.clip);
    this.start = g(this.start);
    this.end = g(this.end);
    this.factor = g(this.factor);
    this.c = g(this.c);
    this.track = g(this.track);
    this.expertRow = g(this.expertRow);
    this.baseBlock.ensureCapacity(cap);
  }

  private growExperts(min: number): void {
    const cap = Math.max(min, this.expertOwner.length * 2);
    const o = new Int32Array(cap);
    o.set(this.expertOwner);
    this.expertOwner = o;
    this.expertBlock.ensureCapacity(cap);
  }

  /** Replace an item's moments. */
  set(m: ItemMoments): void {
    this.remove(m.itemId);
    const n = m.spans.length / 2;
    if (n === 0) return;
    const d = this.dim;
    const sound = n - (m.frameCount ?? 0);
    if (m.base.length !== n * d) throw new Error(`item ${m.itemId}: ${n} clip spans but ${m.base.length / d} clip vectors`);
    if (m.expert && m.expert.length !== sound * d) throw new Error(`item ${m.itemId}: ${sound} sound clips but ${m.expert.length / d} clip expert vectors`);
    this.version++;
    if (this.size + n > this.capacity) this.growRows(this.size + n);
    if (m.expert && this.expertSize + sound > this.expertOwner.length) this.growExperts(this.expertSize + sound);
    const list: number[] = [];
    const fk = m.expert && m.factor ? (m.factor === 'text' ? FACTOR_TEXT : FACTOR_AUDIO) : FACTOR_NONE;
    for (let j = 0; j < n; j++) {
      const r = this.size++;
      list.push(r);
      this.owner[r] = m.itemId;
      this.clip[r] = j;
      this.start[r] = m.spans[2 * j]!;
      this.end[r] = m.spans[2 * j + 1]!;
      this.baseBlock.set(r, m.base.subarray(j * d, (j + 1) * d));
      this.track[r] = j < sound ? TRACK_SOUND : TRACK_FRAMES;
      if (m.expert && fk !== FACTOR_NONE && j < sound) {
        const x = this.expertSize++;
        this.expertBlock.set(x, m.expert.subarray(j * d, (j + 1) * d));
        this.expertOwner[x] = r;
        this.expertRow[r] = x;
        this.factor[r] = fk;
        this.c[r] = m.c ? m.c[j]! : 1;
      } else {
        this.expertRow[r] = -1;
        this.factor[r] = FACTOR_NONE;
        this.c[r] = 1;
      }
    }
    this.rows.set(m.itemId, list);
  }

  /** Add one row (bulk loaders fill the vectors in place afterwards through baseBlock/expertBlock). */
  addRow(itemId: number, clip: number, start: number, end: number, factor: number, c: number, withExpert: boolean, track = TRACK_SOUND): number {
    if (this.size === this.capacity) this.growRows(this.size + 1);
    if (withExpert && this.expertSize === this.expertOwner.length) this.growExperts(this.expertSize + 1);
    this.version++;
    const r = this.size++;
    this.owner[r] = itemId;
    this.clip[r] = clip;
    this.start[r] = start;
    this.end[r] = end;
    this.track[r] = track;
    if (withExpert) {
      const x = this.expertSize++;
      this.expertOwner[x] = r;
      this.expertRow[r] = x;
      this.factor[r] = factor;
      this.c[r] = c;
    } else {
      this.expertRow[r] = -1;
      this.factor[r] = FACTOR_NONE;
      this.c[r] = 1;
    }
    let list = this.rows.get(itemId);
    if (!list) this.rows.set(itemId, (list = []));
    list.push(r);
    return r;
  }

  remove(itemId: number): void {
    const list = this.rows.get(itemId);
    if (!list) return;
    this.version++;
    this.rows.delete(itemId);
    // Highest rows first, so a row about to be freed is never the one swapped in.
    for (const r of [...list].sort((a, b) => b - a)) this.removeRow(r);
  }

  private removeRow(r: number): void {
    const x = this.expertRow[r]!;
    if (x >= 0) {
      const lastX = --this.expertSize;
      if (x !== lastX) {
        this.expertBlock.copyRow(x, lastX);
        const o = this.expertOwner[lastX]!;
        this.expertOwner[x] = o;
        this.expertRow[o] = x;
      }
    }
    const last = --this.size;
    if (r === last) return;
    this.baseBlock.copyRow(r, last);
    this.owner[r] = this.owner[last]!;
    this.clip[r] = this.clip[last]!;
    this.start[r] = this.start[last]!;
    this.end[r] = this.end[last]!;
    this.factor[r] = this.factor[last]!;
    this.c[r] = this.c[last]!;
    this.track[r] = this.track[last]!;
    this.expertRow[r] = this.expertRow[last]!;
    if (this.expertRow[r]! >= 0) this.expertOwner[this.expertRow[r]!] = r;
    const list = this.rows.get(this.owner[r]!);
    if (list) {
      const i = list.indexOf(last);
      if (i >= 0) list[i] = r;
    }
  }
}
