/**
 * A video file → its item and its two tracks of moments, prepared a part at a time in a preprocessing worker:
 * frames of the 2-s clips go through the image pathway (prepareImage on the decoded picture), the sound track
 * through the audio pathway (prepareClips on windows of it), each part handed to the encoder as soon as it is
 * full so that an hour of video never sits in memory. Also: the poster (a picture about a tenth of the way in
 * that is not black), a strip of small frames for the player, waveform peaks, and the metadata (duration, size
 * as displayed, frame rate, codecs, rotation, HDR, creation date).
 *
 * A file with sound but no picture (an audio-only MP4) becomes an audio item, decoded here by FFmpeg and prepared
 * like any recording.
 */
import sharp from 'sharp';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { PreparedClips, PreparedImage, Space } from '../space/types';
import type { RgbImage } from '../preprocess/image/types';
import { VIDEO_LIMITS, CLIP_SEC } from '../preprocess/video/limits';
import { openMedia, VideoError, type MediaInfo } from '../preprocess/video/probe';
import { readMedia, type FrameMoment } from '../preprocess/video/reader';
import { SoundWindows, type SoundWindow } from '../preprocess/video/sound-windows';
import { exifDateToMs } from './exif';
import { BadMediaError, PEAK_BUCKETS, waveformPeaks } from './media-probe';
import { downsamplePeaks } from './peaks';
import type { NewItem } from './repo';
import type { VideoInfo } from './service';
import { EnvironmentError, ownFileError } from '../runtime/env-error';
import { MediaError } from '../space/open-space';

/** Moments per part handed to the encoder (one encoder batch of frames or clips). */
export const PART_MOMENTS = 16;
/** Sound tracks up to this long get expert vectors per moment (the CLAP inputs of a clip are ~0.6 MB). */
export const MAX_MOMENT_EXPERT_SEC = 600;
/** Audio-only files decoded whole by FFmpeg (as audio files are): longer ones are refused with this reason. */
export const MAX_AUDIO_ONLY_SEC = 3 * 3600;
const POSTER_SIZE = 640;
const STRIP_TILES = 60;
const STRIP_TILE_H = 72;

/** What a video holds (stored with the item, shown by the item view). */
export type VideoMeta = VideoInfo;

export type VideoPart =
  | { kind: 'frames'; frames: { moment: number; startSec: number; endSec: number; frameSec: number; image: PreparedImage | null; sameAs?: number }[] }
  | { kind: 'sound'; clips: PreparedClips; moments: number[] }
  | { kind: 'progress'; sec: number; durationSec: number | null };

export interface VideoTask {
  path: string;
  hash: string;
  size: number;
  mtimeMs: number;
  thumbDir: string;
  /**
   * One track only, so that two workers share a video (mergeTracks joins the halves): 'frames' reads the pictures
   * (poster, strip, frame moments; a sound-only file is prepared whole as a recording), 'sound' the sound track
   * (sound moments, peaks). Both read the same header, so both take the same moment grid. Default: both.
   */
  tracks?: 'frames' | 'sound';
}

export type VideoResult =
  | { ok: true; kind: 'video'; item: NewItem; video: VideoMeta }
  | { ok: true; kind: 'audio'; item: NewItem; audio: import('../space/types').PreparedAudio }
  | { ok: false; reason: string; cancelled?: boolean; /** the thumbnail cache's fault (disk full, read-only): stop the run */ environmental?: true };

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/**
 * Prepare one video. `emit` is awaited for every part (the caller encodes it, so a slow encoder slows decoding
 * down instead of filling memory); `cancelled` is polled between packets.
 */
