/**
 * Vector segment files: every stored vector of a pack lives in fixed-size records of append-mostly files,
 * one series per kind (item base, item expert, clip base, clip expert), read in bulk on open.
 *
 *   <library.db>.vectors/<pack>/<kind>-00000.f16, -00001.f16 …  (SEG_RECORDS records each)
 *   file  = header (32 bytes: magic, version, dim, kind, records per file) + records
 *   record = dim × float16 + crc32(record bytes, seeded with the slot number)
 *
 * SQLite is the source of truth: a vector exists when a committed row names its slot. Slots are reserved
 * in SQLite first (vector_slots), the records written and fdatasync'd, and only then the row that names
 * them is committed; so a crash at any step leaves either unreferenced records (ignored, never read) or a
 * committed row whose record is on disk. A record that is missing (file deleted or truncated) or does not
 * match its checksum is reported, never served: the library drops the row and re-encodes the file.
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeUnitF16, encodeF16 } from './f16';

export const VECTOR_KINDS = ['base', 'expert', 'clip-base', 'clip-expert'] as const;
export type VectorKind = (typeof VECTOR_KINDS)[number];

export const SEG_RECORDS = 65536;
const HEADER = 32;
const MAGIC = 0x4345_5653; // "SVEC"
const VERSION = 1;

export const segmentsDirOf = (dbPath: string) => `${dbPath}.vectors`;

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** Test hook: `MOLECULE_CRASH_AT=<step>` kills the process at that step of a vector write (crash tests). */
export function crashPoint(step: string): void {
  if (process.env.MOLECULE_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}

/** Sign bits of a vector (bit i of byte i>>3 = v[i] > 0) and α = mean |v_i|, the scale of its ±α estimate. */
export function binaryCode(v: ArrayLike<number>, out: Uint8Array, at: number): number {
  const d = v.length;
  let l1 = 0;
  for (let i = 0; i < d; i += 8) {
    let byte = 0;
    for (let b = 0; b < 8; b++) {
      const x = v[i + b]!;
      if (x > 0) byte |= 1 << b;
      l1 += Math.abs(x);
    }
    out[at + (i >> 3)] = byte;
  }
  return l1 / d;
}

export class VectorFiles {
  readonly dir: string;
  readonly recordBytes: number;
  /** Binary code record: dim/8 sign bytes + float32 α (derived from the float16 record, rebuilt if lost). */
  readonly codeBytes: number;
  private readonly code: Buffer;
  private readonly fds = new Map<string, number>();
  private readonly dirty = new Set<number>();
  private readonly rec: Buffer;
  private readonly u16: Uint16Array;

  constructor(root: string, readonly packId: string, readonly dim: number) {
    this.dir = join(root, safe(packId));
    this.recordBytes = dim * 2 + 4;
    this.rec = Buffer.alloc(this.recordBytes);
    this.u16 = new Uint16Array(this.rec.buffer, this.rec.byteOffset, dim);
    if (dim % 8 !== 0) throw new Error(`vector dimension ${dim} is not a multiple of 8`);
    this.codeBytes = dim / 8 + 4;
    this.code = Buffer.alloc(this.codeBytes);
  }

  codeFile(kind: VectorKind, seg: number): string {
    return join(this.dir, `${kind}-${String(seg).padStart(5, '0')}.b1`);
  }

  private codeFd(kind: VectorKind, seg: number, create: boolean): number | null {
    const key = `code:${kind}/${seg}`;
    const have = this.fds.get(key);
    if (have !== undefined) return have;
    const path = this.codeFile(kind, seg);
    if (!existsSync(path)) {
      if (!create) return null;
      mkdirSync(this.dir, { recursive: true, mode: 0o700 }); // vectors of private files: the user's alone
    }
    const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    this.fds.set(key, fd);
    return fd;
  }

  /** Write the binary code of a vector at its slot (written with the record; see writeCodeOf). */
  writeCode(kind: VectorKind, slot: number, v: ArrayLike<number>): void {
    const alpha = binaryCode(v, this.code, 0);
    this.code.writeFloatLE(alpha, this.dim / 8);
    const fd = this.codeFd(kind, Math.floor(slot / SEG_RECORDS), true)!;
    writeSync(fd, this.code, 0, this.codeBytes, (slot % SEG_RECORDS) * this.codeBytes);
    this.dirty.add(fd);
  }

  /**
   * Bulk read of binary codes [first, first + count): each(slot, bytes, offset) with the code bytes at
   * bytes[offset…] and α after them; α ≤ 0 (never written, or lost) means the code must be rebuilt.
   */
  readCodes(kind: VectorKind, first: number, count: number, each: (slot: number, buf: Buffer, at: number, alpha: number) => void): void {
    const CHUNK = 65536;
    let buf = Buffer.alloc(0);
    const B = this.dim / 8;
    for (let s = first; s < first + count; ) {
      const seg = Math.floor(s / SEG_RECORDS);
      const inSeg = Math.min(first + count, (seg + 1) * SEG_RECORDS) - s;
      const fd = this.codeFd(kind, seg, false);
      for (let c0 = 0; c0 < inSeg; c0 += CHUNK) {
        const c = Math.min(CHUNK, inSeg - c0);
        const want = c * this.codeBytes;
        if (buf.length < want) buf = Buffer.allocUnsafe(want);
        const got = fd === null ? 0 : readSync(fd, buf, 0, want, ((s + c0) % SEG_RECORDS) * this.codeBytes);
        for (let j = 0; j < c; j++) {
          const at = j * this.codeBytes;
          const alpha = (j + 1) * this.codeBytes <= got ? buf.readFloatLE(at + B) : 0;
          each(s + c0 + j, buf, at, Number.isFinite(alpha) ? alpha : 0);
        }
      }
      s += inSeg;
    }
  }

  file(kind: VectorKind, seg: number): string {
    return join(this.dir, `${kind}-${String(seg).padStart(5, '0')}.f16`);
  }

  private header(kind: VectorKind): Buffer {
    const h = Buffer.alloc(HEADER);
    h.writeUInt32LE(MAGIC, 0);
    h.writeUInt32LE(VERSION, 4);
    h.writeUInt32LE(this.dim, 8);
    h.writeUInt32LE(VECTOR_KINDS.indexOf(kind), 12);
    h.writeUInt32LE(SEG_RECORDS, 16);
    return h;
  }

  private headerOk(fd: number, kind: VectorKind): boolean {
    const h = Buffer.alloc(HEADER);
    if (readSync(fd, h, 0, HEADER, 0) !== HEADER) return false;
    return h.equals(this.header(kind));
  }

  private fd(kind: VectorKind, seg: number, create: boolean): number | null {
    const key = `${kind}/${seg}`;
    const have = this.fds.get(key);
    if (have !== undefined) return have;
    const path = this.file(kind, seg);
    let fd: number;
    if (!existsSync(path)) {
      if (!create) return null;
      mkdirSync(this.dir, { recursive: true, mode: 0o700 }); // vectors of private files: the user's alone
      fd = openSync(path, 'w+');
      writeSync(fd, this.header(kind), 0, HEADER, 0);
      this.dirty.add(fd);
    } else {
      fd = openSync(path, 'r+');
      if (fstatSync(fd).size < HEADER || !this.headerOk(fd, kind)) {
        if (!create) {
          closeSync(fd);
          return null;
        }
        // A file whose header is torn holds nothing committed that we could trust: start it again.
        writeSync(fd, this.header(kind), 0, HEADER, 0);
        this.dirty.add(fd);
      }
    }
    this.fds.set(key, fd);
    return fd;
  }

  /** Consecutive records (and their codes) waiting to be written in one call per kind. */
  private readonly pending = new Map<VectorKind, { seg: number; first: number; count: number; buf: Buffer; codes: Buffer }>();
  private static readonly RUN = 4096;

  /** write(), returning the vector as it will read back (float16 round trip, unit length). */
  writeStored(kind: VectorKind, slot: number, v: ArrayLike<number>): Float32Array {
    const u = this.write(kind, slot, v);
    const out = new Float32Array(this.dim);
    decodeUnitF16(u, 0, this.dim, out, 0);
    return out;
  }

  /** Write one record (and its binary code) at its slot; not durable until sync(). Returns its float16 bits. */
  write(kind: VectorKind, slot: number, v: ArrayLike<number>): Uint16Array {
    if (v.length !== this.dim) throw new Error(`vector has ${v.length} dims, the pack ${this.dim}`);
    const seg = Math.floor(slot / SEG_RECORDS);
    let p = this.pending.get(kind);
    if (p && (p.seg !== seg || slot !== p.first + p.count || p.count === VectorFiles.RUN)) {
      this.flushKind(kind);
      p = undefined;
    }
    if (!p) {
      const old = this.spare.get(kind);
      p = old ? Object.assign(old, { seg, first: slot, count: 0 }) : { seg, first: slot, count: 0, buf: Buffer.alloc(VectorFiles.RUN * this.recordBytes), codes: Buffer.alloc(VectorFiles.RUN * this.codeBytes) };
      this.pending.set(kind, p);
    }
    const at = p.count * this.recordBytes;
    const u = new Uint16Array(p.buf.buffer, p.buf.byteOffset + at, this.dim);
    encodeF16(v, u);
    p.buf.writeUInt32LE(crc32(p.buf.subarray(at, at + this.dim * 2), slot >>> 0), at + this.dim * 2);
    const ca = p.count * this.codeBytes;
    p.codes.writeFloatLE(binaryCode(v, p.codes, ca), ca + this.dim / 8);
    p.count++;
    return u;
  }

  private readonly spare = new Map<VectorKind, { seg: number; first: number; count: number; buf: Buffer; codes: Buffer }>();

  private flushKind(kind: VectorKind): void {
    const p = this.pending.get(kind);
    if (!p) return;
    this.pending.delete(kind);
    this.spare.set(kind, p);
    if (!p.count) return;
    const fd = this.fd(kind, p.seg, true)!;
    writeSync(fd, p.buf, 0, p.count * this.recordBytes, HEADER + (p.first % SEG_RECORDS) * this.recordBytes);
    this.dirty.add(fd);
    const cfd = this.codeFd(kind, p.seg, true)!;
    writeSync(cfd, p.codes, 0, p.count * this.codeBytes, (p.first % SEG_RECORDS) * this.codeBytes);
    this.dirty.add(cfd);
  }

  /** Write out every pending record (not durable until sync()). */
  flush(): void {
    for (const k of [...this.pending.keys()]) this.flushKind(k);
  }

  /** Write out and fdatasync every file written since the last sync: call before committing the rows that name the slots. */
  sync(): void {
    this.flush();
    for (const fd of this.dirty) fdatasyncSync(fd);
    this.dirty.clear();
  }

  /** Decode one record into out[outOffset…]; false when missing, short or failing its checksum. */
  read(kind: VectorKind, slot: number, out: Float32Array, outOffset = 0): boolean {
    if (this.pending.size) this.flush();
    const fd = this.fd(kind, Math.floor(slot / SEG_RECORDS), false);
    if (fd === null) return false;
    const n = readSync(fd, this.rec, 0, this.recordBytes, HEADER + (slot % SEG_RECORDS) * this.recordBytes);
    if (n !== this.recordBytes) return false;
    return this.decodeRecord(this.rec, 0, slot, out, outOffset);
  }

  private decodeRecord(buf: Buffer, at: number, slot: number, out: Float32Array, outOffset: number): boolean {
    const d2 = this.dim * 2;
    if (crc32(buf.subarray(at, at + d2), slot >>> 0) !== buf.readUInt32LE(at + d2)) return false;
    const u = new Uint16Array(buf.buffer, buf.byteOffset + at, this.dim);
    decodeUnitF16(u, 0, this.dim, out, outOffset);
    return true;
  }

  /** readRange's read buffer, kept between calls (searches read a few hundred short runs each). */
  private rangeBuf = Buffer.alloc(0);

  /**
   * Bulk read of the slots [first, first + count) in few large reads; calls each(slot, ok) after decoding
   * record `slot` into `target(slot)` (an array and offset), ok = false for a missing or torn record.
   */
  readRange(
    kind: VectorKind,
    first: number,
    count: number,
    target: (slot: number) => { out: Float32Array; offset: number } | null,
    each: (slot: number, ok: boolean) => void,
  ): void {
    if (this.pending.size) this.flush();
    const CHUNK = 2048;
    let buf = this.rangeBuf;
    for (let s = first; s < first + count; ) {
      const seg = Math.floor(s / SEG_RECORDS);
      const inSeg = Math.min(first + count, (seg + 1) * SEG_RECORDS) - s;
      const fd = this.fd(kind, seg, false);
      for (let c0 = 0; c0 < inSeg; c0 += CHUNK) {
        const c = Math.min(CHUNK, inSeg - c0);
        const want = c * this.recordBytes;
        if (buf.length < want) this.rangeBuf = buf = Buffer.allocUnsafe(want);
        const got = fd === null ? 0 : readSync(fd, buf, 0, want, HEADER + ((s + c0) % SEG_RECORDS) * this.recordBytes);
        for (let j = 0; j < c; j++) {
          const slot = s + c0 + j;
          const t = target(slot);
          if (!t) continue;
          const ok = (j + 1) * this.recordBytes <= got && this.decodeRecord(buf, j * this.recordBytes, slot, t.out, t.offset);
          each(slot, ok);
        }
      }
      s += inSeg;
    }
  }

  /**
   * Decode the records of `slots` (ascending, distinct) into out[at[i]·dim …]; ok[at[i]] = 0 where a record is
   * missing or torn. Slots a few records apart are read in one call (an item's clips are consecutive slots).
   */
  readSlots(kind: VectorKind, slots: ArrayLike<number>, at: ArrayLike<number>, out: Float32Array, ok: Uint8Array, gap = 8): void {
    for (let i = 0; i < slots.length; ) {
      const first = slots[i]!;
      const seg = Math.floor(first / SEG_RECORDS);
      let j = i + 1;
      while (j < slots.length && slots[j]! - slots[j - 1]! <= gap && slots[j]! - first < 256 && Math.floor(slots[j]! / SEG_RECORDS) === seg) j++;
      let p = i;
      this.readRange(kind, first, slots[j - 1]! - first + 1, (slot) => (slots[p] === slot ? { out, offset: at[p]! * this.dim } : null), (_slot, good) => {
        ok[at[p]!] = good ? 1 : 0;
        p++;
      });
      i = j;
    }
  }

  /** Records a segment file can hold as it is on disk (0 when missing or its header is wrong). */
  recordsOnDisk(kind: VectorKind, seg: number): number {
    const path = this.file(kind, seg);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return 0;
    }
    const fd = this.fd(kind, seg, false);
    if (fd === null) return 0;
    return Math.max(0, Math.floor((size - HEADER) / this.recordBytes));
  }

  close(): void {
    this.sync();
    this.spare.clear();
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  /** Forget cached descriptors (a file was deleted or replaced underneath). */
  reopen(): void {
    this.close();
  }
}
