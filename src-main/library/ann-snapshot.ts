/**
 * A snapshot of approximate mode's in-memory index (ann.snap beside the segments): every row's fields,
 * binary codes and list numbers, and the item rows the search store needs, laid out as the typed arrays
 * themselves, so an open reads it in a few large reads straight into the arrays instead of walking
 * SQLite rows and code files record by record.
 *
 * It is a cache, never a source of truth: it names the vector fingerprint of the SQLite rows it was made
 * from (Repo.vectorFingerprint) and a checksum of the quantizers; any difference, a wrong size or a failed
 * checksum and the open builds the index from SQLite and the segment files as before (then writes a new
 * snapshot). Written to a temporary file and renamed, so a crash leaves the old snapshot or the new one.
 * The checksum covers every section but the codes (0.2 of the bytes, a quarter of a second at a million
 * files): a damaged owner or slot would serve the wrong vectors, a damaged code only makes an estimate
 * worse, and every candidate is re-scored from its checksummed float16 record.
 */
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AnnIndex, type CoarseQuantizer } from '../search/ann';
import { FACTOR_AUDIO, FACTOR_TEXT, modalityName, type VectorStore } from '../search/vector-store';

const MAGIC = 0x3153_4e41; // "ANS1"
const VERSION = 2;
const HEADER = 64;

export const snapshotPath = (dir: string) => join(dir, 'ann.snap');

type Arr = Int32Array | Uint8Array | Uint16Array | Float32Array | Float64Array;

/** The sections in file order: rows of the index (n) and item rows of the store (m). */
function sections(index: AnnIndex, n: number, store: StoreRows, m: number, assign: { base: Uint16Array; expert: Uint16Array }): Arr[] {
  const B = index.B;
  return [
    index.owner.subarray(0, n), index.clip.subarray(0, n), index.baseSlot.subarray(0, n), index.expertSlot.subarray(0, n),
    index.c.subarray(0, n), index.baseAlpha.subarray(0, n), index.expertAlpha.subarray(0, n),
    index.baseCodes.subarray(0, n * B), index.expertCodes.subarray(0, n * B),
    assign.base.subarray(0, n), assign.expert.subarray(0, n), index.factor.subarray(0, n), index.alive.subarray(0, n),
    store.date.subarray(0, m), store.ids.subarray(0, m), store.c.subarray(0, m), store.duration.subarray(0, m),
    store.modality.subarray(0, m), store.factor.subarray(0, m), store.hasExpert.subarray(0, m),
  ];
}

/** The store's item-row columns the snapshot keeps, and whether each row has an expert vector. */
type StoreRows = Pick<VectorStore, 'ids' | 'modality' | 'factor' | 'c' | 'date' | 'duration'> & { hasExpert: Uint8Array };

const pad8 = (n: number) => (n + 7) & ~7;
/** Where sections() puts the base and expert codes (left out of the checksum). */
const CODE_SECTIONS = new Set([7, 8]);

/** Checksum of both quantizers' centroids: a retrained quantizer makes every stored list number stale. */
export function quantizerSum(baseQ: CoarseQuantizer, expertQ: CoarseQuantizer): number {
  const one = (q: CoarseQuantizer, seed: number) => crc32(new Uint8Array(q.centroids().buffer), seed);
  return one(expertQ, one(baseQ, 0)) >>> 0;
}

function header(fp: string, qsum: number, dim: number, n: number, m: number, momentFiles: number, dataCrc: number): Buffer {
  const fpb = Buffer.from(fp, 'utf8');
  const h = Buffer.alloc(HEADER + pad8(fpb.length));
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(VERSION, 4);
  h.writeUInt32LE(dim, 8);
  h.writeUInt32LE(n, 12);
  h.writeUInt32LE(m, 16);
  h.writeUInt32LE(momentFiles, 20);
  h.writeUInt32LE(qsum, 24);
  h.writeUInt32LE(dataCrc >>> 0, 28);
  h.writeUInt32LE(fpb.length, 32);
  h.writeUInt32LE(crc32(h.subarray(0, 36)) >>> 0, 36);
  fpb.copy(h, HEADER);
  return h;
}

const bytesOf = (a: Arr) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Write the snapshot of `index` and the item rows of `store` (yielding between sections: it can be a few
 * hundred MB). Returns false (and writes nothing) when the index does not hold exactly the store's items.
 */
