import { createRealPowerSpectrum } from './fft';
import { audioDspWasm, realSpectrumTables, type AudioDspWasm, type RealSpectrumTables } from './dsp-wasm';

/**
 * torchaudio `MelSpectrogram(48000, n_fft=1024, hop_length=480, f_min=50, f_max=14000, n_mels=64)`
 * (periodic Hann, centre reflect padding, power 2, HTK mel, no filter normalisation) followed by
 * `AmplitudeToDB(top_db=None)`, computed in float64 (docs/REFERENCE.md §4.3). Output is time-major [T,64].
 */
export const CLAP_N_FFT = 1024;
export const CLAP_HOP = 480;
export const CLAP_N_MELS = 64;
const SR = 48000;
const F_MIN = 50;
const F_MAX = 14000;
const N_FREQS = CLAP_N_FFT / 2 + 1;

const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);

export interface MelFilterbank {
  /** per mel band: first FFT bin with a non-zero weight and the weights from there on */
  start: Int32Array;
  weights: Float64Array[];
}

let fbCache: MelFilterbank | undefined;

/** torchaudio.functional.melscale_fbanks(513, 50, 14000, 64, 48000, norm=None, mel_scale='htk'), sparse. */
export function clapMelFilterbank(): MelFilterbank {
  if (fbCache) return fbCache;
  const mMin = hzToMel(F_MIN);
  const mMax = hzToMel(F_MAX);
  const nPts = CLAP_N_MELS + 2;
  const fPts = new Float64Array(nPts);
  for (let i = 0; i < nPts; i++) fPts[i] = melToHz(mMin + ((mMax - mMin) * i) / (nPts - 1));
  const start = new Int32Array(CLAP_N_MELS);
  const weights: Float64Array[] = [];
  for (let b = 0; b < CLAP_N_MELS; b++) {
    const w: number[] = [];
    let first = -1;
    for (let k = 0; k < N_FREQS; k++) {
      const f = (SR / 2) * (k / (N_FREQS - 1));
      const down = (f - fPts[b]!) / (fPts[b + 1]! - fPts[b]!);
      const up = (fPts[b + 2]! - f) / (fPts[b + 2]! - fPts[b + 1]!);
      const v = Math.max(0, Math.min(down, up));
      if (v > 0) {
        if (first < 0) first = k;
        while (first + w.length < k) w.push(0);
        w.push(v);
      }
    }
    start[b] = Math.max(first, 0);
    weights.push(Float64Array.from(w));
  }
  fbCache = { start, weights };
  return fbCache;
}

let windowCache: Float64Array | undefined;
function periodicHann(): Float64Array {
  if (!windowCache) {
    windowCache = new Float64Array(CLAP_N_FFT);
    for (let i = 0; i < CLAP_N_FFT; i++) windowCache[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / CLAP_N_FFT);
  }
  return windowCache;
}

/** Number of frames torch.stft(center=True) gives for n samples. */
export const clapMelFrames = (n: number) => 1 + Math.floor(n / CLAP_HOP);

/**
 * Log-mel [T,64] (dB, float32 storage) of a 48 kHz signal; needs more than 512 samples (reflect padding).
 * Runs on the WebAssembly SIMD module (dsp-wasm.ts) where available, else in plain JS (`useWasm: false`
 * forces that); both compute the same float64 operations, only the FFT's rounding order differs.
 */
export function clapLogMel(x: Float32Array, useWasm = true): Float32Array {
  return clapLogMelRows(x, null, useWasm);
}

/**
 * clapLogMel computing only the frames t with need[t] ≠ 0 (need: one entry per frame, or null for all);
 * the other rows of the [T,64] result are left 0. Each computed row equals clapLogMel's.
 */
export function clapLogMelRows(x: Float32Array, need: Uint8Array | null, useWasm = true): Float32Array {
  const n = x.length;
  const pad = CLAP_N_FFT / 2;
  if (n <= pad) throw new RangeError(`CLAP mel needs more than ${pad} samples, got ${n}`);
  if (need && need.length !== clapMelFrames(n)) throw new RangeError(`CLAP mel row mask has ${need.length} entries for ${clapMelFrames(n)} frames`);
  const kern = useWasm ? audioDspWasm() : null;
  return kern ? logMelWasm(x, kern, need) : logMelJs(x, need);
}

