/**
 * What the fuzzer feeds: every decoder the engine owns or wraps, each driven the way the app drives it (a library
 * file goes through the probe and the preparation for the encoders; a pack.json through readManifest; a tokenizer
 * through loading and encoding; a query through the parser; an IPC request through the channel validators).
 * A target names the error classes that count as a clean refusal; anything else thrown is a crash.
 */
import sharp, { type Sharp } from 'sharp';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { clapFusionMel } from '../src-main/preprocess/audio/clap-fusion';
import { ClapInputError, clapLoad48k } from '../src-main/preprocess/audio/clap-load';
import { clapNonfusionWaveform } from '../src-main/preprocess/audio/clap-nonfusion';
import { AudioDecodeError, decodeAudio } from '../src-main/preprocess/audio/decode';
import { AudioTooShortError, imagebindAudio, imagebindAudioClips } from '../src-main/preprocess/audio/imagebind-audio';
import { decodeImageRGB, ImageDecodeError } from '../src-main/preprocess/image/decode';
import { imagebindVision } from '../src-main/preprocess/image/imagebind-vision';
import { internvlVision } from '../src-main/preprocess/image/internvl-vision';
import { BadMediaError, probeAudio, probeImage } from '../src-main/library/media-probe';
import { PackError } from '../src-main/pack/manifest';
import { readManifest } from '../src-main/pack/verify';
import { loadInternVLTokenizer, loadRobertaTokenizer, TokenizerFileError } from '../src-main/preprocess/text/hf-tokenizer';
import { parseQuery, QuerySyntaxError } from '../src-main/search/query-parser';
import { validateRequest, ValidationError } from '../src-main/ipc/contract/contract';
import { FileRefusedError } from '../src-main/runtime/safe-read';
import { prepareVideo } from '../src-main/library/prepare-video';
import { loadSpace } from '../src-main/library/space-access';
import { VideoError } from '../src-main/preprocess/video/probe';
import type { Space } from '../src-main/space/types';
import type { Field } from './mutate';

export interface Target {
  name: string;
  kind: 'bytes' | 'text';
  /** Valid samples the mutants start from. */
  samples(ctx: Ctx): Promise<(Uint8Array | string)[]>;
  /** Header fields worth setting to boundary values, for one sample. */
  fields?(sample: Uint8Array): Field[];
  /**
   * Repairs checksums a mutant broke (PNG chunk CRCs), applied to half the cases: without it nearly every mutant stops
   * at the checksum and the decoder behind it is never reached.
   */
  fixup?(mutant: Uint8Array): Uint8Array;
  /** Run one input; returns a short description of the result. Throws on refusal. */
  run(input: Uint8Array | string, ctx: Ctx): Promise<string>;
  /** Error classes that are a clean, named refusal. */
  named: (abstract new (...a: never[]) => Error)[];
}

export interface Ctx {
  /** Repository root (samples come from the committed test data). */
  root: string;
  /** A scratch folder private to this process. */
  tmp: string;
}

// ------------------------------------------------------------------------------------------------ audio

const AUDIO_DIR = (ctx: Ctx) => join(ctx.root, 'test', 'data', 'audio-formats');
const audioFiles = (ctx: Ctx, re: RegExp) => readdirSync(AUDIO_DIR(ctx)).filter((f) => re.test(f)).map((f) => new Uint8Array(readFileSync(join(AUDIO_DIR(ctx), f))));

