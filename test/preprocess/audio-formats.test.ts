import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioDecodeError, decodeAudio, type DecodedAudio } from '../../src-main/preprocess/audio/decode';
import { repoRoot } from '../helpers/fixtures';

// Files made by test/data/audio-formats/generate.py with ffmpeg / sox (committed; CI needs neither).
const DIR = join(repoRoot, 'test', 'data', 'audio-formats');

interface ManifestFile {
  file: string;
  rate: number;
  periods: [number, number][];
  frames: number;
  scale: 32767 | 127;
  kind: 'exact' | 'exact24' | 'lossy';
  note: string;
  ffmpeg_decode?: { frames: number; snr_db: number; block_rms: number[][] };
}
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { files: ManifestFile[] };

// The generator's signal, recomputed with the same float64 operations (see generate.py).
const par = (u: number) => (u < 0.5 ? 16 * u * (0.5 - u) : -16 * (u - 0.5) * (1 - u));
function source(f: ManifestFile): Float64Array[] {
  return f.periods.map(([p1, p2]) =>
    Float64Array.from({ length: f.frames }, (_, i) => {
      const q = Math.floor((0.5 * par((i % p1) / p1) + 0.25 * par((i % p2) / p2)) * f.scale + 0.5);
      return f.scale === 127 ? q / 128 : q / 32768; // what libsndfile returns for 8-bit / 16-bit PCM
    }),
  );
}

function alignedSnr(a: DecodedAudio, ref: Float64Array[], maxLag: number) {
  const n = a.channels[0]!.length;
  let best = { lag: 0, corr: -Infinity, snr: -Infinity };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let sxy = 0, sxx = 0, syy = 0, se = 0;
    ref.forEach((r, c) => {
      const x = a.channels[c]!;
      for (let i = Math.max(0, -lag); i < r.length && i + lag < n; i++) {
        const v = x[i + lag]!;
        sxy += v * r[i]!;
        sxx += v * v;
        syy += r[i]! * r[i]!;
        se += (v - r[i]!) ** 2;
      }
    });
    const corr = sxy / Math.sqrt(sxx * syy);
    if (corr > best.corr) best = { lag, corr, snr: 10 * Math.log10(syy / se) };
  }
  return best;
}

describe('decodeAudio on real files of each format', () => {
  it('covers WAV 8/16/24/32-bit int, 32/64-bit float, multi-channel, FLAC, MP3, Vorbis, Opus, AAC', () => {
    const names = manifest.files.map((f) => f.file).join(' ');
    for (const re of [/wav-u8/, /wav-s16\./, /wav-s24/, /wav-s32/, /wav-f32/, /wav-f64/, /6ch/, /\.flac/, /\.mp3/, /\.ogg/, /\.opus/, /\.m4a/]) {
      expect(names).toMatch(re);
    }
  });

  for (const f of manifest.files) {
    it(`${f.file} (${f.note})`, async () => {
      const a = await decodeAudio(join(DIR, f.file));
      const ref = source(f);
      expect(a.sampleRate).toBe(f.rate);
      expect(a.channels.length).toBe(f.periods.length);
      if (f.kind === 'exact' || f.kind === 'exact24') {
        // lossless: identical samples (24-bit FLAC: within one 24-bit step, see decode.ts fixFlacScaling)
        const tol = f.kind === 'exact' ? 0 : 2 ** -23;
        expect(a.channels[0]!.length).toBe(f.frames);
        let max = 0;
        ref.forEach((r, c) => r.forEach((v, i) => (max = Math.max(max, Math.abs(a.channels[c]![i]! - v)))));
        expect(max).toBeLessThanOrEqual(tol);
        return;
      }
      // lossy: duration within 1 %, aligned SNR as good as ffmpeg's own decoder, same loudness per block
      const ff = f.ffmpeg_decode!;
      const n = a.channels[0]!.length;
      expect(Math.abs(n - f.frames)).toBeLessThanOrEqual(0.01 * f.frames);
      const best = alignedSnr(a, ref, 600);
      console.log(`[formats] ${f.file}: ${n} frames (ffmpeg ${ff.frames}), lag ${best.lag}, corr ${best.corr.toFixed(4)}, SNR ${best.snr.toFixed(2)} dB (ffmpeg ${ff.snr_db} dB)`);
      expect(Math.abs(best.lag)).toBeLessThanOrEqual(64);
      expect(best.corr).toBeGreaterThan(0.9);
      expect(best.snr).toBeGreaterThan(10);
      expect(best.snr).toBeGreaterThan(ff.snr_db - 0.5);
      ff.block_rms.forEach((blocks, c) =>
        blocks.forEach((rms, b) => {
          if ((b + 1) * 2000 > Math.min(ff.frames, n, f.frames)) return; // block not complete in both decodes
          const x = a.channels[c]!;
          let acc = 0;
          for (let i = b * 2000; i < (b + 1) * 2000; i++) acc += x[i]! * x[i]!;
          expect(Math.abs(Math.sqrt(acc / 2000) - rms), `${f.file} ch ${c} block ${b}`).toBeLessThan(0.02 * rms + 1e-3);
        }),
      );
    });
  }

  it('decodes the same from a path and from bytes', async () => {
    const p = join(DIR, 'wav-s24.wav');
    const a = await decodeAudio(p);
    const b = await decodeAudio(new Uint8Array(readFileSync(p)));
    expect(b.sampleRate).toBe(a.sampleRate);
    expect(Array.from(b.channels[1]!)).toEqual(Array.from(a.channels[1]!));
  });
});

