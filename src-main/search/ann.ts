/**
 * Approximate search for libraries past what an exact scan of float32 vectors in memory can hold
 * (roughly a million vectors): an inverted file per vector family (one over base vectors, one over expert
 * vectors; a two-level k-means coarse quantizer, T × S lists), every vector held in memory only as its
 * binary sign code (dim/8 bytes + α, the mean |component|). A query probes the nearest lists of both
 * indexes, scores the candidates from their codes against the float query (asymmetric: per code byte a
 * 256-entry table of partial dot products), keeps the best R, and the caller re-ranks those exactly from
 * the float16 records on disk with the live factors.
 */
import { CodeArena } from './code-arena';
import { CodeScanThread } from './code-scan-thread';
import { RowBlock } from './row-block';
import { FACTOR_NONE, FACTOR_TEXT } from './vector-store';
import type { Factors } from '../domain/types';

/** 256-entry table per code byte: lut[j·256 + byte] = Σ_b q[8j+b]·(bit b of byte ? +1 : −1). */
export function codeTable(q: Float32Array): Float32Array {
  const B = q.length >> 3;
  const lut = new Float32Array(B * 256);
  for (let j = 0; j < B; j++) {
    const o = j * 256;
    const q8 = j * 8;
    // build by doubling: entry for byte with bits 0..b set from smaller entries
    let sum = 0;
    for (let b = 0; b < 8; b++) sum -= q[q8 + b]!;
    lut[o] = sum;
    for (let b = 0; b < 8; b++) {
      const w = 2 * q[q8 + b]!;
      const span = 1 << b;
      for (let k = 0; k < span; k++) lut[o + span + k] = lut[o + k]! + w;
    }
  }
  return lut;
}

/** Two-level k-means coarse quantizer: T top centroids, S sub-centroids under each (T·S lists). */
export class CoarseQuantizer {
  readonly top: RowBlock;
  readonly subs: RowBlock[];
  private readonly out: Float32Array;
  constructor(readonly dim: number, readonly T: number, readonly S: number, centroids: Float32Array) {
    if (centroids.length !== (T + T * S) * dim) throw new Error('coarse quantizer: centroid block has the wrong size');
    this.top = new RowBlock(dim, T);
    this.top.view.set(centroids.subarray(0, T * dim));
    this.subs = [];
    for (let t = 0; t < T; t++) {
      const b = new RowBlock(dim, S);
      b.view.set(centroids.subarray((T + t * S) * dim, (T + (t + 1) * S) * dim));
      this.subs.push(b);
    }
    this.out = new Float32Array(Math.max(T, S) * 2);
  }
  get lists(): number {
    return this.T * this.S;
  }
  centroids(): Float32Array {
    const c = new Float32Array((this.T + this.T * this.S) * this.dim);
    c.set(this.top.view.subarray(0, this.T * this.dim));
    this.subs.forEach((b, t) => c.set(b.view.subarray(0, this.S * this.dim), (this.T + t * this.S) * this.dim));
    return c;
  }
  private argmax(block: RowBlock, n: number, v: Float32Array): number {
    block.dots(n, v, 1, this.out);
    let best = 0;
    for (let i = 1; i < n; i++) if (this.out[i]! > this.out[best]!) best = i;
    return best;
  }
  assign(v: Float32Array): number {
    const t = this.argmax(this.top, this.T, v);
    return t * this.S + this.argmax(this.subs[t]!, this.S, v);
  }
  /** The n lists whose centroids are nearest q (top clusters first, then their sub-lists). */
  probe(q: Float32Array, n: number): number[] {
    const ts = new Float32Array(this.T);
    this.top.dots(this.T, q, 1, ts);
    const order = Array.from(ts.keys()).sort((a, b) => ts[b]! - ts[a]!);
    const cands: { list: number; s: number }[] = [];
    const sub = new Float32Array(this.S);
    for (const t of order.slice(0, Math.max(2, Math.ceil((n / this.S) * 4)))) {
      this.subs[t]!.dots(this.S, q, 1, sub);
      for (let s = 0; s < this.S; s++) cands.push({ list: t * this.S + s, s: sub[s]! });
    }
    return cands.sort((a, b) => b.s - a.s).slice(0, n).map((c) => c.list);
  }
}

