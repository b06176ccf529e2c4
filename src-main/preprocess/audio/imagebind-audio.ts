/**
 * ImageBind audio input (docs/REFERENCE.md §3): resample every channel to 16 kHz, three 2 s clips at the
 * pytorchvideo positions, in-place mean removal in the shared buffer, Kaldi fbank of channel 0,
 * [128, frames] padded with 0 / cut to 204 frames, normalised (v + 4.268) / 9.138 in float32.
 */
import type { DecodedAudio } from './decode';
import { IMAGEBIND_CLIPS, IMAGEBIND_SAMPLE_RATE, imagebindClipBounds } from './clip-bounds';
import { KALDI_FRAME_LENGTH, KALDI_FRAME_SHIFT, kaldiFbank } from './kaldi-fbank';
import { resampleInputSpan, resampleSincRange, resampledLength } from './resample-sinc';

export const IMAGEBIND_MEL_BINS = 128;
export const IMAGEBIND_TARGET_FRAMES = 204;
const CLIP_VALUES = IMAGEBIND_MEL_BINS * IMAGEBIND_TARGET_FRAMES;
const NORM_MEAN = Math.fround(-4.268);
const NORM_STD = Math.fround(9.138);
/** The fewest 16 kHz samples one Kaldi frame needs (25 ms). */
export const IMAGEBIND_MIN_SAMPLES = KALDI_FRAME_LENGTH;

/**
 * Audio shorter than one 25 ms fbank frame at 16 kHz. The reference crashes on such input
 * (§7.4 item 8); we reject it with this error rather than inventing padding, so an embedding always
 * means what the reference would have computed.
 */
export class AudioTooShortError extends Error {
  constructor(
    readonly samples16k: number,
    readonly minimum: number = IMAGEBIND_MIN_SAMPLES,
  ) {
    super(
      `audio too short for ImageBind: ${samples16k} samples at 16 kHz (${(samples16k / 16).toFixed(1)} ms), ` +
        `need at least ${minimum} (${minimum / 16} ms)`,
    );
    this.name = 'AudioTooShortError';
  }
}

export interface ImagebindAudioInput {
  /** float32 [3, 1, 128, 204] */
  tensor: Float32Array;
  /** the [start, end) sample ranges of the 3 clips at 16 kHz (end may exceed the length) */
  clipBounds16k: [number, number][];
  /** fbank frames per clip before padding / cutting to 204 */
  fbankFrames: number[];
  /** length of the 16 kHz signal */
  samples16k: number;
}

function checkAudio(a: DecodedAudio): void {
  if (!a || !Array.isArray(a.channels) || a.channels.length === 0) throw new RangeError('decoded audio has no channels');
  const n = a.channels[0]!.length;
  for (const ch of a.channels) {
    if (ch.length !== n) throw new RangeError(`decoded audio channels differ in length (${n} vs ${ch.length})`);
  }
}

/**
 * torchaudio.load (sox backend) hands samples to torch through 32-bit integers, so float files are
 * clipped to [−1, 1] (integer PCM is always inside). decodeAudio keeps float samples as stored (CLAP's
 * loader, libsndfile, does not clip), so the clip happens here, on a copy and only if some sample that
 * the requested 16 kHz ranges depend on is out of range.
 */
function clipLikeTorchaudioLoad(a: DecodedAudio, ranges16k: [number, number][]): Float32Array[] {
  const n = a.channels[0]!.length;
  const spans = ranges16k.map(([s, e]) => resampleInputSpan(n, a.sampleRate, IMAGEBIND_SAMPLE_RATE, s, e));
  return a.channels.map((ch) => {
    let inside = true;
    for (const [from, to] of spans) {
      for (let i = from; i < to && inside; i++) inside = !(ch[i]! > 1 || ch[i]! < -1);
    }
    if (inside) return ch;
    const out = new Float32Array(ch.length);
    for (let i = 0; i < ch.length; i++) out[i] = Math.min(1, Math.max(-1, ch[i]!));
    return out;
  });
}

/**
 * decodeAudio never yields NaN/Infinity, but other callers might: a non-finite sample inside a clip
 * would make the whole clip NaN. Checking the 16 kHz samples actually used is enough (and cheap).
 */
function checkFinite16k(channels: Float32Array[], from: number, to: number): void {
  for (const ch of channels) {
    for (let i = from; i < to; i++) {
      if (!Number.isFinite(ch[i]!)) throw new RangeError(`audio has a non-finite sample (16 kHz index ${i})`);
    }
  }
}

