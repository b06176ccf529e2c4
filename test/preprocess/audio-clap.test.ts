import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeAudio, type DecodedAudio } from '../../src-main/preprocess/audio/decode';
import { clapChunkRanges, clapChunkStarts, clapFusionMel, CLAP_CHUNK_FRAMES } from '../../src-main/preprocess/audio/clap-fusion';
import { clapLength48k, clapLoad48k, ClapInputError } from '../../src-main/preprocess/audio/clap-load';
import { clapLogMel } from '../../src-main/preprocess/audio/clap-mel';
import { clapNonfusionWaveform } from '../../src-main/preprocess/audio/clap-nonfusion';
import { casesOf, errorStats, inputPath, readJson, readTensor } from '../helpers/fixtures';
import { centred, lcg as lcgUniform } from '../helpers/random';

const CHUNK = CLAP_CHUNK_FRAMES * 64;
/** One int16 step of the round trip (q/32767). */
const LSB = 1 / 32767;

function maxOf(a: ArrayLike<number>) {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, a[i]!);
  return m;
}

const audioCases = casesOf('audio');

describe('CLAP audio vs fixtures', () => {
  it('has audio cases', () => expect(audioCases.length).toBeGreaterThan(0));

  for (const c of audioCases) {
    describe(c.id, () => {
      let decoded: DecodedAudio;
      let x48: Float32Array;
      const is48k = () => decoded.sampleRate === 48000;

      it('loads to the reference 48 kHz length', async () => {
        decoded = await decodeAudio(inputPath(c));
        x48 = clapLoad48k(decoded);
        expect(x48.length).toBe(c.meta.clap_load.samples_48k);
      });

      it('fusion mel within tolerance; longer flag, rule and chunk starts exact', () => {
        const f = clapFusionMel(x48);
        const meta = c.meta.clap_fusion;
        expect(f.longer).toBe(meta.longer);
        expect(f.rule).toBe(meta.rule);
        if (meta.frames !== undefined) expect(f.frames).toBe(meta.frames);
        if (meta.chunk_starts) expect(f.chunkStarts).toEqual(meta.chunk_starts);
        if (meta.ranges) expect(clapChunkRanges(f.frames)).toEqual(meta.ranges);
        const out = c.outputs.clap_fusion_mel;
        expect(out.shape).toEqual([4, 1001, 64]);
        const ref = readTensor(out);
        expect(f.mel.length).toBe(ref.length);
        const top = maxOf(ref);
        const all = errorStats(f.mel, ref);
        const near80 = errorStats(f.mel, ref, (i) => ref[i]! >= top - 80);
        const near60 = errorStats(f.mel, ref, (i) => ref[i]! >= top - 60);
        console.log(`${c.id} (${decoded.sampleRate} Hz) clap_fusion_mel dB: all max ${all.max.toExponential(2)} p99.9 ${all.p999.toExponential(2)} mean ${all.mean.toExponential(2)}; within 80 dB mean ${near80.mean.toExponential(2)} max ${near80.max.toExponential(2)}; within 60 dB mean ${near60.mean.toExponential(2)} max ${near60.max.toExponential(2)}`);
        if (is48k()) {
          expect(all.max).toBeLessThanOrEqual(1.0);
          expect(all.p999).toBeLessThanOrEqual(0.2);
          expect(all.mean).toBeLessThanOrEqual(0.02);
          expect(near80.mean).toBeLessThanOrEqual(0.01);
        } else {
          // README row for resampled inputs; the soxr-HQ port stays far inside it (measured ≤ 4.1e-4 dB)
          expect(near60.mean).toBeLessThanOrEqual(0.2);
          expect(near80.mean).toBeLessThanOrEqual(0.01);
        }
      });

      it('non-fusion waveform: rule/offset, exact for 48 kHz input, within one int16 step otherwise', () => {
        const w = clapNonfusionWaveform(x48);
        const meta = c.meta.clap_nonfusion;
        expect(w.rule).toBe(meta.rule);
        if (meta.offset !== undefined) expect(w.offset).toBe(meta.offset);
        if (meta.n_repeat !== undefined) expect(w.repeats).toBe(meta.n_repeat);
        expect(w.waveform.length).toBe(480000);
        const full = c.outputs.clap_nonfusion_waveform;
        const shaOnly = c.outputs.clap_nonfusion_waveform_sha256_only;
        if (full) {
          const s = errorStats(w.waveform, readTensor(full));
          console.log(`${c.id} clap_nonfusion_waveform: max ${s.max.toExponential(2)} p99.9 ${s.p999.toExponential(2)} mean ${s.mean.toExponential(2)}`);
          if (is48k()) expect(s.max).toBe(0);
          else {
            // float32 (libsoxr) vs float64 convolution: a sample may land one int16 step away (+ float32 ulp of q/32767)
            expect(s.max).toBeLessThanOrEqual(LSB + 1.2e-7);
            expect(s.mean).toBeLessThanOrEqual(1e-6);
          }
        } else {
          expect(shaOnly.shape).toEqual([480000]);
          if (is48k()) {
            const sha = createHash('sha256').update(new Uint8Array(w.waveform.buffer, w.waveform.byteOffset, w.waveform.byteLength)).digest('hex');
            expect(sha).toBe(shaOnly.sha256);
          }
        }
      });
    });
  }
});

