/**
 * torchaudio.compliance.kaldi.fbank as ImageBind calls it (docs/REFERENCE.md §3.4b–c): 16 kHz,
 * 25 ms frames (400 samples) every 10 ms (160), snip_edges, no dither, per-frame DC removal,
 * pre-emphasis 0.97 with x[−1] = x[0], symmetric Hann window, zero-padding to 512, power spectrum,
 * 128 Kaldi mel triangles between 20 Hz and the Nyquist frequency, natural log floored at float32 eps.
 * No energy term. Computed in float64 (torchaudio works in float32; README tolerance rows).
 * The power spectrum and the filterbank run on the WebAssembly SIMD module of dsp-wasm.ts (float64,
 * as the CLAP mel uses it); where that is unavailable, in plain JS with fft.ts's real FFT. Both do the
 * same float64 operations, in a different rounding order (≈1e-16 relative).
 */
import { createRealPowerSpectrum } from './fft';
import { audioDspWasm, realSpectrumTables, type AudioDspWasm } from './dsp-wasm';

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

interface FlatBanks {
  banks: KaldiMelBanks;
  /** per mel bin: first FFT bin and weight count, interleaved (the WebAssembly module's int32 pairs) */
  fc: Int32Array;
  /** the bins' weights back to back */
  w: Float64Array;
  /** highest FFT bin with a weight */
  top: number;
}

const bankCache = new Map<number, FlatBanks>();
function flatBanks(numBins: number): FlatBanks {
  let fb = bankCache.get(numBins);
  if (fb) return fb;
  const banks = kaldiMelBanks(numBins, 16000);
  const fc = new Int32Array(2 * numBins);
  const w = new Float64Array(banks.weights.reduce((a, ws) => a + ws.length, 0));
  let at = 0;
  let top = 1;
  banks.weights.forEach((ws, b) => {
    fc[2 * b] = banks.start[b]!;
    fc[2 * b + 1] = ws.length;
    w.set(ws, at);
    at += ws.length;
    // the WebAssembly module does not compute the DC bin's power; the 20 Hz low edge keeps every band above it
    if (ws.length > 0 && banks.start[b]! < 1) throw new Error('kaldi fbank: a mel bin starts at the DC bin');
    if (ws.length > 0) top = Math.max(top, banks.start[b]! + ws.length - 1);
  });
  fb = { banks, fc, w, top };
  bankCache.set(numBins, fb);
  return fb;
}

/** DC removal, pre-emphasis (x[−1] = x[0]) and the window of the frame at sample s, into dst[at…at+400). */
function prepareFrame(x: ArrayLike<number>, s: number, dst: Float64Array, at: number): void {
  let sum = 0;
  for (let i = 0; i < KALDI_FRAME_LENGTH; i++) sum += x[s + i]!;
  const mean = sum / KALDI_FRAME_LENGTH;
  let prev = x[s]! - mean;
  for (let i = 0; i < KALDI_FRAME_LENGTH; i++) {
    const cur = x[s + i]! - mean;
    dst[at + i] = (cur - PREEMPHASIS * prev) * hann[i]!;
    prev = cur;
  }
}

const logFloored = (e: number) => Math.log(e > FLOAT32_EPS ? e : FLOAT32_EPS);

// one transform for the module: a fresh closure per call would start unoptimised every time (≈ 1.6× slower)
let jsFft: ((frame: ArrayLike<number>, power: Float64Array) => void) | undefined;

/**
 * Log mel filterbank energies of `x` (16 kHz), frame-major: result[f·numBins + b].
 * Requires at least 400 samples (the reference raises below that); callers check first.
 * `useWasm: false` forces the plain JS path (tests compare the two).
 */
export function kaldiFbank(x: ArrayLike<number>, numBins = 128, useWasm = true): { data: Float64Array; frames: number } {
  const frames = kaldiFrameCount(x.length);
  if (frames === 0) throw new RangeError(`kaldi fbank needs at least ${KALDI_FRAME_LENGTH} samples, got ${x.length}`);
  const fb = flatBanks(numBins);
  const kern = useWasm ? audioDspWasm() : null;
  const data = kern ? fbankWasm(x, frames, fb, kern) : fbankJs(x, frames, fb);
  return { data, frames };
}

function fbankJs(x: ArrayLike<number>, frames: number, fb: FlatBanks): Float64Array {
  const { banks } = fb;
  const numBins = banks.numBins;
  jsFft ??= createRealPowerSpectrum(PADDED);
  const frame = new Float64Array(PADDED); // samples 400…511 stay zero
  const power = new Float64Array(BINS + 1);
  const out = new Float64Array(frames * numBins);
  for (let f = 0; f < frames; f++) {
    prepareFrame(x, f * KALDI_FRAME_SHIFT, frame, 0);
    jsFft(frame, power);
    const row = f * numBins;
    for (let b = 0; b < numBins; b++) {
      const w = banks.weights[b]!;
      const st = banks.start[b]!;
      let e = 0;
      for (let k = 0; k < w.length; k++) e += power[st + k]! * w[k]!;
      out[row + b] = logFloored(e);
    }
  }
  return out;
}

let tableCache: { top: number; tables: ReturnType<typeof realSpectrumTables> } | undefined;

/** Per frame: the prepared frame is written into the WebAssembly memory, then fwd (256 points) and melbins. */
function fbankWasm(x: ArrayLike<number>, frames: number, fb: FlatBanks, kern: AudioDspWasm): Float64Array {
  const numBins = fb.banks.numBins;
  const half = PADDED / 2;
  const { top } = fb;
  if (tableCache?.top !== top) tableCache = { top, tables: realSpectrumTables(PADDED, top) };
  const { tw, idx, ptw } = tableCache.tables;
  // float64 indices of the WebAssembly memory regions (the tables are rewritten per call: other users share the memory)
  const FRAME = 0;
  const TW = FRAME + PADDED;
  const POW = TW + tw.length;
  const E = POW + BINS + 2;
  const IDX = E + numBins + (numBins & 1);
  const PTW = IDX + top + 1;
  const FC = PTW + ptw.length;
  const W = FC + numBins;
  const f = kern.reserve(8 * (W + fb.w.length));
  f.set(tw, TW);
  new Int32Array(f.buffer, 8 * IDX, idx.length).set(idx);
  f.set(ptw, PTW);
  new Int32Array(f.buffer, 8 * FC, fb.fc.length).set(fb.fc);
  f.set(fb.w, W);
  const out = new Float64Array(frames * numBins);
  for (let t = 0; t < frames; t++) {
    prepareFrame(x, t * KALDI_FRAME_SHIFT, f, FRAME);
    f.fill(0, FRAME + KALDI_FRAME_LENGTH, FRAME + PADDED); // the transform runs in place
    kern.fwd(8 * FRAME, half, 8 * TW);
    kern.melbins(8 * FRAME, top, 8 * IDX, 8 * PTW, 8 * POW, numBins, 8 * FC, 8 * W, 8 * E);
    const row = t * numBins;
    for (let b = 0; b < numBins; b++) out[row + b] = logFloored(f[E + b]!);
  }
  return out;
}