/** Subtract the float32 mean over all channels of [start, end) from those samples, in place. */
function removeMeanInPlace(channels: Float32Array[], start: number, end: number): void {
  let sum = 0;
  for (const ch of channels) for (let i = start; i < end; i++) sum += ch[i]!;
  const mean = Math.fround(sum / (channels.length * (end - start)));
  for (const ch of channels) for (let i = start; i < end; i++) ch[i] = ch[i]! - mean; // Float32Array store rounds
}

/** fbank of `x` → normalised [128, 204] written into `out` at `offset`; returns the raw frame count. */
function writeClipMel(x: Float32Array, out: Float32Array, offset: number): number {
  const { data, frames } = kaldiFbank(x, IMAGEBIND_MEL_BINS);
  const pad = Math.fround(Math.fround(0 - NORM_MEAN) / NORM_STD);
  const keep = Math.min(frames, IMAGEBIND_TARGET_FRAMES);
  for (let b = 0; b < IMAGEBIND_MEL_BINS; b++) {
    const row = offset + b * IMAGEBIND_TARGET_FRAMES;
    for (let f = 0; f < keep; f++) {
      const v = Math.fround(data[f * IMAGEBIND_MEL_BINS + b]!);
      out[row + f] = Math.fround(v - NORM_MEAN) / NORM_STD;
    }
    out.fill(pad, row + keep, row + IMAGEBIND_TARGET_FRAMES);
  }
  return frames;
}

/**
 * The ImageBind model input for one recording (the reference `load_and_transform_audio_data`).
 * Only the 16 kHz samples inside the clips are computed: the clip positions depend on the length alone,
 * and each resampled sample depends only on the input, so this equals resampling everything first.
 */
export function imagebindAudio(a: DecodedAudio): ImagebindAudioInput {
  checkAudio(a);
  const n16 = resampledLengthOf(a);
  if (n16 < IMAGEBIND_MIN_SAMPLES) throw new AudioTooShortError(n16);
  const bounds = imagebindClipBounds(n16);
  // merge the clip ranges into disjoint segments of the 16 kHz signal (overlapping clips share one,
  // which keeps the reference's write-through between them)
  const segments: { start: number; end: number; channels: Float32Array[] }[] = [];
  for (const [s, e] of bounds) {
    const stop = Math.min(e, n16);
    const last = segments[segments.length - 1];
    if (last && s <= last.end) last.end = Math.max(last.end, stop);
    else segments.push({ start: s, end: stop, channels: [] });
  }
  const input = clipLikeTorchaudioLoad(a, segments.map((g) => [g.start, g.end]));
  for (const seg of segments) {
    // resampleSincRange copies even at 16 kHz, so the caller's buffers are never modified
    seg.channels = input.map((ch) => resampleSincRange(ch, a.sampleRate, IMAGEBIND_SAMPLE_RATE, seg.start, seg.end));
    checkFinite16k(seg.channels, 0, seg.end - seg.start);
  }
  const tensor = new Float32Array(IMAGEBIND_CLIPS * CLIP_VALUES);
  const fbankFrames: number[] = [];
  bounds.forEach(([start, end], k) => {
    const seg = segments.find((g) => start >= g.start && start < g.end)!;
    const from = start - seg.start;
    const to = Math.min(end, n16) - seg.start;
    // §3.4a: the reference subtracts each clip's mean from a view of the shared buffer, so
    // overlapping later clips see samples already shifted by earlier clips.
    removeMeanInPlace(seg.channels, from, to);
    fbankFrames.push(writeClipMel(seg.channels[0]!.subarray(from, to), tensor, k * CLIP_VALUES));
  });
  return { tensor, clipBounds16k: bounds, fbankFrames, samples16k: n16 };
}

function resampledLengthOf(a: DecodedAudio): number {
  return resampledLength(a.channels[0]!.length, a.sampleRate, IMAGEBIND_SAMPLE_RATE);
}

export interface ImagebindAudioClips {
  /** float32 [clips, 1, 128, 204] */
  tensor: Float32Array;
  /** [start, end) of each clip in 16 kHz samples (end ≤ length) */
  spans: [number, number][];
}

/**
 * App extension (not part of the reference): consecutive, non-overlapping clips of `clipSec` seconds
 * over the whole recording, each processed like one reference clip but on a private copy (its own mean
 * removal, fbank of channel 0, pad/cut to 204 frames, normalise). Used to find which part of a long
 * recording matches a query. The last clip may be shorter; a tail under 400 samples (25 ms) is dropped
 * unless it is the whole recording, which is then rejected with AudioTooShortError.
 * The result holds 104 KB per clip (≈ 190 MB for an hour of audio at 2 s clips).
 */
