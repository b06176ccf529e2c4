/**
 * One pass over a video file: the sound track is decoded as it comes (handed on in planar float chunks), the
 * picture track is decoded only where a moment needs a frame.
 *
 * Frames of the moments. The timeline is cut into 2-s clips (every `stride`-th clip when a long video would
 * exceed the moment cap). A clip's picture is the keyframe inside the clip nearest its midpoint when there is one
 * (decoding a keyframe costs one picture, and phones put one every second or two), else the frame shown at the
 * midpoint. Packets are demuxed in order and held (compressed) until the next keyframe past a clip is seen, so
 * the choice needs no seeking and works for every container, indexed or not; the decoder is flushed and restarted
 * at a keyframe whenever that skips work, and otherwise runs on from where it stopped (long GOPs). Only chosen
 * frames are converted to RGB.
 */
import type { RgbImage } from '../image/types';
import { nodeAv, type AvLib } from './av';
import { CLIP_SEC, VIDEO_LIMITS } from './limits';
import { PictureConverter } from './picture';
import { VideoError, type OpenMedia } from './probe';

type Packet = InstanceType<AvLib['Packet']>;
type Frame = InstanceType<AvLib['Frame']>;
type CodecContext = InstanceType<AvLib['CodecContext']>;

export interface FrameMoment {
  /** Index of the moment on the track (0, 1, …) and its clip on the 2-s grid. */
  moment: number;
  clip: number;
  startSec: number;
  endSec: number;
  /** Presentation time of the picture chosen for the moment. */
  frameSec: number;
  /** How it was found: a keyframe inside the clip, or the frame shown at the clip's midpoint. */
  how: 'keyframe' | 'midpoint';
  /** The picture as displayed (rotation applied, HDR tone-mapped); null when it is the same picture as moment `sameAs`. */
  image: RgbImage | null;
  sameAs?: number;
}

export interface AudioChunk {
  /** Planar samples at the track's rate, one array per channel (the track's channel count). */
  channels: Float32Array[];
  /** Index of the first sample in the track. */
  start: number;
}

export interface ReadOptions {
  /** Grid step in clips (1 = every 2-s clip). */
  stride: number;
  /** Stop adding moments after this many per track. */
  maxMoments: number;
  frames: boolean;
  audio: boolean;
  onFrame(f: FrameMoment): Promise<void> | void;
  onAudio(c: AudioChunk): Promise<void> | void;
  /** Seconds of the file read so far (for progress). */
  onProgress?(sec: number): void;
  /** Checked between packets; true stops the read (the result says cancelled). */
  cancelled?(): boolean;
}

export interface ReadResult {
  cancelled: boolean;
  /** Last picture time + one frame duration (the picture track's length), 0 without pictures. */
  videoSec: number;
  audioSamples: number;
  /** Offset of the first sound sample on the timeline (seconds). */
  audioStartSec: number;
  frameMoments: number;
  framesDecoded: number;
  keyframeMoments: number;
  /** Sound could not be decoded past this point (reason), or null. */
  audioError: string | null;
  /** Picture decoding errors (packets the decoder refused), counted; the moments around them take other frames. */
  videoErrors: number;
}

interface Held {
  pkt: Packet;
  /** Presentation time on the timeline (seconds), NaN when the packet has none. */
  t: number;
  key: boolean;
  bytes: number;
}

const NOPTS = -9223372036854775808n;
/** How far decode order may run behind presentation order (B-frame reordering), seconds. */
const REORDER_SEC = 1;

