/**
 * First frame of a GIF exactly as Pillow 9.4 `Image.open(f).convert('RGB')` sees it: the canvas is the logical
 * screen (grown if the frame sticks out), pre-filled with the transparent index (or index 0), the frame's
 * indices are written into its rectangle, and the palette lookup ignores transparency (libvips instead
 * blacks out transparent pixels, hence this decoder). A palette that is the identity grey ramp means "L"
 * mode in Pillow: the index itself is the grey level.
 */
import { FormatError } from './errors';
import type { RgbImage } from './types';

export function isGif(b: Uint8Array): boolean {
  return b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61;
}

/** Logical screen size (what Pillow reports before reading the first frame). */
export function readGifSize(b: Uint8Array): { width: number; height: number } {
  if (b.length < 13) throw new FormatError('truncated GIF header');
  return { width: b[6]! | (b[7]! << 8), height: b[8]! | (b[9]! << 8) };
}

function isIdentityGrey(p: Uint8Array): boolean {
  for (let i = 0; i < p.length / 3; i++) if (!(p[i * 3] === i && p[i * 3 + 1] === i && p[i * 3 + 2] === i)) return false;
  return true;
}

interface Frame {
  x0: number;
  y0: number;
  w: number;
  h: number;
  interlace: boolean;
  palette: Uint8Array | null | undefined; // undefined: no local palette; null: identity grey
  transparency: number | undefined;
  minCodeSize: number;
  dataStart: number;
}

function findFirstFrame(b: Uint8Array, start: number): Frame {
  let p = start;
  let transparency: number | undefined;
  const skipSubBlocks = () => {
    for (;;) {
      if (p >= b.length) throw new FormatError('truncated GIF (data sub-blocks)');
      const n = b[p++]!;
      if (n === 0) return;
      p += n;
    }
  };
  while (p < b.length) {
    const tag = b[p++]!;
    if (tag === 0x3b) break;
    if (tag === 0x21) {
      if (p >= b.length) break;
      const label = b[p++]!;
      if (label === 0xf9 && p + 4 < b.length && b[p]! >= 4) {
        if (b[p + 1]! & 1) transparency = b[p + 4]!;
      }
      skipSubBlocks();
    } else if (tag === 0x2c) {
      if (p + 9 > b.length) throw new FormatError('truncated GIF (image descriptor)');
      const x0 = b[p]! | (b[p + 1]! << 8);
      const y0 = b[p + 2]! | (b[p + 3]! << 8);
      const w = b[p + 4]! | (b[p + 5]! << 8);
      const h = b[p + 6]! | (b[p + 7]! << 8);
      const flags = b[p + 8]!;
      p += 9;
      let palette: Uint8Array | null | undefined;
      if (flags & 0x80) {
        const n = 3 << ((flags & 7) + 1);
        if (p + n > b.length) throw new FormatError('truncated GIF (local colour table)');
        const lp = b.subarray(p, p + n);
        palette = isIdentityGrey(lp) ? null : lp;
        p += n;
      }
      if (p >= b.length) throw new FormatError('truncated GIF (LZW code size)');
      const minCodeSize = b[p++]!;
      return { x0, y0, w, h, interlace: (flags & 0x40) !== 0, palette, transparency, minCodeSize, dataStart: p };
    }
    // Pillow skips any other byte.
  }
  throw new FormatError('GIF has no image frame');
}

/** Rows of a frame in file order (interlaced GIFs store rows in 4 passes). */
function rowOrder(h: number, interlace: boolean): Int32Array {
  const rows = new Int32Array(h);
  if (!interlace) {
    for (let i = 0; i < h; i++) rows[i] = i;
    return rows;
  }
  let k = 0;
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) for (let y = start; y < h; y += step) rows[k++] = y;
  return rows;
}

