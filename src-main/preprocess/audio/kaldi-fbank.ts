/**
 * torchaudio.compliance.kaldi.fbank as ImageBind calls it (PREPROCESSING.md §3.4b–c): 16 kHz,
 * 25 ms frames (400 samples) every 10 ms (160), snip_edges, no dither, per-frame DC removal,
 * pre-emphasis 0.97 with x[−1] = x[0], symmetric Hann window, zero-padding to 512, power spectrum,
 * 128 Kaldi mel triangles between 20 Hz and the Nyquist frequency, natural log floored at float32 eps.
 * No energy term. Computed in float64 (torchaudio works in float32; README tolerance rows).
 */
import { createRealFft } from './fft';

export const KALDI_FRAME_LENGTH = 400;
export const KALDI_FRAME_SHIFT = 160;
const PADDED = 512;
const BINS = PADDED / 2; // FFT bins 0…255 carry mel weight; the Nyquist bin 256 has none
const PREEMPHASIS = 0.97;
const FLOAT32_EPS = 1.1920928955078125e-7;

export interface KaldiMelBanks {
  numBins: number;
  /** per mel bin: first FFT bin with non-zero weight, and the weights from there */
  start: Int32Array;
  weights: Float64Array[];
}

export function kaldiMel(f: number): number {
  return 1127 * Math.log(1 + f / 700);
}

/** Kaldi triangular mel filters over the 256 lower FFT bins of a 512-point FFT. */
export function kaldiMelBanks(numBins: number, sampleRate: number, lowFreq = 20, highFreq = sampleRate / 2): KaldiMelBanks {
  const binWidth = sampleRate / PADDED;
  const melLow = kaldiMel(lowFreq);
  const melHigh = kaldiMel(highFreq);
  const delta = (melHigh - melLow) / (numBins + 1);
  const binMel = new Float64Array(BINS);
  for (let i = 0; i < BINS; i++) binMel[i] = kaldiMel(binWidth * i);
  const start = new Int32Array(numBins);
  const weights: Float64Array[] = [];
  for (let b = 0; b < numBins; b++) {
    const left = melLow + b * delta;
    const center = melLow + (b + 1) * delta;
    const right = melLow + (b + 2) * delta;
    let lo = -1;
    let hi = -1;
    const w = new Float64Array(BINS);
    for (let i = 0; i < BINS; i++) {
      const up = (binMel[i]! - left) / (center - left);
      const down = (right - binMel[i]!) / (right - center);
      const v = Math.max(0, Math.min(up, down));
      w[i] = v;
      if (v > 0) {
        if (lo < 0) lo = i;
        hi = i;
      }
    }
    start[b] = Math.max(lo, 0);
    weights.push(lo < 0 ? new Float64Array(0) : w.slice(lo, hi + 1));
  }
  return { numBins, start, weights };
}

export function kaldiFrameCount(length: number): number {
  return length < KALDI_FRAME_LENGTH ? 0 : 1 + Math.floor((length - KALDI_FRAME_LENGTH) / KALDI_FRAME_SHIFT);
}

const hann = new Float64Array(KALDI_FRAME_LENGTH);
for (let i = 0; i < KALDI_FRAME_LENGTH; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (KALDI_FRAME_LENGTH - 1));

const bankCache = new Map<number, KaldiMelBanks>();
// one transform for the module: a fresh closure per call would start unoptimised every time (≈ 1.6× slower)
const fft = createRealFft(PADDED);

/**
 * Log mel filterbank energies of `x` (16 kHz), frame-major: result[f·numBins + b].
 * Requires at least 400 samples (the reference raises below that); callers check first.
 */
export function kaldiFbank(x: ArrayLike<number>, numBins = 128): { data: Float64Array; frames: number } {
  const frames = kaldiFrameCount(x.length);
  if (frames === 0) throw new RangeError(`kaldi fbank needs at least ${KALDI_FRAME_LENGTH} samples, got ${x.length}`);
  let banks = bankCache.get(numBins);
  if (!banks) bankCache.set(numBins, (banks = kaldiMelBanks(numBins, 16000)));
  const frame = new Float64Array(KALDI_FRAME_LENGTH);
  const power = new Float64Array(BINS + 1);
  const out = new Float64Array(frames * numBins);
  for (let f = 0; f < frames; f++) {
    const s = f * KALDI_FRAME_SHIFT;
    let sum = 0;
    for (let i = 0; i < KALDI_FRAME_LENGTH; i++) sum += x[s + i]!;
    const mean = sum / KALDI_FRAME_LENGTH;
    // DC removal, pre-emphasis (x[−1] = x[0]) and the window in one pass
    let prev = x[s]! - mean;
    for (let i = 0; i < KALDI_FRAME_LENGTH; i++) {
      const cur = x[s + i]! - mean;
      frame[i] = (cur - PREEMPHASIS * prev) * hann[i]!;
      prev = cur;
    }
    fft(frame, power);
    const row = f * numBins;
    for (let b = 0; b < numBins; b++) {
      const w = banks.weights[b]!;
      const st = banks.start[b]!;
      let e = 0;
      for (let k = 0; k < w.length; k++) e += power[st + k]! * w[k]!;
      out[row + b] = Math.log(e > FLOAT32_EPS ? e : FLOAT32_EPS);
    }
  }
  return { data: out, frames };
}
