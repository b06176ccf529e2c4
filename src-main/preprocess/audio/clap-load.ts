import type { DecodedAudio } from './decode';
import { soxrResampleSource, type SoxrSource } from './soxr/soxr-hq';
import { audioDspWasm } from './dsp-wasm';

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
  const c = chans.length;
  const out = c === 1 ? new Float32Array(chans[0]!) : new Float32Array(n);
  if (c === 2) {
    const l = chans[0]!;
    const r = chans[1]!;
    for (let i = 0; i < n; i++) out[i] = Math.fround(l[i]! + r[i]!) / 2; // the Float32Array store rounds
  } else if (c > 2) {
    for (let i = 0; i < n; i++) {
      let s = chans[0]![i]!;
      for (let k = 1; k < c; k++) s = Math.fround(s + chans[k]![i]!);
      out[i] = s / c; // the Float32Array store rounds the quotient
    }
  }
  // v − v is NaN exactly for ±Infinity and NaN: one cheap pass, the index looked up only on failure
  let bad = 0;
  for (let i = 0; i < n; i++) bad += out[i]! - out[i]!;
  if (bad !== 0) for (let i = 0; i < n; i++) if (!Number.isFinite(out[i]!)) throw new ClapInputError(`sample ${i} is not finite`);
  return out;
}

/** librosa's target length: ceil(n · fl64(48000 / sr)), evaluated in float64 exactly like that. */
export function clapLength48k(n: number, sampleRate: number): number {
  return Math.ceil(n * (CLAP_SAMPLE_RATE / sampleRate));
}

/**
 * The 48 kHz mono signal CLAP sees (docs/REFERENCE.md §4.1): channel mean (float32), soxr-HQ resampling
 * when the rate is not 48 kHz, length forced to clapLength48k, then laion_clap's int16 round trip
 * `fl32(trunc(fl32(clamp(x)·32767)) / 32767)`.
 *
 * Resampler choice, measured on the resampled fixture cases (16/32/44.1 kHz) in the fusion-mel dB
 * domain, mean |Δ| on bins within 60 dB of the file's max (README criterion ≤ 0.2 dB) / worst bin:
 *   soxr/soxr-hq.ts (port of libsoxr's HQ recipe)   ≤ 9.4e-5 dB / 0.026 dB; waveform ≤ 1 int16 step,
 *                                              ≤ 5e-7 from libsoxr 0.1.3 before the int16 step
 *   libsamplerate SRC_SINC_BEST_QUALITY         ≤ 0.089 dB / 7.8 dB (0.5 s 16 kHz DC case)
 *   libsamplerate SRC_SINC_MEDIUM_QUALITY       ≤ 0.47 dB / 18 dB (fails the criterion)
 * so the port is used. It is synchronous; its convolutions run on the WebAssembly SIMD code of
 * dsp-wasm.ts (assembled in TypeScript, no dependency) with a plain JS fallback.
 */
export function clapLoad48k(a: DecodedAudio): Float32Array {
  const sr = a.sampleRate;
  if (!(Number.isFinite(sr) && sr > 0)) throw new ClapInputError(`invalid sample rate ${sr}`);
  const levels = int16Levels();
  if (sr === CLAP_SAMPLE_RATE) {
    const out = mixToMonoF32(a); // n48 = n at 48 kHz; a fresh array, rounded in place chunk by chunk
    for (let i = 0; i < out.length; i += ROUND_TRIP_CHUNK) roundTripInto(out, i, out.subarray(i, i + ROUND_TRIP_CHUNK), levels);
    return out;
  }
  const src = monoSource(a);
  const n48 = clapLength48k(src.length, sr);
  if (!(n48 > 0)) throw new ClapInputError('no samples after resampling to 48 kHz');
  // samples past soxr's round(n·48000/sr) stay 0 (librosa's fix_length); the round trip is applied to
  // each resampled chunk as it comes, to soxr's float32 value
  const out = new Float32Array(n48);
  soxrResampleSource(src, sr, CLAP_SAMPLE_RATE, out, true, (chunk, at) => roundTripInto(out, at, chunk, levels));
  src.check();
  return out;
}

const ROUND_TRIP_CHUNK = 1 << 17;

/** out[at + i] = the round trip of chunk[i] (chunk may alias out: it is read before out is written). */
function roundTripInto(out: Float32Array, at: number, chunk: Float32Array | Float64Array, levels: Float32Array): void {
  const kern = audioDspWasm();
  let i = 0;
  if (kern) {
    // on WebAssembly, two samples per step: chunk copied in as float64, float32 results copied out
    const pairs = chunk.length >> 1;
    const f = kern.reserve(8 * chunk.length + 4 * chunk.length);
    f.set(chunk, 0);
    kern.int16rt(8 * chunk.length, 0, pairs);
    out.set(new Float32Array(f.buffer, 8 * chunk.length, 2 * pairs), at);
    i = 2 * pairs;
  }
  for (; i < chunk.length; i++) out[at + i] = int16RoundTrip(Math.fround(chunk[i]!), levels);
}

