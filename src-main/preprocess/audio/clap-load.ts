import type { DecodedAudio } from './decode';
import { soxrResampleHq } from './soxr-hq';

/** CLAP's sample rate and the fixed model input length (10 s). */
export const CLAP_SAMPLE_RATE = 48000;
export const CLAP_MAX_LEN = 480000;

export class ClapInputError extends Error {
  constructor(reason: string) {
    super(`CLAP audio input rejected: ${reason}`);
    this.name = 'ClapInputError';
  }
}

/** Channel mean in float32, as numpy's `y.mean(axis=0)` on a float32 [C,N] array (librosa.to_mono). */
export function mixToMonoF32(a: DecodedAudio): Float32Array {
  const chans = a.channels;
  if (!chans || chans.length === 0) throw new ClapInputError('no audio channels');
  const n = chans[0]!.length;
  for (const ch of chans) if (ch.length !== n) throw new ClapInputError('channels have different lengths');
  if (n === 0) throw new ClapInputError('no samples (empty audio)');
  if (chans.length === 1) return Float32Array.from(chans[0]!);
  const c = chans.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = chans[0]![i]!;
    for (let k = 1; k < c; k++) s = Math.fround(s + chans[k]![i]!);
    out[i] = s / c; // the Float32Array store rounds the quotient
  }
  return out;
}

/** librosa's target length: ceil(n · fl64(48000 / sr)), evaluated in float64 exactly like that. */
export function clapLength48k(n: number, sampleRate: number): number {
  return Math.ceil(n * (CLAP_SAMPLE_RATE / sampleRate));
}

/**
 * The 48 kHz mono signal CLAP sees (PREPROCESSING §4.1): channel mean (float32), soxr-HQ resampling
 * when the rate is not 48 kHz (TypeScript port in soxr-hq.ts), length forced to clapLength48k, then
 * laion_clap's int16 round trip `fl32(trunc(fl32(clamp(x)·32767)) / 32767)`.
 */
export function clapLoad48k(a: DecodedAudio): Float32Array {
  const sr = a.sampleRate;
  if (!(Number.isFinite(sr) && sr > 0)) throw new ClapInputError(`invalid sample rate ${sr}`);
  const mono = mixToMonoF32(a);
  const n48 = clapLength48k(mono.length, sr);
  if (!(n48 > 0)) throw new ClapInputError('no samples after resampling to 48 kHz');
  const y: ArrayLike<number> = sr === CLAP_SAMPLE_RATE ? mono : soxrResampleHq(mono, sr, CLAP_SAMPLE_RATE);
  const out = new Float32Array(n48);
  const m = Math.min(n48, y.length);
  for (let i = 0; i < m; i++) {
    let v = Math.fround(y[i]!); // soxr hands back float32
    if (v > 1) v = 1;
    else if (v < -1) v = -1;
    const q = Math.trunc(Math.fround(v * 32767));
    out[i] = q / 32767;
  }
  return out;
}
