/**
 * Test-media helper: writes HEIC files the way phones do (ISO/IEC 23008-12): an `hvc1` image item, or a `grid`
 * of 512×512 hidden `hvc1` tiles (iPhone), with `ispe`, optional `irot`, and an `Exif` item linked by `cdsc`.
 * Pixels are encoded by x265 from node-av. Only what the decoders under test need is written.
 */
import { encodeHevcPictures, type HevcPicture } from './hevc';
import { tiffWithExif, type ExifFields } from './tiff';

const u8 = (v: number) => Buffer.from([v & 255]);
const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; };
const str = (s: string) => Buffer.from(s, 'latin1');

export function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(8 + body.length), str(type), body]);
}
export const fullBox = (type: string, version: number, flags: number, ...parts: Buffer[]) =>
  box(type, u8(version), u8(flags >> 16), u16(flags & 0xffff), ...parts);

function hvcC(p: HevcPicture): Buffer {
  // profile_tier_level: the 12 bytes after the SPS's 2-byte NAL header and its first byte.
  const ptl = p.sps.subarray(3, 15);
  const arr = (type: number, nal: Buffer) => Buffer.concat([u8(0x80 | type), u16(1), u16(nal.length), nal]);
  return box('hvcC', u8(1), ptl.subarray(0, 1), ptl.subarray(1, 5), ptl.subarray(5, 11), ptl.subarray(11, 12),
    u16(0xf000), u8(0xfc), u8(0xfd), u8(0xf8), u8(0xf8), u16(0), u8(0x0f), u8(3),
    arr(32, p.vps), arr(33, p.sps), arr(34, p.pps));
}

export interface HeicOptions {
  /** RGB24, width*height*3. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Split into hidden 512×512 tiles under a `grid` item, as iPhones do (default false). */
  grid?: boolean;
  tile?: number;
  /** `irot`: anticlockwise rotation in degrees (0, 90, 180, 270). */
  rotation?: 0 | 90 | 180 | 270;
  exif?: ExifFields;
  quality?: number;
}

function crop(rgb: Uint8Array, w: number, h: number, x0: number, y0: number, tw: number, th: number): Uint8Array {
  const out = new Uint8Array(tw * th * 3);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const sx = Math.min(w - 1, x0 + x), sy = Math.min(h - 1, y0 + y);
      out.set(rgb.subarray((sy * w + sx) * 3, (sy * w + sx) * 3 + 3), (y * tw + x) * 3);
    }
  }
  return out;
}

export async function writeHeic(o: HeicOptions): Promise<Buffer> {
  const { width: W, height: H } = o;
  const tile = o.tile ?? 512;
  interface Item { id: number; type: string; hidden: boolean; data: Buffer; props: number[] }
  const items: Item[] = [];
  const props: Buffer[] = [];
  const addProp = (b: Buffer) => (props.push(b), props.length);
  let primary: number;
  const refs: Buffer[] = [];
  if (o.grid) {
    const cols = Math.ceil(W / tile), rows = Math.ceil(H / tile);
    const pics: Uint8Array[] = [];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) pics.push(crop(o.rgb, W, H, c * tile, r * tile, tile, tile));
    const enc = await encodeHevcPictures(pics, tile, tile, o.quality);
    const hv = addProp(hvcC(enc[0]!));
    const tileIspe = addProp(fullBox('ispe', 0, 0, u32(tile), u32(tile)));
    enc.forEach((p, k) => items.push({ id: 2 + k, type: 'hvc1', hidden: true, data: p.data, props: [hv, tileIspe] }));
    primary = 1;
    const gridData = Buffer.concat([u8(0), u8(0), u8(rows - 1), u8(cols - 1), u16(W), u16(H)]);
    const ispe = addProp(fullBox('ispe', 0, 0, u32(W), u32(H)));
    const gp = [ispe];
    if (o.rotation) gp.push(addProp(box('irot', u8(o.rotation / 90))));
    items.unshift({ id: 1, type: 'grid', hidden: false, data: gridData, props: gp });
    refs.push(box('dimg', u16(1), u16(enc.length), ...enc.map((_, k) => u16(2 + k))));
  } else {
    const [p] = await encodeHevcPictures([o.rgb], W, H, o.quality);
    const ip = [addProp(hvcC(p!)), addProp(fullBox('ispe', 0, 0, u32(W), u32(H)))];
    if (o.rotation) ip.push(addProp(box('irot', u8(o.rotation / 90))));
    items.push({ id: 1, type: 'hvc1', hidden: false, data: p!.data, props: ip });
    primary = 1;
  }
  if (o.exif) {
    const id = items.length + 1;
    items.push({ id, type: 'Exif', hidden: false, data: Buffer.concat([u32(6), str('Exif\0\0'), tiffWithExif(o.exif)]), props: [] });
    refs.push(box('cdsc', u16(id), u16(1), u16(primary)));
  }
  const ftyp = box('ftyp', str('heic'), u32(0), str('mif1'), str('heic'));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), str('pict'), u32(0), u32(0), u32(0), u8(0));
  const pitm = fullBox('pitm', 0, 0, u16(primary));
  const iinf = fullBox('iinf', 0, 0, u16(items.length), ...items.map((it) => fullBox('infe', 2, it.hidden ? 1 : 0, u16(it.id), u16(0), str(it.type), u8(0))));
  const iref = refs.length ? fullBox('iref', 0, 0, ...refs) : Buffer.alloc(0);
  const withProps = items.filter((it) => it.props.length);
  const ipma = fullBox('ipma', 0, 0, u32(withProps.length), ...withProps.map((it) => Buffer.concat([u16(it.id), u8(it.props.length), ...it.props.map((p) => u8(0x80 | p))])));
  const iprp = box('iprp', box('ipco', ...props), ipma);
  // iloc offsets point into mdat: compute the meta size first with placeholder offsets (fixed-size fields).
  const ilocFor = (base: number) => {
    let off = base;
    const entries = items.map((it) => {
      const e = Buffer.concat([u16(it.id), u16(0), u16(1), u32(off), u32(it.data.length)]);
      off += it.data.length;
      return e;
    });
    return fullBox('iloc', 0, 0, u8(0x44), u8(0x00), u16(items.length), ...entries);
  };
  const metaFor = (base: number) => fullBox('meta', 0, 0, hdlr, pitm, ilocFor(base), iinf, iref, iprp);
  const metaLen = metaFor(0).length;
  const mdatStart = ftyp.length + metaLen + 8;
  const mdat = box('mdat', ...items.map((it) => it.data));
  return Buffer.concat([ftyp, metaFor(mdatStart), mdat]);
}
