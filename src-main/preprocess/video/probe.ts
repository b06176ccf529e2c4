/**
 * Open a video container with node-av's FFmpeg and describe it: the picture stream (codec, size, frame rate,
 * rotation, bit depth, HDR transfer), the sound stream, duration and creation date. Every value read from the
 * file is bounded (limits.ts) before anything is sized by it; a file FFmpeg cannot describe is refused with the
 * reason a person can act on (no moov atom, unknown codec, no streams …).
 *
 * Only the demuxers of the formats we list are allowed (mov/mp4/m4v, matroska/webm, avi) and only the `file`
 * protocol, so a file named .mp4 that is really a playlist or a concat script can never make FFmpeg open
 * something else.
 */
import { open } from 'node:fs/promises';
import { nodeAv, type AvLib } from './av';
import { VIDEO_LIMITS } from './limits';

export class VideoError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'VideoError';
  }
}

export type HdrTransfer = 'pq' | 'hlg' | null;

export interface VideoStreamInfo {
  index: number;
  codec: string;
  width: number;
  height: number;
  /** Average frame rate (frames per second), null when the container does not say. */
  fps: number | null;
  /** True when the stream's timing is not constant (average and base frame rates differ). */
  variableFrameRate: boolean;
  /** Clockwise rotation to apply for display (0, 90, 180, 270), from the display matrix. */
  rotation: 0 | 90 | 180 | 270;
  /** Size as displayed (after rotation). */
  displayWidth: number;
  displayHeight: number;
  bitDepth: number;
  pixelFormat: string;
  hdr: HdrTransfer;
  /** BT.2020 primaries (HDR and wide-gamut video). */
  wideGamut: boolean;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface MediaInfo {
  /** Demuxer that read the file (mov,mp4,m4a,3gp,3g2,mj2 / matroska,webm / avi). */
  container: string;
  /** Seconds, from the container (or the longest stream); null when nobody says. */
  durationSec: number | null;
  /** Presentation time of the container's start, seconds (streams' times are relative to it). */
  startSec: number;
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
  /** ISO 8601 creation date from the container's metadata (QuickTime creationdate first), or null. */
  creationTime: string | null;
  /** What a person should know (a truncated file indexed up to where it stops). */
  notes: string[];
}

/** Demuxers we let FFmpeg use for the listed extensions (ffmpeg -demuxers names). */
const FORMAT_WHITELIST = 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi';

/** An open container: close() frees it. */
export interface OpenMedia {
  info: MediaInfo;
  fc: InstanceType<AvLib['FormatContext']>;
  close(): Promise<void>;
}

const ISO_BMFF = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'uuid', 'pnot', 'meta', 'moof', 'mfra', 'styp', 'sidx', 'pdin']);

/**
 * ISO-BMFF (MP4/MOV/M4V): walk the top-level boxes (sizes bounded by the file) to tell a recording that never got
 * its index (camera stopped, copy interrupted: mdat but no moov) from other damage, for a reason a person can act on.
 */
async function bmffShape(file: string): Promise<{ isBmff: boolean; moov: boolean; mdat: boolean; truncated: boolean; moovTruncated: boolean }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const b = Buffer.alloc(16);
    let pos = 0;
    let boxes = 0;
    const out = { isBmff: false, moov: false, mdat: false, truncated: false, moovTruncated: false };
    while (pos + 8 <= size && boxes++ < 10_000) {
      const { bytesRead } = await fh.read(b, 0, 16, pos);
      if (bytesRead < 8) break;
      const type = b.toString('latin1', 4, 8);
      if (!ISO_BMFF.has(type) && !/^[a-z0-9 ]{4}$/i.test(type)) break;
      if (pos === 0) out.isBmff = type === 'ftyp' || type === 'moov' || type === 'mdat' || type === 'wide' || type === 'free';
      if (!out.isBmff) break;
      let len = b.readUInt32BE(0);
      if (len === 1) {
        if (bytesRead < 16) break;
        len = Number(b.readBigUInt64BE(8));
      } else if (len === 0) {
        len = size - pos; // to the end of the file
      }
      if (len < 8) break;
      if (type === 'moov') out.moov = true;
      if (type === 'mdat') out.mdat = true;
      if (pos + len > size) {
        out.truncated = true;
        if (type === 'moov') out.moovTruncated = true;
      }
      pos += len;
    }
    return out;
  } finally {
    await fh.close();
  }
}

const q2n = (r: { num: number; den: number } | null | undefined): number | null =>
  r && r.den > 0 && r.num > 0 ? r.num / r.den : null;

