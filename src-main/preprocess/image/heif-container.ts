/**
 * HEIF (ISO/IEC 23008-12) container reader: finds the primary image item, its coded data (one `hvc1` picture or a
 * `grid` of `hvc1` tiles), its `hvcC` decoder configuration, `ispe` size, `irot`/`imir` transforms, `colr` nclx
 * colour description and the `Exif` item. Every size and count read from the file is checked against the buffer
 * before use; anything unexpected throws a FormatError with the reason.
 */
import { FormatError } from './errors';

export interface HeifNclx {
  matrix: number;
  fullRange: boolean;
}

export interface HeifPicture {
  /** `hvc1` for HEVC, `av01` for AV1 (AVIF; not decoded here). */
  type: string;
  data: Uint8Array;
}

export interface HeifPrimary {
  /** Image size before rotation (from `ispe`, or the grid's output size). */
  width: number;
  height: number;
  codec: string;
  /** hvcC payload (without the box header), the decoder's extradata. */
  config: Uint8Array | null;
  /** Tiles in raster order (one entry for a non-grid image). */
  tiles: HeifPicture[];
  grid: { rows: number; cols: number; tileWidth: number; tileHeight: number } | null;
  /** Anticlockwise rotation in degrees, then mirror axis (0 = vertical axis, 1 = horizontal), as stored. */
  rotationCcw: number;
  mirror: number | null;
  nclx: HeifNclx | null;
  hasAlpha: boolean;
  exif: Uint8Array | null;
  /** Brand says the file is (also) an image sequence. */
  sequence: boolean;
}

/** Brands of HEIF files whose pictures are HEVC (AVIF is read by sharp). */
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1', 'mif2', 'miaf']);

/** True for an ISO-BMFF file with a HEIF brand that is not AVIF. */
export function isHeif(b: Uint8Array): boolean {
  if (b.length < 16 || String.fromCharCode(b[4]!, b[5]!, b[6]!, b[7]!) !== 'ftyp') return false;
  const size = Math.min(b.length, ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
  const brands: string[] = [String.fromCharCode(b[8]!, b[9]!, b[10]!, b[11]!)];
  for (let p = 16; p + 4 <= size; p += 4) brands.push(String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!));
  if (brands[0] === 'avif' || brands[0] === 'avis') return false;
  return brands.some((x) => HEIF_BRANDS.has(x));
}

interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
}

class Reader {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(p: number, n: number, what: string): void {
    if (p < 0 || p + n > this.b.length) throw new FormatError(`HEIF ${what} runs past the end of the file (truncated?)`);
  }
  u8(p: number) { this.need(p, 1, 'field'); return this.b[p]!; }
  u16(p: number) { this.need(p, 2, 'field'); return this.dv.getUint16(p); }
  u32(p: number) { this.need(p, 4, 'field'); return this.dv.getUint32(p); }
  uN(p: number, n: number): number {
    if (n === 0) return 0;
    if (n === 2) return this.u16(p);
    if (n === 4) return this.u32(p);
    if (n === 8) {
      const hi = this.u32(p);
      if (hi > 0x1fffff) throw new FormatError('HEIF 64-bit offset too large');
      return hi * 2 ** 32 + this.u32(p + 4);
    }
    throw new FormatError(`HEIF field size ${n} not supported`);
  }
  fourcc(p: number) { this.need(p, 4, 'fourcc'); return String.fromCharCode(this.b[p]!, this.b[p + 1]!, this.b[p + 2]!, this.b[p + 3]!); }
  /** Child boxes of [from, to). */
  boxes(from: number, to: number): Box[] {
    const out: Box[] = [];
    let p = from;
    while (p + 8 <= to) {
      let size = this.u32(p);
      const type = this.fourcc(p + 4);
      let body = p + 8;
      if (size === 1) {
        size = this.uN(p + 8, 8);
        body = p + 16;
      } else if (size === 0) size = to - p;
      if (size < body - p || p + size > to) throw new FormatError(`HEIF box '${type}' has a bad size (truncated or corrupt file)`);
      out.push({ type, start: p, body, end: p + size });
      if (out.length > 100_000) throw new FormatError('HEIF has too many boxes');
      p += size;
    }
    return out;
  }
}

const one = (list: Box[], type: string) => list.find((x) => x.type === type);