/** A short tone WAV (the committed samples are 0.25 s; these add other rates and widths). */
function toneWav(rate: number, channels: number, bits: 8 | 16 | 24 | 32, frames: number, float = false): Uint8Array {
  const width = bits / 8;
  const align = channels * width;
  const b = Buffer.alloc(44 + frames * align);
  b.write('RIFF', 0); b.writeUInt32LE(36 + frames * align, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(float ? 3 : 1, 20); b.writeUInt16LE(channels, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * align, 28); b.writeUInt16LE(align, 32); b.writeUInt16LE(bits, 34);
  b.write('data', 36); b.writeUInt32LE(frames * align, 40);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const v = 0.4 * Math.sin((2 * Math.PI * (220 + 110 * c) * i) / rate);
      const o = 44 + i * align + c * width;
      if (float) b.writeFloatLE(v, o);
      else if (bits === 8) b[o] = Math.round(v * 127 + 128);
      else if (bits === 16) b.writeInt16LE(Math.round(v * 32767), o);
      else if (bits === 24) b.writeIntLE(Math.round(v * 8388607), o, 3);
      else b.writeInt32LE(Math.round(v * 2147483647), o);
    }
  }
  return new Uint8Array(b);
}

const le = (at: number, size: 1 | 2 | 4): Field => ({ at, size, le: true });
const be = (at: number, size: 1 | 2 | 4): Field => ({ at, size, le: false });

/** The fmt/data fields of a canonical 44-byte-header WAV. */
const WAV_FIELDS = [le(4, 4), le(16, 4), le(20, 2), le(22, 2), le(24, 4), le(28, 4), le(32, 2), le(34, 2), le(40, 4)];

/** FLAC STREAMINFO: block sizes, frame sizes, the packed rate/channels/bits/total-samples word. */
const FLAC_FIELDS = [be(8, 2), be(10, 2), be(12, 2), be(15, 2), be(18, 4), be(22, 4), be(5, 2)];

/** Ogg page header fields of the first pages (segment counts, lengths) and the codec id header's rate/channels. */
function oggFields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  for (let p = 0; p + 27 < b.length && out.length < 40; ) {
    if (!(b[p] === 0x4f && b[p + 1] === 0x67 && b[p + 2] === 0x67 && b[p + 3] === 0x53)) break;
    out.push(le(p + 6, 4), le(p + 14, 4), { at: p + 26, size: 1, le: true });
    const segs = b[p + 26]!;
    let body = 0;
    for (let i = 0; i < segs; i++) body += b[p + 27 + i]!, out.push({ at: p + 27 + i, size: 1, le: true });
    // Vorbis id header: channels at +11, rate at +12; Opus head: channels at +9, rate at +12
    const h = p + 27 + segs;
    out.push({ at: h + 9, size: 1, le: true }, { at: h + 11, size: 1, le: true }, le(h + 12, 4), le(h + 16, 4), le(h + 20, 4));
    p = h + body;
  }
  return out;
}

