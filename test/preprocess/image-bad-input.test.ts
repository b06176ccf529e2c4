import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageRGB, ImageDecodeError } from '../../src-main/preprocess/image/decode';

const dir = mkdtempSync(join(tmpdir(), 'molecule-image-bad-'));
let jpeg: Buffer;
let png: Buffer;

function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const t = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([t, data])));
  return Buffer.concat([len, t, data, crc]);
}
/** A valid-looking PNG whose header claims width×height but carries only a few bytes of image data. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', new Uint8Array(0))]);
}

async function expectDecodeError(input: string | Uint8Array, reason: RegExp, opts?: { maxPixels?: number; name?: string }) {
  const err = await decodeImageRGB(input, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageDecodeError);
  const e = err as ImageDecodeError;
  if (typeof input === 'string') expect(e.message).toContain(input);
  expect(e.message).toMatch(reason);
  return e;
}

beforeAll(async () => {
  const noise = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  jpeg = await sharp(noise, { raw: { width: 64, height: 48, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  png = await sharp(noise, { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer();
});

describe('decodeImageRGB refuses bad input with a clear ImageDecodeError', () => {
  it('missing file', async () => {
    await expectDecodeError(join(dir, 'nope.png'), /cannot read file \(ENOENT\)/);
  });

  it('zero-byte file', async () => {
    const f = join(dir, 'empty.jpg');
    writeFileSync(f, '');
    await expectDecodeError(f, /empty \(0 bytes\)/);
  });

  it('truncated JPEG', async () => {
    const f = join(dir, 'truncated.jpg');
    writeFileSync(f, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    await expectDecodeError(f, /premature|truncat|end of/i);
  });

  it('truncated PNG', async () => {
    const f = join(dir, 'truncated.png');
    writeFileSync(f, png.subarray(0, Math.floor(png.length / 2)));
    await expectDecodeError(f, /.{8,}/);
  });

  it('a non-image with an image extension', async () => {
    const f = join(dir, 'sound.jpg');
    writeFileSync(f, Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'), Buffer.alloc(200)]));
    await expectDecodeError(f, /not a recognised image/);
  });

  it('PNG header claiming 50000×50000 is refused before decoding (decompression bomb)', async () => {
    const f = join(dir, 'bomb.png');
    writeFileSync(f, pngClaiming(50000, 50000));
    const e = await expectDecodeError(f, /50000x50000 = 2500000000 pixels, above the limit of 178956970/);
    expect(e.reason).toMatch(/decompression bomb/);
  });

  it('maxPixels option applies to every format (JPEG, BMP, GIF)', async () => {
    await expectDecodeError(jpeg, /above the limit of 1000/, { maxPixels: 1000, name: 'photo.jpg' });
    const bmp = Buffer.alloc(54 + 64 * 48 * 3);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(bmp.length, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(64, 18);
    bmp.writeInt32LE(48, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    expect((await decodeImageRGB(bmp)).width).toBe(64);
    await expectDecodeError(bmp, /above the limit of 1000/, { maxPixels: 1000 });
  });

  it('errors for bytes input name the given name', async () => {
    const e = await expectDecodeError(new Uint8Array([1, 2, 3, 4, 5]), /not a recognised image/, { name: 'blob-42' });
    expect(e.message).toContain('blob-42');
  });

  it('truncated BMP, RLE BMP, truncated GIF and a GIF without frames', async () => {
    const bmp = Buffer.alloc(54 + 8 * 8 * 3);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(8, 18);
    bmp.writeInt32LE(8, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    await expectDecodeError(bmp.subarray(0, 100), /truncated BMP/);
    const rle = Buffer.from(bmp);
    rle.writeUInt16LE(8, 28);
    rle.writeUInt32LE(1, 30);
    await expectDecodeError(rle, /unsupported BMP compression RLE8/);
    const gif = await sharp(png).gif().toBuffer();
    await expectDecodeError(gif.subarray(0, Math.floor(gif.length * 0.6)), /truncated GIF/);
    const noFrame = Buffer.from('GIF89a\x02\x00\x02\x00\x00\x00\x00;', 'latin1');
    await expectDecodeError(noFrame, /no image frame/);
    // A 10x10 screen whose first frame claims 60000x60000: refused before any pixel memory is allocated.
    const hugeFrame = Buffer.from('GIF89a\x0a\x00\x0a\x00\x00\x00\x00,\x00\x00\x00\x00\x60\xea\x60\xea\x00\x02\x00;', 'latin1');
    await expectDecodeError(hugeFrame, /60000x60000 = 3600000000 pixels, above the limit/);
  });

  it('the valid originals decode (the failures above are about the damage)', async () => {
    const a = await decodeImageRGB(jpeg);
    const b = await decodeImageRGB(png);
    expect([a.width, a.height, b.width, b.height]).toEqual([64, 48, 64, 48]);
    expect(readFileSync(join(dir, 'truncated.png')).length).toBeLessThan(png.length);
  });
});