function kmeans(data: Float32Array, n: number, dim: number, k: number, iters: number, seed: number): Float32Array {
  const cent = new Float32Array(k * dim);
  let s = seed >>> 0 || 1;
  const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
  const picked = new Set<number>();
  for (let c = 0; c < k; c++) {
    let i = Math.floor(rnd() * n);
    for (let tries = 0; picked.has(i) && tries < 10; tries++) i = Math.floor(rnd() * n);
    picked.add(i);
    cent.set(data.subarray(i * dim, (i + 1) * dim), c * dim);
  }
  if (n <= k) return cent;
  const block = new RowBlock(dim, n);
  block.view.set(data.subarray(0, n * dim));
  const dots = new Float32Array(n * 2);
  const best = new Float32Array(n).fill(-Infinity);
  const assign = new Int32Array(n);
  for (let it = 0; it < iters; it++) {
    best.fill(-Infinity);
    for (let c = 0; c < k; c += 2) {
      const c1 = Math.min(c + 1, k - 1);
      const q = new Float32Array(2 * dim);
      q.set(cent.subarray(c * dim, (c + 1) * dim), 0);
      q.set(cent.subarray(c1 * dim, (c1 + 1) * dim), dim);
      block.dots(n, q, 2, dots);
      for (let i = 0; i < n; i++) {
        if (dots[2 * i]! > best[i]!) (best[i] = dots[2 * i]!), (assign[i] = c);
        if (dots[2 * i + 1]! > best[i]!) (best[i] = dots[2 * i + 1]!), (assign[i] = c1);
      }
    }
    const sum = new Float64Array(k * dim);
    const cnt = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const c = assign[i]!;
      cnt[c]!++;
      const o = i * dim, co = c * dim;
      for (let d = 0; d < dim; d++) sum[co + d]! += data[o + d]!;
    }
    for (let c = 0; c < k; c++) {
      if (cnt[c] === 0) continue; // keep the old centroid
      let n2 = 0;
      for (let d = 0; d < dim; d++) n2 += sum[c * dim + d]! ** 2;
      const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
      for (let d = 0; d < dim; d++) cent[c * dim + d] = sum[c * dim + d]! * inv;
    }
  }
  return cent;
}

/** Train a T × S quantizer on a sample (n × dim, unit vectors). */
export function trainQuantizer(sample: Float32Array, n: number, dim: number, T: number, S: number, iters = 6): CoarseQuantizer {
  const top = kmeans(sample, n, dim, T, iters, 12345);
  const tq = new CoarseQuantizer(dim, T, 1, new Float32Array([...top, ...top]));
  const groups: number[][] = Array.from({ length: T }, () => []);
  for (let i = 0; i < n; i++) groups[tq.assign(sample.subarray(i * dim, (i + 1) * dim))]!.push(i);
  const all = new Float32Array((T + T * S) * dim);
  all.set(top, 0);
  groups.forEach((g, t) => {
    const data = new Float32Array(Math.max(1, g.length) * dim);
    g.forEach((i, j) => data.set(sample.subarray(i * dim, (i + 1) * dim), j * dim));
    if (g.length === 0) data.set(top.subarray(t * dim, (t + 1) * dim));
    const sub = kmeans(data, Math.max(1, g.length), dim, S, iters, 777 + t);
    all.set(sub, (T + t * S) * dim);
  });
  return new CoarseQuantizer(dim, T, S, all);
}

/** Growable int list per inverted list. */
export class InvertedLists {
  private readonly data: Int32Array[];
  private readonly len: Int32Array;
  constructor(readonly lists: number) {
    this.data = Array.from({ length: lists }, () => new Int32Array(16));
    this.len = new Int32Array(lists);
  }
  add(list: number, row: number): void {
    let a = this.data[list]!;
    const n = this.len[list]!;
    if (n === a.length) {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      this.data[list] = a = b;
    }
    a[n] = row;
    this.len[list] = n + 1;
  }
  get(list: number): Int32Array {
    return this.data[list]!.subarray(0, this.len[list]!);
  }