/** Read the file once; resolves when it is fully read (or cancelled). */
export async function readMedia(m: OpenMedia, opts: ReadOptions): Promise<ReadResult> {
  const { lib, c } = await nodeAv();
  const { fc, info } = m;
  const vInfo = opts.frames ? info.video : null;
  const aInfo = opts.audio ? info.audio : null;
  const origin = info.startSec;
  const res: ReadResult = {
    cancelled: false, videoSec: 0, audioSamples: 0, audioStartSec: 0, frameMoments: 0, framesDecoded: 0,
    keyframeMoments: 0, audioError: null, videoErrors: 0,
  };

  const openDecoder = async (index: number, video: boolean): Promise<CodecContext> => {
    const st = fc.streams[index]!;
    const codec = lib.Codec.findDecoder(st.codecpar.codecId);
    if (!codec) throw new VideoError('no decoder');
    const ctx = new lib.CodecContext();
    ctx.allocContext3(codec);
    if (ctx.parametersToContext(st.codecpar) < 0) throw new VideoError('cannot set up the decoder');
    ctx.pktTimebase = st.timeBase;
    if (video) ctx.threadCount = 2;
    const ret = await ctx.open2(codec, null);
    if (ret < 0) throw new VideoError(`cannot open the ${video ? 'video' : 'audio'} decoder (${new lib.FFmpegError(ret).message})`);
    return ctx;
  };

  const vdec = vInfo ? await openDecoder(vInfo.index, true) : null;
  let adec: CodecContext | null = null;
  if (aInfo) {
    try {
      adec = await openDecoder(aInfo.index, false);
    } catch (e) {
      res.audioError = e instanceof Error ? e.message : String(e);
    }
  }
  const vTb = vInfo ? fc.streams[vInfo.index]!.timeBase : { num: 1, den: 1 };
  const aTb = aInfo ? fc.streams[aInfo.index]!.timeBase : { num: 1, den: 1 };
  const vSec = (ts: bigint) => (ts === NOPTS ? NaN : (Number(ts) * vTb.num) / vTb.den - origin);
  const conv = vInfo ? new PictureConverter(vInfo.rotation, vInfo.hdr) : null;

  const pkt = new lib.Packet();
  pkt.alloc();
  const frame = new lib.Frame();
  frame.alloc();
  const aframe = new lib.Frame();
  aframe.alloc();

  // ------------------------------------------------------------------------------------------- sound track
  let audioChannels = aInfo?.channels ?? 0;
  let audioRate = aInfo?.sampleRate ?? 0;
  let audioPos = 0;
  let audioStarted = false;
  const pullAudio = async () => {
    for (;;) {
      const r = adec!.receiveFrameSync(aframe);
      if (r < 0) return;
      try {
        if (!audioStarted) {
          audioStarted = true;
          const ts = aframe.bestEffortTimestamp !== NOPTS ? aframe.bestEffortTimestamp : aframe.pts;
          res.audioStartSec = ts === NOPTS ? 0 : Math.max(0, (Number(ts) * aTb.num) / aTb.den - origin);
          audioRate = aframe.sampleRate || audioRate;
          audioChannels = aframe.channels || audioChannels;
        }
        if (aframe.sampleRate && aframe.sampleRate !== audioRate) {
          res.audioError = `sound sample rate changes mid-stream (${audioRate} → ${aframe.sampleRate} Hz); sound after ${(audioPos / audioRate).toFixed(1)} s is not indexed`;
          await closeAudio();
          return;
        }
        const chans = planarFloat(aframe, audioChannels, c);
        if (chans.length === 0) continue;
        await opts.onAudio({ channels: chans, start: audioPos });
        audioPos += chans[0]!.length;
      } finally {
        aframe.unref();
      }
    }
  };
  const closeAudio = async () => {
    if (!adec) return;
    adec.freeContext();
    adec = null;
  };

  // ----------------------------------------------------------------------------------------- picture track
  const stride = Math.max(1, Math.floor(opts.stride));
  const step = stride * CLIP_SEC;
  const held: Held[] = [];
  let heldBase = 0; // global index of held[0]
  let heldBytes = 0;
  const keys: { gi: number; t: number }[] = []; // keyframes still in `held`
  let nextClip = 0; // next moment index to decide
  let lastT = -Infinity; // largest presentation time seen on a video packet
  let lastFrameDur = 0;
  // decoder state: packets [startGi, nextSend) were sent since the last flush; outputs so far up to lastOut
  let sending = false;
  let drained = false;
  let startGi = 0;
  let nextSend = 0;
  let lastOut = -Infinity;
  let prevChosen: { t: number; moment: number } | null = null;
  let look: { f: Frame; t: number } | null = null; // one decoded frame not yet consumed

  const flushDecoder = () => {
    vdec!.flushBuffers();
    sending = false;
    drained = false;
    lastOut = -Infinity;
    if (look) {
      look.f.free();
      look = null;
    }
  };

  const heldAt = (gi: number) => held[gi - heldBase];

  /** Next decoded frame (time on the timeline), feeding held packets as needed; at the end of what is held the
   *  decoder is drained (it must then restart at a keyframe). Null when nothing more can come. */
  const nextFrame = async (): Promise<{ f: Frame; t: number } | null> => {
    if (look) {
      const l = look;
      look = null;
      return l;
    }
    if (!sending) return null;
    for (;;) {
      const r = vdec!.receiveFrameSync(frame);
      if (r >= 0) {
        res.framesDecoded++;
        const ts = frame.bestEffortTimestamp !== NOPTS ? frame.bestEffortTimestamp : frame.pts;
        const t = vSec(ts);
        const f = frame.clone()!;
        frame.unref();
        if (Number.isFinite(t)) lastOut = Math.max(lastOut, t);
        return { f, t };
      }
      if (r === c.AVERROR_EOF || drained) return null;
      if (nextSend - heldBase < held.length) {
        const s = vdec!.sendPacketSync(held[nextSend - heldBase]!.pkt);
        if (s === c.AVERROR_EAGAIN) continue;
        if (s < 0) res.videoErrors++;
        nextSend++;
        continue;
      }
      vdec!.sendPacketSync(null);
      drained = true;
    }
  };

  const startAt = (gi: number) => {
    flushDecoder();
    sending = true;
    startGi = Math.max(gi, heldBase);
    nextSend = startGi;
  };

  /** The keyframe held at gi, decoded on its own (flush, the one packet, drain): one picture's work. */
  const keyframeAt = async (gi: number, t: number): Promise<{ f: Frame; t: number } | null> => {
    flushDecoder();
    const h = heldAt(gi);
    if (!h) return null;
    if (vdec!.sendPacketSync(h.pkt) < 0) res.videoErrors++;
    vdec!.sendPacketSync(null);
    sending = true;
    drained = true;
    startGi = gi;
    nextSend = gi + 1;
    let got: { f: Frame; t: number } | null = null;
    for (let nf = await nextFrame(); nf; nf = await nextFrame()) {
      if (!got && nf.t >= t - 1e-6) got = nf;
      else nf.f.free();
    }
    return got;
  };

  /** The picture shown at `target` (last frame with t ≤ target, else the first after), decoding from keyframe gi. */
  const frameAt = async (target: number, gi: number, clipStart: number): Promise<{ f: Frame; t: number } | null> => {
    // continue when the decoder is in this GOP and has not passed the target yet; restart at the keyframe otherwise
    const canContinue = sending && !drained && startGi <= gi && nextSend > gi && lastOut < target;
    if (!canContinue) startAt(gi);
    const startT = heldAt(gi)?.t ?? -Infinity;
    let prev: { f: Frame; t: number } | null = null;
    for (;;) {
      const nf = await nextFrame();
      if (!nf) break;
      // leading pictures of an open GOP decoded right after a flush reference what we skipped: never use them
      if (!canContinue && Number.isFinite(startT) && nf.t < startT - 1e-6) {
        nf.f.free();
        continue;
      }
      if (nf.t > target + 1e-6) {
        if (!prev) return nf;
        look = nf;
        return prev;
      }
      prev?.f.free();
      prev = nf;
    }
    // the pictures stop before this clip (a truncated file, a picture track shorter than the sound): no frame moment
    if (prev && prev.t < clipStart - 1e-6) {
      prev.f.free();
      return null;
    }
    return prev;
  };

  /** Decide moments whose clip lies entirely before `upTo` (all keyframes that could fall inside are known). */
  const decide = async (upTo: number, eof: boolean) => {
    while (nextClip < opts.maxMoments) {
      const a = nextClip * step;
      const b = a + CLIP_SEC;
      if (!eof && b > upTo) return;
      if (eof && !(a <= lastT)) return;
      const mid = a + CLIP_SEC / 2;
      let chosen: { f: Frame; t: number } | null = null;
      let how: FrameMoment['how'] = 'midpoint';
      let best: { gi: number; t: number } | null = null;
      for (const k of keys) if (k.t >= a && k.t < b && (!best || Math.abs(k.t - mid) < Math.abs(best.t - mid))) best = k;
      if (best) {
        chosen = await keyframeAt(best.gi, best.t);
        how = 'keyframe';
      } else {
        let g: { gi: number; t: number } | null = null;
        for (const k of keys) if (k.t <= mid) g = k;
        const startGiFor = g ? g.gi : heldBase;
        chosen = await frameAt(mid, startGiFor, a);
      }
      const moment = nextClip;
      nextClip++;
      if (chosen) {
        res.frameMoments++;
        if (how === 'keyframe') res.keyframeMoments++;
        const same = prevChosen && Math.abs(prevChosen.t - chosen.t) < 1e-6 ? prevChosen.moment : undefined;
        const image = same === undefined ? await conv!.toRgb(chosen.f) : null;
        prevChosen = { t: chosen.t, moment: same ?? moment };
        chosen.f.free();
        await opts.onFrame({
          moment, clip: moment * stride, startSec: a, endSec: b, frameSec: chosen.t, how, image, ...(same !== undefined ? { sameAs: same } : {}),
        });
      }
      dropHeld();
    }
  };

  /**
   * Forget held packets no later decision can need: everything before the keyframe the next clip would restart
   * at, and before what the decoder has read. `force` (too much held) keeps only what the decoder has not read.
   */
  const dropHeld = (force = false) => {
    const nextA = nextClip * step;
    let keep = heldBase;
    for (const k of keys) if (k.t <= nextA) keep = k.gi;
    if (sending && !drained) keep = Math.min(keep, nextSend);
    if (force) keep = sending && !drained ? nextSend : heldBase + held.length;
    while (held.length && heldBase < keep) {
      const h = held.shift()!;
      heldBytes -= h.bytes;
      h.pkt.free();
      heldBase++;
    }
    while (keys.length && keys[0]!.gi < heldBase) keys.shift();
  };

  // ------------------------------------------------------------------------------------------------- the pass
  let lastProgress = performance.now();
  let n = 0;
  try {
    for (;;) {
      if (++n % 64 === 0) {
        if (opts.cancelled?.()) {
          res.cancelled = true;
          break;
        }
        const now = performance.now();
        if (now - lastProgress > 40) {
          lastProgress = now;
          opts.onProgress?.(Math.max(lastT, audioPos / (audioRate || 1)));
          await new Promise((r) => setImmediate(r)); // let the worker see messages (cancel, acks)
        }
      }
      const r = fc.readFrameSync(pkt);
      if (r < 0) break;
      const si = pkt.streamIndex;
      if (adec && aInfo && si === aInfo.index) {
        if (adec.sendPacketSync(pkt) === c.AVERROR_EAGAIN) {
          await pullAudio();
          adec?.sendPacketSync(pkt);
        }
        pkt.unref();
        if (adec) await pullAudio();
        continue;
      }
      if (!vdec || !vInfo || si !== vInfo.index) {
        pkt.unref();
        continue;
      }
      if (pkt.size > VIDEO_LIMITS.maxPacketBytes) throw new VideoError(`a video packet of ${pkt.size} bytes (limit ${VIDEO_LIMITS.maxPacketBytes})`);
      const t = vSec(pkt.pts !== NOPTS ? pkt.pts : pkt.dts);
      if (Number.isFinite(t) && t > VIDEO_LIMITS.maxDurationSec) throw new VideoError(`video runs past ${VIDEO_LIMITS.maxDurationSec / 3600} h`);
      if (Number.isFinite(t) && t > lastT) {
        if (Number.isFinite(lastT)) lastFrameDur = Math.min(t - lastT, 10);
        lastT = t;
      }
      if (nextClip >= opts.maxMoments) {
        pkt.unref();
        continue;
      }
      if (pkt.isKeyframe && Number.isFinite(t)) {
        // clips ending at or before this keyframe have seen every keyframe they can contain
        await decide(t, false);
        keys.push({ gi: heldBase + held.length, t });
      }
      const clone = pkt.clone()!;
      pkt.unref();
      held.push({ pkt: clone, t, key: clone.isKeyframe, bytes: clone.size });
      heldBytes += clone.size;
      // decode order runs at most a few frames behind presentation order: a clip is settled a second after its end
      if (lastT - REORDER_SEC >= nextClip * step + CLIP_SEC) await decide(lastT - REORDER_SEC, false);
      if (heldBytes > VIDEO_LIMITS.maxBufferedBytes) {
        // a very long GOP at a high bitrate: decode forward through what is held so the packets can go
        if (sending && !drained) {
          while (nextSend - heldBase < held.length && !look) {
            const f = await nextFrame();
            if (!f) break;
            if (f.t > nextClip * step + CLIP_SEC / 2) look = f;
            else f.f.free();
          }
        }
        dropHeld(true);
      }
    }
    if (!res.cancelled) {
      if (vdec) await decide(Infinity, true);
      if (adec) {
        adec.sendPacketSync(null);
        await pullAudio();
      }
    }
  } finally {
    for (const h of held) h.pkt.free();
    held.length = 0;
    look?.f.free();
    pkt.free();
    frame.free();
    aframe.free();
    conv?.free();
    vdec?.freeContext();
    await closeAudio();
  }
  res.videoSec = Number.isFinite(lastT) ? lastT + (lastFrameDur || (vInfo?.fps ? 1 / vInfo.fps : 0)) : 0;
  res.audioSamples = audioPos;
  return res;
}

