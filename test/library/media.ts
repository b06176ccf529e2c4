/** Real media for library tests: PNG/JPEG images made with sharp, PCM WAV tones, and a corpus of broken files. */
import sharp from 'sharp';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';

export async function makeImage(path: string, i: number, opts: { exifDate?: string; format?: 'png' | 'jpeg' } = {}): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  // A gradient + blob pattern that differs per i, so each image embeds differently.
  const w = 96 + (i % 5) * 8, h = 80 + (i % 3) * 8;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      px[o] = (x * (3 + i) + 40 * i) & 255;
      px[o + 1] = (y * (5 + (i % 7)) + 17 * i) & 255;
      px[o + 2] = ((x - w / 2) ** 2 + (y - h / 2) ** 2 < (10 + i) ** 2 ? 240 : 30 * (i % 8)) & 255;
    }
  }
  let img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
  if (opts.exifDate) img = img.withExif({ IFD2: { DateTimeOriginal: opts.exifDate } });
  const fmt = opts.format ?? (path.endsWith('.png') ? 'png' : 'jpeg');
  await (fmt === 'png' ? img.png() : img.jpeg({ quality: 90 })).toFile(path);
}

/** 16-bit PCM WAV with a few tones (different per i). */
export function makeWav(path: string, i: number, seconds: number, sampleRate = 16000, channels = 1): void {
  mkdirSync(dirname(path), { recursive: true });
  const n = Math.round(sampleRate * seconds);
  const b = Buffer.alloc(44 + n * 2 * channels);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2 * channels, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(channels, 22); b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * 2 * channels, 28); b.writeUInt16LE(2 * channels, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * 2 * channels, 40);
  const f1 = 110 * (1 + (i % 6)), f2 = 37 * (2 + (i % 11));
  for (let k = 0; k < n; k++) {
    const t = k / sampleRate;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * (0.5 + (i % 3)) * t);
    const v = 0.3 * Math.sin(2 * Math.PI * f1 * t) * env + 0.2 * Math.sin(2 * Math.PI * f2 * t);
    for (let c = 0; c < channels; c++) b.writeInt16LE(Math.round(v * 32767 * (c ? 0.8 : 1)), 44 + 2 * (k * channels + c));
  }
  writeFileSync(path, b);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A valid PNG whose header claims w×h 1-bit grey pixels, with `rows` rows of real compressed zeros. */
function bigPng(w: number, h: number, rows: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 1; ihdr[9] = 0; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc(rows * (1 + Math.ceil(w / 8)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Broken files with the reason pattern each must fail with. */
export async function makeBrokenCorpus(dir: string): Promise<Record<string, RegExp>> {
  mkdirSync(dir, { recursive: true });
  const out: Record<string, RegExp> = {};
  writeFileSync(join(dir, 'empty.png'), Buffer.alloc(0));
  out['empty.png'] = /empty file/;
  writeFileSync(join(dir, 'empty.wav'), Buffer.alloc(0));
  out['empty.wav'] = /empty file/;
  await makeImage(join(dir, 'whole.jpg'), 3);
  const jpg = readFileSync(join(dir, 'whole.jpg'));
  writeFileSync(join(dir, 'truncated.jpg'), jpg.subarray(0, Math.floor(jpg.length / 2)));
  out['truncated.jpg'] = /cannot decode image|not a readable image/;
  await makeImage(join(dir, 'whole.png'), 4);
  const png = readFileSync(join(dir, 'whole.png'));
  writeFileSync(join(dir, 'truncated.png'), png.subarray(0, Math.floor(png.length * 0.6)));
  out['truncated.png'] = /cannot decode image|not a readable image/;
  writeFileSync(join(dir, 'notes.jpg'), 'this is a text file, not a JPEG\n'.repeat(20));
  out['notes.jpg'] = /not a readable image/;
  writeFileSync(join(dir, 'picture.wav'), png);
  out['picture.wav'] = /cannot decode audio/;
  writeFileSync(join(dir, 'huge-header.png'), bigPng(50000, 50000, 1));
  out['huge-header.png'] = /too large: 50000×50000/;
  // Decompression bomb: a complete, valid 20000×20000 image (400 M pixels) in a few hundred KB.
  writeFileSync(join(dir, 'bomb.png'), bigPng(20000, 20000, 20000));
  out['bomb.png'] = /too large: 20000×20000/;
  // WAV with an unsupported codec tag (0x7777) and plausible data.
  makeWav(join(dir, 'tmp-codec.wav'), 1, 0.5);
  const wav = readFileSync(join(dir, 'tmp-codec.wav'));
  wav.writeUInt16LE(0x7777, 20);
  writeFileSync(join(dir, 'codec.wav'), wav);
  out['codec.wav'] = /cannot decode audio/;
  const { unlinkSync } = await import('node:fs');
  unlinkSync(join(dir, 'tmp-codec.wav'));
  unlinkSync(join(dir, 'whole.jpg'));
  unlinkSync(join(dir, 'whole.png'));
  writeFileSync(join(dir, 'garbage.mp3'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) & 255)));
  out['garbage.mp3'] = /cannot decode audio/;
  return out;
}

/** A 24-bit bottom-up BMP (libvips cannot read BMP; the library must still index it). */
export function makeBmp(path: string, i: number, w = 40, h = 30): void {
  mkdirSync(dirname(path), { recursive: true });
  const rowBytes = Math.ceil((w * 3) / 4) * 4;
  const b = Buffer.alloc(54 + rowBytes * h);
  b.write('BM', 0); b.writeUInt32LE(b.length, 2); b.writeUInt32LE(54, 10); b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18); b.writeInt32LE(h, 22); b.writeUInt16LE(1, 26); b.writeUInt16LE(24, 28); b.writeUInt32LE(rowBytes * h, 34);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 54 + y * rowBytes + x * 3;
      b[o] = (x * 5 + i * 30) & 255; b[o + 1] = (y * 7) & 255; b[o + 2] = ((x + y) * 3 + i) & 255;
    }
  }
  writeFileSync(path, b);
}
