/**
 * Strict decoder for the uncompressed BMP variants, following Pillow 9.4's BmpImagePlugin + convert('RGB'):
 * 1/4/8-bit palette, 16-bit (5-5-5 or BITFIELDS 5-6-5 / 5-5-5), 24-bit BGR, 32-bit BGRX (BI_RGB: the 4th byte
 * is ignored) and the 32-bit BITFIELDS layouts Pillow accepts. RLE and other compressions are refused.
 * (libvips, and so sharp, has no BMP loader.)
 */
import { FormatError } from './errors';
import type { RgbImage } from './types';

const BI_RGB = 0;
const BI_BITFIELDS = 3;

export interface BmpHeader {
  width: number;
  height: number;
  bits: number;
  compression: number;
  topDown: boolean;
  headerSize: number;
  dataOffset: number;
}

export function isBmp(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d;
}

function need(b: Uint8Array, end: number, what: string): void {
  if (end > b.length) throw new FormatError(`truncated BMP (${what} needs ${end} bytes, file has ${b.length})`);
}

export function readBmpHeader(b: Uint8Array): BmpHeader {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  need(b, 18, 'file header');
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize === 12) {
    need(b, 26, 'core header');
    return { width: dv.getUint16(18, true), height: dv.getUint16(20, true), bits: dv.getUint16(24, true), compression: BI_RGB, topDown: false, headerSize, dataOffset };
  }
  if (![40, 64, 108, 124].includes(headerSize)) throw new FormatError(`unsupported BMP header size ${headerSize}`);
  need(b, 14 + headerSize, 'info header');
  const width = dv.getInt32(18, true);
  const rawH = dv.getInt32(22, true);
  const bits = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  if (width <= 0 || rawH === 0) throw new FormatError(`invalid BMP size ${width}x${rawH}`);
  return { width, height: Math.abs(rawH), bits, compression, topDown: rawH < 0, headerSize, dataOffset };
}

function maskLayout(bits: number, m: [number, number, number, number]): string | undefined {
  const key = m.map((x) => x >>> 0).join(',');
  if (bits === 32) {
    const layouts: Record<string, string> = {
      [`${0xff0000},${0xff00},${0xff},0`]: 'BGRX',
      [`${0xff000000},${0xff0000},${0xff00},0`]: 'XBGR',
      [`${0xff000000},${0xff0000},${0xff00},${0xff}`]: 'ABGR',
      [`${0xff},${0xff00},${0xff0000},${0xff000000}`]: 'RGBA',
      [`${0xff0000},${0xff00},${0xff},${0xff000000}`]: 'BGRA',
      '0,0,0,0': 'BGRA',
    };
    return layouts[key];
  }
  const rgbKey = m.slice(0, 3).map((x) => x >>> 0).join(',');
  if (bits === 24 && rgbKey === `${0xff0000},${0xff00},${0xff}`) return 'BGR';
  if (bits === 16 && rgbKey === `${0xf800},${0x7e0},${0x1f}`) return 'BGR;16';
  if (bits === 16 && rgbKey === `${0x7c00},${0x3e0},${0x1f}`) return 'BGR;15';
  return undefined;
}