/** LZW-decode up to `count` indices from the data sub-blocks starting at `p`. Returns how many were produced. */
function lzwDecode(b: Uint8Array, p: number, minCodeSize: number, out: Uint8Array, count: number): number {
  if (minCodeSize < 2 || minCodeSize > 11) throw new FormatError(`invalid GIF LZW code size ${minCodeSize}`);
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const firstOf = new Uint8Array(4096);
  const lengthOf = new Uint16Array(4096);
  for (let i = 0; i < clear; i++) {
    suffix[i] = i;
    firstOf[i] = i;
    lengthOf[i] = 1;
  }
  let codeSize = minCodeSize + 1;
  let next = clear + 2;
  let prev = -1;
  let bitBuf = 0;
  let bitCount = 0;
  let blockLeft = 0;
  let written = 0;
  for (;;) {
    while (bitCount < codeSize) {
      if (blockLeft === 0) {
        if (p >= b.length) return written;
        blockLeft = b[p++]!;
        if (blockLeft === 0) return written;
      }
      if (p >= b.length) return written;
      bitBuf |= b[p++]! << bitCount;
      bitCount += 8;
      blockLeft--;
    }
    const code = bitBuf & ((1 << codeSize) - 1);
    bitBuf >>>= codeSize;
    bitCount -= codeSize;
    if (code === clear) {
      codeSize = minCodeSize + 1;
      next = clear + 2;
      prev = -1;
      continue;
    }
    if (code === eoi) return written;
    let emit: number;
    const before = next;
    if (prev === -1) {
      if (code >= clear) throw new FormatError('corrupt GIF LZW stream');
      emit = code;
    } else if (code < next) {
      emit = code;
      if (next < 4096) {
        prefix[next] = prev;
        suffix[next] = firstOf[code]!;
        firstOf[next] = firstOf[prev]!;
        lengthOf[next] = lengthOf[prev]! + 1;
        next++;
      }
    } else if (code === next && next < 4096) {
      prefix[next] = prev;
      suffix[next] = firstOf[prev]!;
      firstOf[next] = firstOf[prev]!;
      lengthOf[next] = lengthOf[prev]! + 1;
      emit = next;
      next++;
    } else {
      throw new FormatError('corrupt GIF LZW stream');
    }
    const len = lengthOf[emit]!;
    let c = emit;
    for (let i = len - 1; i >= 0; i--) {
      if (written + i < count) out[written + i] = suffix[c]!;
      c = prefix[c]!;
    }
    written += len;
    if (written >= count) return count;
    if (next !== before && next === 1 << codeSize && codeSize < 12) codeSize++;
    prev = emit;
  }
}

/** `checkSize` is called with the canvas size before any pixel memory is allocated. */
export function decodeGif(b: Uint8Array, checkSize: (w: number, h: number) => void = () => {}): RgbImage {
  const screen = readGifSize(b);
  const flags = b[10]!;
  let p = 13;
  let globalPalette: Uint8Array | null = null;
  if (flags & 0x80) {
    const n = 3 << ((flags & 7) + 1);
    if (p + n > b.length) throw new FormatError('truncated GIF (global colour table)');
    const gp = b.subarray(p, p + n);
    globalPalette = isIdentityGrey(gp) ? null : gp;
    p += n;
  }
  const f = findFirstFrame(b, p);
  const width = Math.max(screen.width, f.x0 + f.w);
  const height = Math.max(screen.height, f.y0 + f.h);
  if (width === 0 || height === 0) throw new FormatError(`invalid GIF size ${width}x${height}`);
  checkSize(width, height);
  const palette = f.palette === undefined ? globalPalette : f.palette;

  const indices = new Uint8Array(width * height).fill(f.transparency ?? 0);
  const framePixels = f.w * f.h;
  if (framePixels > 0) {
    const frame = new Uint8Array(framePixels);
    const got = lzwDecode(b, f.dataStart, f.minCodeSize, frame, framePixels);
    if (got < framePixels) throw new FormatError(`truncated GIF image data (${got} of ${framePixels} pixels)`);
    const rows = rowOrder(f.h, f.interlace);
    for (let r = 0; r < f.h; r++) {
      indices.set(frame.subarray(r * f.w, (r + 1) * f.w), (f.y0 + rows[r]!) * width + f.x0);
    }
  }
  const out = new Uint8Array(width * height * 3);
  const palLen = palette ? palette.length / 3 : 0;
  for (let i = 0, o = 0; i < indices.length; i++, o += 3) {
    const v = indices[i]!;
    if (palette) {
      if (v < palLen) {
        out[o] = palette[v * 3]!;
        out[o + 1] = palette[v * 3 + 1]!;
        out[o + 2] = palette[v * 3 + 2]!;
      }
    } else {
      out[o] = out[o + 1] = out[o + 2] = v;
    }
  }
  return { width, height, data: out };
}