export function imagebindAudioClips(a: DecodedAudio, clipSec = 2): ImagebindAudioClips {
  checkAudio(a);
  const clipLen = Math.round(clipSec * IMAGEBIND_SAMPLE_RATE);
  const maxLen = KALDI_FRAME_LENGTH + (IMAGEBIND_TARGET_FRAMES - 1) * KALDI_FRAME_SHIFT;
  if (!Number.isFinite(clipSec) || clipLen < IMAGEBIND_MIN_SAMPLES || clipLen > maxLen) {
    throw new RangeError(`clip length must be between ${IMAGEBIND_MIN_SAMPLES / 16000} and ${maxLen / 16000} s, got ${clipSec}`);
  }
  const n16 = resampledLengthOf(a);
  if (n16 < IMAGEBIND_MIN_SAMPLES) throw new AudioTooShortError(n16);
  const spans: [number, number][] = [];
  for (let s = 0; s < n16; s += clipLen) {
    const e = Math.min(s + clipLen, n16);
    if (e - s >= IMAGEBIND_MIN_SAMPLES) spans.push([s, e]);
  }
  const tensor = new Float32Array(spans.length * CLIP_VALUES);
  const input = clipLikeTorchaudioLoad(a, [[0, n16]]);
  // each clip is resampled on its own (a fresh buffer), so no 16 kHz copy of the whole file is held
  spans.forEach(([s, e], k) => writeClip(input, a.sampleRate, s, e, tensor, k * CLIP_VALUES));
  return { tensor, spans };
}

/** One app clip: 16 kHz samples [s, e) of `channels` (already clipped like torchaudio.load) → its mel at `offset`. */
function writeClip(channels: Float32Array[], rate: number, s: number, e: number, out: Float32Array, offset: number): void {
  const copy = channels.map((ch) => resampleSincRange(ch, rate, IMAGEBIND_SAMPLE_RATE, s, e));
  checkFinite16k(copy, 0, e - s);
  removeMeanInPlace(copy, 0, e - s);
  writeClipMel(copy[0]!, out, offset);
}

/**
 * A window of a long recording, for clips computed without the whole recording in memory (video sound tracks):
 * samples [start, start + length) of every channel at the recording's rate.
 */
export interface AudioWindow {
  audio: DecodedAudio;
  start: number;
}

/**
 * The native-rate window one app clip needs: 16 kHz output samples [s, e) read inputs [from, to) (resampleInputSpan);
 * the window starts on the resampler's period (a multiple of rate / gcd(rate, 16000) samples), so its outputs line up
 * with the whole recording's and the clip is computed exactly as imagebindAudioClips computes it.
 */
export function imagebindClipWindow(rate: number, s: number, e: number): { start: number; end: number } {
  const [from, to] = resampleInputSpan(Number.MAX_SAFE_INTEGER, rate, IMAGEBIND_SAMPLE_RATE, s, e);
  const period = resamplePeriod(rate);
  return { start: Math.floor(from / period) * period, end: to + period };
}

/** Input samples per resampler period (rate / gcd(rate, 16 kHz)); outputs per period = 16000 / gcd. */
export function resamplePeriod(rate: number): number {
  let a = rate, b = IMAGEBIND_SAMPLE_RATE;
  while (b) [a, b] = [b, a % b];
  return rate / a;
}

/**
 * imagebindAudioClips' clip [s, e) (16 kHz samples of the whole recording, e ≤ its length) from a window that
 * starts on the resampler's period and covers imagebindClipWindow(s, e) (or runs to the end of the recording).
 * Bit-identical to the same clip computed on the whole recording: the torchaudio-style clip to [−1, 1] is applied
 * to the window whatever the rest holds (a no-op unless a sample the clip reads is out of range, in which case
 * the whole-recording path clips too).
 */
export function imagebindClipFromWindow(w: AudioWindow, s: number, e: number, out: Float32Array, offset: number): void {
  checkAudio(w.audio);
  const rate = w.audio.sampleRate;
  const period = resamplePeriod(rate);
  if (w.start % period !== 0) throw new RangeError(`window start ${w.start} is not on the resampler period ${period}`);
  const origin = (w.start / period) * (IMAGEBIND_SAMPLE_RATE / (rate / period));
  if (s < origin || e <= s) throw new RangeError(`clip [${s}, ${e}) is not inside the window starting at 16 kHz sample ${origin}`);
  const clipped = w.audio.channels.map((ch) => {
    for (let i = 0; i < ch.length; i++) {
      if (ch[i]! > 1 || ch[i]! < -1) return ch.map((v) => Math.min(1, Math.max(-1, v)));
    }
    return ch;
  });
  writeClip(clipped, rate, s - origin, e - origin, out, offset);
}

/** Values of one app clip tensor ([1, 128, 204]). */
export const IMAGEBIND_CLIP_VALUES = CLIP_VALUES;