/** Parse the container and return everything needed to decode the primary image. */
export function readHeif(bytes: Uint8Array): HeifPrimary {
  const r = new Reader(bytes);
  const top = r.boxes(0, bytes.length);
  const ftyp = one(top, 'ftyp');
  const brands = ftyp ? [r.fourcc(ftyp.body), ...Array.from({ length: Math.max(0, (ftyp.end - ftyp.body - 8) / 4) }, (_, i) => r.fourcc(ftyp.body + 8 + 4 * i))] : [];
  const sequence = brands.includes('msf1') || brands.some((x) => x.startsWith('hev'));
  const meta = one(top, 'meta');
  if (!meta) throw new FormatError(sequence ? 'HEIF image sequence without a still image item' : 'HEIF file has no meta box');
  const mb = r.boxes(meta.body + 4, meta.end);
  const pitm = one(mb, 'pitm');
  if (!pitm) throw new FormatError('HEIF has no primary item');
  const primaryId = r.u8(pitm.body) === 0 ? r.u16(pitm.body + 4) : r.u32(pitm.body + 4);

  // Item types.
  const types = new Map<number, string>();
  const iinf = one(mb, 'iinf');
  if (!iinf) throw new FormatError('HEIF has no item info');
  const iinfV = r.u8(iinf.body);
  for (const infe of r.boxes(iinf.body + 4 + (iinfV === 0 ? 2 : 4), iinf.end)) {
    if (infe.type !== 'infe') continue;
    const v = r.u8(infe.body);
    if (v < 2) continue;
    const id = v === 2 ? r.u16(infe.body + 4) : r.u32(infe.body + 4);
    types.set(id, r.fourcc(infe.body + 4 + (v === 2 ? 2 : 4) + 2));
  }

  // Item locations.
  const idat = one(mb, 'idat');
  const iloc = one(mb, 'iloc');
  if (!iloc) throw new FormatError('HEIF has no item locations');
  const locs = new Map<number, { method: number; extents: [number, number][] }>();
  {
    const v = r.u8(iloc.body);
    let p = iloc.body + 4;
    const a = r.u8(p), b = r.u8(p + 1);
    const offSize = a >> 4, lenSize = a & 15, baseSize = b >> 4, idxSize = v >= 1 ? b & 15 : 0;
    p += 2;
    const count = v < 2 ? r.u16(p) : r.u32(p);
    p += v < 2 ? 2 : 4;
    if (count > 1_000_000) throw new FormatError('HEIF has too many items');
    // every field read below must lie inside the box: with 0-byte offset and length fields an extent takes no
    // bytes, and 65 535 items × 65 535 extents read past the box filled the heap (fuzzer, seed 16 case 45399)
    const inBox = () => {
      if (p > iloc.end) throw new FormatError('HEIF item locations run past their box');
    };
    let extentsSeen = 0;
    for (let i = 0; i < count; i++) {
      const id = v < 2 ? r.u16(p) : r.u32(p);
      p += v < 2 ? 2 : 4;
      const method = v >= 1 ? r.u16(p) & 15 : 0;
      if (v >= 1) p += 2;
      p += 2; // data_reference_index
      const base = r.uN(p, baseSize);
      p += baseSize;
      const n = r.u16(p);
      p += 2;
      inBox();
      extentsSeen += n;
      if (extentsSeen > 1_000_000) throw new FormatError('HEIF item locations list too many extents');
      const extents: [number, number][] = [];
      for (let k = 0; k < n; k++) {
        p += idxSize;
        const off = r.uN(p, offSize);
        p += offSize;
        const len = r.uN(p, lenSize);
        p += lenSize;
        inBox();
        extents.push([base + off, len]);
      }
      locs.set(id, { method, extents });
    }
  }
  const itemData = (id: number): Uint8Array => {
    const l = locs.get(id);
    if (!l) throw new FormatError(`HEIF item ${id} has no location`);
    const src = l.method === 1 ? (idat ? bytes.subarray(idat.body, idat.end) : null) : l.method === 0 ? bytes : null;
    if (!src) throw new FormatError(`HEIF item ${id} uses an unsupported construction method ${l.method}`);
    let total = 0;
    for (const [o, len] of l.extents) {
      if (o + len > src.length || len === 0 && l.extents.length > 1) throw new FormatError(`HEIF item ${id} data lies past the end of the file (truncated?)`);
      total += len || src.length - o;
    }
    if (l.extents.length === 1) {
      const [o, len] = l.extents[0]!;
      return src.subarray(o, len ? o + len : src.length);
    }
    const out = new Uint8Array(total);
    let q = 0;
    for (const [o, len] of l.extents) {
      out.set(src.subarray(o, o + len), q);
      q += len;
    }
    return out;
  };

  // References: dimg (grid → tiles), cdsc (Exif → image), auxl (alpha → image).
  const refs: { type: string; from: number; to: number[] }[] = [];
  const iref = one(mb, 'iref');
  if (iref) {
    const v = r.u8(iref.body);
    const w = v === 0 ? 2 : 4;
    for (const rb of r.boxes(iref.body + 4, iref.end)) {
      let p = rb.body;
      const from = r.uN(p, w);
      p += w;
      const n = r.u16(p);
      p += 2;
      const to: number[] = [];
      for (let k = 0; k < n; k++, p += w) to.push(r.uN(p, w));
      refs.push({ type: rb.type, from, to });
    }
  }

  // Properties.
  const iprp = one(mb, 'iprp');
  if (!iprp) throw new FormatError('HEIF has no item properties');
  const ip = r.boxes(iprp.body, iprp.end);
  const ipco = one(ip, 'ipco');
  if (!ipco) throw new FormatError('HEIF has no property container');
  const props = r.boxes(ipco.body, ipco.end);
  const assoc = new Map<number, number[]>();
  for (const ipma of ip.filter((x) => x.type === 'ipma')) {
    const v = r.u8(ipma.body);
    const flags = r.u8(ipma.body + 3);
    let p = ipma.body + 4;
    const n = r.u32(p);
    p += 4;
    if (n > 1_000_000) throw new FormatError('HEIF has too many property associations');
    for (let i = 0; i < n; i++) {
      const id = v < 1 ? r.u16(p) : r.u32(p);
      p += v < 1 ? 2 : 4;
      const c = r.u8(p++);
      const list = assoc.get(id) ?? [];
      for (let k = 0; k < c; k++) {
        const idx = flags & 1 ? r.u16(p) & 0x7fff : r.u8(p) & 0x7f;
        p += flags & 1 ? 2 : 1;
        if (idx > 0) list.push(idx - 1);
      }
      assoc.set(id, list);
    }
  }
  const propOf = (id: number, type: string): Box | undefined => (assoc.get(id) ?? []).map((i) => props[i]).find((x) => x?.type === type);

  const ptype = types.get(primaryId);
  if (!ptype) throw new FormatError('HEIF primary item has no type');
  const ispe = propOf(primaryId, 'ispe');
  let width = ispe ? r.u32(ispe.body + 4) : 0;
  let height = ispe ? r.u32(ispe.body + 8) : 0;
  let grid: HeifPrimary['grid'] = null;
  let tileIds: number[];
  let codec: string;
  if (ptype === 'grid') {
    const g = itemData(primaryId);
    if (g.length < 8) throw new FormatError('HEIF grid description is truncated');
    const gr = new Reader(g);
    const large = gr.u8(1) & 1;
    const rows = gr.u8(2) + 1, cols = gr.u8(3) + 1;
    width = large ? gr.u32(4) : gr.u16(4);
    height = large ? gr.u32(large ? 8 : 6) : gr.u16(6);
    tileIds = refs.find((x) => x.type === 'dimg' && x.from === primaryId)?.to ?? [];
    if (tileIds.length !== rows * cols) throw new FormatError(`HEIF grid of ${rows}×${cols} has ${tileIds.length} tiles`);
    const t0 = tileIds[0]!;
    codec = types.get(t0) ?? '?';
    const tispe = propOf(t0, 'ispe');
    if (!tispe) throw new FormatError('HEIF grid tile has no size');
    const tw = r.u32(tispe.body + 4), th = r.u32(tispe.body + 8);
    if (!(tw > 0 && th > 0) || tw * cols < width || th * rows < height) throw new FormatError('HEIF grid tiles do not cover the image');
    grid = { rows, cols, tileWidth: tw, tileHeight: th };
  } else {
    tileIds = [primaryId];
    codec = ptype;
  }
  if (codec !== 'hvc1') throw new FormatError(`HEIF image coded as '${codec}' (only HEVC is read here)`);
  if (!(width > 0 && height > 0)) throw new FormatError('HEIF image has no size');
  const hvcC = propOf(tileIds[0]!, 'hvcC');
  const config = hvcC ? bytes.subarray(hvcC.body, hvcC.end) : null;
  if (!config) throw new FormatError('HEIF image has no HEVC decoder configuration');
  const irot = propOf(primaryId, 'irot');
  const imir = propOf(primaryId, 'imir');
  const colr = propOf(primaryId, 'colr') ?? propOf(tileIds[0]!, 'colr');
  let nclx: HeifNclx | null = null;
  if (colr && r.fourcc(colr.body) === 'nclx' && colr.end - colr.body >= 11) {
    nclx = { matrix: r.u16(colr.body + 8), fullRange: (r.u8(colr.body + 10) & 0x80) !== 0 };
  }
  const exifId = refs.find((x) => x.type === 'cdsc' && x.to.includes(primaryId) && types.get(x.from) === 'Exif')?.from
    ?? [...types].find(([, t]) => t === 'Exif')?.[0];
  let exif: Uint8Array | null = null;
  if (exifId !== undefined) {
    try {
      const e = itemData(exifId);
      const skip = e.length >= 4 ? new Reader(e).u32(0) : 0;
      exif = 4 + skip <= e.length ? e.subarray(4 + skip) : null;
    } catch {
      exif = null;
    }
  }
  return {
    width, height, codec, config, grid,
    tiles: tileIds.map((id) => ({ type: types.get(id) ?? '?', data: itemData(id) })),
    rotationCcw: irot ? (r.u8(irot.body) & 3) * 90 : 0,
    mirror: imir ? r.u8(imir.body) & 1 : null,
    nclx,
    hasAlpha: refs.some((x) => x.type === 'auxl' && x.to.includes(primaryId)),
    exif,
    sequence,
  };
}
