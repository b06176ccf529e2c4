/**
 * HEIC/HEIF → 8-bit RGB. The container is read by heif-container.ts; each HEVC picture (or grid tile) is decoded by
 * FFmpeg's native HEVC decoder from node-av and converted to RGB by swscale with the file's nclx matrix/range,
 * tiles are placed on the canvas, cropped to the image size, then `irot`/`imir` are applied (they are part of the
 * image in HEIF, unlike EXIF orientation). Files the native path cannot read (other codecs, unusual layouts) go to
 * libheif (libheif-js, WebAssembly), which is ~10× slower but complete.
 */
import { createRequire } from 'node:module';
import { FormatError } from './errors';
import { readHeif, type HeifPrimary } from './heif-container';
import type { RgbImage } from './types';

export { isHeif } from './heif-container';

type NodeAvLib = typeof import('node-av/lib');
type NodeAvConst = typeof import('node-av/constants');
let av: { lib: NodeAvLib; c: NodeAvConst } | null = null;
async function nodeAv() {
  av ??= { lib: await import('node-av/lib'), c: await import('node-av/constants') };
  return av;
}

export interface HeifDecodeOptions {
  maxPixels: number;
}

/** Size after rotation, read from the container only (for the pixel limit and metadata). */
export function heifDisplaySize(h: Pick<HeifPrimary, 'width' | 'height' | 'rotationCcw'>): { width: number; height: number } {
  return h.rotationCcw % 180 ? { width: h.height, height: h.width } : { width: h.width, height: h.height };
}

export async function decodeHeif(bytes: Uint8Array, opts: HeifDecodeOptions): Promise<RgbImage & { exif: Uint8Array | null }> {
  let h: HeifPrimary;
  try {
    h = readHeif(bytes);
  } catch (e) {
    // Truncated or corrupt containers are refused; anything merely unsupported goes to libheif.
    if (e instanceof FormatError && /truncated|past the end|bad size/.test(e.message)) throw e;
    return { ...(await decodeWithLibheif(bytes, opts)), exif: null };
  }
  if (h.width * h.height > opts.maxPixels) {
    throw new FormatError(`image has ${h.width}x${h.height} = ${h.width * h.height} pixels, above the limit of ${opts.maxPixels} (decompression bomb protection)`);
  }
  const canvas = await decodeHevcCanvas(h);
  return { ...applyTransforms(canvas, h), exif: h.exif };
}

async function decodeHevcCanvas(h: HeifPrimary): Promise<RgbImage> {
  const { lib, c } = await nodeAv();
  const codec = lib.Codec.findDecoderByName(c.FF_DECODER_HEVC);
  if (!codec) throw new FormatError('this FFmpeg build has no HEVC decoder');
  const ctx = new lib.CodecContext();
  ctx.allocContext3(codec);
  ctx.extraData = Buffer.from(h.config!.buffer, h.config!.byteOffset, h.config!.byteLength);
  ctx.threadCount = 1;
  const tw = h.grid?.tileWidth ?? h.width;
  const th = h.grid?.tileHeight ?? h.height;
  ctx.width = tw;
  ctx.height = th;
  if ((await ctx.open2(codec, null)) < 0) throw new FormatError('cannot open the HEVC decoder for this image');
  const out = new Uint8Array(h.width * h.height * 3);
  const cols = h.grid?.cols ?? 1;
  const pkt = new lib.Packet();
  pkt.alloc();
  const frame = new lib.Frame();
  frame.alloc();
  const rgb = new lib.Frame();
  rgb.alloc();
  let sws: InstanceType<NodeAvLib['SoftwareScaleContext']> | null = null;
  let swsKey = '';
  try {
    for (let t = 0; t < h.tiles.length; t++) {
      const tile = h.tiles[t]!;
      pkt.data = Buffer.from(tile.data.buffer, tile.data.byteOffset, tile.data.byteLength);
      pkt.pts = BigInt(t);
      let ret = ctx.sendPacketSync(pkt);
      if (ret < 0) throw new FormatError(`HEVC tile ${t + 1} of ${h.tiles.length} cannot be decoded (${ret})`);
      ret = ctx.receiveFrameSync(frame);
      if (ret === c.AVERROR_EAGAIN) {
        ctx.sendPacketSync(null);
        ret = ctx.receiveFrameSync(frame);
      }
      if (ret < 0) throw new FormatError(`HEVC tile ${t + 1} of ${h.tiles.length} decoded to nothing (${ret})`);
      const fw = frame.width, fh = frame.height;
      const key = `${fw}x${fh}:${frame.format}`;
      if (key !== swsKey) {
        sws?.freeContext();
        sws = new lib.SoftwareScaleContext();
        sws.getContext(fw, fh, frame.format as import('node-av/constants').AVPixelFormat, fw, fh, c.AV_PIX_FMT_RGB24, c.SWS_BICUBIC);
        swsKey = key;
        rgb.unref();
        rgb.width = fw;
        rgb.height = fh;
        rgb.format = c.AV_PIX_FMT_RGB24;
        if (rgb.allocBuffer() < 0) throw new Error('cannot allocate an RGB tile');
      }
      if (h.nclx) {
        frame.colorRange = h.nclx.fullRange ? c.AVCOL_RANGE_JPEG : c.AVCOL_RANGE_MPEG;
        if (h.nclx.matrix !== 2) frame.colorSpace = h.nclx.matrix as typeof frame.colorSpace;
      }
      if (sws!.scaleFrameSync(rgb, frame) < 0) throw new FormatError('cannot convert an HEVC tile to RGB');
      const data = rgb.data![0]!;
      const stride = rgb.linesize[0]!;
      const x0 = (t % cols) * tw, y0 = Math.floor(t / cols) * th;
      const w = Math.min(fw, h.width - x0), hh = Math.min(fh, h.height - y0);
      for (let y = 0; y < hh; y++) out.set(data.subarray(y * stride, y * stride + w * 3), ((y0 + y) * h.width + x0) * 3);
      frame.unref();
    }
  } finally {
    sws?.freeContext();
    pkt.free();
    frame.free();
    rgb.free();
    ctx.freeContext();
  }
  return { width: h.width, height: h.height, data: out };
}