/** MP4 box sizes and the fields of mvhd/mdhd/stsd/stts/stsz/stsc/stco that decoders size tables by. */
function mp4Fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const walk = (from: number, to: number, depth: number) => {
    for (let p = from; p + 8 <= to && out.length < 120 && depth < 8; ) {
      const size = dv.getUint32(p);
      const type = String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
      out.push(be(p, 4));
      if (['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'edts'].includes(type)) walk(p + 8, Math.min(to, p + size), depth + 1);
      else if (['stts', 'stsz', 'stsc', 'stco', 'co64', 'stss', 'ctts'].includes(type)) for (let k = 12; k < 28; k += 4) out.push(be(p + k, 4));
      else if (['mdhd', 'mvhd', 'tkhd'].includes(type)) for (let k = 12; k < 36; k += 4) out.push(be(p + k, 4));
      else if (type === 'stsd') for (let k = 12; k < 60; k += 2) out.push(be(p + k, 2));
      if (size < 8) break;
      p += size;
    }
  };
  walk(0, b.length, 0);
  return out;
}

/** MP3 frame headers of the first frames, and an ID3v2 size. */
function mp3Fields(b: Uint8Array): Field[] {
  const out: Field[] = [be(6, 4)];
  for (let p = 0; p + 4 < b.length && out.length < 24; p++) if (b[p] === 0xff && (b[p + 1]! & 0xe0) === 0xe0) out.push(be(p, 2), be(p + 2, 2), be(p + 36, 4));
  return out;
}

/** What the library does with an audio file: probe (decode, peaks), then the encoder inputs with per-clip tensors. */
async function runAudio(input: Uint8Array | string, ctx: Ctx, ext: string): Promise<string> {
  const file = join(ctx.tmp, `case.${ext}`);
  writeFileSync(file, input as Uint8Array);
  const probe = await probeAudio(file);
  const a = await decodeAudio(file);
  const ib = imagebindAudio(a);
  const x48 = clapLoad48k(a);
  const fusion = clapFusionMel(x48);
  clapNonfusionWaveform(x48);
  const clips = probe.durationSec <= 3600 ? imagebindAudioClips(a).spans.length : 0;
  return `audio ${a.sampleRate} Hz × ${a.channels.length} ch, ${ib.samples16k} samples at 16 kHz, ${fusion.rule}, ${clips} clips`;
}

const AUDIO_ERRORS = [AudioDecodeError, AudioTooShortError, ClapInputError, BadMediaError];

function audioTarget(name: string, ext: string, samples: (ctx: Ctx) => Uint8Array[], fields: (b: Uint8Array) => Field[]): Target {
  return { name, kind: 'bytes', samples: async (ctx) => samples(ctx), fields, run: (i, ctx) => runAudio(i, ctx, ext), named: AUDIO_ERRORS };
}

// ------------------------------------------------------------------------------------------------ images

/** A small picture with structure (gradients + a disc) so decoders exercise real data paths. */
async function picture(w: number, h: number): Promise<Sharp> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      px[o] = (x * 7) & 255;
      px[o + 1] = (y * 5) & 255;
      px[o + 2] = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (w / 3) ** 2 ? 230 : 20;
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } });
}

function bmp(w: number, h: number, bits: 24 | 8): Uint8Array {
  const rowBytes = Math.ceil((w * bits) / 32) * 4;
  const palette = bits === 8 ? 256 * 4 : 0;
  const off = 14 + 40 + palette;
  const b = Buffer.alloc(off + rowBytes * h);
  b.write('BM', 0); b.writeUInt32LE(b.length, 2); b.writeUInt32LE(off, 10);
  b.writeUInt32LE(40, 14); b.writeInt32LE(w, 18); b.writeInt32LE(h, 22); b.writeUInt16LE(1, 26); b.writeUInt16LE(bits, 28);
  b.writeUInt32LE(0, 30); b.writeUInt32LE(rowBytes * h, 34);
  if (bits === 8) for (let i = 0; i < 256; i++) b.writeUInt32LE(i * 0x010101, 54 + 4 * i), b.writeUInt32LE(256, 46);
  for (let y = 0; y < h; y++) for (let x = 0; x < w * (bits / 8); x++) b[off + y * rowBytes + x] = (x * 3 + y * 11) & 255;
  return new Uint8Array(b);
}

/** JPEG markers' segment lengths and the SOF dimensions/components. */
function jpegFields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  for (let p = 2; p + 4 < b.length && out.length < 40; ) {
    if (b[p] !== 0xff) break;
    const marker = b[p + 1]!;
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    out.push(be(p + 2, 2));
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out.push({ at: p + 4, size: 1, le: false }, be(p + 5, 2), be(p + 7, 2), { at: p + 9, size: 1, le: false }, { at: p + 11, size: 1, le: false });
    }
    if (marker === 0xda) break;
    p += 2 + len;
  }
  return out;
}

/** Recompute every PNG chunk's CRC (up to the first chunk whose length runs past the end). */
function pngFixCrc(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let p = 8; p + 12 <= out.length; ) {
    const len = dv.getUint32(p);
    if (p + 12 + len > out.length) break;
    dv.setUint32(p + 8 + len, crc32(out.subarray(p + 4, p + 8 + len)));
    p += 12 + len;
  }
  return out;
}