/** A decoded audio frame → one Float32Array per channel, scaled like the WAV reader (integers by 2^(bits−1)). */
function planarFloat(f: Frame, channels: number, c: typeof import('node-av/constants')): Float32Array[] {
  const n = f.nbSamples;
  const nc = Math.min(f.channels || channels, channels);
  if (n <= 0 || nc <= 0) return [];
  const planes = f.extendedData ?? f.data;
  if (!planes || planes.length === 0) return [];
  const out = Array.from({ length: channels }, () => new Float32Array(n));
  const fmt = f.format as number;
  const planar = [c.AV_SAMPLE_FMT_FLTP, c.AV_SAMPLE_FMT_S16P, c.AV_SAMPLE_FMT_S32P, c.AV_SAMPLE_FMT_DBLP, c.AV_SAMPLE_FMT_U8P, c.AV_SAMPLE_FMT_S64P].includes(fmt as never);
  const base = planar ? fmt : fmt;
  const kind =
    base === c.AV_SAMPLE_FMT_FLT || base === c.AV_SAMPLE_FMT_FLTP ? 'f32'
    : base === c.AV_SAMPLE_FMT_S16 || base === c.AV_SAMPLE_FMT_S16P ? 's16'
    : base === c.AV_SAMPLE_FMT_S32 || base === c.AV_SAMPLE_FMT_S32P ? 's32'
    : base === c.AV_SAMPLE_FMT_DBL || base === c.AV_SAMPLE_FMT_DBLP ? 'f64'
    : base === c.AV_SAMPLE_FMT_U8 || base === c.AV_SAMPLE_FMT_U8P ? 'u8'
    : base === c.AV_SAMPLE_FMT_S64 || base === c.AV_SAMPLE_FMT_S64P ? 's64' : null;
  if (!kind) throw new VideoError(`sound sample format ${fmt} is not supported`);
  const width = { f32: 4, s16: 2, s32: 4, f64: 8, u8: 1, s64: 8 }[kind];
  for (let ch = 0; ch < nc; ch++) {
    const buf = planar ? planes[ch] : planes[0];
    if (!buf) continue;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const x = out[ch]!;
    const stride = planar ? width : width * (f.channels || channels);
    let o = planar ? 0 : ch * width;
    const need = o + (n - 1) * stride + width;
    if (need > buf.byteLength) throw new VideoError('decoded sound frame is shorter than it says');
    switch (kind) {
      case 'f32': for (let i = 0; i < n; i++, o += stride) x[i] = dv.getFloat32(o, true); break;
      case 's16': for (let i = 0; i < n; i++, o += stride) x[i] = dv.getInt16(o, true) / 32768; break;
      case 's32': for (let i = 0; i < n; i++, o += stride) x[i] = dv.getInt32(o, true) / 2147483648; break;
      case 'f64': for (let i = 0; i < n; i++, o += stride) x[i] = dv.getFloat64(o, true); break;
      case 'u8': for (let i = 0; i < n; i++, o += stride) x[i] = (dv.getUint8(o) - 128) / 128; break;
      case 's64': for (let i = 0; i < n; i++, o += stride) x[i] = Number(dv.getBigInt64(o, true)) / 9223372036854775808; break;
    }
  }
  for (const x of out) for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) x[i] = 0;
  return out;
}