export async function prepareVideo(
  space: Pick<Space, 'prepareImage' | 'prepareAudio' | 'prepareClips'>,
  t: VideoTask,
  emit: (p: VideoPart) => Promise<void>,
  cancelled: () => boolean = () => false,
): Promise<VideoResult> {
  let m;
  try {
    m = await openMedia(t.path);
  } catch (e) {
    return { ok: false, reason: e instanceof VideoError ? e.message : `cannot read the video: ${msg(e)}` };
  }
  try {
    const info = m.info;
    if (!info.video && t.tracks === 'sound') return { ok: false, reason: 'no picture track: the frames task prepares it as a recording' };
    if (!info.video) return await audioOnly(space, t, m, cancelled);
    return await videoItem(space, t, m, emit, cancelled);
  } catch (e) {
    if (e instanceof EnvironmentError) return { ok: false, reason: e.message, environmental: true };
    if (e instanceof VideoError || e instanceof BadMediaError) return { ok: false, reason: e.message };
    // the encoders' inputs cannot be made from what was decoded (a sound track shorter than one fbank frame …)
    if (e instanceof MediaError) return { ok: false, reason: e.message.startsWith(`${t.path}: `) ? e.message.slice(t.path.length + 2) : e.message };
    return { ok: false, reason: `cannot prepare video: ${msg(e)}` };
  } finally {
    await m.close();
  }
}

/** An MP4/MKV with sound only: decoded whole (bounded like an audio file) and prepared as a recording. */
async function audioOnly(
  space: Pick<Space, 'prepareAudio'>, t: VideoTask, m: Awaited<ReturnType<typeof openMedia>>, cancelled: () => boolean,
): Promise<VideoResult> {
  const a = m.info.audio!;
  if (m.info.durationSec !== null && m.info.durationSec > MAX_AUDIO_ONLY_SEC) {
    return { ok: false, reason: `sound-only file of ${(m.info.durationSec / 3600).toFixed(1)} h (limit ${MAX_AUDIO_ONLY_SEC / 3600} h for recordings)` };
  }
  const parts: Float32Array[][] = [];
  let total = 0;
  const maxSamples = MAX_AUDIO_ONLY_SEC * a.sampleRate;
  const r = await readMedia(m, {
    stride: 1, maxMoments: 0, frames: false, audio: true, cancelled,
    onFrame: () => undefined,
    onAudio: (c) => {
      total += c.channels[0]!.length;
      if (total > maxSamples) throw new VideoError(`sound runs past ${MAX_AUDIO_ONLY_SEC / 3600} h`);
      parts.push(c.channels);
    },
  });
  if (r.cancelled) return { ok: false, reason: 'cancelled', cancelled: true };
  if (total === 0) return { ok: false, reason: r.audioError ?? 'the sound track decodes to no samples' };
  const channels = Array.from({ length: a.channels }, (_, c) => {
    const x = new Float32Array(total);
    let o = 0;
    for (const p of parts) {
      x.set(p[c]!, o);
      o += p[c]!.length;
    }
    return x;
  });
  parts.length = 0;
  const durationSec = total / a.sampleRate;
  const audio = await space.prepareAudio(t.path, { clips: durationSec <= 3600 }, { sampleRate: a.sampleRate, channels });
  const peaks = waveformPeaks(channels, PEAK_BUCKETS);
  const date = dateOf(m.info);
  return {
    ok: true, kind: 'audio', audio,
    item: {
      hash: t.hash, modality: 'audio', size: t.size, format: formatOf(t.path), width: null, height: null, exifDate: date.exif,
      date: date.ms ?? Math.round(t.mtimeMs), durationSec, sampleRate: a.sampleRate, channels: a.channels, thumbnail: null, peaks,
    },
  };
}

