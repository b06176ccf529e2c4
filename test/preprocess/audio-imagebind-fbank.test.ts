import { describe, expect, it } from 'vitest';
import { KALDI_FRAME_LENGTH, KALDI_FRAME_SHIFT, kaldiFbank, kaldiMelBanks } from '../../src-main/preprocess/audio/kaldi-fbank';
import { audioDspWasm } from '../../src-main/preprocess/audio/dsp-wasm';
import { centred, lcg as lcgUniform } from '../helpers/random';

const lcg = (seed: number) => centred(lcgUniform(seed));

/** The fbank of frame f computed the slow way: direct 512-point DFT of the prepared 400-sample frame. */
function directFbankFrame(x: Float64Array, f: number, numBins: number): Float64Array {
  const s = f * KALDI_FRAME_SHIFT;
  let mean = 0;
  for (let i = 0; i < KALDI_FRAME_LENGTH; i++) mean += x[s + i]!;
  mean /= KALDI_FRAME_LENGTH;
  const frame = new Float64Array(KALDI_FRAME_LENGTH);
  for (let i = 0; i < KALDI_FRAME_LENGTH; i++) {
    const prev = x[s + Math.max(i - 1, 0)]! - mean;
    const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (KALDI_FRAME_LENGTH - 1));
    frame[i] = (x[s + i]! - mean - 0.97 * prev) * hann;
  }
  const power = new Float64Array(257);
  for (let k = 0; k <= 256; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < KALDI_FRAME_LENGTH; t++) {
      const a = (-2 * Math.PI * ((k * t) % 512)) / 512;
      re += frame[t]! * Math.cos(a);
      im += frame[t]! * Math.sin(a);
    }
    power[k] = re * re + im * im;
  }
  const banks = kaldiMelBanks(numBins, 16000);
  const out = new Float64Array(numBins);
  for (let b = 0; b < numBins; b++) {
    let e = 0;
    banks.weights[b]!.forEach((w, k) => (e += w * power[banks.start[b]! + k]!));
    out[b] = Math.log(Math.max(e, 1.1920928955078125e-7));
  }
  return out;
}

describe('kaldi fbank power spectrum (WebAssembly FFT module and JS fallback)', () => {
  const rnd = lcg(42);
  const x = Float64Array.from({ length: 16000 }, (_, i) => 0.4 * Math.sin(i * 0.07) + 0.2 * Math.sin(i * 1.9) + 0.05 * rnd());

  it('runs on the WebAssembly module here', () => {
    expect(audioDspWasm()).not.toBeNull();
  });

  for (const useWasm of [true, false]) {
    it(`${useWasm ? 'WebAssembly' : 'JS'} path matches a direct DFT fbank`, () => {
      const { data, frames } = kaldiFbank(x, 128, useWasm);
      expect(frames).toBe(98);
      for (const f of [0, 1, 50, 97]) {
        const want = directFbankFrame(x, f, 128);
        for (let b = 0; b < 128; b++) expect(Math.abs(data[f * 128 + b]! - want[b]!)).toBeLessThan(1e-9);
      }
    });
  }

  it('both paths agree to float64 rounding, for any bin count, including the float32-eps floor', () => {
    for (const numBins of [128, 64, 23]) {
      const sig = Float64Array.from({ length: 5000 }, (_, i) => (i < 2000 ? 0 : rnd()));
      const a = kaldiFbank(sig, numBins, true);
      const b = kaldiFbank(sig, numBins, false);
      expect(a.frames).toBe(b.frames);
      let max = 0;
      for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
      expect(max).toBeLessThan(1e-11);
      // silent frames hit the floor exactly on both paths
      expect(a.data[0]).toBe(Math.log(1.1920928955078125e-7));
      expect(b.data[numBins - 1]).toBe(Math.log(1.1920928955078125e-7));
    }
  });

  it('rejects input shorter than one frame', () => {
    expect(() => kaldiFbank(new Float64Array(399))).toThrow(/at least 400 samples/);
  });
});