/** Frame t's samples, windowed, with reflect padding at the ends. */
function windowedFrame(x: Float32Array, t: number, win: Float64Array, frame: Float64Array, at: number): void {
  const n = x.length;
  const s0 = t * CLAP_HOP - CLAP_N_FFT / 2; // position of frame sample 0 in the unpadded signal
  if (s0 >= 0 && s0 + CLAP_N_FFT <= n) {
    for (let i = 0; i < CLAP_N_FFT; i++) frame[at + i] = x[s0 + i]! * win[i]!;
  } else {
    for (let i = 0; i < CLAP_N_FFT; i++) {
      let j = s0 + i;
      if (j < 0) j = -j; // reflect (edge sample not repeated)
      else if (j >= n) j = 2 * (n - 1) - j;
      frame[at + i] = x[j]! * win[i]!;
    }
  }
}

const dB = (e: number) => 10 * Math.log10(e > 1e-10 ? e : 1e-10);

function logMelJs(x: Float32Array, need: Uint8Array | null): Float32Array {
  const T = clapMelFrames(x.length);
  const out = new Float32Array(T * CLAP_N_MELS);
  const win = periodicHann();
  const { first, count, w } = flatFilterbank();
  const fft = createRealPowerSpectrum(CLAP_N_FFT);
  const frame = new Float64Array(CLAP_N_FFT);
  const power = new Float64Array(N_FREQS);
  for (let t = 0; t < T; t++) {
    if (need && !need[t]) continue;
    windowedFrame(x, t, win, frame, 0);
    fft(frame, power);
    const o = t * CLAP_N_MELS;
    let at = 0;
    for (let b = 0; b < CLAP_N_MELS; b++) {
      const k0 = first[b]!;
      const k1 = k0 + count[b]!;
      let e = 0;
      for (let k = k0; k < k1; k++) e += power[k]! * w[at++]!;
      out[o + b] = dB(e);
    }
  }
  return out;
}

/** Frames per copy of the signal into the WebAssembly memory (bounds that memory). */
const MEL_CHUNK_FRAMES = 256;

/**
 * The frame loop on WebAssembly: per frame the window product (mulw), the packed 512-point FFT (fwd) and
 * the power unpacking + filterbank (melbins) run in WebAssembly, only the 64 log10 in JS.
 */