export async function writeAnnSnapshot(dir: string, fp: string, index: AnnIndex, store: VectorStore, momentFiles: number): Promise<boolean> {
  const m = store.size;
  if (index.owners !== m) return false;
  const rows: StoreRows = {
    ids: store.ids, modality: store.modality, factor: store.factor, c: store.c, date: store.date, duration: store.duration,
    hasExpert: Uint8Array.from({ length: m }, (_, r) => (store.expertRow[r]! >= 0 ? 1 : 0)),
  };
  const n = index.size;
  const assign = { base: index.baseLists.assignments(n), expert: index.expertLists.assignments(n) };
  const secs = sections(index, n, rows, m, assign);
  let dataCrc = 0;
  secs.forEach((s, i) => !CODE_SECTIONS.has(i) && (dataCrc = crc32(bytesOf(s), dataCrc)));
  const h = header(fp, quantizerSum(index.baseQ, index.expertQ), index.dim, n, m, momentFiles, dataCrc);
  const path = snapshotPath(dir);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    let at = 0;
    writeSync(fd, h, 0, h.length, at);
    at += h.length;
    const zero = Buffer.alloc(8);
    for (const s of secs) {
      const b = bytesOf(s);
      for (let o = 0; o < b.length; o += 1 << 26) at += writeSync(fd, b, o, Math.min(1 << 26, b.length - o), at);
      const p = pad8(at) - at;
      if (p) at += writeSync(fd, zero, 0, p, at);
      await new Promise<void>((r) => setImmediate(r));
    }
    fdatasyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  return true;
}

export interface SnapshotLoad {
  index: AnnIndex;
  momentFiles: number;
}

/**
 * Read the snapshot into a new index and append its item rows to `store` (paths from `paths`); null when
 * there is none or it does not match (fingerprint, quantizers, dimension, size, checksum).
 */
export function readAnnSnapshot(
  dir: string, fp: string, dim: number, baseQ: CoarseQuantizer, expertQ: CoarseQuantizer, store: VectorStore, paths: Map<number, string[]>,
): SnapshotLoad | null {
  let fd: number;
  try {
    fd = openSync(snapshotPath(dir), 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const h = Buffer.alloc(HEADER);
    if (size < HEADER || readSync(fd, h, 0, HEADER, 0) !== HEADER) return null;
    if (h.readUInt32LE(0) !== MAGIC || h.readUInt32LE(4) !== VERSION || h.readUInt32LE(8) !== dim) return null;
    if ((crc32(h.subarray(0, 36)) >>> 0) !== h.readUInt32LE(36)) return null;
    const n = h.readUInt32LE(12), m = h.readUInt32LE(16), momentFiles = h.readUInt32LE(20);
    const fpLen = h.readUInt32LE(32);
    if (fpLen !== Buffer.byteLength(fp) || h.readUInt32LE(24) !== quantizerSum(baseQ, expertQ)) return null;
    const fpb = Buffer.alloc(fpLen);
    readSync(fd, fpb, 0, fpLen, HEADER);
    if (fpb.toString('utf8') !== fp) return null;
    // sizes from the header are checked against the file before anything is allocated for them
    const B = dim / 8;
    const lengths = [4, 4, 4, 4, 4, 4, 4, B, B, 2, 2, 1, 1].map((w) => w * n).concat([8, 4, 4, 4, 1, 1, 1].map((w) => w * m));
    if (m > n || lengths.reduce((a, l) => pad8(a + l), pad8(HEADER + fpLen)) !== size) return null;
    const index = new AnnIndex(dim, baseQ, expertQ, Math.max(1, n));
    const rows: StoreRows = {
      ids: new Int32Array(m), modality: new Uint8Array(m), factor: new Uint8Array(m), c: new Float32Array(m),
      date: new Float64Array(m), duration: new Float32Array(m), hasExpert: new Uint8Array(m),
    };
    const assign = { base: new Uint16Array(n), expert: new Uint16Array(n) };
    const secs = sections(index, n, rows, m, assign);
    let at = pad8(HEADER + fpLen);
    let dataCrc = 0;
    for (const [i, s] of secs.entries()) {
      const b = bytesOf(s);
      for (let o = 0; o < b.length; ) {
        const got = readSync(fd, b, o, Math.min(1 << 26, b.length - o), at + o);
        if (got <= 0) return null;
        o += got;
      }
      if (!CODE_SECTIONS.has(i)) dataCrc = crc32(b, dataCrc);
      at = pad8(at + b.length);
    }
    if ((dataCrc >>> 0) !== h.readUInt32LE(28)) return null;
    index.adoptRows(n, assign.base, assign.expert);
    if (index.owners !== m) return null;
    store.reserve(store.size + m, store.expertSize + rows.hasExpert.reduce((a, x) => a + x, 0));
    for (let r = 0; r < m; r++) {
      const f = rows.factor[r]!;
      store.addRow({
        id: rows.ids[r]!, modality: modalityName(rows.modality[r]!), c: rows.c[r]!, date: rows.date[r]!,
        durationSec: Number.isNaN(rows.duration[r]!) ? null : rows.duration[r]!,
        factor: f === FACTOR_TEXT ? 'text' : f === FACTOR_AUDIO ? 'audio' : null,
        paths: paths.get(rows.ids[r]!) ?? [],
      }, rows.hasExpert[r] === 1);
    }
    return { index, momentFiles };
  } finally {
    closeSync(fd);
  }
}