describe('CLAP integer bookkeeping (arith.json)', () => {
  const arith = readJson('arith.json');
  it('48 kHz lengths exact', () => {
    const cases = arith.clap_len_48k.cases as { n: number; sr: number; n_48k: number }[];
    expect(cases.length).toBeGreaterThan(0);
    for (const k of cases) expect(clapLength48k(k.n, k.sr), `n=${k.n} sr=${k.sr}`).toBe(k.n_48k);
  });
  it('fusion chunk starts, ranges and corner cases exact', () => {
    const cases = arith.clap_fusion_chunks.cases as { n_48k: number; frames: number; corner_case: boolean; ranges?: number[][]; chunk_starts?: number[] }[];
    expect(cases.length).toBeGreaterThan(0);
    for (const k of cases) {
      const T = 1 + Math.floor(k.n_48k / 480);
      expect(T).toBe(k.frames);
      expect(T === CLAP_CHUNK_FRAMES).toBe(k.corner_case);
      if (!k.corner_case) {
        expect(clapChunkStarts(T), `n=${k.n_48k}`).toEqual(k.chunk_starts);
        expect(clapChunkRanges(T)).toEqual(k.ranges);
      }
    }
  });
});

// ---- synthetic inputs beyond the fixtures -------------------------------------------------------

const lcg = (seed: number) => centred(lcgUniform(seed));

/** PCM16-valued test signal: tone + noise, scaled like a decoded 16-bit file. */
function synth(n: number, sr: number, seed: number, channels = 1): DecodedAudio {
  const rnd = lcg(seed);
  const chans: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const ch = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = 0.3 * Math.sin((2 * Math.PI * (440 + 110 * c) * i) / sr) + 0.1 * rnd();
      ch[i] = Math.round(v * 32768) / 32768;
    }
    chans.push(ch);
  }
  return { sampleRate: sr, channels: chans };
}

const roundTrip = (v: number) => Math.trunc(Math.fround(Math.min(1, Math.max(-1, v)) * 32767)) / 32767;