export function decodeBmp(b: Uint8Array): RgbImage {
  const h = readBmpHeader(b);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const { width, height, bits } = h;
  let layout: string;
  let cursor = 14 + h.headerSize;
  if (h.compression === BI_BITFIELDS) {
    let masks: [number, number, number, number];
    if (h.headerSize >= 64) {
      masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true), dv.getUint32(66, true)];
    } else {
      need(b, cursor + 12, 'bit masks');
      masks = [dv.getUint32(cursor, true), dv.getUint32(cursor + 4, true), dv.getUint32(cursor + 8, true), 0];
      cursor += 12;
    }
    const l = maskLayout(bits, masks);
    if (!l) throw new FormatError(`unsupported BMP bitfields layout (${bits}-bit, masks ${masks.map((x) => '0x' + x.toString(16)).join(' ')})`);
    layout = l;
  } else if (h.compression === BI_RGB) {
    const byBits: Record<number, string> = { 1: 'P', 4: 'P', 8: 'P', 16: 'BGR;15', 24: 'BGR', 32: 'BGRX' };
    const l = byBits[bits];
    if (!l) throw new FormatError(`unsupported BMP pixel depth ${bits}`);
    layout = l;
  } else {
    const names: Record<number, string> = { 1: 'RLE8', 2: 'RLE4', 4: 'JPEG', 5: 'PNG' };
    throw new FormatError(`unsupported BMP compression ${names[h.compression] ?? h.compression}`);
  }

  let palette: Uint8Array | undefined;
  let dataOffset = h.dataOffset;
  if (layout === 'P') {
    const colorsField = h.headerSize >= 40 ? dv.getUint32(46, true) : 0;
    const colors = colorsField || 1 << bits;
    if (!(colors > 0 && colors <= 65536)) throw new FormatError(`unsupported BMP palette size ${colors}`);
    const pad = h.headerSize === 12 ? 3 : 4;
    need(b, cursor + pad * colors, 'palette');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < Math.min(colors, 256); i++) {
      const p = cursor + i * pad;
      palette[i * 3] = b[p + 2]!;
      palette[i * 3 + 1] = b[p + 1]!;
      palette[i * 3 + 2] = b[p]!;
    }
    if (dataOffset === 14 + h.headerSize) dataOffset += 4 * colors; // as Pillow: offset pointing at the palette
  }

  const stride = ((width * bits + 31) >>> 5) << 2;
  need(b, dataOffset + stride * height, 'pixel data');
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (h.topDown ? y : height - 1 - y) * stride;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      switch (layout) {
        case 'P': {
          let idx: number;
          if (bits === 8) idx = b[row + x]!;
          else if (bits === 4) idx = (b[row + (x >> 1)]! >> (x & 1 ? 0 : 4)) & 15;
          else idx = (b[row + (x >> 3)]! >> (7 - (x & 7))) & 1;
          out[o] = palette![idx * 3]!;
          out[o + 1] = palette![idx * 3 + 1]!;
          out[o + 2] = palette![idx * 3 + 2]!;
          break;
        }
        case 'BGR':
          out[o] = b[row + x * 3 + 2]!;
          out[o + 1] = b[row + x * 3 + 1]!;
          out[o + 2] = b[row + x * 3]!;
          break;
        case 'BGRX':
        case 'BGRA':
          out[o] = b[row + x * 4 + 2]!;
          out[o + 1] = b[row + x * 4 + 1]!;
          out[o + 2] = b[row + x * 4]!;
          break;
        case 'XBGR':
        case 'ABGR':
          out[o] = b[row + x * 4 + 3]!;
          out[o + 1] = b[row + x * 4 + 2]!;
          out[o + 2] = b[row + x * 4 + 1]!;
          break;
        case 'RGBA':
          out[o] = b[row + x * 4]!;
          out[o + 1] = b[row + x * 4 + 1]!;
          out[o + 2] = b[row + x * 4 + 2]!;
          break;
        case 'BGR;15': {
          const v = b[row + x * 2]! | (b[row + x * 2 + 1]! << 8);
          out[o] = expand5((v >> 10) & 31);
          out[o + 1] = expand5((v >> 5) & 31);
          out[o + 2] = expand5(v & 31);
          break;
        }
        case 'BGR;16': {
          const v = b[row + x * 2]! | (b[row + x * 2 + 1]! << 8);
          out[o] = expand5((v >> 11) & 31);
          out[o + 1] = expand6((v >> 5) & 63);
          out[o + 2] = expand5(v & 31);
          break;
        }
      }
    }
  }
  return { width, height, data: out };
}

// Pillow's Unpack.c: (v * 255) / 31 and (v * 255) / 63 with integer division.
function expand5(v: number): number {
  return Math.floor((v * 255) / 31);
}
function expand6(v: number): number {
  return Math.floor((v * 255) / 63);
}