  /** Every list rebuilt at its exact size from one list number per row (≥ lists: in no list). */
  load(assign: Uint16Array, rows: number): void {
    this.len.fill(0);
    for (let r = 0; r < rows; r++) if (assign[r]! < this.lists) this.len[assign[r]!]!++;
    for (let l = 0; l < this.lists; l++) this.data[l] = new Int32Array(Math.max(16, this.len[l]!));
    this.len.fill(0);
    for (let r = 0; r < rows; r++) {
      const l = assign[r]!;
      if (l < this.lists) this.data[l]![this.len[l]!++] = r;
    }
  }

  /** The list number of every row (0xFFFF: in no list), the inverse of load. */
  assignments(rows: number): Uint16Array {
    const out = new Uint16Array(rows).fill(0xffff);
    for (let l = 0; l < this.lists; l++) for (const r of this.get(l)) out[r] = l;
    return out;
  }
}

/**
 * The approximate index over every searchable row of a library (items and their moments): per row the
 * owning item, whether it is a clip, its records' slots (to re-read it exactly), factor kind, c, and the
 * binary codes of its base and expert vectors; one inverted file per family.
 */
export class AnnIndex {
  size = 0;
  readonly B: number;
  owner: Int32Array;
  clip: Int32Array;
  baseSlot: Int32Array;
  expertSlot: Int32Array;
  factor: Uint8Array;
  c: Float32Array;
  alive: Uint8Array;
  baseAlpha: Float32Array;
  expertAlpha: Float32Array;
  /** Binary codes of the base and the expert vectors, B bytes per row, where they are scored. */
  readonly baseArena: CodeArena;
  readonly expertArena: CodeArena;
  readonly baseLists: InvertedLists;
  readonly expertLists: InvertedLists;
  private stamp: Uint32Array;
  private stampNow = 0;
  /** First row of each live owner: an owner's rows are consecutive (its item row, then its clips). */
  private readonly firstRow = new Map<number, number>();

  constructor(readonly dim: number, readonly baseQ: CoarseQuantizer, readonly expertQ: CoarseQuantizer, capacity = 1024, opts: { wasm?: boolean } = {}) {
    this.B = dim / 8;
    this.owner = new Int32Array(capacity);
    this.clip = new Int32Array(capacity);
    this.baseSlot = new Int32Array(capacity);
    this.expertSlot = new Int32Array(capacity);
    this.factor = new Uint8Array(capacity);
    this.c = new Float32Array(capacity);
    this.alive = new Uint8Array(capacity);
    this.baseArena = new CodeArena(this.B, capacity, opts.wasm ?? true);
    this.baseAlpha = new Float32Array(capacity);
    this.expertArena = new CodeArena(this.B, capacity, opts.wasm ?? true);
    this.expertAlpha = new Float32Array(capacity);
    this.stamp = new Uint32Array(capacity);
    this.baseLists = new InvertedLists(baseQ.lists);
    this.expertLists = new InvertedLists(expertQ.lists);
  }

  get capacity(): number {
    return this.owner.length;
  }

  /** Row r's base code is baseCodes[r·B …] (a view: read it again after the index grows). */
  get baseCodes(): Uint8Array {
    return this.baseArena.codes;
  }
  get expertCodes(): Uint8Array {
    return this.expertArena.codes;
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    // doubling, but by a quarter past a million rows: one file added to a big library must not double its memory
    const cap = Math.max(rows, Math.ceil(this.capacity * (this.capacity >= 1 << 20 ? 1.25 : 2)));
    const g = <T extends Float32Array | Int32Array | Uint8Array | Uint32Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.owner = g(this.owner);
    this.clip = g(this.clip);
    this.baseSlot = g(this.baseSlot);
    this.expertSlot = g(this.expertSlot);
    this.factor = g(this.factor);
    this.c = g(this.c);
    this.alive = g(this.alive);
    this.baseArena.reserve(cap);
    this.baseAlpha = g(this.baseAlpha);
    this.expertArena.reserve(cap);
    this.expertAlpha = g(this.expertAlpha);
    this.stamp = g(this.stamp);
  }

