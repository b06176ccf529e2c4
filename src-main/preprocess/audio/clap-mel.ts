import { createRealPowerSpectrum } from './clap-fft';

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
export function clapLogMel(x: Float32Array): Float32Array {
  const n = x.length;
  const pad = CLAP_N_FFT / 2;
  if (n <= pad) throw new RangeError(`CLAP mel needs more than ${pad} samples, got ${n}`);
  const T = clapMelFrames(n);
  const out = new Float32Array(T * CLAP_N_MELS);
  const win = periodicHann();
  const { start, weights } = clapMelFilterbank();
  const fft = createRealPowerSpectrum(CLAP_N_FFT);
  const frame = new Float64Array(CLAP_N_FFT);
  const power = new Float64Array(N_FREQS);
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
    for (let b = 0; b < CLAP_N_MELS; b++) {
      const w = weights[b]!;
      const k0 = start[b]!;
      let e = 0;
      for (let k = 0; k < w.length; k++) e += power[k0 + k]! * w[k]!;
      out[o + b] = 10 * Math.log10(e > 1e-10 ? e : 1e-10);
    }
  }
  return out;
}
