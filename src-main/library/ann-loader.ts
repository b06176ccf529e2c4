/**
 * Approximate mode's load: item rows (fields only) into the VectorStore, and every searchable row (items
 * and clips) into an AnnIndex from the binary code files, with list assignments kept beside the segments
 * (<kind>.ivf: one uint16 list per slot, 0xFFFF = not assigned yet). Quantizers (ivf-base.bin,
 * ivf-expert.bin) are trained once on a sample of the stored vectors; slots written since the last open
 * are assigned here, codes lost or never written are rebuilt from the float16 records.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AnnIndex, CoarseQuantizer, trainQuantizer } from '../search/ann';
import { FACTOR_AUDIO, FACTOR_TEXT, type VectorStore } from '../search/vector-store';
import { readAnnSnapshot } from './ann-snapshot';
import type { Repo, VectorMeta } from './repo';
import { binaryCode, SEG_RECORDS, type VectorFiles, type VectorKind } from './vector-files';

export interface AnnLoad {
  index: AnnIndex;
  trainedMs: number;
  assigned: number;
  rebuiltCodes: number;
  damaged: number[];
  momentFiles: number;
  ms: number;
  /** Repo.vectorFingerprint of the rows loaded (taken before they were read). */
  fingerprint: string;
  /** Read from the snapshot (else built from SQLite and the segment files). */
  fromSnapshot: boolean;
}

/** List layout by library size: T top clusters × S sub-lists. */
export function listShape(vectors: number): { T: number; S: number } {
  return vectors > 4_000_000 ? { T: 32, S: 32 } : { T: 16, S: 32 };
}

const MAGIC = 0x3146_5649; // "IVF1"

function loadQuantizer(path: string, dim: number): CoarseQuantizer | null {
  if (!existsSync(path)) return null;
  const b = readFileSync(path);
  if (b.length < 16 || b.readUInt32LE(0) !== MAGIC || b.readUInt32LE(4) !== dim) return null;
  const T = b.readUInt32LE(8), S = b.readUInt32LE(12);
  const n = (T + T * S) * dim;
  if (b.length !== 16 + n * 4) return null;
  const c = new Float32Array(n);
  new Uint8Array(c.buffer).set(b.subarray(16));
  return new CoarseQuantizer(dim, T, S, c);
}

function saveQuantizer(path: string, q: CoarseQuantizer): void {
  const c = q.centroids();
  const b = Buffer.alloc(16 + c.byteLength);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(q.dim, 4);
  b.writeUInt32LE(q.T, 8);
  b.writeUInt32LE(q.S, 12);
  Buffer.from(c.buffer).copy(b, 16);
  writeFileSync(path + '.tmp', b);
  renameSync(path + '.tmp', path);
}