describe('decodeAudio rejects broken input with AudioDecodeError and a reason', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'audio-formats-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const mp3 = readFileSync(join(DIR, 'mp3-64k.mp3'));
  const wav = readFileSync(join(DIR, 'wav-s16.wav'));
  let seed = 7;
  const garbage = Uint8Array.from({ length: 4096 }, () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
  const wavNoData = Buffer.from(wav.subarray(0, 36)); // RIFF + fmt only
  const wavBadAlign = Buffer.from(wav);
  wavBadAlign.writeUInt16LE(3, 32); // block align 3 for 2 × 16-bit

  const f32 = Buffer.from(readFileSync(join(DIR, 'wav-f32.wav')));
  f32.writeFloatLE(NaN, f32.indexOf('data') + 8 + 4 * 10); // sample 5 of channel 0

  const cases: [string, Uint8Array, RegExp][] = [
    ['float WAV with a NaN sample', f32, /sample 5 is not finite/],
    ['truncated MP3 (first 100 bytes)', mp3.subarray(0, 100), /no decodable audio/],
    ['zero bytes', new Uint8Array(0), /empty file/],
    ['random bytes', garbage, /unknown audio format/i],
    ['text', new TextEncoder().encode('not audio at all\n'.repeat(50)), /unknown audio format/i],
    ['4 KB of zeros', new Uint8Array(4096), /unknown audio format/i],
    ['WAV cut inside the fmt chunk', wav.subarray(0, 30), /fmt chunk is truncated/],
    ['WAV without a data chunk', wavNoData, /no data chunk/],
    ['WAV with a wrong block align', wavBadAlign, /block align/],
  ];
  for (const [name, bytes, reason] of cases) {
    it(`${name} (bytes and file)`, async () => {
      const file = join(tmp, name.replace(/\W+/g, '_'));
      writeFileSync(file, bytes);
      for (const input of [bytes, file]) {
        const err = await decodeAudio(input, typeof input === 'string' ? undefined : name).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(AudioDecodeError);
        expect((err as Error).message).toMatch(reason);
        expect((err as Error).message).toContain(typeof input === 'string' ? file : name);
      }
    });
  }

  it('names a missing file', async () => {
    await expect(decodeAudio(join(tmp, 'nope.wav'))).rejects.toThrow(/nope\.wav: ENOENT/);
  });
});
