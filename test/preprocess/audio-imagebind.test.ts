import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../../src-main/preprocess/audio/decode';
import { imagebindClipBounds } from '../../src-main/preprocess/audio/clip-bounds';
import {
  AudioTooShortError,
  imagebindAudio,
  imagebindAudioClips,
  IMAGEBIND_MIN_SAMPLES,
} from '../../src-main/preprocess/audio/imagebind-audio';
import { casesOf, errorStats, inputPath, readJson, readTensor } from '../helpers/fixtures';

// README "Recommended tolerances", ImageBind audio row
const TOL = { max: 0.05, p999: 0.02, mean: 2e-4 };
const CLIP = 128 * 204;

const audioCases = casesOf('audio').filter((c) => c.outputs.imagebind_audio);

describe('ImageBind audio tensor vs fixtures', () => {
  it('has fixture cases to check', () => {
    expect(audioCases.length).toBeGreaterThan(0);
  });

  for (const c of audioCases) {
    it(`${c.id}: [3,1,128,204] within tolerance, meta exact`, async () => {
      const audio = await decodeAudio(inputPath(c));
      expect(audio.sampleRate).toBe(c.input.samplerate);
      expect(audio.channels.length).toBe(c.input.channels);
      expect(audio.channels[0]!.length).toBe(c.input.frames);
      const out = imagebindAudio(audio);
      const spec = c.outputs.imagebind_audio;
      expect(spec.shape).toEqual([3, 1, 128, 204]);
      const expected = readTensor(spec);
      expect(out.tensor.length).toBe(expected.length);
      for (const v of out.tensor) if (!Number.isFinite(v)) throw new Error(`${c.id}: non-finite output`);
      const s = errorStats(out.tensor, expected);
      console.log(`[imagebind_audio] ${c.id}: max ${s.max.toExponential(2)} p99.9 ${s.p999.toExponential(2)} mean ${s.mean.toExponential(2)}`);
      expect(s.max).toBeLessThanOrEqual(TOL.max);
      expect(s.p999).toBeLessThanOrEqual(TOL.p999);
      expect(s.mean).toBeLessThanOrEqual(TOL.mean);
      const meta = c.meta.imagebind;
      expect(out.samples16k).toBe(meta.samples_16k);
      expect(out.clipBounds16k).toEqual(meta.clip_bounds_16k);
      expect(out.fbankFrames).toEqual(meta.fbank_frames);
    });
  }
});

describe('ImageBind clip bounds (arith.json)', () => {
  const table = readJson('arith.json').imagebind_clip_bounds.cases as { n_16k: number; bounds: [number, number][] }[];
  it(`all ${table.length} cases exact`, () => {
    expect(table.length).toBeGreaterThan(0);
    const wrong = table.filter((t) => JSON.stringify(imagebindClipBounds(t.n_16k)) !== JSON.stringify(t.bounds));
    expect(wrong.map((t) => ({ n: t.n_16k, want: t.bounds, got: imagebindClipBounds(t.n_16k) }))).toEqual([]);
  });

  it('files up to 2 s put every clip at 0; longer ones end the last clip at the last sample', () => {
    expect(imagebindClipBounds(0)).toEqual([[0, 32000], [0, 32000], [0, 32000]]);
    for (const n of [32001, 48000, 1_234_567, 16000 * 3600]) {
      const b = imagebindClipBounds(n);
      expect(b[0]![0]).toBe(0);
      expect(b[2]![1]).toBeLessThanOrEqual(n);
      expect(b[2]![1]).toBeGreaterThanOrEqual(n - 1);
    }
  });
});

function tone(n: number, rate: number, channels = 1): { sampleRate: number; channels: Float32Array[] } {
  return {
    sampleRate: rate,
    channels: Array.from({ length: channels }, (_, c) =>
      Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (440 + 110 * c) * i) / rate) + 0.05),
    ),
  };
}