/** PNG chunk lengths and IHDR width/height/depth/colour/interlace, acTL frame count. */
function pngFields(b: Uint8Array): Field[] {
  const out: Field[] = [be(16, 4), be(20, 4), { at: 24, size: 1, le: false }, { at: 25, size: 1, le: false }, { at: 28, size: 1, le: false }];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 8; p + 8 <= b.length && out.length < 40; ) {
    const len = dv.getUint32(p);
    out.push(be(p, 4));
    if (b[p + 4] === 0x61 && b[p + 5] === 0x63 && b[p + 6] === 0x54 && b[p + 7] === 0x4c) out.push(be(p + 8, 4), be(p + 12, 4));
    p += 12 + len;
  }
  return out;
}

const GIF_FIELDS = [le(6, 2), le(8, 2), { at: 10, size: 1, le: true } as Field];
const BMP_FIELDS = [le(2, 4), le(10, 4), le(14, 4), le(18, 4), le(22, 4), le(26, 2), le(28, 2), le(30, 4), le(34, 4), le(46, 4)];

/** GIF image descriptors (position, size, flags) and the LZW code size, found by walking the blocks. */
function gifFields(b: Uint8Array): Field[] {
  const out = [...GIF_FIELDS];
  let p = 13 + (b[10]! & 0x80 ? 3 << ((b[10]! & 7) + 1) : 0);
  while (p < b.length && out.length < 40) {
    const tag = b[p]!;
    if (tag === 0x2c) {
      out.push(le(p + 1, 2), le(p + 3, 2), le(p + 5, 2), le(p + 7, 2), { at: p + 9, size: 1, le: true });
      const flags = b[p + 9]!;
      p += 10 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
      out.push({ at: p, size: 1, le: true });
      p++;
    } else if (tag === 0x21) p += 2;
    else if (tag === 0x3b) break;
    // sub-blocks
    while (p < b.length && b[p] !== 0) p += b[p]! + 1;
    p++;
  }
  return out;
}

/** ISOBMFF (AVIF/HEIF) boxes: sizes, ispe dimensions, item counts. */
function isoFields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 0; p + 8 <= b.length && out.length < 80; p++) {
    const t = String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!);
    if (['ispe', 'iinf', 'iloc', 'pitm', 'ipma', 'iprp', 'meta', 'ftyp', 'mdat', 'av1C', 'pixi', 'iref'].includes(t) && p >= 4) {
      out.push(be(p - 4, 4), be(p + 4, 4), be(p + 8, 4), be(p + 12, 4));
      if (t === 'ispe') void dv;
    }
  }
  return out;
}

/** TIFF IFD: entry count, each entry's type/count/value (width, length, bits, strips …). */
function tiffFields(b: Uint8Array): Field[] {
  if (b.length < 8) return [];
  const little = b[0] === 0x49;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ifd = dv.getUint32(4, little);
  const out: Field[] = [{ at: 4, size: 4, le: little }];
  if (ifd + 2 > b.length) return out;
  const n = dv.getUint16(ifd, little);
  out.push({ at: ifd, size: 2, le: little });
  for (let i = 0; i < n && ifd + 2 + 12 * i + 12 <= b.length; i++) {
    const e = ifd + 2 + 12 * i;
    out.push({ at: e + 2, size: 2, le: little }, { at: e + 4, size: 4, le: little }, { at: e + 8, size: 4, le: little });
  }
  return out;
}

/** What the library does with an image: probe (header, thumbnail), then the encoder inputs (Pillow-exact decode). */
async function runImage(input: Uint8Array | string, ctx: Ctx, ext: string): Promise<string> {
  const file = join(ctx.tmp, `case.${ext}`);
  writeFileSync(file, input as Uint8Array);
  const p = await probeImage(file, join(ctx.tmp, 'thumbs'), 'case');
  const img = await decodeImageRGB(file, { maxPixels: 100_000_000 });
  imagebindVision(img);
  internvlVision(img);
  return `image ${p.format} ${p.width}×${p.height}, decoded ${img.width}×${img.height}`;
}

const IMAGE_ERRORS = [ImageDecodeError, BadMediaError, FileRefusedError];

