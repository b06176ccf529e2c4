/**
 * Camera RAW → the camera's own JPEG rendering embedded in the file. We never demosaic: the largest embedded
 * baseline/progressive JPEG is the full-size preview on current cameras, and otherwise the largest thumbnail.
 *
 *   TIFF-shaped (DNG, CR2, NEF, ARW, RW2, ORF): every IFD reachable from IFD0's chain, SubIFDs and the Exif IFD
 *     is searched for JPEGInterchangeFormat/Length, single-strip JPEG-compressed images (compression 6/7/34892),
 *     Panasonic's JpgFromRaw (0x002e), Nikon's maker-note PreviewIFD and Olympus' CameraSettings preview.
 *   CR3 (ISO-BMFF): the full-size JPEG of the first track, the PRVW preview and the THMB thumbnail; CMT1/CMT2
 *     hold TIFF blocks with orientation and dates.
 *   RAF: the JPEG whose offset/length the header gives.
 * Lossless JPEG (SOF3: the raw sensor data of DNG/CR2) is never taken. Orientation and capture date come from the
 * RAW's own IFDs, falling back to the preview JPEG's EXIF. Every offset and length is checked against the file.
 */
import { FormatError } from './errors';

export const RAW_EXTENSIONS = ['dng', 'cr2', 'cr3', 'nef', 'nrw', 'arw', 'srf', 'sr2', 'raf', 'orf', 'rw2', 'pef', 'srw'] as const;

export interface RawPreview {
  /** The container family we parsed. */
  container: 'tiff' | 'cr3' | 'raf';
  jpeg: Uint8Array;
  /** Size of the chosen JPEG (from its SOF marker). */
  width: number;
  height: number;
  /** EXIF orientation 1–8 from the RAW (1 when absent). */
  orientation: number;
  /** "YYYY:MM:DD HH:MM:SS" DateTimeOriginal (or DateTime) from the RAW, or null. */
  date: string | null;
  make: string | null;
  model: string | null;
  /** How many embedded JPEGs were found (the largest is used). */
  candidates: number;
}

interface Jpeg {
  off: number;
  len: number;
  width: number;
  height: number;
}

/** Baseline/progressive JPEG at [off, off+len): its size from the first SOF marker, or null (lossless, corrupt). */
export function jpegSize(b: Uint8Array, off: number, len: number): { width: number; height: number } | null {
  const end = Math.min(b.length, off + len);
  if (off < 0 || off + 4 > end || b[off] !== 0xff || b[off + 1] !== 0xd8) return null;
  let p = off + 2;
  for (let guard = 0; p + 4 <= end && guard < 10_000; guard++) {
    if (b[p] !== 0xff) return null;
    const m = b[p + 1]!;
    if (m === 0xff) {
      p++;
      continue;
    }
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      p += 2;
      continue;
    }
    const segLen = (b[p + 2]! << 8) | b[p + 3]!;
    if (segLen < 2) return null;
    if (m === 0xc0 || m === 0xc1 || m === 0xc2) {
      if (p + 9 > end) return null;
      const height = (b[p + 5]! << 8) | b[p + 6]!;
      const width = (b[p + 7]! << 8) | b[p + 8]!;
      return width > 0 && height > 0 ? { width, height } : null;
    }
    // SOF3/5–7/9–11/13–15: lossless, hierarchical or arithmetic — not a preview libvips can read.
    if ((m >= 0xc3 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xda) return null;
    p += 2 + segLen;
  }
  return null;
}

class Tiff {
  readonly le: boolean;
  constructor(readonly b: Uint8Array, readonly base: number, le?: boolean) {
    if (base + 8 > b.length) throw new FormatError('TIFF header truncated');
    const o = String.fromCharCode(b[base]!, b[base + 1]!);
    if (le === undefined && o !== 'II' && o !== 'MM') throw new FormatError('not a TIFF-based RAW (no II/MM byte order)');
    this.le = le ?? o === 'II';
  }
  u16(p: number): number {
    const a = this.base + p;
    if (a < 0 || a + 2 > this.b.length) throw new FormatError('TIFF field past the end of the file (truncated?)');
    return this.le ? this.b[a]! | (this.b[a + 1]! << 8) : (this.b[a]! << 8) | this.b[a + 1]!;
  }
  u32(p: number): number {
    const a = this.base + p;
    if (a < 0 || a + 4 > this.b.length) throw new FormatError('TIFF field past the end of the file (truncated?)');
    return this.le
      ? (this.b[a]! | (this.b[a + 1]! << 8) | (this.b[a + 2]! << 16) | (this.b[a + 3]! << 24)) >>> 0
      : ((this.b[a]! << 24) | (this.b[a + 1]! << 16) | (this.b[a + 2]! << 8) | this.b[a + 3]!) >>> 0;
  }
}

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Offset (relative to the TIFF base) of the value bytes. */
  at: number;
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };

