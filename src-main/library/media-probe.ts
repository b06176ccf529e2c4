import sharp, { type Sharp } from 'sharp';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { decodeAudio } from '../preprocess/audio/decode';
import { decodeImageRGB } from '../preprocess/image/decode';
import { isBmp } from '../preprocess/image/bmp-decode';
import { decodeHeif, isHeif } from '../preprocess/image/heif-decode';
import { extractRawPreview, isRawFile, type RawPreview } from '../preprocess/image/raw-preview';
import type { RgbImage } from '../preprocess/image/types';
import { readFile } from 'node:fs/promises';
import { exifDateTime } from './exif';
import { LIMITS } from '../domain/limits';
import { EnvironmentError, ownFileError } from '../runtime/env-error';

/** Images above this many pixels are refused (decompression bombs, 50000×50000 headers). */
export const MAX_IMAGE_PIXELS = LIMITS.image.maxPixels;
export const THUMB_SIZE = 256;
export const PEAK_BUCKETS = 1000;

export interface ImageProbe {
  width: number;
  height: number;
  format: string;
  exifDate: string | null;
  thumbnail: string;
  /** Pixels already decoded for the probe (HEIC, RAW preview), handed to the encoder's preprocessing. */
  decoded?: RgbImage;
}

export interface AudioProbe {
  sampleRate: number;
  channels: number;
  durationSec: number;
  /** [min0, max0, min1, max1, …] of the channel mix. */
  peaks: Float32Array;
  format: string;
}

