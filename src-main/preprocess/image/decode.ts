/**
 * Decode any supported image file to 8-bit RGB exactly as `PIL.Image.open(f).convert('RGB')` (Pillow 9.4) does
 * (docs/REFERENCE.md §1.1): no EXIF orientation, no ICC conversion, alpha dropped without compositing,
 * grey replicated, palettes looked up, Pillow's rules for 16-bit and CMYK.
 *
 * JPEG/PNG/WebP/TIFF/AVIF go through sharp (libvips; its libjpeg-turbo decode is bit-identical to Pillow's).
 * BMP (no libvips loader) and GIF (libvips blacks out transparent pixels, Pillow does not) use the small
 * decoders next to this file. The pixel count is checked from the header before any pixel is decoded.
 * HEIC/HEIF (HEVC, which sharp's prebuilt libvips cannot decode) goes through heif-decode.ts, with the
 * container's rotation/mirror applied as HEIF requires. Camera RAW files give their embedded JPEG preview
 * (raw-preview.ts), decoded like any JPEG (pixels as stored, orientation kept as metadata).
 */
import sharp, { type Metadata } from 'sharp';
import { LIMITS } from '../../domain/limits';
import { mediaReadError } from '../../runtime/env-error';
import { FileRefusedError, readRegularFile } from '../../runtime/safe-read';
import { decodeBmp, isBmp, readBmpHeader } from './bmp-decode';
import { FormatError, ImageDecodeError } from './errors';
import { decodeGif, isGif, readGifSize } from './gif-decode';
import { decodeHeif, isHeif } from './heif-decode';
import { extractRawPreview, isRawFile } from './raw-preview';
import type { RgbImage } from './types';

export type { RgbImage } from './types';
export { ImageDecodeError } from './errors';

/** Pillow's decompression-bomb error threshold: 2 × Image.MAX_IMAGE_PIXELS. */
export const DEFAULT_MAX_PIXELS = LIMITS.image.maxPixelsReference;

export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (checked from the header, before decoding). */
  maxPixels?: number;
  /** Name used in error messages when `input` is bytes. */
  name?: string;
}

const SHARP_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif', 'avif']);

export async function decodeImageRGB(input: string | Uint8Array, opts: DecodeImageOptions = {}): Promise<RgbImage> {
  const source = typeof input === 'string' ? input : (opts.name ?? '<bytes>');
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      bytes = await readRegularFile(input, LIMITS.mediaFileBytes);
    } catch (e) {
      const env = mediaReadError(e, input);
      if (env) throw env;
      throw new ImageDecodeError(source, `cannot read file (${e instanceof FileRefusedError ? e.reason : ((e as NodeJS.ErrnoException).code ?? (e as Error).message)})`);
    }
  } else {
    bytes = input;
  }
  if (bytes.length === 0) throw new ImageDecodeError(source, 'file is empty (0 bytes)');
  const checkSize = (w: number, h: number) => {
    if (!(w > 0 && h > 0)) throw new ImageDecodeError(source, `invalid image size ${w}x${h}`);
    if (w > LIMITS.image.maxSide || h > LIMITS.image.maxSide) {
      throw new ImageDecodeError(source, `image is ${w}x${h}, a side above the limit of ${LIMITS.image.maxSide} pixels`);
    }
    if (w * h > maxPixels) {
      throw new ImageDecodeError(source, `image has ${w}x${h} = ${w * h} pixels, above the limit of ${maxPixels} (decompression bomb protection)`);
    }
  };
  try {
    if (isBmp(bytes)) {
      const h = readBmpHeader(bytes);
      checkSize(h.width, h.height);
      return decodeBmp(bytes);
    }
    if (isGif(bytes)) {
      const s = readGifSize(bytes);
      checkSize(Math.max(s.width, 1), Math.max(s.height, 1));
      return decodeGif(bytes, checkSize);
    }
    if (isHeif(bytes)) {
      const { width, height, data } = await decodeHeif(bytes, { maxPixels });
      return { width, height, data };
    }
    if (isRawFile(bytes, source)) {
      const p = extractRawPreview(bytes);
      checkSize(p.width, p.height);
      return decodeWithSharp(p.jpeg, source, maxPixels, checkSize);
    }
  } catch (e) {
    if (e instanceof FormatError) throw new ImageDecodeError(source, e.message);
    throw e;
  }
  return decodeWithSharp(bytes, source, maxPixels, checkSize);
}

