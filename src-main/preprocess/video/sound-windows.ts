/**
 * A video's sound track arrives in decoder chunks; its 2-s moments are computed from windows of it, so an hour-long
 * (or ten-hour) track is never held whole. Each moment's window is the native-rate span its 16 kHz clip reads
 * (aligned to the resampler's period, see imagebindClipWindow) widened to what its 48 kHz CLAP input reads, so the
 * moment's inputs equal those of the same clip computed on the whole recording. Samples no later moment needs are
 * dropped as the track goes by; waveform peaks are kept over the whole track.
 */
import type { DecodedAudio } from '../audio/decode';
import { imagebindClipWindow } from '../audio/imagebind-audio';
import { resampledLength } from '../audio/resample-sinc';
import type { AudioChunk } from './reader';

const SR16 = 16000;
/** Shortest clip kept (one 25 ms fbank frame at 16 kHz), as imagebindAudioClips. */
const MIN_CLIP_16K = 400;
/** Extra native-rate context around a clip's 48 kHz span for the soxr resampler (its filters are far shorter). */
const CLAP_MARGIN_SEC = 0.05;

export interface SoundWindow {
  /** Index of the moment on the sound track, and its clip on the 2-s grid. */
  moment: number;
  clip: number;
  /** The clip in 16 kHz samples of the whole track [s, e). */
  span16k: [number, number];
  /** Native-rate samples of every channel, starting at sample `start` of the track. */
  audio: DecodedAudio;
  start: number;
}

export interface SoundWindowOptions {
  sampleRate: number;
  channels: number;
  /** Clip length in seconds (2) and grid step in clips. */
  clipSec: number;
  stride: number;
  maxMoments: number;
  onWindow(w: SoundWindow): Promise<void> | void;
}

/** Collects chunks and hands out one window per moment as soon as its samples are in. */
export class SoundWindows {
  private data: Float32Array[];
  /** Track index of data[c][0]. */
  private base = 0;
  private len = 0;
  private next = 0;
  private total = 0;
  private readonly clip16: number;

  constructor(private readonly o: SoundWindowOptions) {
    this.data = Array.from({ length: o.channels }, () => new Float32Array(o.sampleRate * 8));
    this.clip16 = Math.round(o.clipSec * SR16);
  }

  get moments(): number {
    return this.next;
  }

  /** The native-rate span moment m needs (its clip assumed whole; the last one is cut at the end). */
  private needs(m: number): { s: number; e: number; start: number; end: number } {
    const r = this.o.sampleRate;
    const s = m * this.o.stride * this.clip16;
    const e = s + this.clip16;
    const ib = imagebindClipWindow(r, s, e);
    const margin = Math.ceil(CLAP_MARGIN_SEC * r);
    const start = Math.max(0, Math.min(ib.start, Math.floor((s * r) / SR16) - margin));
    // keep the ImageBind period alignment when the CLAP margin moves the start earlier
    const period = periodOf(r);
    const aligned = Math.floor(start / period) * period;
    return { s, e, start: aligned, end: Math.max(ib.end, Math.ceil((e * r) / SR16) + margin) };
  }

  async push(chunk: AudioChunk): Promise<void> {
    const n = chunk.channels[0]?.length ?? 0;
    if (n === 0) return;
    if (chunk.start !== this.total) throw new Error(`sound chunk at ${chunk.start}, expected ${this.total}`);
    this.append(chunk.channels, n, chunk.start);
    this.total += n;
    while (this.next < this.o.maxMoments) {
      const w = this.needs(this.next);
      if (this.total < w.end) break;
      await this.emit(this.next, w.s, w.e, w.start, w.end);
      this.next++;
      this.trim();
    }
    this.trim();
  }

  /** The track ended after `this.total` samples: the remaining moments (the last one shorter). */
  async end(): Promise<void> {
    const r = this.o.sampleRate;
    const n16 = resampledLength(this.total, r, SR16);
    while (this.next < this.o.maxMoments) {
      const w = this.needs(this.next);
      if (w.s >= n16) break;
      const e = Math.min(w.e, n16);
      // a tail shorter than one fbank frame is dropped (a whole track that short has no sound moments)
      if (e - w.s < MIN_CLIP_16K) break;
      await this.emit(this.next, w.s, e, w.start, this.total);
      this.next++;
    }
    this.data = [];
  }

  private async emit(moment: number, s: number, e: number, start: number, end: number): Promise<void> {
    const from = Math.max(start, this.base);
    const to = Math.min(end, this.total);
    const channels = this.data.map((ch) => ch.slice(from - this.base, to - this.base));
    await this.o.onWindow({
      moment, clip: moment * this.o.stride, span16k: [s, e], start: from,
      audio: { sampleRate: this.o.sampleRate, channels },
    });
  }

  /** Append a chunk starting at track sample `at` (= this.total); samples before `base` (between strided moments) are skipped. */
  private append(chans: Float32Array[], n: number, at: number): void {
    let from = 0;
    if (this.len === 0) {
      if (this.base < at) this.base = at;
      from = this.base - at;
      if (from >= n) return;
    }
    const m = n - from;
    if (this.len + m > this.data[0]!.length) {
      const cap = Math.max(this.data[0]!.length * 2, this.len + m);
      this.data = this.data.map((ch) => {
        const g = new Float32Array(cap);
        g.set(ch.subarray(0, this.len));
        return g;
      });
    }
    for (let c = 0; c < this.data.length; c++) {
      const src = chans[c];
      if (src) this.data[c]!.set(src.subarray(from, n), this.len);
    }
    this.len += m;
  }

  /** Drop samples before what the next moment needs. */
  private trim(): void {
    if (this.next >= this.o.maxMoments) {
      this.base += this.len;
      this.len = 0;
      return;
    }
    const keepFrom = this.needs(this.next).start;
    const drop = keepFrom - this.base;
    if (drop <= 0) return;
    if (drop >= this.len) {
      // nothing held is needed; samples up to keepFrom that are still to come are skipped by append
      this.base = keepFrom;
      this.len = 0;
      return;
    }
    if (drop < this.data[0]!.length / 2 && this.len < this.data[0]!.length * 0.75) return; // move memory rarely
    for (const ch of this.data) ch.copyWithin(0, drop, this.len);
    this.base += drop;
    this.len -= drop;
  }
}

function periodOf(rate: number): number {
  let a = rate, b = SR16;
  while (b) [a, b] = [b, a % b];
  return rate / a;
}