/** laion_clap's `fl32(trunc(fl32(clamp(v)·32767)) / 32767)` for a float32 value v. */
function int16RoundTrip(v: number, levels: Float32Array): number {
  if (v > 1) v = 1;
  else if (v < -1) v = -1;
  // fl32(v·32767) exactly (the float64 product of a float32 and 32767 is exact), | 0 truncates toward zero
  return levels[32767 + (Math.fround(v * 32767) | 0)]!;
}

/**
 * The channel mean of mixToMonoF32 read piecewise by the resampler (no whole mono copy); `check()`
 * afterwards throws the ClapInputError mixToMonoF32 would have thrown for a non-finite sample.
 */
function monoSource(a: DecodedAudio): SoxrSource & { check(): void } {
  const chans = a.channels;
  if (!chans || chans.length === 0) throw new ClapInputError('no audio channels');
  const n = chans[0]!.length;
  for (const ch of chans) if (ch.length !== n) throw new ClapInputError('channels have different lengths');
  if (n === 0) throw new ClapInputError('no samples (empty audio)');
  let bad = 0;
  return {
    length: n,
    read(buf, at, from, to) {
      bad += mixInto(chans, buf, at, from, to);
    },
    check() {
      if (bad !== 0) mixToMonoF32(a); // throws, naming the first non-finite sample
    },
  };
}

/** Channel mean of samples [from, to) into buf[at …]; returns Σ (v − v), NaN exactly if one is ±Infinity / NaN. */
function mixInto(chans: Float32Array[], buf: Float64Array, at: number, from: number, to: number): number {
  const c = chans.length;
  if (c === 1) buf.set(chans[0]!.subarray(from, to), at);
  else if (c === 2) {
    const l = chans[0]!;
    const r = chans[1]!;
    for (let i = from; i < to; i++) buf[at + i - from] = Math.fround(Math.fround(l[i]! + r[i]!) / 2);
  } else {
    for (let i = from; i < to; i++) {
      let s = chans[0]![i]!;
      for (let k = 1; k < c; k++) s = Math.fround(s + chans[k]![i]!);
      buf[at + i - from] = Math.fround(s / c);
    }
  }
  let bad = 0;
  for (let i = at; i < at + to - from; i++) bad += buf[i]! - buf[i]!;
  return bad;
}

let levelCache: Float32Array | undefined;
/** fl32(q / 32767) for q = −32767 … 32767 at index q + 32767 (the division done once per level). */
function int16Levels(): Float32Array {
  if (!levelCache) {
    levelCache = new Float32Array(2 * 32767 + 1);
    for (let q = -32767; q <= 32767; q++) levelCache[q + 32767] = q / 32767;
  }
  return levelCache;
}

/**
 * Samples [from, to) of clapLoad48k(recording) computed from a window of it (video sound tracks, which are never
 * held whole). `w.start` must be a multiple of rate / gcd(rate, 48000) (true of every ImageBind clip window), so
 * the window's 48 kHz grid is the recording's. At 48 kHz the result is bit-identical (mix and int16 round trip
 * are per sample); at other rates the window is resampled on its own, which matches the whole recording's soxr
 * output to float rounding as long as the window reaches ≥ 50 ms past both ends of the span (far more than the
 * HQ filters' support).
 */
export function clapLoad48kWindow(w: { audio: DecodedAudio; start: number }, from: number, to: number): Float32Array {
  const sr = w.audio.sampleRate;
  if (!(Number.isFinite(sr) && sr > 0)) throw new ClapInputError(`invalid sample rate ${sr}`);
  const levels = int16Levels();
  const n = w.audio.channels[0]?.length ?? 0;
  if (sr === CLAP_SAMPLE_RATE) {
    const a = from - w.start, b = Math.min(to - w.start, n); // the last clip ends with the track
    if (a < 0 || b < a) throw new RangeError(`48 kHz span [${from}, ${to}) is not inside the window [${w.start}, ${w.start + n})`);
    const mono = mixToMonoF32({ sampleRate: sr, channels: w.audio.channels.map((c) => c.subarray(a, b)) });
    roundTripInto(mono, 0, mono, levels);
    return mono;
  }
  let g = sr, h = CLAP_SAMPLE_RATE;
  while (h) [g, h] = [h, g % h];
  const period = sr / g;
  if (w.start % period !== 0) throw new RangeError(`window start ${w.start} is not on the 48 kHz grid (period ${period})`);
  const origin = (w.start / period) * (CLAP_SAMPLE_RATE / g);
  const src = monoSource(w.audio);
  const len = Math.trunc((n * CLAP_SAMPLE_RATE) / sr + 0.5);
  if (from < origin || from - origin > len) throw new RangeError(`48 kHz span [${from}, ${to}) is not inside the window`);
  const all = new Float32Array(len);
  soxrResampleSource(src, sr, CLAP_SAMPLE_RATE, all, true);
  src.check();
  const out = all.slice(from - origin, Math.min(to - origin, len));
  roundTripInto(out, 0, out, levels);
  return out;
}