async function decodeWithSharp(bytes: Uint8Array, source: string, maxPixels: number, checkSize: (w: number, h: number) => void): Promise<RgbImage> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const make = () =>
    sharp(buf, {
      failOn: 'error',
      ignoreIcc: true,
      autoOrient: false,
      limitInputPixels: Math.max(1, Math.min(maxPixels, Number.MAX_SAFE_INTEGER)),
      page: 0,
      pages: 1,
      sequentialRead: true,
    });
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false, page: 0, pages: 1 }).metadata();
  } catch (e) {
    throw new ImageDecodeError(source, `not a recognised image (${sharpReason(e)})`);
  }
  if (!SHARP_FORMATS.has(meta.format ?? '')) throw new ImageDecodeError(source, `unsupported image format "${meta.format}"`);
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  checkSize(width, height);

  try {
    switch (meta.space) {
      case 'cmyk': {
        const { data, info } = await make().pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true });
        return cmykToRgb(data, info.width, info.height, info.channels);
      }
      case 'grey16': {
        const { data, info } = await make().toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
        return grey16ToRgb(new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2), info.width, info.height, info.channels);
      }
      case 'rgb16': {
        const { data, info } = await make().toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
        return rgb16ToRgb(new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2), info.width, info.height, info.channels);
      }
      case 'b-w': {
        const { data, info } = await make().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
        return interleavedToRgb(data, info.width, info.height, info.channels);
      }
      default: {
        const { data, info } = await make().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
        return interleavedToRgb(data, info.width, info.height, info.channels);
      }
    }
  } catch (e) {
    throw new ImageDecodeError(source, sharpReason(e));
  }
}

function sharpReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, ' ').trim();
}

/** 8-bit grey (1–2 channels) or RGB(A) (3–4 channels) → RGB, dropping alpha without touching the colour. */
function interleavedToRgb(src: Uint8Array, width: number, height: number, channels: number): RgbImage {
  const n = width * height;
  if (channels === 3) {
    // Own the memory (callers may transfer data.buffer to a worker); sharp's buffer is usually exactly this.
    const exact = src.byteOffset === 0 && src.buffer.byteLength === n * 3;
    return { width, height, data: exact ? new Uint8Array(src.buffer, 0, n * 3) : src.slice(0, n * 3) };
  }
  const out = new Uint8Array(n * 3);
  if (channels >= 3) {
    for (let i = 0, s = 0, o = 0; i < n; i++, s += channels, o += 3) {
      out[o] = src[s]!;
      out[o + 1] = src[s + 1]!;
      out[o + 2] = src[s + 2]!;
    }
  } else {
    for (let i = 0, s = 0, o = 0; i < n; i++, s += channels, o += 3) out[o] = out[o + 1] = out[o + 2] = src[s]!;
  }
  return { width, height, data: out };
}

/**
 * 16-bit grey: Pillow opens it as mode "I" and convert('RGB') clamps to 0..255 (so most values become 255).
 * 16-bit grey + alpha: Pillow unpacks it as RGBA keeping the high byte.
 */
function grey16ToRgb(src: Uint16Array, width: number, height: number, channels: number): RgbImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0, s = 0, o = 0; i < n; i++, s += channels, o += 3) {
    const v = src[s]!;
    out[o] = out[o + 1] = out[o + 2] = channels === 1 ? (v > 255 ? 255 : v) : v >> 8;
  }
  return { width, height, data: out };
}

/** 16-bit RGB(A): Pillow's "RGB;16B"/"RGBA;16B" unpackers keep the high byte. */
function rgb16ToRgb(src: Uint16Array, width: number, height: number, channels: number): RgbImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0, s = 0, o = 0; i < n; i++, s += channels, o += 3) {
    out[o] = src[s]! >> 8;
    out[o + 1] = src[s + 1]! >> 8;
    out[o + 2] = src[s + 2]! >> 8;
  }
  return { width, height, data: out };
}

/** Pillow's cmyk2rgb: nk = 255 − K; channel = clip8(nk − muldiv255(C, nk)). */
function cmykToRgb(src: Uint8Array, width: number, height: number, channels: number): RgbImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const muldiv255 = (a: number, b: number) => {
    const t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  };
  for (let i = 0, s = 0, o = 0; i < n; i++, s += channels, o += 3) {
    const nk = 255 - src[s + 3]!;
    for (let c = 0; c < 3; c++) {
      const v = nk - muldiv255(src[s + c]!, nk);
      out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, data: out };
}
