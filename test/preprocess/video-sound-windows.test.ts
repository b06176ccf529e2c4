import { describe, expect, it } from 'vitest';
import { IMAGEBIND_CLIP_VALUES, imagebindAudioClips, imagebindClipFromWindow } from '../../src-main/preprocess/audio/imagebind-audio';
import { clapLoad48k, clapLoad48kWindow } from '../../src-main/preprocess/audio/clap-load';
import { SoundWindows, type SoundWindow } from '../../src-main/preprocess/video/sound-windows';
import { centred, xorshift32 } from '../helpers/random';

/** Noise with a few samples past ±1 (float sound tracks overshoot; torchaudio's clip must still match). */
function noise(n: number, channels: number, seed: number): Float32Array[] {
  const r = centred(xorshift32(seed));
  return Array.from({ length: channels }, (_, c) => {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = 0.6 * r() + 0.3 * Math.sin(i * 0.01 * (c + 1));
    x[Math.floor(n * 0.37)] = 1.25;
    return x;
  });
}

/** Feed `channels` to SoundWindows in uneven chunks (as a decoder does) and collect the windows. */
async function windowsOf(channels: Float32Array[], rate: number, stride: number, maxMoments: number): Promise<SoundWindow[]> {
  const out: SoundWindow[] = [];
  const sw = new SoundWindows({ sampleRate: rate, channels: channels.length, clipSec: 2, stride, maxMoments, onWindow: (w) => void out.push(w) });
  const n = channels[0]!.length;
  const r = xorshift32(7);
  for (let pos = 0; pos < n; ) {
    const len = Math.min(n - pos, 200 + Math.floor(r() * 3000));
    await sw.push({ channels: channels.map((c) => c.slice(pos, pos + len)), start: pos });
    pos += len;
  }
  await sw.end();
  return out;
}

describe('video sound moments from windows of the track', () => {
  for (const rate of [48000, 44100, 16000, 22050]) {
    it(`${rate} Hz: every window's clip is bit-identical to the whole-recording clip`, async () => {
      const chans = noise(Math.round(rate * 9.3), 2, rate);
      const whole = imagebindAudioClips({ sampleRate: rate, channels: chans }, 2);
      const wins = await windowsOf(chans, rate, 1, 100);
      expect(wins.map((w) => w.span16k)).toEqual(whole.spans);
      const one = new Float32Array(IMAGEBIND_CLIP_VALUES);
      wins.forEach((w, k) => {
        imagebindClipFromWindow(w, w.span16k[0], w.span16k[1], one, 0);
        const ref = whole.tensor.subarray(k * IMAGEBIND_CLIP_VALUES, (k + 1) * IMAGEBIND_CLIP_VALUES);
        let maxd = 0;
        for (let i = 0; i < one.length; i++) maxd = Math.max(maxd, Math.abs(one[i]! - ref[i]!));
        expect(maxd).toBe(0);
        // a window holds the clip plus filter context, never the track
        expect(w.audio.channels[0]!.length).toBeLessThan(rate * 2.3);
      });
    });
  }

  it('spreads moments over a long track at a stride and stops at the cap, holding little', async () => {
    const rate = 16000;
    const chans = noise(rate * 61, 1, 3);
    const wins = await windowsOf(chans, rate, 3, 8);
    expect(wins.map((w) => w.clip)).toEqual([0, 3, 6, 9, 12, 15, 18, 21]);
    expect(wins.map((w) => w.span16k[0] / 16000)).toEqual([0, 6, 12, 18, 24, 30, 36, 42]);
    const whole = imagebindAudioClips({ sampleRate: rate, channels: chans }, 2);
    const one = new Float32Array(IMAGEBIND_CLIP_VALUES);
    for (const w of wins) {
      imagebindClipFromWindow(w, w.span16k[0], w.span16k[1], one, 0);
      const k = w.clip;
      expect(Array.from(one)).toEqual(Array.from(whole.tensor.subarray(k * IMAGEBIND_CLIP_VALUES, (k + 1) * IMAGEBIND_CLIP_VALUES)));
    }
  });

  it('cuts the last clip at the end of the track and drops a tail under 25 ms', async () => {
    const rate = 48000;
    const wins = await windowsOf(noise(rate * 4 + 1200, 1, 5), rate, 1, 100); // 4.025 s: the 25 ms tail is kept (400 samples at 16 kHz)
    expect(wins.map((w) => w.span16k)).toEqual([[0, 32000], [32000, 64000], [64000, 64400]]);
    const short = await windowsOf(noise(rate * 4 + 600, 1, 5), rate, 1, 100);
    expect(short.map((w) => w.span16k)).toEqual([[0, 32000], [32000, 64000]]);
  });

  for (const rate of [48000, 44100, 32000]) {
    it(`${rate} Hz: each window's 48 kHz CLAP input equals the whole recording's (bit-identical at 48 kHz)`, async () => {
      const chans = noise(Math.round(rate * 7.1), 2, rate + 1);
      const whole = clapLoad48k({ sampleRate: rate, channels: chans });
      const wins = await windowsOf(chans, rate, 1, 100);
      for (const w of wins) {
        const [s, e] = w.span16k;
        const x = clapLoad48kWindow(w, 3 * s, Math.min(3 * e, whole.length));
        const ref = whole.subarray(3 * s, Math.min(3 * e, whole.length));
        expect(x.length).toBe(ref.length);
        let maxd = 0;
        for (let i = 0; i < x.length; i++) maxd = Math.max(maxd, Math.abs(x[i]! - ref[i]!));
        // one int16 step is 3.05e-5: other rates may round one sample to the neighbouring level
        expect(maxd).toBeLessThanOrEqual(rate === 48000 ? 0 : 3.1e-5);
      }
    });
  }
});