export class BadMediaError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BadMediaError';
  }
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Header check, EXIF date and a fully-decoded 256 px webp thumbnail (a truncated body fails here). */
export async function probeImage(file: string, thumbDir: string, hash: string): Promise<ImageProbe> {
  const first = await head(file, 64);
  if (isHeif(first)) return probeHeif(file, thumbDir, hash);
  if (isRawFile(first, file)) return probeRaw(file, thumbDir, hash);
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (e) {
    // libvips has no BMP loader: decode those with the preprocessing BMP decoder (header-checked size).
    if (isBmp(await head(file, 64))) return probeDecoded(file, thumbDir, hash, 'bmp');
    throw new BadMediaError(`not a readable image: ${errText(e)}`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!(width > 0 && height > 0)) throw new BadMediaError('image has no dimensions');
  if (width > LIMITS.image.maxSide || height > LIMITS.image.maxSide) {
    throw new BadMediaError(`image too large: ${width}×${height} pixels (limit ${LIMITS.image.maxSide} per side)`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new BadMediaError(`image too large: ${width}×${height} pixels (limit ${MAX_IMAGE_PIXELS})`);
  }
  let buf: Buffer;
  try {
    buf = await sharp(file, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated', pages: 1 })
      .rotate()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
  } catch (e) {
    throw new BadMediaError(`cannot decode image: ${errText(e)}`);
  }
  const thumbnail = await saveThumbnail(thumbDir, hash, buf);
  return { width, height, format: meta.format ?? 'unknown', exifDate: exifDateTime(meta.exif), thumbnail };
}

let tmpSeq = 0;

/**
 * Write a thumbnail through a temporary file no other writer uses (process, thread and a counter in its name:
 * two copies of one content prepared at once in two workers of one process used to share `<hash>.webp.<pid>.tmp`),
 * then rename it into place, so a reader never sees half a file. Temporary files a killed run leaves behind end in
 * `.tmp` and are removed when the next run takes the index lock (library/index-lock.ts).
 */
async function writeThumbnail(thumbnail: string, buf: Buffer): Promise<void> {
  const tmp = `${thumbnail}.${process.pid}-${threadId}-${++tmpSeq}.tmp`;
  try {
    await writeFile(tmp, buf);
    await rename(tmp, thumbnail);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * `<thumbDir>/<hash>.webp`. Any failure here (disk full, read-only or unwritable cache) is the machine's, never the
 * image's: it is thrown as an EnvironmentError, which stops the run without recording a failure for the file.
 */
async function saveThumbnail(thumbDir: string, hash: string, buf: Buffer): Promise<string> {
  const thumbnail = join(thumbDir, `${hash}.webp`);
  try {
    await mkdir(thumbDir, { recursive: true, mode: 0o700 }); // thumbnails of private photos: the user's alone
    await writeThumbnail(thumbnail, buf);
  } catch (e) {
    throw ownFileError(e, `the thumbnail cache ${thumbDir}`) ?? e;
  }
  return thumbnail;
}

async function head(file: string, n: number): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const b = new Uint8Array(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function probeDecoded(file: string, thumbDir: string, hash: string, format: string): Promise<ImageProbe> {
  let rgb;
  try {
    rgb = await decodeImageRGB(file, { maxPixels: MAX_IMAGE_PIXELS });
  } catch (e) {
    if (e instanceof EnvironmentError) throw e;
    throw new BadMediaError(`cannot decode image: ${errText(e)}`);
  }
  const buf = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  const thumbnail = await saveThumbnail(thumbDir, hash, buf);
  return { width: rgb.width, height: rgb.height, format, exifDate: null, thumbnail };
}

async function writeThumb(thumbDir: string, hash: string, img: Sharp): Promise<string> {
  return saveThumbnail(thumbDir, hash, await img.webp({ quality: 80 }).toBuffer());
}

/**
 * HEIC and RAW files cannot be shown by a browser, so their "thumbnail" is a 1024-px rendering that the item view
 * shows in place of the file (tiles scale it down).
 */
export const DISPLAY_SIZE = 1024;
const fitThumb = (img: Sharp) => img.resize(DISPLAY_SIZE, DISPLAY_SIZE, { fit: 'inside', withoutEnlargement: true });

/** HEIC/HEIF: decoded once (FFmpeg HEVC), rotation from the container already applied; date from its Exif item. */
async function probeHeif(file: string, thumbDir: string, hash: string): Promise<ImageProbe> {
  let img;
  try {
    img = await decodeHeif(await readFile(file), { maxPixels: MAX_IMAGE_PIXELS });
  } catch (e) {
    throw new BadMediaError(`cannot decode HEIF image: ${errText(e)}`);
  }
  const decoded: RgbImage = { width: img.width, height: img.height, data: img.data };
  const thumbnail = await writeThumb(thumbDir, hash, fitThumb(sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })));
  return { width: img.width, height: img.height, format: 'heif', exifDate: exifDateTime(img.exif), thumbnail, decoded };
}

/**
 * Camera RAW: the embedded JPEG preview stands for the photo. The encoder sees its pixels as stored (like any JPEG);
 * the thumbnail and the listed size follow the RAW's orientation; the date is the RAW's DateTimeOriginal.
 */
async function probeRaw(file: string, thumbDir: string, hash: string): Promise<ImageProbe> {
  let p: RawPreview;
  let decoded: RgbImage;
  try {
    p = extractRawPreview(await readFile(file));
    if (p.width * p.height > MAX_IMAGE_PIXELS) throw new Error(`preview too large: ${p.width}×${p.height} pixels (limit ${MAX_IMAGE_PIXELS})`);
    decoded = await decodeImageRGB(p.jpeg, { maxPixels: MAX_IMAGE_PIXELS, name: file });
  } catch (e) {
    throw new BadMediaError(`cannot read RAW preview: ${errText(e).replace(/^cannot decode image [^:]*: /, '')}`);
  }
  const small = await fitThumb(sharp(p.jpeg, { failOn: 'truncated' })).raw().toBuffer({ resolveWithObject: true });
  const oriented = orient({ width: small.info.width, height: small.info.height, data: small.data }, p.orientation, small.info.channels);
  const thumbnail = await writeThumb(thumbDir, hash, sharp(oriented.data, { raw: { width: oriented.width, height: oriented.height, channels: small.info.channels as 3 } }));
  const swap = p.orientation >= 5;
  const format = file.split('.').pop()!.toLowerCase();
  return { width: swap ? p.height : p.width, height: swap ? p.width : p.height, format, exifDate: p.date, thumbnail, decoded };
}

/** Apply an EXIF orientation (1–8) to interleaved pixels. */
export function orient(img: RgbImage, o: number, channels = 3): RgbImage {
  if (!(o >= 2 && o <= 8)) return img;
  const { width: w, height: h, data } = img;
  const swap = o >= 5;
  const W = swap ? h : w, H = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Where the stored pixel (x, y) lands on the displayed picture.
      let nx: number, ny: number;
      switch (o) {
        case 2: nx = w - 1 - x; ny = y; break;
        case 3: nx = w - 1 - x; ny = h - 1 - y; break;
        case 4: nx = x; ny = h - 1 - y; break;
        case 5: nx = y; ny = x; break;
        case 6: nx = h - 1 - y; ny = x; break;
        case 7: nx = h - 1 - y; ny = w - 1 - x; break;
        default: nx = y; ny = w - 1 - x; break;
      }
      const s = (y * w + x) * channels, d = (ny * W + nx) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = data[s + c]!;
    }
  }
  return { width: W, height: H, data: out };
}

export async function probeAudio(file: string): Promise<AudioProbe> {
  let decoded;
  try {
    decoded = await decodeAudio(file);
  } catch (e) {
    if (e instanceof EnvironmentError) throw e;
    throw new BadMediaError(errText(e));
  }
  const { sampleRate, channels } = decoded;
  const n = channels[0]!.length;
  return {
    sampleRate,
    channels: channels.length,
    durationSec: n / sampleRate,
    peaks: waveformPeaks(channels, PEAK_BUCKETS),
    format: file.split('.').pop()!.toLowerCase(),
  };
}

/** Min/max of the channel mean over `buckets` equal spans (fewer when there are fewer samples). */
export function waveformPeaks(channels: Float32Array[], buckets: number): Float32Array {
  const n = channels[0]!.length;
  const b = Math.max(1, Math.min(buckets, n));
  const out = new Float32Array(2 * b);
  const nc = channels.length;
  for (let i = 0; i < b; i++) {
    const s = Math.floor((i * n) / b);
    const e = Math.max(s + 1, Math.floor(((i + 1) * n) / b));
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = s; j < e; j++) {
      let v = 0;
      for (let c = 0; c < nc; c++) v += channels[c]![j]!;
      v /= nc;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    out[2 * i] = mn;
    out[2 * i + 1] = mx;
  }
  return out;
}