  /** Append a row; codes are filled by the caller (baseCodes/expertCodes at row·B), lists by addToLists. */
  addRow(owner: number, clip: number, baseSlot: number, expertSlot: number, factor: number, c: number): number {
    if (this.size === this.capacity) this.reserve(this.size + 1);
    const r = this.size++;
    this.owner[r] = owner;
    this.clip[r] = clip;
    this.baseSlot[r] = baseSlot;
    this.expertSlot[r] = expertSlot;
    this.factor[r] = expertSlot >= 0 ? factor : FACTOR_NONE;
    this.c[r] = expertSlot >= 0 ? c : 1;
    this.alive[r] = 1;
    if (!this.firstRow.has(owner)) this.firstRow.set(owner, r);
    else if (this.owner[r - 1] !== owner) throw new Error(`approximate index: rows of item ${owner} must be added together`);
    return r;
  }

  /**
   * Rows filled in bulk (a snapshot read straight into the arrays): the size, the owners' first rows and the
   * lists from one list number per row and family.
   */
  adoptRows(size: number, baseAssign: Uint16Array, expertAssign: Uint16Array): void {
    if (size > this.capacity) throw new Error('approximate index: more rows than reserved');
    this.size = size;
    this.firstRow.clear();
    for (let r = 0; r < size; r++) {
      if (!this.alive[r]) continue;
      const o = this.owner[r]!;
      if (r === 0 || this.owner[r - 1] !== o || !this.alive[r - 1]) this.firstRow.set(o, r);
    }
    this.baseLists.load(baseAssign, size);
    this.expertLists.load(expertAssign, size);
  }

  /** An item left the library: its rows stop matching (space is reclaimed when the index is rebuilt). */
  removeItem(owner: number): void {
    const first = this.firstRow.get(owner);
    if (first === undefined) return;
    for (let r = first; r < this.size && this.owner[r] === owner; r++) this.alive[r] = 0;
    this.firstRow.delete(owner);
  }

  has(owner: number): boolean {
    return this.firstRow.has(owner);
  }

  private thread: CodeScanThread | null = null;

  /**
   * Score large queries' codes on two threads from now on (when both families' codes live in shared
   * WebAssembly memories); false where that is not possible. close() stops the thread.
   */
  startThread(): boolean {
    if (this.thread) return true;
    const mb = this.baseArena.sharedMemory, mx = this.expertArena.sharedMemory;
    if (!mb || !mx) return false;
    try {
      this.thread = new CodeScanThread([mb, mx]);
    } catch {
      return false;
    }
    this.baseArena.useThread(this.thread, 0);
    this.expertArena.useThread(this.thread, 1);
    return true;
  }

  close(): void {
    this.thread?.close();
    this.thread = null;
  }

  /** Live items (owners with rows). */
  get owners(): number {
    return this.firstRow.size;
  }