/** Clockwise display rotation from a 3×3 display matrix (16.16 fixed point), snapped to quarter turns. */
export function rotationFromMatrix(m: Buffer | null): 0 | 90 | 180 | 270 {
  if (!m || m.length < 36) return 0;
  const a = m.readInt32LE(0) / 65536, b = m.readInt32LE(4) / 65536;
  const c = m.readInt32LE(12) / 65536, d = m.readInt32LE(16) / 65536;
  if (Math.hypot(a, c) === 0 || Math.hypot(b, d) === 0) return 0;
  // FFmpeg's av_display_rotation_get() is the anticlockwise angle −atan2(b, a); display turns the other way.
  const deg = (Math.atan2(b / Math.hypot(b, d), a / Math.hypot(a, c)) * 180) / Math.PI;
  const q = (((Math.round(deg / 90) % 4) + 4) % 4) as 0 | 1 | 2 | 3;
  return (q * 90) as 0 | 90 | 180 | 270;
}

function creationTimeOf(dicts: ({ getAll(): Record<string, string> } | null)[]): string | null {
  const keys = ['com.apple.quicktime.creationdate', 'creation_time', 'date', 'DATE', 'DATE_RECORDED'];
  for (const k of keys) {
    for (const d of dicts) {
      const v = d?.getAll()[k];
      if (!v) continue;
      const ms = Date.parse(v.trim().replace(' ', 'T'));
      // MP4 writers that never set the clock store 0 = 1904-01-01; cameras with a dead clock say 1970 or 2000-01-01.
      if (Number.isFinite(ms) && ms > Date.UTC(1971, 0, 1) && ms < Date.now() + 366 * 86400_000) return v.trim();
    }
  }
  return null;
}

const bitDepthOf = (pixFmt: string): number => {
  const m = /p(9|10|12|14|16)(le|be)?$/.exec(pixFmt) ?? /(9|10|12|14|16)(le|be)$/.exec(pixFmt);
  return m ? Number(m[1]) : 8;
};