/** `irot` (anticlockwise) then `imir`. */
export function applyTransforms(img: RgbImage, h: Pick<HeifPrimary, 'rotationCcw' | 'mirror'>): RgbImage {
  let cur = img;
  if (h.rotationCcw) cur = rotateCcw(cur, h.rotationCcw);
  if (h.mirror !== null) cur = mirror(cur, h.mirror);
  return cur;
}

function rotateCcw(img: RgbImage, deg: number): RgbImage {
  const { width: w, height: ht, data } = img;
  const turns = (deg / 90) & 3;
  const W = turns % 2 ? ht : w, H = turns % 2 ? w : ht;
  const out = new Uint8Array(w * ht * 3);
  // Destination pixel (nx, ny) = start + x·dx + y·dy, in pixels of the output.
  // Anticlockwise by 90°: (x, y) → (y, w-1-x); 180°: (w-1-x, ht-1-y); 270°: (ht-1-y, x).
  const [start, dx, dy] =
    turns === 1 ? [(w - 1) * W, -W, 1] : turns === 2 ? [(ht - 1) * W + (w - 1), -1, -W] : [ht - 1, W, -1];
  for (let y = 0; y < ht; y++) {
    let s = y * w * 3;
    let d = start + y * dy;
    for (let x = 0; x < w; x++, s += 3, d += dx) {
      const o = d * 3;
      out[o] = data[s]!;
      out[o + 1] = data[s + 1]!;
      out[o + 2] = data[s + 2]!;
    }
  }
  return { width: W, height: H, data: out };
}

function mirror(img: RgbImage, axis: number): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = axis === 0 ? (y * w + (w - 1 - x)) * 3 : ((h - 1 - y) * w + x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}

// ------------------------------------------------------------------------------------------------ libheif fallback

interface Libheif {
  heif_context_alloc(): unknown;
  heif_context_free(ctx: unknown): void;
  heif_context_read_from_memory(ctx: unknown, b: Uint8Array): { code: unknown; message?: string };
  heif_error_code: Record<string, unknown>;
  heif_js_context_get_primary_image_handle(ctx: unknown): unknown;
  heif_image_handle_get_width(h: unknown): number;
  heif_image_handle_get_height(h: unknown): number;
  heif_image_handle_release(h: unknown): void;
  heif_js_decode_image2(h: unknown, cs: unknown, chroma: unknown): Promise<{ code?: number; image: unknown; channels: { width: number; height: number; stride: number; data: Uint8Array }[] }>;
  heif_image_release(img: unknown): void;
  heif_colorspace: Record<string, unknown>;
  heif_chroma: Record<string, unknown>;
}
let libheif: Libheif | null = null;

/** libheif (WebAssembly) decode of the primary image, transforms applied. */
export async function decodeWithLibheif(bytes: Uint8Array, opts: HeifDecodeOptions): Promise<RgbImage> {
  libheif ??= createRequire(import.meta.url)('libheif-js/wasm-bundle') as Libheif;
  const lh = libheif;
  const ctx = lh.heif_context_alloc();
  try {
    const err = lh.heif_context_read_from_memory(ctx, bytes);
    if (err.code !== lh.heif_error_code.heif_error_Ok) throw new FormatError(`not a readable HEIF file (${err.message ?? err.code})`);
    const handle = lh.heif_js_context_get_primary_image_handle(ctx) as { code?: number } | null;
    if (!handle || handle.code) throw new FormatError('HEIF file has no primary image');
    try {
      const w = lh.heif_image_handle_get_width(handle), h = lh.heif_image_handle_get_height(handle);
      if (!(w > 0 && h > 0)) throw new FormatError(`invalid HEIF image size ${w}x${h}`);
      if (w * h > opts.maxPixels) throw new FormatError(`image has ${w}x${h} = ${w * h} pixels, above the limit of ${opts.maxPixels} (decompression bomb protection)`);
      const img = await lh.heif_js_decode_image2(handle, lh.heif_colorspace.heif_colorspace_RGB, lh.heif_chroma.heif_chroma_interleaved_RGB);
      if (!img || img.code || !img.channels?.[0]) throw new FormatError('libheif could not decode the image');
      try {
        const ch = img.channels[0];
        const out = new Uint8Array(ch.width * ch.height * 3);
        for (let y = 0; y < ch.height; y++) out.set(ch.data.subarray(y * ch.stride, y * ch.stride + ch.width * 3), y * ch.width * 3);
        return { width: ch.width, height: ch.height, data: out };
      } finally {
        lh.heif_image_release(img.image);
      }
    } finally {
      lh.heif_image_handle_release(handle);
    }
  } finally {
    lh.heif_context_free(ctx);
  }
}