  /**
   * Candidate rows for the fused query Q under the live factors: the best R by their code estimate
   * est = [(1−f)·α_b·(Q·sign b) + f·α_x·(Q·sign x)] / |e(f)|, at most perOwner (default 2) of one file, best first.
   */
  candidates(Q: Float32Array, factors: Factors, opts: { nprobe: number; R: number; perOwner?: number; allow?: (owner: number) => boolean }): Int32Array {
    if (++this.stampNow === 0xffffffff) (this.stamp.fill(0), (this.stampNow = 1));
    const now = this.stampNow;
    // 1. the live, allowed rows of the probed lists of both indexes, each once
    let n = 0;
    const take = (rows: Int32Array) => {
      if (this.seen.length < n + rows.length) {
        const b = new Int32Array(Math.max(n + rows.length, this.seen.length * 2));
        b.set(this.seen.subarray(0, n));
        this.seen = b;
      }
      const seen = this.seen;
      for (let k = 0; k < rows.length; k++) {
        const r = rows[k]!;
        if (this.stamp[r] === now) continue;
        this.stamp[r] = now;
        if (!this.alive[r]) continue;
        if (opts.allow && !opts.allow(this.owner[r]!)) continue;
        seen[n++] = r;
      }
    };
    // nprobe lists of each index, and more while fewer than 8·R rows were seen (small or skewed libraries)
    const minVisit = 8 * opts.R;
    for (const [q, lists] of [[this.baseQ, this.baseLists], [this.expertQ, this.expertLists]] as const) {
      let visited = 0;
      const order = q.probe(Q, opts.nprobe);
      for (const l of order) {
        const rows = lists.get(l);
        visited += rows.length;
        take(rows);
      }
      if (visited < minVisit) {
        const done = new Set(order);
        for (const l of q.probe(Q, q.lists)) {
          if (visited >= minVisit) break;
          if (done.has(l)) continue;
          const rows = lists.get(l);
          visited += rows.length;
          take(rows);
        }
      }
    }
    // 2. their code estimates: Q·sign(b) for every row, Q·sign(x) for rows whose live factor is not 0
    const lut = codeTable(Q);
    if (this.qb.length < n) (this.qb = new Float32Array(this.seen.length)), (this.qx = new Float32Array(this.seen.length)), (this.xRows = new Int32Array(this.seen.length));
    const seen = this.seen, qb = this.qb, qx = this.qx, xRows = this.xRows;
    this.baseArena.score(lut, seen, n, qb);
    let nx = 0;
    for (let k = 0; k < n; k++) {
      const fk = this.factor[seen[k]!]!;
      if (fk !== FACTOR_NONE && (fk === FACTOR_TEXT ? factors.text : factors.audio) !== 0) xRows[nx++] = seen[k]!;
    }
    this.expertArena.score(lut, xRows, nx, qx);
    // 3. est = [(1−f)·α_b·(Q·sign b) + f·α_x·(Q·sign x)] / |e(f)|; the best 4R by estimate, then the best R of
    //    them taking at most `perOwner` rows of one file: a file's moments are alike, and without the cap one
    //    file's dozens of moments crowd other files out of the exact re-rank (recall is of files)
    const top = new TopRows(4 * opts.R);
    let x = 0;
    for (let k = 0; k < n; k++) {
      const r = seen[k]!;
      const b = this.baseAlpha[r]! * qb[k]!;
      if (x < nx && xRows[x] === r) {
        const f = this.factor[r] === FACTOR_TEXT ? factors.text : factors.audio;
        const c = this.c[r]!;
        const ne2 = f * f + (1 - f) * (1 - f) + 2 * f * (1 - f) * c;
        top.push(((1 - f) * b + f * this.expertAlpha[r]! * qx[x++]!) / Math.sqrt(ne2 > 0 ? ne2 : 1), r);
      } else top.push(b, r);
    }
    const pool = top.sorted();
    const perOwner = opts.perOwner ?? 2;
    const taken = new Map<number, number>();
    const out: number[] = [];
    for (let k = 0; k < pool.length && out.length < opts.R; k++) {
      const o = this.owner[pool[k]!]!;
      const t = taken.get(o) ?? 0;
      if (t >= perOwner) continue;
      taken.set(o, t + 1);
      out.push(pool[k]!);
    }
    return Int32Array.from(out);
  }

  // per-query scratch, kept between queries
  private seen = new Int32Array(1024);
  private qb = new Float32Array(0);
  private qx = new Float32Array(0);
  private xRows = new Int32Array(0);
}

/** The best R rows by score (a min-heap on the score). */
class TopRows {
  private readonly s: Float64Array;
  private readonly r: Int32Array;
  private n = 0;
  constructor(private readonly R: number) {
    this.s = new Float64Array(R);
    this.r = new Int32Array(R);
  }
  push(score: number, row: number): void {
    const { s, r } = this;
    if (this.n < this.R) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (s[p]! <= score) break;
        s[i] = s[p]!;
        r[i] = r[p]!;
        i = p;
      }
      s[i] = score;
      r[i] = row;
      return;
    }
    if (!(score > s[0]!)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, rr = l + 1;
      let m = l;
      if (l >= this.n) break;
      if (rr < this.n && s[rr]! < s[l]!) m = rr;
      if (s[m]! >= score) break;
      s[i] = s[m]!;
      r[i] = r[m]!;
      i = m;
    }
    s[i] = score;
    r[i] = row;
  }
  /** The rows, best first. */
  sorted(): Int32Array {
    const idx = Array.from({ length: this.n }, (_, i) => i).sort((a, b) => this.s[b]! - this.s[a]! || this.r[a]! - this.r[b]!);
    return Int32Array.from(idx, (i) => this.r[i]!);
  }
}