/** Open and describe a video file. Throws VideoError with the reason when it cannot be read. */
export async function openMedia(file: string): Promise<OpenMedia> {
  const { lib, c } = await nodeAv();
  const fc = new lib.FormatContext();
  const opts = lib.Dictionary.fromObject({ format_whitelist: FORMAT_WHITELIST, protocol_whitelist: 'file' });
  let opened = false;
  const close = async () => {
    if (opened) {
      opened = false;
      await fc.closeInput();
    }
  };
  const notes: string[] = [];
  try {
    // MP4/MOV: the index (moov) must be there and whole; a cut media box (mdat) loses only its end
    const shape = await bmffShape(file).catch(() => null);
    if (shape?.isBmff) {
      if (!shape.moov && shape.mdat) throw new VideoError('truncated MP4/MOV: no moov atom (the recording was never finished, or the copy was cut short)');
      if (shape.moovTruncated) throw new VideoError('truncated MP4/MOV: the moov atom (the index) is cut short');
      if (shape.truncated) notes.push('the file is truncated: its media data stops before the end the index describes');
    }
    // "file:" so that a colon in a file name is never taken for a protocol
    const ret = await fc.openInput(`file:${file}`, null, opts);
    if (ret < 0) throw new VideoError(`not a readable video container (${new lib.FFmpegError(ret).message})`);
    opened = true;
    if (fc.nbStreams > VIDEO_LIMITS.maxStreams) throw new VideoError(`file declares ${fc.nbStreams} streams (limit ${VIDEO_LIMITS.maxStreams})`);
    const sret = fc.findStreamInfoSync(null);
    if (sret < 0) throw new VideoError(`cannot read the streams (${new lib.FFmpegError(sret).message})`);
    const container = fc.iformat?.name ?? 'unknown';
    const streams = fc.streams;
    const isCover = (s: (typeof streams)[number]) => s.hasDisposition(c.AV_DISPOSITION_ATTACHED_PIC);
    const vStreams = streams.filter((s) => s.codecpar.codecType === c.AVMEDIA_TYPE_VIDEO && !isCover(s));
    const aStreams = streams.filter((s) => s.codecpar.codecType === c.AVMEDIA_TYPE_AUDIO);
    const best = (type: number, list: typeof streams) => {
      const i = fc.findBestStream(type as never);
      return list.find((s) => s.index === i) ?? list[0] ?? null;
    };
    const vs = best(c.AVMEDIA_TYPE_VIDEO, vStreams);
    const as = best(c.AVMEDIA_TYPE_AUDIO, aStreams);
    if (!vs && !as) throw new VideoError('the file has no video or audio stream');

    let video: VideoStreamInfo | null = null;
    if (vs) {
      const p = vs.codecpar;
      const codec = lib.avGetCodecName(p.codecId) ?? 'unknown';
      if (p.codecId === c.AV_CODEC_ID_NONE || !lib.Codec.findDecoder(p.codecId)) {
        const tag = p.codecTagString;
        throw new VideoError(`video codec ${codec === 'none' || codec === 'unknown' ? `"${tag ?? '?'}"` : codec} is not supported (no decoder in this build)`);
      }
      const w = p.width, h = p.height;
      if (!(w > 0 && h > 0)) throw new VideoError(`video stream declares no picture size (${w}×${h})`);
      if (w > VIDEO_LIMITS.maxSide || h > VIDEO_LIMITS.maxSide || w * h > VIDEO_LIMITS.maxPixels) {
        throw new VideoError(`video picture too large: ${w}×${h} (limit ${VIDEO_LIMITS.maxSide} px a side)`);
      }
      const avg = q2n(vs.avgFrameRate);
      const base = q2n(vs.rFrameRate);
      // constant rate (average within 1 % of the nominal rate): the nominal one (an average over a stream whose last
      // frame has no duration reads 10.08 for 10 fps); variable: the average
      const variable = avg !== null && base !== null && Math.abs(avg - base) / base > 0.01;
      let fps = variable || base === null ? avg ?? base : base;
      if (fps !== null && !(fps >= VIDEO_LIMITS.minFps && fps <= VIDEO_LIMITS.maxFps)) fps = null;
      const rotation = rotationFromMatrix(p.getCodedSideData(c.AV_PKT_DATA_DISPLAYMATRIX));
      const pixelFormat = lib.avGetPixFmtName(p.format as never) ?? 'unknown';
      const trc = p.colorTrc;
      video = {
        index: vs.index, codec, width: w, height: h, fps,
        variableFrameRate: variable,
        rotation,
        displayWidth: rotation % 180 ? h : w,
        displayHeight: rotation % 180 ? w : h,
        bitDepth: Math.max(bitDepthOf(pixelFormat), p.bitsPerRawSample > 8 && p.bitsPerRawSample <= 16 ? p.bitsPerRawSample : 8),
        pixelFormat,
        hdr: trc === c.AVCOL_TRC_SMPTE2084 ? 'pq' : trc === c.AVCOL_TRC_ARIB_STD_B67 ? 'hlg' : null,
        wideGamut: p.colorPrimaries === c.AVCOL_PRI_BT2020,
      };
    }

    let audio: AudioStreamInfo | null = null;
    if (as) {
      const p = as.codecpar;
      const codec = lib.avGetCodecName(p.codecId) ?? 'unknown';
      const ok = p.codecId !== c.AV_CODEC_ID_NONE && lib.Codec.findDecoder(p.codecId) !== null;
      const sr = p.sampleRate, ch = p.channelLayout?.nbChannels ?? 0;
      if (ok && sr >= VIDEO_LIMITS.minSampleRate && sr <= VIDEO_LIMITS.maxSampleRate && ch >= 1 && ch <= VIDEO_LIMITS.maxChannels) {
        audio = { index: as.index, codec, sampleRate: sr, channels: ch };
      } else if (!video) {
        if (!ok) throw new VideoError(`audio codec ${codec} is not supported (no decoder in this build)`);
        throw new VideoError(`audio stream declares ${sr} Hz, ${ch} channels (limits ${VIDEO_LIMITS.minSampleRate}–${VIDEO_LIMITS.maxSampleRate} Hz, 1–${VIDEO_LIMITS.maxChannels} channels)`);
      }
      // a video whose sound cannot be decoded keeps its pictures (the item says it has no sound)
    }

    const AV_TIME_BASE = 1_000_000;
    let durationSec: number | null = fc.duration > 0n ? Number(fc.duration) / AV_TIME_BASE : null;
    if (durationSec === null) {
      for (const s of [vs, as]) {
        if (s && s.duration > 0n) {
          const d = (Number(s.duration) * s.timeBase.num) / s.timeBase.den;
          if (Number.isFinite(d) && d > (durationSec ?? 0)) durationSec = d;
        }
      }
    }
    if (durationSec !== null && !(durationSec > 0 && Number.isFinite(durationSec))) durationSec = null;
    if (durationSec !== null && durationSec > VIDEO_LIMITS.maxDurationSec) {
      throw new VideoError(`file declares a duration of ${(durationSec / 3600).toFixed(1)} h (limit ${VIDEO_LIMITS.maxDurationSec / 3600} h)`);
    }
    const startSec = fc.startTime > 0n ? Number(fc.startTime) / AV_TIME_BASE : 0;
    const creationTime = creationTimeOf([fc.metadata, vs?.metadata ?? null, as?.metadata ?? null]);
    return { info: { container, durationSec, startSec, video, audio, creationTime, notes }, fc, close };
  } catch (e) {
    await close();
    if (e instanceof VideoError) throw e;
    throw new VideoError(`cannot read the video: ${e instanceof Error ? e.message : String(e)}`);
  }
}