function logMelWasm(x: Float32Array, kern: AudioDspWasm, need: Uint8Array | null): Float32Array {
  const n = x.length;
  const T = clapMelFrames(n);
  const out = new Float32Array(T * CLAP_N_MELS);
  const half = CLAP_N_FFT / 2;
  const fb = flatFilterbank();
  const top = Math.min(fb.maxBin, half - 1);
  // float64 indices of the WebAssembly memory regions
  const FRAME = 0;
  const TW = FRAME + CLAP_N_FFT;
  const WIN = TW + 4 * half;
  const POW = WIN + CLAP_N_FFT;
  const E = POW + N_FREQS + 1; // mel energies of a chunk's frames, 64 per frame
  const IDX = E + CLAP_N_MELS * MEL_CHUNK_FRAMES;
  const PTW = IDX + top + 1;
  const FC = PTW + 4 * (top + 1);
  const W = FC + CLAP_N_MELS;
  const X = W + fb.w.length + (fb.w.length & 1);
  const chunkSamples = (MEL_CHUNK_FRAMES - 1) * CLAP_HOP + CLAP_N_FFT;
  let f = kern.reserve(8 * (X + chunkSamples));
  f.set(melTables(top).tw, TW);
  f.set(periodicHann(), WIN);
  const { idx, ptw } = melTables(top);
  new Int32Array(f.buffer, 8 * IDX, 2 * (top + 1)).set(idx);
  f.set(ptw, PTW);
  const fc = new Int32Array(f.buffer, 8 * FC, 2 * CLAP_N_MELS);
  for (let b = 0; b < CLAP_N_MELS; b++) {
    fc[2 * b] = fb.first[b]!;
    fc[2 * b + 1] = fb.count[b]!;
  }
  f.set(fb.w, W);
  // power[0] (DC) is not computed on this path: no band starts at bin 0
  if (fb.first[0]! < 1) throw new Error('CLAP mel: a band starts at the DC bin');
  const win = periodicHann();
  for (let t0 = 0; t0 < T; t0 += MEL_CHUNK_FRAMES) {
    const t1 = Math.min(T, t0 + MEL_CHUNK_FRAMES);
    if (need && need.subarray(t0, t1).every((v) => v === 0)) continue;
    // signal samples of the chunk's interior frames, copied once as float64
    const s0 = Math.max(0, t0 * CLAP_HOP - half);
    const s1 = Math.min(n, (t1 - 1) * CLAP_HOP - half + CLAP_N_FFT);
    f = kern.f64;
    if (s1 > s0) f.set(x.subarray(s0, s1), X);
    // interior frames (no reflection) [i0, i1) in one WebAssembly call, edge frames one by one
    const i0 = Math.min(Math.max(t0, Math.ceil(half / CLAP_HOP)), t1);
    const i1 = Math.max(Math.min(t1, Math.floor((n - half) / CLAP_HOP) + 1), i0);
    // runs of needed interior frames
    for (let r0 = i0; r0 < i1; ) {
      if (need && !need[r0]) {
        r0++;
        continue;
      }
      let r1 = r0 + 1;
      while (r1 < i1 && (!need || need[r1])) r1++;
      const a0 = r0 * CLAP_HOP - half;
      kern.melframes(8 * (X + a0 - s0), r1 - r0, 8 * CLAP_HOP, 8 * FRAME, 8 * WIN, 8 * TW, top, 8 * IDX, 8 * PTW, 8 * POW, 8 * FC, 8 * W, 8 * (E + (r0 - t0) * CLAP_N_MELS));
      r0 = r1;
    }
    for (let t = t0; t < t1; t++) {
      if ((t >= i0 && t < i1) || (need && !need[t])) continue;
      windowedFrame(x, t, win, f, FRAME);
      kern.fwd(8 * FRAME, half, 8 * TW);
      kern.melbins(8 * FRAME, top, 8 * IDX, 8 * PTW, 8 * POW, CLAP_N_MELS, 8 * FC, 8 * W, 8 * (E + (t - t0) * CLAP_N_MELS));
    }
    for (let t = t0; t < t1; t++) {
      if (need && !need[t]) continue;
      const o = t * CLAP_N_MELS;
      const e = E + (t - t0) * CLAP_N_MELS;
      for (let b = 0; b < CLAP_N_MELS; b++) out[o + b] = dB(f[e + b]!);
    }
  }
  return out;
}

let melTableCache: RealSpectrumTables | undefined;
function melTables(top: number): RealSpectrumTables {
  if (!melTableCache || melTableCache.idx.length !== 2 * (top + 1)) melTableCache = realSpectrumTables(CLAP_N_FFT, top);
  return melTableCache;
}

interface FlatFilterbank {
  first: Int32Array;
  count: Int32Array;
  /** the bands' weights back to back */
  w: Float64Array;
  /** highest FFT bin with a weight */
  maxBin: number;
}
let flatCache: FlatFilterbank | undefined;
function flatFilterbank(): FlatFilterbank {
  if (flatCache) return flatCache;
  const { start, weights } = clapMelFilterbank();
  const count = Int32Array.from(weights, (w) => w.length);
  const w = new Float64Array(count.reduce((a, b) => a + b, 0));
  let at = 0;
  let maxBin = 0;
  weights.forEach((ws, b) => {
    w.set(ws, at);
    at += ws.length;
    maxBin = Math.max(maxBin, start[b]! + ws.length - 1);
  });
  flatCache = { first: start, count, w, maxBin };
  return flatCache;
}
