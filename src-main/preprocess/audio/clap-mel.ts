import { createRealPowerSpectrum } from './clap-fft';
import { bitReverseTable, fftKernel, writeTwiddles } from './wasm-fft';

/**
 * torchaudio `MelSpectrogram(48000, n_fft=1024, hop_length=480, f_min=50, f_max=14000, n_mels=64)`
 * (periodic Hann, centre reflect padding, power 2, HTK mel, no filter normalisation) followed by
 * `AmplitudeToDB(top_db=None)`, computed in float64 (PREPROCESSING §4.3). Output is time-major [T,64].
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

/** Log-mel [T,64] (dB, float32 storage) of a 48 kHz signal; needs more than 512 samples (reflect padding). */
export function clapLogMel(x: Float32Array, useWasm = true): Float32Array {
  const n = x.length;
  const pad = CLAP_N_FFT / 2;
  if (n <= pad) throw new RangeError(`CLAP mel needs more than ${pad} samples, got ${n}`);
  const T = clapMelFrames(n);
  const out = new Float32Array(T * CLAP_N_MELS);
  const win = periodicHann();
  const fb = flatFilterbank();
  const kern = useWasm ? fftKernel() : null;
  const fft = kern ? wasmPowerSpectrum(kern, fb.maxBin) : createRealPowerSpectrum(CLAP_N_FFT);
  const frame = kern ? kern.f64 : new Float64Array(CLAP_N_FFT); // the wasm frame sits at float64 index 0
  const power = new Float64Array(N_FREQS);
  const { first, count, w } = fb;
  for (let t = 0; t < T; t++) {
    const s0 = t * CLAP_HOP - pad; // position of frame sample 0 in the unpadded signal
    if (s0 >= 0 && s0 + CLAP_N_FFT <= n) {
      for (let i = 0; i < CLAP_N_FFT; i++) frame[i] = x[s0 + i]! * win[i]!;
    } else {
      for (let i = 0; i < CLAP_N_FFT; i++) {
        let j = s0 + i;
        if (j < 0) j = -j; // reflect (edge sample not repeated)
        else if (j >= n) j = 2 * (n - 1) - j;
        frame[i] = x[j]! * win[i]!;
      }
    }
    fft(frame, power);
    const o = t * CLAP_N_MELS;
    let at = 0;
    for (let b = 0; b < CLAP_N_MELS; b++) {
      const k0 = first[b]!;
      const k1 = k0 + count[b]!;
      let e = 0;
      for (let k = k0; k < k1; k++) e += power[k]! * w[at++]!;
      out[o + b] = 10 * Math.log10(e > 1e-10 ? e : 1e-10);
    }
  }
  return out;
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

/**
 * |X_k|² for k ≤ maxBin of the 1024-sample real frame stored at float64 index 0 of the kernel memory:
 * the frame read as 512 interleaved complex samples (even → re, odd → im) is transformed by the SIMD
 * kernel (bit-reversed output) and the two interleaved spectra are separated as in clap-fft.ts.
 */
function wasmPowerSpectrum(kern: NonNullable<ReturnType<typeof fftKernel>>, maxBin: number): (frame: Float64Array, power: Float64Array) => void {
  const half = CLAP_N_FFT / 2;
  const TW = 2 * CLAP_N_FFT; // float64 index of the twiddles, after the frame
  kern.reserve(8 * (TW + 4 * half));
  writeTwiddles(kern.f64, TW, half, false);
  const br = bitReverseTable(half);
  const ia = new Int32Array(half);
  const ib = new Int32Array(half);
  const wr = new Float64Array(half);
  const wi = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    ia[k] = 2 * br[k]!;
    ib[k] = 2 * br[(half - k) % half]!;
    wr[k] = Math.cos((2 * Math.PI * k) / CLAP_N_FFT);
    wi[k] = -Math.sin((2 * Math.PI * k) / CLAP_N_FFT);
  }
  const top = Math.min(maxBin, half - 1);
  return (f, power) => {
    kern.fwd(0, half, 8 * TW);
    const z0r = f[0]!;
    const z0i = f[1]!;
    power[0] = (z0r + z0i) * (z0r + z0i);
    power[half] = (z0r - z0i) * (z0r - z0i);
    for (let k = 1; k <= top; k++) {
      const a = ia[k]!;
      const b = ib[k]!;
      const ar = f[a]!;
      const ai = f[a + 1]!;
      const br_ = f[b]!;
      const bi = -f[b + 1]!;
      const er = 0.5 * (ar + br_);
      const ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br_);
      const xr = er + (or * wr[k]! - oi * wi[k]!);
      const xi = ei + (or * wi[k]! + oi * wr[k]!);
      power[k] = xr * xr + xi * xi;
    }
  };
}