async function videoItem(
  space: Pick<Space, 'prepareImage' | 'prepareClips'>, t: VideoTask, m: Awaited<ReturnType<typeof openMedia>>,
  emit: (p: VideoPart) => Promise<void>, cancelled: () => boolean,
): Promise<VideoResult> {
  const info = m.info;
  const v = info.video!;
  const wantFrames = t.tracks !== 'sound', wantSound = t.tracks !== 'frames';
  const notes: string[] = [];
  const dur = info.durationSec;
  const clips = dur ? Math.ceil(dur / CLIP_SEC) : 0;
  const stride = Math.max(1, Math.ceil(clips / VIDEO_LIMITS.maxMoments));
  if (stride > 1) notes.push(`long video: one 2-s moment every ${stride * CLIP_SEC} s per track (at most ${VIDEO_LIMITS.maxMoments} moments)`);
  // a "10-minute" file runs a little past 600 s (an AAC track's padding, a last frame's duration): a clip of slack
  const soundExperts = dur !== null && dur <= MAX_MOMENT_EXPERT_SEC + CLIP_SEC;

  // ---- frames → image pathway, in parts
  let frameBatch: Extract<VideoPart, { kind: 'frames' }>['frames'] = [];
  const flushFrames = async () => {
    if (!frameBatch.length) return;
    const frames = frameBatch;
    frameBatch = [];
    await emit({ kind: 'frames', frames });
  };
  const expected = clips ? Math.min(VIDEO_LIMITS.maxMoments, Math.ceil(clips / stride)) : VIDEO_LIMITS.maxMoments;
  const tileEvery = Math.max(1, Math.ceil(expected / STRIP_TILES));
  const tiles: { time: number; png: Buffer; w: number; h: number }[] = [];
  const poster = new PosterPicker(dur);
  const onFrame = async (f: FrameMoment) => {
    let image: PreparedImage | null = null;
    if (f.image) {
      image = await space.prepareImage(t.path, f.image);
      await poster.offer(f);
      if (f.moment % tileEvery === 0 && tiles.length < STRIP_TILES * 2) tiles.push({ time: f.startSec, ...(await tileOf(f.image)) });
    } else if (f.moment % tileEvery === 0 && tiles.length) {
      tiles.push({ ...tiles[tiles.length - 1]!, time: f.startSec });
    }
    frameBatch.push({ moment: f.moment, startSec: f.startSec, endSec: f.endSec, frameSec: f.frameSec, image, ...(f.sameAs !== undefined ? { sameAs: f.sameAs } : {}) });
    if (frameBatch.length >= PART_MOMENTS) await flushFrames();
  };

  // ---- sound → audio pathway, windows → parts
  const a = wantSound ? info.audio : null;
  let windows: SoundWindow[] = [];
  const flushSound = async () => {
    if (!windows.length) return;
    const ws = windows;
    windows = [];
    const prepared = await space.prepareClips(t.path, ws, { experts: soundExperts });
    await emit({ kind: 'sound', clips: prepared, moments: ws.map((w) => w.moment) });
  };
  const sw = a
    ? new SoundWindows({
        sampleRate: a.sampleRate, channels: a.channels, clipSec: CLIP_SEC, stride, maxMoments: VIDEO_LIMITS.maxMoments,
        onWindow: async (w) => {
          windows.push(w);
          if (windows.length >= PART_MOMENTS) await flushSound();
        },
      })
    : null;
  const peaks = a ? new PeakAccumulator(a.sampleRate, dur) : null;

  let lastProgress = 0;
  const r = await readMedia(m, {
    stride, maxMoments: VIDEO_LIMITS.maxMoments, frames: wantFrames, audio: a !== null, cancelled,
    onFrame,
    onAudio: async (c) => {
      peaks!.push(c.channels);
      await sw!.push(c);
    },
    onProgress: (sec) => {
      if (performance.now() - lastProgress < 250) return;
      lastProgress = performance.now();
      void emit({ kind: 'progress', sec, durationSec: dur });
    },
  });
  if (r.cancelled) return { ok: false, reason: 'cancelled', cancelled: true };
  if (!wantFrames) {
    if (sw) {
      await sw.end();
      await flushSound();
    }
    if (info.audio === null && m.fc.streams.some((s) => s.codecpar.codecType === 1 /* AVMEDIA_TYPE_AUDIO */)) notes.push('sound track not indexed: its codec or layout is not supported');
    return soundHalf(t, info, a, sw?.moments ?? 0, soundExperts, r, peaks, notes);
  }
  if (r.frameMoments === 0) {
    throw new VideoError(r.videoErrors ? `no picture could be decoded (${r.videoErrors} damaged packets)` : 'the video track holds no pictures');
  }
  await flushFrames();
  if (sw) {
    await sw.end();
    await flushSound();
  }
  if (r.audioError) notes.push(`sound: ${r.audioError}`);
  if (wantSound && info.audio === null && m.fc.streams.some((s) => s.codecpar.codecType === 1 /* AVMEDIA_TYPE_AUDIO */)) notes.push('sound track not indexed: its codec or layout is not supported');
  if (r.videoErrors) notes.push(`${r.videoErrors} damaged video packets were skipped`);
  if (r.frameMoments >= VIDEO_LIMITS.maxMoments && stride === 1) notes.push(`only the first ${VIDEO_LIMITS.maxMoments} moments are indexed (the file did not say how long it is)`);

  const videoSec = r.videoSec;
  const audioSec = a && r.audioSamples ? r.audioStartSec + r.audioSamples / a.sampleRate : 0;
  const durationSec = Math.max(videoSec, audioSec) || dur || 0;
  const thumbnail = join(t.thumbDir, `${t.hash}.webp`);
  const pick = poster.best();
  if (!pick) throw new VideoError('no picture for the poster');
  const posterWebp = await sharp(pick.data, { raw: { width: pick.width, height: pick.height, channels: 3 } })
    .resize(POSTER_SIZE, POSTER_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
  const stripFile = join(t.thumbDir, `${t.hash}.strip.webp`);
  const stripWebp = tiles.length ? await stripImage(tiles.slice(0, STRIP_TILES)) : null;
  // the thumbnail cache failing (disk full, read-only) is the machine's fault, never the video's
  try {
    await mkdir(t.thumbDir, { recursive: true, mode: 0o700 });
    await writeAtomic(thumbnail, posterWebp);
    if (stripWebp) await writeAtomic(stripFile, stripWebp.buf);
  } catch (e) {
    throw ownFileError(e, `the thumbnail cache ${t.thumbDir}`) ?? e;
  }
  const strip: VideoMeta['strip'] = stripWebp ? { file: stripFile, ...stripWebp.meta } : null;
  const date = dateOf(info);
  const meta: VideoMeta = {
    container: formatOf(t.path), videoCodec: v.codec, audioCodec: a && sw && sw.moments > 0 ? a.codec : null, fps: v.fps,
    variableFrameRate: v.variableFrameRate, rotation: v.rotation, bitDepth: v.bitDepth, hdr: v.hdr,
    frameMoments: r.frameMoments, soundMoments: sw?.moments ?? 0, momentStepSec: stride * CLIP_SEC,
    keyframeMoments: r.keyframeMoments, framesDecoded: r.framesDecoded, soundExperts: soundExperts && (sw?.moments ?? 0) > 0,
    strip, notes,
  };
  return {
    ok: true, kind: 'video', video: meta,
    item: {
      hash: t.hash, modality: 'video', size: t.size, format: formatOf(t.path), width: v.displayWidth, height: v.displayHeight,
      exifDate: date.exif, date: date.ms ?? Math.round(t.mtimeMs), durationSec,
      sampleRate: a && sw?.moments ? a.sampleRate : null, channels: a && sw?.moments ? a.channels : null,
      thumbnail, peaks: peaks && r.audioSamples ? peaks.finish() : null,
    },
  };
}

/** The 'sound' task's result: what the sound track adds to the video (mergeTracks takes these fields). */
function soundHalf(
  t: VideoTask, info: MediaInfo, a: MediaInfo['audio'], moments: number, experts: boolean,
  r: { audioSamples: number; audioStartSec: number; audioError: string | null }, peaks: PeakAccumulator | null, notes: string[],
): VideoResult {
  if (r.audioError) notes.push(`sound: ${r.audioError}`);
  const audioSec = a && r.audioSamples ? r.audioStartSec + r.audioSamples / a.sampleRate : 0;
  const v = info.video!;
  return {
    ok: true, kind: 'video',
    video: {
      container: formatOf(t.path), videoCodec: v.codec, audioCodec: a && moments > 0 ? a.codec : null, fps: v.fps, variableFrameRate: v.variableFrameRate,
      rotation: v.rotation, bitDepth: v.bitDepth, hdr: v.hdr, frameMoments: 0, soundMoments: moments, momentStepSec: 0, keyframeMoments: 0,
      framesDecoded: 0, soundExperts: experts && moments > 0, strip: null, notes,
    },
    item: {
      hash: t.hash, modality: 'video', size: t.size, format: formatOf(t.path), width: null, height: null, exifDate: null, date: 0,
      durationSec: audioSec, sampleRate: a && moments ? a.sampleRate : null, channels: a && moments ? a.channels : null,
      thumbnail: null, peaks: peaks && r.audioSamples ? peaks.finish() : null,
    },
  };
}

/**
 * One video from its two halves ('frames' and 'sound' tasks run in two workers): the frames half's item and
 * metadata with the sound half's moments, peaks, rate and notes. A sound-only file is the frames half's recording.
 */
export function mergeTracks(frames: VideoResult, sound: VideoResult): VideoResult {
  if (!frames.ok || frames.kind === 'audio') return frames;
  if (!sound.ok) return sound;
  if (sound.kind !== 'video') return { ok: false, reason: 'the sound half of a video came back as a recording' };
  const f = frames.video, s = sound.video;
  return {
    ok: true, kind: 'video',
    video: { ...f, audioCodec: s.audioCodec, soundMoments: s.soundMoments, soundExperts: s.soundExperts, notes: [...new Set([...f.notes, ...s.notes])] },
    item: {
      ...frames.item, durationSec: Math.max(frames.item.durationSec ?? 0, sound.item.durationSec ?? 0),
      sampleRate: sound.item.sampleRate, channels: sound.item.channels, peaks: sound.item.peaks,
    },
  };
}

const formatOf = (path: string) => path.split('.').pop()!.toLowerCase();

/**
 * The container's creation date as the app stores photo dates: wall-clock "YYYY:MM:DD HH:MM:SS" (the offset a
 * phone writes is respected; a UTC time is shown in this computer's zone) and that wall time read as UTC.
 */
export function dateOf(info: Pick<MediaInfo, 'creationTime'>): { exif: string | null; ms: number | null } {
  const s = info.creationTime;
  if (!s) return { exif: null, ms: null };
  const withOffset = /([+-])(\d{2}):?(\d{2})$/.exec(s);
  const ms = Date.parse(s.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (!Number.isFinite(ms)) return { exif: null, ms: null };
  let wall: Date;
  if (withOffset && !/Z$/i.test(s)) {
    const off = (withOffset[1] === '-' ? -1 : 1) * (Number(withOffset[2]) * 60 + Number(withOffset[3]));
    wall = new Date(ms + off * 60_000);
  } else {
    wall = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  }
  const p = (n: number) => String(n).padStart(2, '0');
  const exif = `${wall.getUTCFullYear()}:${p(wall.getUTCMonth() + 1)}:${p(wall.getUTCDate())} ${p(wall.getUTCHours())}:${p(wall.getUTCMinutes())}:${p(wall.getUTCSeconds())}`;
  return { exif, ms: exifDateToMs(exif) };
}

// ---------------------------------------------------------------------------------------------- poster, strip

/** The poster: the first picture at or after a tenth of the video (at most 10 s in) that is not flat or black. */
class PosterPicker {
  private chosen: RgbImage | null = null;
  private first: RgbImage | null = null;
  private fallback: { img: RgbImage; spread: number } | null = null;
  private readonly at: number;

  constructor(durationSec: number | null) {
    this.at = Math.min(10, (durationSec ?? 0) / 10);
  }

  async offer(f: FrameMoment): Promise<void> {
    if (this.chosen || !f.image) return;
    const small = await shrink(f.image, 640);
    this.first ??= small;
    const { mean, spread } = lumaStats(small);
    const ok = mean > 24 && mean < 235 && spread > 10;
    if (ok && f.frameSec >= this.at - 1e-6) this.chosen = small;
    else if (!this.fallback || spread > this.fallback.spread) this.fallback = { img: small, spread: ok ? spread + 1000 : spread };
  }

  best(): RgbImage | null {
    return this.chosen ?? this.fallback?.img ?? this.first;
  }
}

async function shrink(img: RgbImage, size: number): Promise<RgbImage> {
  if (img.width <= size && img.height <= size) return { width: img.width, height: img.height, data: Uint8Array.from(img.data) };
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(size, size, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function lumaStats(img: RgbImage): { mean: number; spread: number } {
  const d = img.data;
  let s = 0, s2 = 0, n = 0;
  for (let i = 0; i < d.length; i += 3 * 7) {
    const y = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
    s += y;
    s2 += y * y;
    n++;
  }
  const mean = s / n;
  return { mean, spread: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

async function tileOf(img: RgbImage): Promise<{ png: Buffer; w: number; h: number }> {
  const w = Math.max(1, Math.min(STRIP_TILE_H * 3, Math.round((img.width / img.height) * STRIP_TILE_H)));
  const png = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, STRIP_TILE_H, { fit: 'cover' }).png({ compressionLevel: 1 }).toBuffer();
  return { png, w, h: STRIP_TILE_H };
}

async function stripImage(tiles: { time: number; png: Buffer; w: number; h: number }[]): Promise<{ buf: Buffer; meta: Omit<NonNullable<VideoMeta['strip']>, 'file'> }> {
  const tw = tiles[0]!.w, th = tiles[0]!.h;
  const buf = await sharp({ create: { width: tw * tiles.length, height: th, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite(tiles.map((x, i) => ({ input: x.png, left: i * tw, top: 0 })))
    .webp({ quality: 70 }).toBuffer();
  return { buf, meta: { tiles: tiles.length, tileWidth: tw, tileHeight: th, times: tiles.map((x) => x.time) } };
}

let tmpSeq = 0;
async function writeAtomic(file: string, buf: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}-${threadId}-${++tmpSeq}.tmp`;
  try {
    await writeFile(tmp, buf);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

// ----------------------------------------------------------------------------------------------------- peaks

/** Waveform peaks of a track that streams by: min/max of the channel mean per time bucket. */
class PeakAccumulator {
  private per: number;
  private mins: number[] = [];
  private maxs: number[] = [];
  private pos = 0;

  constructor(private readonly rate: number, durationSec: number | null) {
    // buckets sized for ~PEAK_BUCKETS over the declared length; a lying header only changes the resolution
    const n = durationSec && durationSec > 0 ? durationSec * rate : rate * 600;
    this.per = Math.max(1, Math.floor(n / PEAK_BUCKETS));
  }

  push(chans: Float32Array[]): void {
    const n = chans[0]!.length, nc = chans.length;
    for (let i = 0; i < n; i++, this.pos++) {
      let v = 0;
      for (let c = 0; c < nc; c++) v += chans[c]![i]!;
      v /= nc;
      const b = Math.floor(this.pos / this.per);
      if (b >= this.mins.length) {
        if (this.mins.length >= PEAK_BUCKETS * 8) {
          // far longer than declared: halve the resolution so memory stays bounded
          this.halve();
          return this.push(chans.map((c) => c.subarray(i)));
        }
        this.mins.push(v);
        this.maxs.push(v);
      } else {
        if (v < this.mins[b]!) this.mins[b] = v;
        if (v > this.maxs[b]!) this.maxs[b] = v;
      }
    }
  }

  private halve(): void {
    const m: number[] = [], x: number[] = [];
    for (let i = 0; i < this.mins.length; i += 2) {
      m.push(Math.min(this.mins[i]!, this.mins[i + 1] ?? Infinity));
      x.push(Math.max(this.maxs[i]!, this.maxs[i + 1] ?? -Infinity));
    }
    this.mins = m;
    this.maxs = x;
    this.per *= 2;
  }

  finish(): Float32Array {
    const p = new Float32Array(this.mins.length * 2);
    for (let i = 0; i < this.mins.length; i++) {
      p[2 * i] = this.mins[i]!;
      p[2 * i + 1] = this.maxs[i]!;
    }
    return Float32Array.from(downsamplePeaks(p, PEAK_BUCKETS));
  }
}