describe('edge cases: too-short input (docs/REFERENCE.md §7.4 item 8), silence, bad input, no mutation', () => {
  it('rejects fewer than 400 samples at 16 kHz with AudioTooShortError naming length and minimum', () => {
    for (const [n, rate] of [[0, 16000], [1, 16000], [399, 16000], [1099, 44100], [199, 8000]] as const) {
      let err: unknown;
      try {
        imagebindAudio(tone(n, rate));
      } catch (e) {
        err = e;
      }
      expect(err, `${n} samples at ${rate} Hz`).toBeInstanceOf(AudioTooShortError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/too short/);
      expect(msg).toContain(`need at least ${IMAGEBIND_MIN_SAMPLES}`);
      expect(() => imagebindAudioClips(tone(n, rate))).toThrow(AudioTooShortError);
    }
  });

  it('accepts exactly 400 samples (one frame) and stays finite', () => {
    for (const [n, rate] of [[400, 16000], [1100, 44100], [200, 8000]] as const) {
      const out = imagebindAudio(tone(n, rate));
      expect(out.samples16k).toBeGreaterThanOrEqual(400);
      expect(out.fbankFrames).toEqual([1, 1, 1]);
      expect(out.tensor.every(Number.isFinite)).toBe(true);
      // 203 of 204 columns are padding: log value 0 → (0 + 4.268) / 9.138
      expect(out.tensor[1]).toBeCloseTo(4.268 / 9.138, 6);
    }
  });

  it('leaves the caller\'s samples untouched (the in-place mean removal works on its own buffer)', () => {
    for (const rate of [16000, 48000]) {
      const a = tone(3 * rate, rate, 2);
      const before = a.channels.map((c) => c.slice());
      imagebindAudio(a);
      imagebindAudioClips(a);
      a.channels.forEach((c, i) => expect(Array.from(c)).toEqual(Array.from(before[i]!)));
    }
  });

  it('digital silence gives the log floor, not -Infinity or NaN', () => {
    const out = imagebindAudio({ sampleRate: 16000, channels: [new Float32Array(32000)] });
    const floor = (Math.log(1.1920928955078125e-7) + 4.268) / 9.138;
    expect(out.tensor[0]).toBeCloseTo(floor, 5);
    expect(out.tensor.every(Number.isFinite)).toBe(true);
  });

  it('rejects channels of different lengths and bad sample rates', () => {
    expect(() => imagebindAudio({ sampleRate: 16000, channels: [new Float32Array(500), new Float32Array(400)] })).toThrow(/differ in length/);
    expect(() => imagebindAudio({ sampleRate: 0, channels: [new Float32Array(500)] })).toThrow(/sample rate/);
    expect(() => imagebindAudio({ sampleRate: 16000, channels: [] })).toThrow(/no channels/);
    expect(() => imagebindAudio({ sampleRate: 44100.5, channels: [new Float32Array(5000)] })).toThrow(/positive integer/);
    const nan = new Float32Array(5000);
    nan[1234] = NaN;
    expect(() => imagebindAudio({ sampleRate: 16000, channels: [nan] })).toThrow(/non-finite sample \(16 kHz index 1234\)/);
    expect(() => imagebindAudioClips({ sampleRate: 16000, channels: [nan] })).toThrow(/non-finite/);
  });
});

describe('imagebindAudioClips (app extension: consecutive 2 s clips)', () => {
  const long = audioCases.find((c) => c.meta.imagebind.samples_16k > 5 * 32000) ?? audioCases[0]!;

  it(`${long.id}: spans tile the recording, clip 0 equals the reference clip 0`, async () => {
    const audio = await decodeAudio(inputPath(long));
    const ref = imagebindAudio(audio);
    const { tensor, spans } = imagebindAudioClips(audio);
    const n16 = ref.samples16k;
    expect(spans.length).toBe(Math.ceil(n16 / 32000) - (n16 % 32000 > 0 && n16 % 32000 < 400 ? 1 : 0));
    expect(tensor.length).toBe(spans.length * CLIP);
    spans.forEach(([s, e], k) => {
      expect(s).toBe(k * 32000);
      expect(e).toBe(Math.min(s + 32000, n16));
    });
    // the reference processes clip 0 first, so its shared-buffer state equals a private copy there
    expect(Array.from(tensor.subarray(0, CLIP))).toEqual(Array.from(ref.tensor.subarray(0, CLIP)));
    // a second run gives the same tensor: the first one did not modify the decoded input
    const again = imagebindAudioClips(audio);
    expect(Array.from(again.tensor.subarray(0, 2 * CLIP))).toEqual(Array.from(tensor.subarray(0, 2 * CLIP)));
  });

  it('matches the reference clip processing for a later clip computed on its own', () => {
    // 5 s at 16 kHz: consecutive clip 1 is [32000, 64000); cut that range out and run the reference path on it
    const a = tone(80000, 16000, 2);
    const { tensor, spans } = imagebindAudioClips(a);
    expect(spans).toEqual([[0, 32000], [32000, 64000], [64000, 80000]]);
    const alone = imagebindAudio({ sampleRate: 16000, channels: a.channels.map((c) => c.slice(32000, 64000)) });
    expect(Array.from(tensor.subarray(CLIP, 2 * CLIP))).toEqual(Array.from(alone.tensor.subarray(0, CLIP)));
    // the 1 s tail: 98 frames then padding
    const tail = imagebindAudio({ sampleRate: 16000, channels: a.channels.map((c) => c.slice(64000)) });
    expect(tail.fbankFrames[0]).toBe(98);
    expect(Array.from(tensor.subarray(2 * CLIP))).toEqual(Array.from(tail.tensor.subarray(0, CLIP)));
  });

  it('drops a tail shorter than 25 ms and validates the clip length', () => {
    const { spans } = imagebindAudioClips(tone(32000 + 399, 16000));
    expect(spans).toEqual([[0, 32000]]);
    expect(() => imagebindAudioClips(tone(32000, 16000), 5)).toThrow(/clip length/);
    expect(() => imagebindAudioClips(tone(32000, 16000), 0.01)).toThrow(/clip length/);
    expect(imagebindAudioClips(tone(32000, 16000), 1).spans).toEqual([[0, 16000], [16000, 32000]]);
  });
});