function readIfd(t: Tiff, off: number): { entries: Map<number, Entry>; next: number } {
  const n = t.u16(off);
  if (n > 4096) throw new FormatError(`TIFF IFD with ${n} entries (corrupt)`);
  const entries = new Map<number, Entry>();
  for (let i = 0; i < n; i++) {
    const e = off + 2 + 12 * i;
    const tag = t.u16(e), type = t.u16(e + 2), count = t.u32(e + 4);
    const size = (TYPE_SIZE[type] ?? 1) * count;
    entries.set(tag, { tag, type, count, at: size > 4 ? t.u32(e + 8) : e + 8 });
  }
  return { entries, next: t.u32(off + 2 + 12 * n) };
}

const val = (t: Tiff, e: Entry | undefined, i = 0): number | null => {
  if (!e || i >= e.count) return null;
  if (e.type === 3 || e.type === 8) return t.u16(e.at + 2 * i);
  if (e.type === 4 || e.type === 9 || e.type === 13) return t.u32(e.at + 4 * i);
  if (e.type === 1 || e.type === 7) return t.b[t.base + e.at + i] ?? null;
  return null;
};

const ascii = (t: Tiff, e: Entry | undefined): string | null => {
  if (!e || e.type !== 2 || e.count > 256) return null;
  let s = '';
  for (let i = 0; i < e.count; i++) {
    const c = t.b[t.base + e.at + i];
    if (c === undefined || c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim() || null;
};

const DATE_RE = /^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}/;

interface Meta {
  orientation: number | null;
  date: string | null;
  dateTime: string | null;
  make: string | null;
  model: string | null;
}

/** Walk a TIFF structure from `ifd0`, collecting JPEG candidates (absolute offsets) and metadata. */
function walkTiff(t: Tiff, ifd0: number, found: Jpeg[], meta: Meta, depth = 0): void {
  const seen = new Set<number>();
  const b = t.b;
  const add = (off: number, len: number) => {
    const abs = t.base + off;
    if (len <= 0 || abs + len > b.length) return;
    const s = jpegSize(b, abs, len);
    if (s && !found.some((f) => f.off === abs)) found.push({ off: abs, len, ...s });
  };
  const visit = (off: number, level: number, chain: boolean) => {
    let cur = off;
    for (let hops = 0; cur > 0 && hops < 32; hops++) {
      if (seen.has(cur) || seen.size > 256) return;
      seen.add(cur);
      let ifd;
      try {
        ifd = readIfd(t, cur);
      } catch {
        return;
      }
      const e = ifd.entries;
      if (level === 0 && meta.orientation === null) {
        const o = val(t, e.get(0x0112));
        if (o !== null && o >= 1 && o <= 8) meta.orientation = o;
      }
      meta.make ??= ascii(t, e.get(0x010f));
      meta.model ??= ascii(t, e.get(0x0110));
      const dt = ascii(t, e.get(0x0132));
      if (dt && DATE_RE.test(dt)) meta.dateTime ??= dt.slice(0, 19);
      const dto = ascii(t, e.get(0x9003));
      if (dto && DATE_RE.test(dto)) meta.date ??= dto.slice(0, 19);
      // JPEGInterchangeFormat / Length
      const jo = val(t, e.get(0x0201)), jl = val(t, e.get(0x0202));
      if (jo !== null && jl !== null) add(jo, jl);
      // A single-strip JPEG-compressed image (CR2 IFD0, DNG preview IFDs).
      const comp = val(t, e.get(0x0103));
      const so = e.get(0x0111), sc = e.get(0x0117);
      if (comp !== null && [6, 7, 34892].includes(comp) && so && sc && so.count === 1) add(val(t, so)!, val(t, sc)!);
      // Panasonic JpgFromRaw: an UNDEFINED blob holding a whole JPEG.
      const pj = e.get(0x002e);
      if (pj && pj.type === 7) add(pj.at, pj.count);
      // Olympus CameraSettings preview (inside the maker note IFD tree).
      const op = val(t, e.get(0x0101)), ol = val(t, e.get(0x0102));
      if (depth > 0 && op !== null && ol !== null) add(op, ol);
      const subs = e.get(0x014a);
      if (subs && level < 4) for (let i = 0; i < Math.min(subs.count, 16); i++) visit(val(t, subs, i) ?? 0, level + 1, false);
      const exif = val(t, e.get(0x8769));
      if (exif && level < 4) visit(exif, level + 1, false);
      const olyCam = e.get(0x2020);
      if (olyCam && level < 6) visit(olyCam.type === 13 || olyCam.type === 4 ? val(t, olyCam)! : olyCam.at, level + 1, false);
      const nikonPreview = val(t, e.get(0x0011));
      if (nikonPreview && depth > 0 && level < 6 && e.get(0x0011)!.type !== 2) visit(nikonPreview, level + 1, false);
      const mn = e.get(0x927c);
      if (mn && depth < 2) makerNote(t, mn, found, meta, depth);
      if (!chain) return;
      cur = ifd.next;
    }
  };
  visit(ifd0, 0, true);
}

/** Maker notes with their own IFD: Nikon (own TIFF header), Olympus (offsets from the note's start). */
function makerNote(t: Tiff, e: Entry, found: Jpeg[], meta: Meta, depth: number): void {
  const abs = t.base + e.at;
  const b = t.b;
  if (abs + 18 > b.length) return;
  const head = String.fromCharCode(...b.subarray(abs, abs + 8));
  try {
    if (head.startsWith('Nikon\0')) {
      const inner = new Tiff(b, abs + 10);
      walkTiff(inner, inner.u32(4), found, { ...meta }, depth + 1);
    } else if (head.startsWith('OLYMPUS\0') || head.startsWith('OM SYSTE')) {
      // New-style Olympus notes: "OLYMPUS\0" + byte order + version, IFD at 12 (16 for "OM SYSTEM\0\0\0"),
      // offsets counted from the start of the note.
      const skip = head.startsWith('OLYMPUS\0') ? 12 : 16;
      const bo = String.fromCharCode(b[abs + skip - 4]!, b[abs + skip - 3]!);
      walkTiff(new Tiff(b, abs, bo === 'II' ? true : bo === 'MM' ? false : t.le), skip, found, { ...meta }, depth + 1);
    }
  } catch {
    // A maker note we cannot parse only loses its preview.
  }
}

// ---------------------------------------------------------------------------------------------------- containers

const be32 = (b: Uint8Array, p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
const fourcc = (b: Uint8Array, p: number) => String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!);

function fromRaf(b: Uint8Array, found: Jpeg[], meta: Meta): void {
  if (b.length < 100) throw new FormatError('RAF header truncated');
  const off = be32(b, 84), len = be32(b, 88);
  if (off + len > b.length) throw new FormatError('RAF preview lies past the end of the file (truncated?)');
  const s = jpegSize(b, off, len);
  if (s) found.push({ off, len, ...s });
  // Fujifilm keeps its EXIF inside that JPEG.
  if (s) exifFromJpeg(b, off, len, meta);
}

/** Read orientation/date from a JPEG's APP1 Exif segment (RAF, or as a fallback for any RAW). */
function exifFromJpeg(b: Uint8Array, off: number, len: number, meta: Meta): void {
  let p = off + 2;
  const end = Math.min(b.length, off + len);
  for (let guard = 0; p + 4 < end && guard < 64; guard++) {
    if (b[p] !== 0xff) return;
    const m = b[p + 1]!;
    const L = (b[p + 2]! << 8) | b[p + 3]!;
    if (m === 0xda) return;
    if (m === 0xe1 && fourcc(b, p + 4) === 'Exif') {
      try {
        const t = new Tiff(b, p + 10);
        walkTiff(t, t.u32(4), [], meta, 2);
      } catch {
        /* no usable EXIF */
      }
      return;
    }
    p += 2 + L;
  }
}

const CANON_UUID = '85c0b687820f11e08111f4ce462b6a48';
const PREVIEW_UUID = 'eaf42b5e1c984b88b9fbb7dc406e4d16';

function fromCr3(b: Uint8Array, found: Jpeg[], meta: Meta): void {
  const boxes = (from: number, to: number, cb: (type: string, body: number, end: number, uuid: string | null) => void) => {
    let p = from;
    for (let g = 0; p + 8 <= to && g < 10_000; g++) {
      let size = be32(b, p);
      const type = fourcc(b, p + 4);
      let body = p + 8;
      if (size === 1) {
        if (p + 16 > to) return;
        size = be32(b, p + 8) * 2 ** 32 + be32(b, p + 12);
        body = p + 16;
      } else if (size === 0) size = to - p;
      if (size < 8 || p + size > to) throw new FormatError(`CR3 box '${type}' runs past the end of the file (truncated?)`);
      let uuid: string | null = null;
      if (type === 'uuid' && body + 16 <= p + size) {
        uuid = Array.from(b.subarray(body, body + 16), (x) => x.toString(16).padStart(2, '0')).join('');
        body += 16;
      }
      cb(type, body, p + size, uuid);
      p += size;
    }
  };
  let firstTrackDone = false;
  const tiffBlock = (body: number, end: number) => {
    try {
      const t = new Tiff(b.subarray(0, end), body);
      walkTiff(t, t.u32(4), [], meta, 2);
    } catch {
      /* ignore */
    }
  };
  const walk = (from: number, to: number) =>
    boxes(from, to, (type, body, end, uuid) => {
      if (type === 'moov' || (type === 'uuid' && uuid === CANON_UUID)) walk(body, end);
      else if (type === 'CMT1' || type === 'CMT2') tiffBlock(body, end);
      else if (type === 'THMB') {
        // THMB: version/flags(4) width(2) height(2) jpegSize(4) unknown(4) JPEG
        const len = be32(b, body + 8);
        const off = body + 16;
        const s = jpegSize(b, off, len);
        if (s && off + len <= end) found.push({ off, len, ...s });
      } else if (type === 'uuid' && uuid === PREVIEW_UUID) {
        boxes(body + 8, end, (t2, b2, e2) => {
          if (t2 !== 'PRVW') return;
          const len = be32(b, b2 + 12);
          const off = b2 + 16;
          const s = jpegSize(b, off, len);
          if (s && off + len <= e2) found.push({ off, len, ...s });
        });
      } else if (type === 'trak' && !firstTrackDone) {
        firstTrackDone = true;
        // First track = the full-size JPEG: its one sample via stco/co64 + stsz.
        let off = -1, len = -1;
        const inner = (f: number, t: number) =>
          boxes(f, t, (t3, b3, e3) => {
            if (t3 === 'mdia' || t3 === 'minf' || t3 === 'stbl') inner(b3, e3);
            else if (t3 === 'stsz') len = be32(b, b3 + 4) || be32(b, b3 + 12);
            else if (t3 === 'co64') off = be32(b, b3 + 8) * 2 ** 32 + be32(b, b3 + 12);
            else if (t3 === 'stco') off = be32(b, b3 + 8);
          });
        inner(body, end);
        if (off > 0 && len > 0 && off + len <= b.length) {
          const s = jpegSize(b, off, len);
          if (s) found.push({ off, len, ...s });
        }
      }
    });
  walk(0, b.length);
}

/** Which RAW container this is, from the first bytes (null when not a RAW we read). */
export function rawContainer(b: Uint8Array): RawPreview['container'] | null {
  if (b.length < 16) return null;
  if (String.fromCharCode(...b.subarray(0, 16)) === 'FUJIFILMCCD-RAW ') return 'raf';
  if (fourcc(b, 4) === 'ftyp' && fourcc(b, 8) === 'crx ') return 'cr3';
  const o = String.fromCharCode(b[0]!, b[1]!);
  if (o === 'II' || o === 'MM') {
    const magic = o === 'II' ? b[2]! | (b[3]! << 8) : (b[2]! << 8) | b[3]!;
    if (magic === 42 || magic === 0x55 || magic === 0x4f52 || magic === 0x5352) return 'tiff';
  }
  return null;
}

const RAW_EXT = new Set<string>(RAW_EXTENSIONS);

/**
 * A RAW we read: by a header only RAWs have (CR3, RAF, RW2, ORF, CR2's "CR" marker), or a TIFF header under a
 * RAW file name (DNG, NEF, ARW, … are plain TIFF structures; a .tif stays a TIFF).
 */
export function isRawFile(b: Uint8Array, name: string): boolean {
  const c = rawContainer(b);
  if (!c) return false;
  if (c !== 'tiff') return true;
  const magic = b[0] === 0x49 ? b[2]! | (b[3]! << 8) : (b[2]! << 8) | b[3]!;
  if (magic !== 42) return true;
  if (b[8] === 0x43 && b[9] === 0x52) return true;
  const dot = name.lastIndexOf('.');
  return dot >= 0 && RAW_EXT.has(name.slice(dot + 1).toLowerCase());
}

/** Find the largest embedded JPEG preview of a RAW file, with the RAW's orientation and capture date. */
export function extractRawPreview(b: Uint8Array): RawPreview {
  const container = rawContainer(b);
  if (!container) throw new FormatError('not a camera RAW file we can read (unknown header)');
  const found: Jpeg[] = [];
  const meta: Meta = { orientation: null, date: null, dateTime: null, make: null, model: null };
  if (container === 'raf') fromRaf(b, found, meta);
  else if (container === 'cr3') fromCr3(b, found, meta);
  else {
    const t = new Tiff(b, 0);
    walkTiff(t, t.u32(4), found, meta);
  }
  if (!found.length) throw new FormatError('no embedded JPEG preview found in this RAW file');
  found.sort((x, y) => y.width * y.height - x.width * x.height || y.len - x.len);
  const best = found[0]!;
  if (meta.orientation === null || (!meta.date && !meta.dateTime)) exifFromJpeg(b, best.off, best.len, meta);
  return {
    container,
    jpeg: b.subarray(best.off, best.off + best.len),
    width: best.width,
    height: best.height,
    orientation: meta.orientation ?? 1,
    date: meta.date ?? meta.dateTime,
    make: meta.make,
    model: meta.model,
    candidates: found.length,
  };
}