/** Index of the first differing element (or a length mismatch), -1 when identical. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function channelsEqual(mel: Float32Array, count = 4) {
  for (let k = 1; k < count; k++) expect(firstDiff(mel.subarray(k * CHUNK, (k + 1) * CHUNK), mel.subarray(0, CHUNK))).toBe(-1);
}

describe('CLAP synthetic cases', () => {
  it('exactly 480000 samples at 48 kHz: as is, four equal channels, waveform = int16 round trip', () => {
    const a = synth(480000, 48000, 1);
    const x = clapLoad48k(a);
    expect(x.length).toBe(480000);
    for (let i = 0; i < 1000; i++) expect(x[i]).toBe(Math.fround(roundTrip(a.channels[0]![i]!)));
    const f = clapFusionMel(x);
    expect([f.rule, f.longer, f.frames]).toEqual(['as_is', false, 1001]);
    channelsEqual(f.mel);
    expect(firstDiff(f.mel.subarray(0, CHUNK), clapLogMel(x))).toBe(-1);
    const w = clapNonfusionWaveform(x);
    expect(w.rule).toBe('as_is');
    expect(firstDiff(w.waveform, x)).toBe(-1);
  });

  it('480100 samples: corner case (T = 1001, longer = false, whole mel), centre window offset 50', () => {
    const x = clapLoad48k(synth(480100, 48000, 2));
    const f = clapFusionMel(x);
    expect([f.rule, f.longer, f.frames]).toEqual(['corner_case_whole', false, 1001]);
    channelsEqual(f.mel);
    expect(firstDiff(f.mel.subarray(0, CHUNK), clapLogMel(x))).toBe(-1);
    const w = clapNonfusionWaveform(x);
    expect([w.rule, w.offset]).toEqual(['trunc_center', 50]);
    expect(firstDiff(w.waveform, x.subarray(50, 480050))).toBe(-1);
  });

  it('25 s stereo: fusion_long with starts 250/750/1250, bilinear shrink, centre window', () => {
    const a = synth(1200000, 48000, 3, 2);
    const x = clapLoad48k(a);
    const mid = Math.fround((a.channels[0]![7]! + a.channels[1]![7]!) / 2);
    expect(x[7]).toBe(Math.fround(roundTrip(mid)));
    const f = clapFusionMel(x);
    expect([f.rule, f.longer, f.frames]).toEqual(['fusion_long', true, 2501]);
    expect(f.chunkStarts).toEqual([250, 750, 1250]);
    const mel = clapLogMel(x);
    f.chunkStarts.forEach((s, k) => expect(firstDiff(f.mel.subarray((k + 1) * CHUNK, (k + 2) * CHUNK), mel.subarray(s * 64, s * 64 + CHUNK))).toBe(-1));
    // shrink: src_i = max(0, (i+0.5)·fl32(2501/1001) − 0.5); row 0 → src 0.749…, row 1000 clamps to the last frame pair
    const scale = Math.fround(2501 / 1001);
    for (const i of [0, 1, 500, 1000]) {
      const src = Math.max(0, Math.fround(Math.fround(scale * (i + 0.5)) - 0.5));
      const i0 = Math.floor(src);
      const i1 = Math.min(i0 + 1, 2500);
      const l = Math.fround(src - i0);
      for (const m of [0, 31, 63]) {
        const want = Math.fround(1 - l) * mel[i0 * 64 + m]! + l * mel[i1 * 64 + m]!;
        expect(f.mel[i * 64 + m]).toBeCloseTo(want, 4);
      }
    }
    const w = clapNonfusionWaveform(x);
    expect([w.rule, w.offset]).toEqual(['trunc_center', 360000]);
  });

  it('0.5 s: repeat ×20 without zero padding, four equal channels', () => {
    const x = clapLoad48k(synth(24000, 48000, 4));
    const w = clapNonfusionWaveform(x);
    expect([w.rule, w.repeats]).toEqual(['repeatpad', 20]);
    expect(firstDiff(w.waveform.subarray(24000 * 19, 480000), x)).toBe(-1);
    const f = clapFusionMel(x);
    expect([f.rule, f.longer]).toEqual(['repeatpad', false]);
    channelsEqual(f.mel);
    expect(firstDiff(f.mel.subarray(0, CHUNK), clapLogMel(w.waveform))).toBe(-1);
  });

  it('22.05 kHz 7 s: librosa length 336001 (last sample is padding), repeat ×1 then zeros', () => {
    const x = clapLoad48k(synth(154350, 22050, 5));
    expect(x.length).toBe(336001);
    expect(x[336000]).toBe(0);
    let energy = 0;
    for (let i = 100000; i < 100480; i++) energy += x[i]! * x[i]!;
    expect(energy / 480).toBeGreaterThan(0.01); // the tone survived resampling
    const w = clapNonfusionWaveform(x);
    expect([w.rule, w.repeats]).toEqual(['repeatpad', 1]);
    expect(w.waveform.subarray(336001).every((v) => v === 0)).toBe(true);
    const f = clapFusionMel(x);
    expect(f.longer).toBe(false);
    expect(f.mel.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('rejects empty input and bad rates with a clear error', () => {
    expect(() => clapLoad48k({ sampleRate: 48000, channels: [new Float32Array(0)] })).toThrow(ClapInputError);
    expect(() => clapLoad48k({ sampleRate: 48000, channels: [] })).toThrow(/no audio channels/);
    expect(() => clapLoad48k({ sampleRate: 0, channels: [new Float32Array(10)] })).toThrow(/sample rate/);
    expect(() => clapLoad48k({ sampleRate: 44100, channels: [Float32Array.of(0, Number.NaN, 0)] })).toThrow(/sample 1 is not finite/);
    expect(() => clapLoad48k({ sampleRate: 44100, channels: [new Float32Array(5), new Float32Array(4)] })).toThrow(/different lengths/);
    expect(() => clapFusionMel(new Float32Array(0))).toThrow(/empty/);
    expect(() => clapNonfusionWaveform(new Float32Array(0))).toThrow(/empty/);
  });

  it('a single sample still gives finite tensors (repeat ×480000)', () => {
    const x = clapLoad48k({ sampleRate: 48000, channels: [Float32Array.of(0.5)] });
    const f = clapFusionMel(x);
    expect(f.mel.every((v) => Number.isFinite(v))).toBe(true);
    expect(clapNonfusionWaveform(x).repeats).toBe(480000);
  });
});
