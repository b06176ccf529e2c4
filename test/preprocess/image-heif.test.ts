import { describe, expect, it } from 'vitest';
import { decodeImageRGB } from '../../src-main/preprocess/image/decode';
import { decodeHeif, decodeWithLibheif } from '../../src-main/preprocess/image/heif-decode';
import { isHeif, readHeif } from '../../src-main/preprocess/image/heif-container';
import { exifDateTime } from '../../src-main/library/exif';
import { writeHeic } from '../helpers/media/heif';

/** Left half red, right half blue, top eighth green: orientation and colour are both visible. */
function pattern(w: number, h: number): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      rgb.set(y < h / 8 ? [30, 200, 40] : x < w / 2 ? [210, 30, 30] : [30, 40, 210], i);
    }
  }
  return rgb;
}
const px = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const near = (a: number[], b: number[], tol = 14) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

describe('HEIC/HEIF decoding (FFmpeg HEVC via node-av; libheif fallback)', () => {
  const W = 1100, H = 700;
  const src = pattern(W, H);

  it('decodes an iPhone-style 512-px grid with its EXIF date, and matches libheif and the source pixels', async () => {
    const buf = await writeHeic({ rgb: src, width: W, height: H, grid: true, exif: { dateTimeOriginal: '2023:05:06 07:08:09', orientation: 6 } });
    expect(isHeif(buf)).toBe(true);
    const c = readHeif(buf);
    expect(c.grid).toEqual({ rows: 2, cols: 3, tileWidth: 512, tileHeight: 512 });
    const img = await decodeHeif(buf, { maxPixels: 1e8 });
    expect([img.width, img.height]).toEqual([W, H]);
    expect(exifDateTime(img.exif)).toBe('2023:05:06 07:08:09');
    const ref = await decodeWithLibheif(buf, { maxPixels: 1e8 });
    let sum = 0;
    let srcSum = 0;
    for (let i = 0; i < img.data.length; i++) {
      sum += Math.abs(img.data[i]! - ref.data[i]!);
      srcSum += Math.abs(img.data[i]! - src[i]!);
    }
    expect(sum / img.data.length).toBeLessThan(3);
    expect(srcSum / img.data.length).toBeLessThan(4);
    // A pixel in each region, including across the tile seams at x = 512 and 1024.
    expect(near(px(img, 100, 20), [30, 200, 40])).toBe(true);
    expect(near(px(img, 515, 600), [210, 30, 30])).toBe(true);
    expect(near(px(img, 1090, 600), [30, 40, 210])).toBe(true);
  });

  it('applies irot (anticlockwise) as HEIF requires, and ignores the informative EXIF orientation', async () => {
    for (const rot of [90, 180, 270] as const) {
      const buf = await writeHeic({ rgb: pattern(256, 128), width: 256, height: 128, rotation: rot, exif: { orientation: 6 } });
      const img = await decodeImageRGB(buf, { name: 'r.heic' });
      const ref = await decodeWithLibheif(buf, { maxPixels: 1e8 });
      expect([img.width, img.height], `rot ${rot}`).toEqual([ref.width, ref.height]);
      expect([img.width, img.height]).toEqual(rot === 180 ? [256, 128] : [128, 256]);
      // 90° anticlockwise puts the green top bar on the left.
      if (rot === 90) expect(near(px(img, 4, 200), [30, 200, 40])).toBe(true);
      if (rot === 270) expect(near(px(img, 123, 50), [30, 200, 40])).toBe(true);
      if (rot === 180) expect(near(px(img, 100, 125), [30, 200, 40])).toBe(true);
      let d = 0;
      for (let i = 0; i < img.data.length; i++) d += Math.abs(img.data[i]! - ref.data[i]!);
      expect(d / img.data.length).toBeLessThan(3);
    }
  });

  it('refuses a truncated HEIC, a decompression bomb and a non-HEVC item with a reason', async () => {
    const buf = await writeHeic({ rgb: src, width: W, height: H, grid: true });
    await expect(decodeImageRGB(buf.subarray(0, Math.floor(buf.length * 0.8)), { name: 'cut.heic' })).rejects.toThrow(/past the end|truncated/);
    await expect(decodeImageRGB(buf.subarray(0, 300), { name: 'head.heic' })).rejects.toThrow(/cut\.heic|head\.heic/);
    await expect(decodeImageRGB(buf, { name: 'big.heic', maxPixels: 500_000 })).rejects.toThrow(/above the limit/);
  });
});

describe('HEIF item locations are read inside their box', () => {
  const box = (type: string, ...parts: Uint8Array[]) => {
    const body = Buffer.concat(parts);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const u8 = (...v: number[]) => Uint8Array.from(v);
  const u16 = (n: number) => u8(n >> 8, n & 255);

  it('an iloc that claims 65 535 items of 65 535 zero-byte extents is refused by name, not read past its box', () => {
    // The fuzzer's 3.8 KB HEIC (seed 16): 0-byte offset/length fields make an extent take no bytes, so the parser
    // read item headers from whatever followed the box and pushed billions of extents until the heap gave out.
    const ftyp = box('ftyp', Buffer.from('heic'), u8(0, 0, 0, 0), Buffer.from('mif1heic'));
    const pitm = box('pitm', u8(0, 0, 0, 0), u16(1));
    const infe = box('infe', u8(2, 0, 0, 0), u16(1), u16(0), Buffer.from('hvc1'), u8(0));
    const iinf = box('iinf', u8(0, 0, 0, 0), u16(1), infe);
    // version 0; offset/length/base sizes 0; 65 535 items; the first item's header is the last thing in the box
    const iloc = box('iloc', u8(0, 0, 0, 0), u8(0x00, 0x00), u16(0xffff), u16(1), u16(0), u16(0xffff));
    const meta = box('meta', u8(0, 0, 0, 0), pitm, iinf, iloc);
    const mdat = box('mdat', new Uint8Array(4096).fill(0xff)); // item headers of 0xFFFF extents each, read past the box
    const file = new Uint8Array(Buffer.concat([ftyp, meta, mdat]));
    expect(isHeif(file)).toBe(true);
    const t0 = performance.now();
    expect(() => readHeif(file)).toThrow(/item locations run past their box/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