function imageTarget(name: string, ext: string, samples: () => Promise<Uint8Array[]>, fields: (b: Uint8Array) => Field[], fixup?: (b: Uint8Array) => Uint8Array): Target {
  return { name, kind: 'bytes', samples: () => samples(), fields, ...(fixup ? { fixup } : {}), run: (i, ctx) => runImage(i, ctx, ext), named: IMAGE_ERRORS };
}

const enc = async (s: Promise<Sharp>, f: (x: Sharp) => Sharp) => new Uint8Array(await f(await s).toBuffer());

/** HEIC (single image and a 2×2 grid with rotation) made with the test helpers' x265 encoder. */
async function heicSamples(): Promise<Uint8Array[]> {
  const { writeHeic } = await import('../test/helpers/media/heif');
  const rgb = (w: number, h: number) => Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7 + (i % 3) * 50) & 255);
  return [
    new Uint8Array(await writeHeic({ rgb: rgb(64, 48), width: 64, height: 48, exif: { dateTimeOriginal: '2024:01:02 03:04:05', orientation: 6 } })),
    new Uint8Array(await writeHeic({ rgb: rgb(96, 64), width: 96, height: 64, grid: true, tile: 64, rotation: 90 })),
  ];
}

/** Camera RAW containers with embedded JPEG previews (the test helpers' writers). */
async function rawSamples(kinds: readonly string[]): Promise<Uint8Array[]> {
  const { patternJpeg, writeRaw } = await import('../test/helpers/media/raw');
  const preview = await patternJpeg(64, 48);
  const thumb = await patternJpeg(32, 24);
  const exif = { orientation: 6, dateTimeOriginal: '2022:03:04 05:06:07', make: 'Maker', model: 'Cam' };
  return Promise.all(kinds.map(async (k) => new Uint8Array(await writeRaw(k as never, { preview, thumb, exif }))));
}

// ------------------------------------------------------------------------------------------------ video

