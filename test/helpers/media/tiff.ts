/**
 * Test-media helper: a small TIFF writer (IFD chains, sub-IFDs, out-of-line values, blobs referenced by offset),
 * enough to write EXIF blocks and the TIFF-shaped camera RAW containers (DNG, CR2, NEF, ARW, ORF, RW2).
 */
export type TiffValue =
  | { short: number[] }
  | { long: number[] }
  | { ascii: string }
  | { undef: Buffer }
  /** LONG offset(s) of the given sub-IFD(s), written after this IFD. */
  | { ifds: TiffIfd[] }
  /** LONG offset of a blob written at the end of the file (e.g. an embedded JPEG). */
  | { blobOffset: Buffer }
  /** An UNDEFINED value holding bytes that themselves embed a TIFF (maker notes): built with the final offset. */
  | { makerNote: (absOffset: number) => Buffer; size: number };

export interface TiffIfd {
  entries: [number, TiffValue][];
}

export interface TiffOptions {
  le?: boolean;
  /** Header magic (42 for TIFF, 0x55 for RW2, 0x4f52 for ORF). */
  magic?: number;
  /** Bytes between the 8-byte header and the first IFD (CR2 puts "CR\2\0" + an offset there). */
  headerExtra?: Buffer;
  /** IFD0, then the chain of next IFDs. */
  chain: TiffIfd[];
}

const TYPE = { short: 3, long: 4, ascii: 2, undef: 7, ifds: 4, blobOffset: 4, makerNote: 7 } as const;

export function writeTiff(o: TiffOptions): Buffer {
  const le = o.le ?? false;
  const blobs: { buf: Buffer; at: number }[] = [];
  const ifdPos = new Map<TiffIfd, number>();
  const order: TiffIfd[] = [];
  const visit = (ifd: TiffIfd) => {
    order.push(ifd);
    for (const [, v] of ifd.entries) if ('ifds' in v) v.ifds.forEach(visit);
  };
  o.chain.forEach(visit);
  const valueBytes = (v: TiffValue): number => {
    if ('short' in v) return v.short.length * 2;
    if ('long' in v) return v.long.length * 4;
    if ('ascii' in v) return v.ascii.length + 1;
    if ('undef' in v) return v.undef.length;
    if ('ifds' in v) return v.ifds.length * 4;
    if ('makerNote' in v) return v.size;
    return 4;
  };
  const pad = (n: number) => n + (n & 1);
  const ifdSize = (ifd: TiffIfd) => 2 + 12 * ifd.entries.length + 4 + ifd.entries.reduce((s, [, v]) => s + (valueBytes(v) > 4 ? pad(valueBytes(v)) : 0), 0);
  let pos = 8 + (o.headerExtra?.length ?? 0);
  for (const ifd of order) {
    ifdPos.set(ifd, pos);
    pos += ifdSize(ifd);
  }
  for (const ifd of order) {
    for (const [, v] of ifd.entries) {
      if ('blobOffset' in v && !blobs.some((b) => b.buf === v.blobOffset)) {
        blobs.push({ buf: v.blobOffset, at: pos });
        pos += pad(v.blobOffset.length);
      }
    }
  }
  const out = Buffer.alloc(pos);
  const w16 = (p: number, x: number) => (le ? out.writeUInt16LE(x, p) : out.writeUInt16BE(x, p));
  const w32 = (p: number, x: number) => (le ? out.writeUInt32LE(x >>> 0, p) : out.writeUInt32BE(x >>> 0, p));
  out.write(le ? 'II' : 'MM', 0, 'latin1');
  w16(2, o.magic ?? 42);
  w32(4, ifdPos.get(o.chain[0]!)!);
  o.headerExtra?.copy(out, 8);
  for (const ifd of order) {
    const at = ifdPos.get(ifd)!;
    const entries = [...ifd.entries].sort((a, b) => a[0] - b[0]);
    w16(at, entries.length);
    let extra = at + 2 + 12 * entries.length + 4;
    entries.forEach(([tag, v], i) => {
      const e = at + 2 + 12 * i;
      const kind = Object.keys(v)[0] as keyof typeof TYPE;
      const n = 'short' in v ? v.short.length : 'long' in v ? v.long.length : 'ifds' in v ? v.ifds.length : 'blobOffset' in v ? 1 : valueBytes(v);
      w16(e, tag);
      w16(e + 2, TYPE[kind]);
      w32(e + 4, n);
      const size = valueBytes(v);
      const vp = size > 4 ? extra : e + 8;
      if (size > 4) {
        w32(e + 8, extra);
        extra += pad(size);
      }
      if ('short' in v) v.short.forEach((x, k) => w16(vp + 2 * k, x));
      else if ('long' in v) v.long.forEach((x, k) => w32(vp + 4 * k, x));
      else if ('ascii' in v) out.write(v.ascii + '\0', vp, 'latin1');
      else if ('undef' in v) v.undef.copy(out, vp);
      else if ('ifds' in v) v.ifds.forEach((s, k) => w32(vp + 4 * k, ifdPos.get(s)!));
      else if ('makerNote' in v) v.makerNote(vp).copy(out, vp);
      else w32(vp, blobs.find((b) => b.buf === v.blobOffset)!.at);
    });
  }
  // Next-IFD links of the main chain.
  o.chain.forEach((ifd, i) => {
    const at = ifdPos.get(ifd)!;
    w32(at + 2 + 12 * ifd.entries.length, i + 1 < o.chain.length ? ifdPos.get(o.chain[i + 1]!)! : 0);
  });
  for (const b of blobs) b.buf.copy(out, b.at);
  return out;
}

export interface ExifFields {
  orientation?: number;
  /** "YYYY:MM:DD HH:MM:SS" */
  dateTimeOriginal?: string;
  make?: string;
  model?: string;
}

/** IFD0 entries + an Exif sub-IFD for the given fields (shared by the HEIC Exif item and the RAW writers). */
export function exifEntries(f: ExifFields): [number, TiffValue][] {
  const e: [number, TiffValue][] = [];
  if (f.make) e.push([0x010f, { ascii: f.make }]);
  if (f.model) e.push([0x0110, { ascii: f.model }]);
  if (f.orientation) e.push([0x0112, { short: [f.orientation] }]);
  if (f.dateTimeOriginal) e.push([0x8769, { ifds: [{ entries: [[0x9003, { ascii: f.dateTimeOriginal }]] }] }]);
  return e;
}

/** A bare TIFF block with the EXIF fields ("MM\0*…"). */
export function tiffWithExif(f: ExifFields): Buffer {
  return writeTiff({ chain: [{ entries: exifEntries(f) }] });
}
