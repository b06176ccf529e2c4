import sharp from 'sharp';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { decodeAudio } from '../preprocess/audio/decode';
import { decodeImageRGB } from '../preprocess/image/decode';
import { isBmp } from '../preprocess/image/bmp-decode';
import { exifDateTime } from './exif';

/** Images above this many pixels are refused (decompression bombs, 50000×50000 headers). */
export const MAX_IMAGE_PIXELS = 100_000_000;
export const THUMB_SIZE = 256;
export const PEAK_BUCKETS = 1000;

export interface ImageProbe {
  width: number;
  height: number;
  format: string;
  exifDate: string | null;
  thumbnail: string;
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
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new BadMediaError(`image too large: ${width}×${height} pixels (limit ${MAX_IMAGE_PIXELS})`);
  }
  await mkdir(thumbDir, { recursive: true });
  const thumbnail = join(thumbDir, `${hash}.webp`);
  try {
    const buf = await sharp(file, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated', pages: 1 })
      .rotate()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    await writeThumbnail(thumbnail, buf);
  } catch (e) {
    throw new BadMediaError(`cannot decode image: ${errText(e)}`);
  }
  return { width, height, format: meta.format ?? 'unknown', exifDate: exifDateTime(meta.exif), thumbnail };
}

let tmpSeq = 0;

/**
 * Write a thumbnail through a temporary file no other writer uses (process, thread and a counter in its name:
 * two copies of one content prepared at once in two workers of one process used to share `<hash>.webp.<pid>.tmp`),
 * then rename it into place, so a reader never sees half a file.
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
    throw new BadMediaError(`cannot decode image: ${errText(e)}`);
  }
  await mkdir(thumbDir, { recursive: true });
  const thumbnail = join(thumbDir, `${hash}.webp`);
  const buf = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  await writeThumbnail(thumbnail, buf);
  return { width: rgb.width, height: rgb.height, format, exifDate: null, thumbnail };
}

export async function probeAudio(file: string): Promise<AudioProbe> {
  let decoded;
  try {
    decoded = await decodeAudio(file);
  } catch (e) {
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