/** Small real videos (FFmpeg's own encoders and muxers, through the test helpers), 2 s each, with sound. */
async function videoSamples(format: 'mp4' | 'mov' | 'matroska' | 'webm', codec: 'libx264' | 'libvpx' | 'mpeg4', audio: 'aac' | 'libopus' | 'flac' | null): Promise<Uint8Array[]> {
  const { tone, writeVideoFile } = await import('../test/helpers/media/video');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const d = mkdtempSync(join(tmpdir(), 'fuzz-video-'));
  try {
    const W = 48, H = 32;
    const rgb = (i: number) => Uint8Array.from({ length: W * H * 3 }, (_, p) => ((p % 3) * 70 + i * 11 + ((p / 3) % W) * 3) & 255);
    const file = join(d, `v.${format === 'matroska' ? 'mkv' : format}`);
    await writeVideoFile(file, {
      format,
      video: { codec, width: W, height: H, fps: 5, frames: 10, gop: 5, rgb, ...(codec === 'libx264' ? { options: { preset: 'ultrafast' } } : {}) },
      ...(audio ? { audio: { codec: audio, sampleRate: 48000, channels: tone(2, 48000, 330, 0.3, 1) } } : {}),
      ...(format === 'mp4' ? { creationTime: '2024-05-06T07:08:09.000000Z' } : {}),
    });
    const out = [new Uint8Array(readFileSync(file))];
    if (format === 'mp4') {
      // sound only: the library prepares it as a recording
      const a = join(d, 'a.mp4');
      await writeVideoFile(a, { format: 'mp4', audio: { codec: 'aac', sampleRate: 44100, channels: tone(2, 44100, 550, 0.3, 2) } });
      out.push(new Uint8Array(readFileSync(a)));
    }
    return out;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

/** Matroska/WebM: EBML element IDs are self-delimiting; the fields worth setting are the size bytes after the top IDs. */
function ebmlFields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  // Segment, Info, Tracks, TrackEntry, Video (PixelWidth/Height), Audio (SamplingFrequency/Channels), Cluster
  const ids = [[0x18, 0x53, 0x80, 0x67], [0x15, 0x49, 0xa9, 0x66], [0x16, 0x54, 0xae, 0x6b], [0xae], [0xe0], [0xb0], [0xba], [0xe1], [0x9f], [0x1f, 0x43, 0xb6, 0x75]];
  for (let p = 0; p + 8 < b.length && out.length < 60; p++) {
    for (const id of ids) {
      if (id.every((x, i) => b[p + i] === x)) out.push(be(p + id.length, 4), { at: p + id.length, size: 1, le: false });
    }
  }
  return out;
}

let videoSpace: Promise<Space> | null = null;

/** What the library does with a video: open and probe it, decode the moments' frames and sound, poster and strip. */
async function runVideo(input: Uint8Array | string, ctx: Ctx, ext: string): Promise<string> {
  const file = join(ctx.tmp, `case.${ext}`);
  writeFileSync(file, input as Uint8Array);
  videoSpace ??= loadSpace(join(ctx.root, 'models', 'test-packs', 'ib-pp-test'), { verified: true });
  const space = await videoSpace;
  let parts = 0;
  const r = await prepareVideo(space, { path: file, hash: 'f'.repeat(64), size: (input as Uint8Array).length, mtimeMs: 0, thumbDir: join(ctx.tmp, 'thumbs') }, async () => void parts++);
  if (r.ok) return r.kind === 'video' ? `video ${r.item.width}×${r.item.height}, ${r.video.frameMoments}+${r.video.soundMoments} moments, ${parts} parts` : `sound-only ${r.item.durationSec?.toFixed(2)} s`;
  // prepareVideo's catch-all words an unexpected error (a bug, not a refusal) as 'cannot prepare video: …'
  if (r.reason.startsWith('cannot prepare video:') || r.environmental) throw new Error(r.reason);
  throw new VideoError(r.reason);
}

function videoTarget(name: string, ext: string, samples: () => Promise<Uint8Array[]>, fields: (b: Uint8Array) => Field[]): Target {
  return { name, kind: 'bytes', samples: () => samples(), fields, run: (i, ctx) => runVideo(i, ctx, ext), named: [VideoError] };
}

// ------------------------------------------------------------------------------------------------ text

async function runPackJson(input: Uint8Array | string, ctx: Ctx): Promise<string> {
  const dir = join(ctx.tmp, 'pack');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pack.json'), input as string);
  const m = readManifest(dir);
  return `pack ${m.id}`;
}

async function runTokenizer(input: Uint8Array | string, ctx: Ctx, which: 'roberta' | 'internvl'): Promise<string> {
  const dir = join(ctx.tmp, `tok-${which}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), input as string);
  const t = which === 'roberta' ? loadRobertaTokenizer(join(dir, 'tokenizer.json')) : loadInternVLTokenizer(join(dir, 'tokenizer.json'));
  const ids = t.encode('a dog barking at a passing train, héllo 🚂 — "quoted" ünïcödé');
  return `tokens ${ids.inputIds.length}`;
}

const QUERIES = [
  '"a train passing"',
  '"train" + ./station.jpg - 0.5*"people"',
  "image:'my photo.jpg' + audio:\"rain on roof.wav\" + item:42",
  '0.3*"birds at dawn" + 2*~/sounds/forest.flac -item:7',
  'hip-hop drums + .5e1*"vinyl crackle"',
  '-"noise" + /abs/path/picture.png + ../rel/clip.mp3',
];

async function runQuery(input: Uint8Array | string): Promise<string> {
  const terms = parseQuery(input as string, '/tmp/fuzz-base');
  for (const t of terms) if (!Number.isFinite(t.weight)) throw new Error(`parser produced a non-finite weight ${t.weight}`);
  return `query ${terms.length} terms`;
}

const IPC_SAMPLES: [string, unknown][] = [
  ['library:addRoot', { path: '/home/user/Pictures' }],
  ['library:list', { sort: 'date', descending: true, offset: 0, limit: 100, modality: 'image', folder: '/home/user/Pictures/2024', dateFrom: 0, dateTo: 1700000000000 }],
  ['library:peaks', { ids: [1, 2, 3], buckets: 256 }],
  ['search:run', { query: '"a train" + ./x.jpg', in: 'all', k: 20, minScore: 0.1, factors: { text: 0.1, audio: 0.5 }, filters: { folder: '/media/sounds', minDuration: 1, maxDuration: 600 } }],
  ['search:rerank', { queryId: 'abc', factors: { text: 0.5, audio: 0.8 } }],
  ['query:upload', { name: 'dropped file.wav', dataBase64: 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAgD4AAAB9AAACABAAZGF0YQAAAAA=' }],
  ['space:matrix', { imageIds: [1, 2], audioIds: [3], texts: ['rain'], presets: [{ label: 'A', factors: { text: 0.1, audio: 0.5 } }, { label: 'B', factors: { text: 0.5, audio: 0.8 } }] }],
  ['settings:set', { theme: 'dark', preset: 'custom', customFactors: { text: 0.3, audio: 0.6 } }],
  ['tags:saveVocabulary', { id: 'birds', name: 'Birds', target: 'audio', promptTemplate: 'the sound of a {label}', labels: 'robin\nblackbird\nwren' }],
  ['collections:create', { name: 'Night', kind: 'smart', rule: { search: { text: 'night sky', k: 50 }, filters: { modality: 'image', dateFrom: 0 } } }],
  ['collections:export', { id: 3, format: 'm3u', dest: 'C:\\Users\\me\\Music\\night.m3u' }],
  ['organise:trash', { paths: ['/home/user/a.jpg', '\\\\server\\share\\b.wav'] }],
  ['index:start', { roots: [1, 2, 3] }],
];

async function runIpc(input: Uint8Array | string): Promise<string> {
  let msg: { channel: unknown; payload: unknown };
  try {
    msg = JSON.parse(input as string);
  } catch (e) {
    throw new ValidationError(`request body is not valid JSON (${(e as Error).message})`);
  }
  if (typeof msg !== 'object' || msg === null) throw new ValidationError('request is not an object');
  validateRequest(String(msg.channel), msg.payload);
  return `valid ${String(msg.channel)}`;
}

// ------------------------------------------------------------------------------------------------ the list

export const TARGETS: Target[] = [
  audioTarget('wav', 'wav', (ctx) => [
    ...audioFiles(ctx, /^wav-/),
    toneWav(16000, 1, 16, 4000), toneWav(44100, 2, 24, 6000), toneWav(8000, 1, 8, 3000), toneWav(48000, 2, 32, 5000, true),
  ], () => WAV_FIELDS),
  audioTarget('flac', 'flac', (ctx) => audioFiles(ctx, /\.flac$/), () => FLAC_FIELDS),
  audioTarget('mp3', 'mp3', (ctx) => audioFiles(ctx, /\.mp3$/), mp3Fields),
  audioTarget('ogg-vorbis', 'ogg', (ctx) => audioFiles(ctx, /vorbis.*\.ogg$/), oggFields),
  audioTarget('ogg-opus', 'opus', (ctx) => audioFiles(ctx, /\.opus$/), oggFields),
  audioTarget('m4a', 'm4a', (ctx) => audioFiles(ctx, /\.m4a$/), mp4Fields),
  imageTarget('jpeg', 'jpg', async () => [
    await enc(picture(48, 32), (s) => s.jpeg({ quality: 80 })),
    await enc(picture(32, 48), (s) => s.jpeg({ quality: 60, progressive: true })),
    await enc(picture(24, 24), (s) => s.greyscale().jpeg()),
    await enc(picture(40, 24), (s) => s.withExif({ IFD0: { Orientation: '6' } }).jpeg()),
  ], jpegFields),
  imageTarget('png', 'png', async () => [
    await enc(picture(40, 30), (s) => s.png()),
    await enc(picture(20, 40), (s) => s.png({ palette: true })),
    await enc(picture(30, 30), (s) => s.greyscale().png()),
    await enc(picture(16, 16), (s) => s.ensureAlpha().png()),
  ], pngFields, pngFixCrc),
  imageTarget('gif', 'gif', async () => [
    await enc(picture(40, 30), (s) => s.gif()),
    await enc(picture(24, 24), (s) => s.greyscale().gif()),
  ], gifFields),
  imageTarget('bmp', 'bmp', async () => [bmp(30, 20, 24), bmp(17, 9, 8)], () => BMP_FIELDS),
  imageTarget('webp', 'webp', async () => [
    await enc(picture(40, 30), (s) => s.webp({ quality: 70 })),
    await enc(picture(24, 24), (s) => s.webp({ lossless: true })),
  ], isoFields),
  imageTarget('tiff', 'tif', async () => [
    await enc(picture(40, 30), (s) => s.tiff()),
    await enc(picture(24, 16), (s) => s.tiff({ compression: 'lzw' })),
  ], tiffFields),
  imageTarget('avif', 'avif', async () => [await enc(picture(32, 24), (s) => s.avif({ quality: 50, effort: 0 }))], isoFields),
  imageTarget('heic', 'heic', heicSamples, isoFields),
  imageTarget('raw (DNG/NEF/CR2/ARW)', 'dng', () => rawSamples(['dng', 'nef', 'cr2', 'arw', 'orf', 'rw2']), tiffFields),
  imageTarget('raw (CR3)', 'cr3', () => rawSamples(['cr3']), isoFields),
  imageTarget('raw (RAF)', 'raf', () => rawSamples(['raf']), (b) => [be(84, 4), be(88, 4), be(92, 4), be(96, 4), ...jpegFields(b.subarray(0))]),
  videoTarget('video (MP4 H.264 + AAC / sound only)', 'mp4', () => videoSamples('mp4', 'libx264', 'aac'), mp4Fields),
  videoTarget('video (MOV MPEG-4 + AAC)', 'mov', () => videoSamples('mov', 'mpeg4', 'aac'), mp4Fields),
  videoTarget('video (WebM VP8 + Opus)', 'webm', () => videoSamples('webm', 'libvpx', 'libopus'), ebmlFields),
  videoTarget('video (MKV H.264 + FLAC)', 'mkv', () => videoSamples('matroska', 'libx264', 'flac'), ebmlFields),
  {
    name: 'pack.json', kind: 'text', named: [PackError, FileRefusedError],
    samples: async (ctx) => [
      readFileSync(join(ctx.root, 'models', 'test-packs', 'ib-pp-test', 'pack.json'), 'utf8'),
      readFileSync(join(ctx.root, 'models', 'test-packs', 'internvl-ib-ft-pp-test', 'pack.json'), 'utf8'),
    ],
    run: runPackJson,
  },
  {
    name: 'tokenizer.json', kind: 'text', named: [TokenizerFileError, FileRefusedError],
    samples: async (ctx) => [readFileSync(join(ctx.root, 'models', 'test-packs', 'ib-pp-test', 'tokenizers', 'roberta', 'tokenizer.json'), 'utf8')],
    run: (i, ctx) => runTokenizer(i, ctx, 'roberta'),
  },
  {
    name: 'tokenizer.json (InternVL)', kind: 'text', named: [TokenizerFileError, FileRefusedError],
    samples: async (ctx) => [readFileSync(join(ctx.root, 'models', 'test-packs', 'internvl-ib-ft-pp-test', 'tokenizers', 'internvl', 'tokenizer.json'), 'utf8')],
    run: (i, ctx) => runTokenizer(i, ctx, 'internvl'),
  },
  { name: 'query', kind: 'text', named: [QuerySyntaxError], samples: async () => QUERIES, run: runQuery },
  {
    name: 'ipc', kind: 'text', named: [ValidationError],
    samples: async () => IPC_SAMPLES.map(([channel, payload]) => JSON.stringify({ channel, payload })),
    run: runIpc,
  },
];