/** A sample of stored vectors of the given kinds (strided over their slots). */
function sample(files: VectorFiles, kinds: { kind: VectorKind; slots: Int32Array }[], max: number, dim: number): { data: Float32Array; n: number } {
  const total = kinds.reduce((a, k) => a + k.slots.length, 0);
  const want = Math.min(max, total);
  const data = new Float32Array(Math.max(1, want) * dim);
  let n = 0;
  for (const { kind, slots } of kinds) {
    const take = Math.round((want * slots.length) / Math.max(1, total));
    const step = slots.length / Math.max(1, take);
    for (let i = 0; i < take && n < want; i++) {
      if (files.read(kind, slots[Math.floor(i * step)]!, data, n * dim)) n++;
    }
  }
  return { data, n };
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export async function loadAnn(
  repo: Repo,
  files: VectorFiles,
  packId: string,
  store: VectorStore,
  paths: Map<number, string[]>,
  onProgress?: (p: { loaded: number; total: number }) => void,
): Promise<AnnLoad> {
  const t0 = performance.now();
  const dim = store.dim;
  // taken before any row is read: a write that lands meanwhile makes the next open rebuild, never the reverse
  const fingerprint = repo.vectorFingerprint(packId, dim);
  const qPath = (name: string) => join(files.dir, `ivf-${name}.bin`);
  let baseQ = loadQuantizer(qPath('base'), dim);
  let expertQ = loadQuantizer(qPath('expert'), dim);
  const snap = baseQ && expertQ ? readAnnSnapshot(files.dir, fingerprint, dim, baseQ, expertQ, store, paths) : null;
  if (snap) {
    const damaged = recordsMissing(files, snap.index);
    for (const id of damaged) {
      snap.index.removeItem(id);
      store.remove(id);
    }
    onProgress?.({ loaded: snap.index.size, total: snap.index.size });
    return { index: snap.index, trainedMs: 0, assigned: 0, rebuiltCodes: 0, damaged, momentFiles: snap.momentFiles, ms: performance.now() - t0, fingerprint, fromSnapshot: true };
  }
  const metas: VectorMeta[] = [...repo.allVectorMeta(packId)].filter((m) => m.dim === dim);
  let rows = 0, nExp = 0, momentFiles = 0;
  for (const m of metas) {
    rows += 1 + m.clipCount;
    if (m.expertSlot !== null) nExp++;
    if (m.clipCount) momentFiles++;
  }
  store.reserve(metas.length, nExp);
  // the index rows in order, column by column (typed arrays, not an object per row: a million files make five
  // million rows): each file's item row, then its clip rows
  const P = { owner: new Int32Array(rows), clip: new Int32Array(rows), bs: new Int32Array(rows), xs: new Int32Array(rows), f: new Uint8Array(rows), c: new Float32Array(rows) };
  let p = 0;
  const plan = (owner: number, clip: number, bs: number, xs: number, f: number, c: number) => {
    P.owner[p] = owner;
    P.clip[p] = clip;
    P.bs[p] = bs;
    P.xs[p] = xs;
    P.f[p] = f;
    P.c[p] = c;
    p++;
  };
  for (const m of metas) {
    store.addRow({ id: m.itemId, modality: m.modality, c: m.c, factor: m.factor, date: m.date, durationSec: m.durationSec, paths: paths.get(m.itemId) ?? [] }, m.expertSlot !== null);
    const fk = m.factor === 'text' ? FACTOR_TEXT : FACTOR_AUDIO;
    plan(m.itemId, -1, m.baseSlot, m.expertSlot ?? -1, fk, m.c);
    for (let j = 0; j < m.clipCount; j++) {
      const xs = m.clipExpertSlot !== null && m.factor && j < m.clipCount - m.frameCount ? m.clipExpertSlot + j : -1;
      plan(m.itemId, j, m.clipSlot! + j, xs, fk, m.clipC ? m.clipC[j]! : 1);
    }
  }
  metas.length = 0;
  /** Per record kind: the slots of the rows that have one, and those rows (in row order). */
  const ofKind = (kind: VectorKind): { slots: Int32Array; rows: Int32Array } => {
    const clip = kind === 'clip-base' || kind === 'clip-expert';
    const expert = kind === 'expert' || kind === 'clip-expert';
    const col = expert ? P.xs : P.bs;
    let n = 0;
    for (let r = 0; r < rows; r++) if (P.clip[r]! >= 0 === clip && col[r]! >= 0) n++;
    const out = { slots: new Int32Array(n), rows: new Int32Array(n) };
    for (let r = 0, i = 0; r < rows; r++) if (P.clip[r]! >= 0 === clip && col[r]! >= 0) (out.slots[i] = col[r]!), (out.rows[i++] = r);
    return out;
  };
  // quantizers: trained once, on a sample of base (and clip base) vectors, and of expert vectors
  const shape = listShape(rows * 2);
  let trainedMs = 0;
  if (!baseQ || !expertQ) {
    const t = performance.now();
    const sb = sample(files, [{ kind: 'base', slots: ofKind('base').slots }, { kind: 'clip-base', slots: ofKind('clip-base').slots }], 8_000, dim);
    baseQ = trainQuantizer(sb.data, sb.n, dim, shape.T, shape.S);
    const sx = sample(files, [{ kind: 'expert', slots: ofKind('expert').slots }, { kind: 'clip-expert', slots: ofKind('clip-expert').slots }], 8_000, dim);
    expertQ = sx.n > 0 ? trainQuantizer(sx.data, sx.n, dim, shape.T, shape.S) : baseQ;
    saveQuantizer(qPath('base'), baseQ);
    saveQuantizer(qPath('expert'), expertQ);
    // a new quantizer invalidates every stored assignment
    for (const k of ['base', 'expert', 'clip-base', 'clip-expert'] as const) {
      const p = join(files.dir, `${k}.ivf`);
      if (existsSync(p)) writeFileSync(p, Buffer.alloc(0));
    }
    trainedMs = performance.now() - t;
  }
  const index = new AnnIndex(dim, baseQ, expertQ, rows);
  for (let r = 0; r < rows; r++) index.addRow(P.owner[r]!, P.clip[r]!, P.bs[r]!, P.xs[r]!, P.f[r]!, P.c[r]!); // row r of the index is row r of P
  const bySlot = { base: ofKind('base'), expert: ofKind('expert'), 'clip-base': ofKind('clip-base'), 'clip-expert': ofKind('clip-expert') };
  const B = dim / 8;
  const damaged = new Set<number>();
  let rebuiltCodes = 0, assigned = 0, loaded = 0;
  const total = Object.values(bySlot).reduce((a, k) => a + k.slots.length, 0);
  for (const kind of ['base', 'expert', 'clip-base', 'clip-expert'] as const) {
    const { slots, rows: rowsOfKind } = bySlot[kind];
    if (!slots.length) continue;
    const expertFamily = kind === 'expert' || kind === 'clip-expert';
    const codes = expertFamily ? index.expertCodes : index.baseCodes;
    const alpha = expertFamily ? index.expertAlpha : index.baseAlpha;
    const lists = expertFamily ? index.expertLists : index.baseLists;
    const q = expertFamily ? expertQ : baseQ;
    let min = Infinity, max = -1;
    for (const s of slots) (min = Math.min(min, s)), (max = Math.max(max, s));
    const entry = new Int32Array(max - min + 1).fill(-1);
    slots.forEach((s, i) => (entry[s - min] = i));
    const needCode = new Set<number>();
    const STEP = 65536;
    for (let b0 = min; b0 <= max; b0 += STEP) {
      await yieldNow();
      files.readCodes(kind, b0, Math.min(STEP, max + 1 - b0), (slot, buf, at, a) => {
        const e = entry[slot - min]!;
        if (e < 0) return;
        const row = rowsOfKind[e]!;
        if (a > 0) {
          // Buffer.copy, not set(subarray): no view object per row (millions of rows at open)
          buf.copy(codes, row * B, at, at + B);
          alpha[row] = a;
        } else needCode.add(e);
      });
      onProgress?.({ loaded: loaded + Math.min(slots.length, b0 - min), total });
    }
    // assignments
    const ivfPath = join(files.dir, `${kind}.ivf`);
    const have = existsSync(ivfPath) ? statSync(ivfPath).size >> 1 : 0;
    const assign = new Uint16Array(Math.max(have, max + 1)).fill(0xffff);
    if (have) {
      const fd = openSync(ivfPath, 'r');
      const b = Buffer.alloc(have * 2);
      readSync(fd, b, 0, b.length, 0);
      closeSync(fd);
      new Uint8Array(assign.buffer).set(b.subarray(0, have * 2));
    }
    const needAssign = new Set<number>();
    slots.forEach((s, i) => assign[s]! >= q.lists && needAssign.add(i));
    for (const e of needCode) needAssign.add(e);
    if (needAssign.size) {
      // read the float16 records of what needs a code or a list, in large sequential reads
      const need = new Uint8Array(max - min + 1);
      for (const e of needAssign) need[slots[e]! - min] = 1;
      const STEP = 4096;
      const buf = new Float32Array(STEP * dim);
      for (let b0 = min; b0 <= max; b0 += STEP) {
        const c = Math.min(STEP, max + 1 - b0);
        let any = false;
        for (let t = 0; t < c; t++) if (need[b0 - min + t]) { any = true; break; }
        if (!any) continue;
        await yieldNow();
        files.readRange(kind, b0, c, (slot) => (need[slot - min] ? { out: buf, offset: (slot - b0) * dim } : null), (slot, ok) => {
          const e = entry[slot - min]!;
          const row = rowsOfKind[e]!;
          if (!ok) {
            damaged.add(index.owner[row]!);
            return;
          }
          const v = buf.subarray((slot - b0) * dim, (slot - b0 + 1) * dim);
          if (needCode.has(e)) {
            alpha[row] = binaryCode(v, codes, row * B);
            files.writeCode(kind, slot, v);
            rebuiltCodes++;
          }
          assign[slot] = q.assign(v);
          assigned++;
        });
      }
      files.sync();
      const fd = openSync(ivfPath, 'w');
      writeSync(fd, Buffer.from(assign.buffer, 0, (max + 1) * 2));
      closeSync(fd);
    }
    slots.forEach((s, i) => {
      const l = assign[s]!;
      if (l < q.lists) lists.add(l, rowsOfKind[i]!);
    });
    loaded += slots.length;
    onProgress?.({ loaded, total });
  }
  for (const id of recordsMissing(files, index)) damaged.add(id);
  for (const id of damaged) {
    index.removeItem(id);
    store.remove(id);
  }
  return { index, trainedMs, assigned, rebuiltCodes, damaged: [...damaged], momentFiles, ms: performance.now() - t0, fingerprint, fromSnapshot: false };
}

/**
 * Items with a record past the end of its segment file as it is on disk (a segment deleted or truncated
 * underneath): found on open from the files' sizes alone, so they are never served and are encoded again.
 */
export function recordsMissing(files: VectorFiles, index: AnnIndex): number[] {
  // records on disk per kind and segment, -1 until asked (one stat per segment file, not per row)
  const onDisk = new Map<VectorKind, Int32Array>();
  const has = (kind: VectorKind, slot: number) => {
    const seg = (slot / SEG_RECORDS) | 0;
    let a = onDisk.get(kind);
    if (!a || seg >= a.length) {
      const b = new Int32Array(Math.max(seg + 1, (a?.length ?? 0) * 2)).fill(-1);
      if (a) b.set(a);
      onDisk.set(kind, (a = b));
    }
    if (a[seg] === -1) a[seg] = files.recordsOnDisk(kind, seg);
    return slot % SEG_RECORDS < a[seg]!;
  };
  const out = new Set<number>();
  for (let r = 0; r < index.size; r++) {
    if (!index.alive[r]) continue;
    const clip = index.clip[r]! >= 0;
    const xs = index.expertSlot[r]!;
    if (!has(clip ? 'clip-base' : 'base', index.baseSlot[r]!) || (xs >= 0 && !has(clip ? 'clip-expert' : 'expert', xs))) out.add(index.owner[r]!);
  }
  return [...out];
}

/** Recall@10 of approximate search measured on this library (ann-recall.json beside the segments). */
export interface AnnRecall {
  recall: number;
  queries: number;
  rows: number;
  measuredAt: number;
  /** The search settings it was measured with (lists probed, candidates, per file, and how they are chosen). */
  settings: string;
}

/** The recall measured with these search settings, or null (none yet, or measured with others). */
export function readAnnRecall(files: VectorFiles, settings: string): AnnRecall | null {
  try {
    const r = JSON.parse(readFileSync(join(files.dir, 'ann-recall.json'), 'utf8')) as AnnRecall;
    return typeof r.recall === 'number' && r.settings === settings ? r : null;
  } catch {
    return null;
  }
}

export function writeAnnRecall(files: VectorFiles, r: AnnRecall): void {
  writeFileSync(join(files.dir, 'ann-recall.json.tmp'), JSON.stringify(r));
  renameSync(join(files.dir, 'ann-recall.json.tmp'), join(files.dir, 'ann-recall.json'));
}
