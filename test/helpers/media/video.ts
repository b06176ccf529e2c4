/**
 * Test-media helper: write real video files (MP4, MOV, M4V, MKV, WebM, AVI) with the encoders and muxers inside
 * node-av's FFmpeg — pictures from a callback (RGB24, converted by swscale, or planar YUV written directly for
 * speed), sound from Float32 channels, optional rotation (display matrix), creation time and variable frame
 * timing. Nothing here is used by the app.
 */
import {
  Codec, CodecContext, Dictionary, FormatContext, Frame, Packet, Rational, SoftwareScaleContext,
} from 'node-av/lib';
import {
  AVFMT_GLOBALHEADER, AV_CODEC_FLAG_GLOBAL_HEADER, AV_PIX_FMT_RGB24, AV_PIX_FMT_YUV420P, AV_PKT_DATA_DISPLAYMATRIX,
  AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_FLT, SWS_BICUBIC, AVERROR_EAGAIN, AVERROR_EOF,
  type AVPixelFormat, type AVSampleFormat,
} from 'node-av/constants';

export type VideoCodecName = 'libx264' | 'libx265' | 'libvpx-vp9' | 'libvpx' | 'mpeg4' | 'ffv1' | 'png' | 'libsvtav1' | 'mjpeg' | 'rawvideo' | 'libx264rgb' | 'prores' | 'utvideo';
export type AudioCodecName = 'aac' | 'libopus' | 'pcm_s16le' | 'flac' | 'libvorbis' | 'libmp3lame' | 'ac3' | 'pcm_f32le';

export interface VideoTrackSpec {
  codec: VideoCodecName;
  width: number;
  height: number;
  /** Frames per second of the time base (1/fps) when `times` is not given. */
  fps: number;
  frames: number;
  /** RGB24 picture of frame i (width × height × 3). Either this or `yuv`. */
  rgb?: (i: number) => Uint8Array;
  /** Fill the planes of frame i directly (fast path for long benches); format = pixFmt. */
  yuv?: (i: number, planes: Buffer[], linesize: number[]) => void;
  pixFmt?: AVPixelFormat;
  /** Presentation time of frame i in seconds (variable frame rate); default i / fps. */
  times?: (i: number) => number;
  /** Keyframe interval in frames (default fps × 2). */
  gop?: number;
  /** Encoder options (e.g. { preset: 'ultrafast', crf: '23' }). */
  options?: Record<string, string>;
  /** Clockwise display rotation in degrees written as the stream's display matrix (phone videos). */
  rotation?: 0 | 90 | 180 | 270;
  /** Extra stream fields (colour description of HDR video). */
  color?: { primaries?: number; trc?: number; space?: number; range?: number };
}

export interface AudioTrackSpec {
  codec: AudioCodecName;
  sampleRate: number;
  /** One Float32Array per channel, same length. */
  channels: Float32Array[];
  bitRate?: number;
}

export interface VideoFileSpec {
  /** FFmpeg muxer name: mp4, mov, ipod (m4v), matroska, webm, avi. */
  format: 'mp4' | 'mov' | 'ipod' | 'matroska' | 'webm' | 'avi';
  video?: VideoTrackSpec;
  audio?: AudioTrackSpec;
  /** ISO 8601, written as the container's creation_time. */
  creationTime?: string;
  /** Container tags as FFmpeg names them (title, artist, album, comment, genre, description, location …). */
  tags?: Record<string, string>;
  /** mp4/mov muxer flags, e.g. '+faststart' (index before the media data). */
  movflags?: string;
}

const check = (ret: number, what: string) => {
  if (ret < 0) throw new Error(`${what} failed (${ret})`);
  return ret;
};

/** The 3×3 display matrix (16.16 / 2.30 fixed point) for a clockwise rotation, as FFmpeg's av_display_rotation_set(-deg). */
export function displayMatrix(clockwiseDeg: number): Buffer {
  // av_display_rotation_set(m, angle) sets an anticlockwise rotation by `angle`; phones store "rotate 90" as angle −90.
  const rad = (-clockwiseDeg * Math.PI) / 180;
  const c = Math.round(Math.cos(rad) * 65536), s = Math.round(Math.sin(rad) * 65536);
  const m = [c, -s, 0, s, c, 0, 0, 0, 1 << 30];
  const b = Buffer.alloc(36);
  m.forEach((v, i) => b.writeInt32LE(v, i * 4));
  return b;
}

interface Track {
  ctx: CodecContext;
  streamIndex: number;
  timeBase: Rational;
}

/** Write one file. `repeat` > 1 writes the encoded streams that many times back to back (a 10-hour file from
 *  10 seconds of encoding; each copy starts on a keyframe, timestamps shifted by the copy's start). */
export async function writeVideoFile(path: string, spec: VideoFileSpec & { repeat?: number }): Promise<void> {
  const oc = new FormatContext();
  check(oc.allocOutputContext2(null, spec.format, path), `allocOutputContext2 ${spec.format}`);
  const global = (oc.oformat!.flags & AVFMT_GLOBALHEADER) !== 0;
  const pkt = new Packet();
  pkt.alloc();
  let v: Track | null = null;
  let a: Track | null = null;
  const vs = spec.video;
  const as = spec.audio;
  try {
    if (vs) {
      const codec = Codec.findEncoderByName(vs.codec as never);
      if (!codec) throw new Error(`no encoder ${vs.codec}`);
      const ctx = new CodecContext();
      ctx.allocContext3(codec);
      ctx.width = vs.width;
      ctx.height = vs.height;
      ctx.pixelFormat = vs.pixFmt ?? (vs.codec === 'libx264rgb' ? (2 as AVPixelFormat) /* BGR24 */ : vs.codec === 'mjpeg' ? (12 as AVPixelFormat) /* yuvj420p */ : AV_PIX_FMT_YUV420P);
      const tb = vs.times ? new Rational(1, 90000) : new Rational(1, vs.fps);
      ctx.timeBase = tb;
      ctx.framerate = new Rational(vs.fps, 1);
      ctx.gopSize = vs.gop ?? vs.fps * 2;
      if (vs.color) {
        if (vs.color.primaries !== undefined) ctx.colorPrimaries = vs.color.primaries as never;
        if (vs.color.trc !== undefined) ctx.colorTrc = vs.color.trc as never;
        if (vs.color.space !== undefined) ctx.colorSpace = vs.color.space as never;
        if (vs.color.range !== undefined) ctx.colorRange = vs.color.range as never;
      }
      if (global) ctx.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
      const opts = { ...(vs.codec === 'libx264' || vs.codec === 'libx264rgb' ? { preset: 'ultrafast' } : {}),
        ...(vs.codec === 'libx265' ? { preset: 'ultrafast', 'x265-params': 'log-level=error' } : {}),
        ...(vs.codec === 'libvpx-vp9' || vs.codec === 'libvpx' ? { deadline: 'realtime', 'cpu-used': '8' } : {}),
        ...(vs.codec === 'libsvtav1' ? { preset: '12' } : {}),
        ...vs.options };
      check(await ctx.open2(codec, Dictionary.fromObject(opts)), `open ${vs.codec}`);
      const st = oc.newStream(null);
      check(st.codecpar.fromContext(ctx), 'video codecpar');
      st.timeBase = tb;
      if (vs.rotation) check(st.codecpar.addCodedSideData(AV_PKT_DATA_DISPLAYMATRIX, displayMatrix(vs.rotation)), 'display matrix');
      v = { ctx, streamIndex: st.index, timeBase: tb };
    }
    if (as) {
      const codec = Codec.findEncoderByName(as.codec as never);
      if (!codec) throw new Error(`no encoder ${as.codec}`);
      const ctx = new CodecContext();
      ctx.allocContext3(codec);
      ctx.sampleRate = as.sampleRate;
      ctx.channelLayout = { nbChannels: as.channels.length, order: 1, mask: BigInt(as.channels.length === 1 ? 4 : as.channels.length === 2 ? 3 : (1 << as.channels.length) - 1) } as never;
      const fmt: AVSampleFormat = as.codec === 'pcm_s16le' || as.codec === 'flac' ? AV_SAMPLE_FMT_S16 : as.codec === 'pcm_f32le' ? AV_SAMPLE_FMT_FLT : (codec.sampleFormats?.[0] ?? AV_SAMPLE_FMT_FLTP);
      ctx.sampleFormat = fmt;
      ctx.timeBase = new Rational(1, as.sampleRate);
      if (as.bitRate) ctx.bitRate = BigInt(as.bitRate);
      if (global) ctx.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
      check(await ctx.open2(codec, null), `open ${as.codec}`);
      const st = oc.newStream(null);
      check(st.codecpar.fromContext(ctx), 'audio codecpar');
      st.timeBase = new Rational(1, as.sampleRate);
      a = { ctx, streamIndex: st.index, timeBase: new Rational(1, as.sampleRate) };
    }
    if (spec.creationTime || spec.tags) oc.metadata = Dictionary.fromObject({ ...spec.tags, ...(spec.creationTime ? { creation_time: spec.creationTime } : {}) });
    check(await oc.openOutput(), `open ${path}`);
    check(await oc.writeHeader(spec.movflags ? Dictionary.fromObject({ movflags: spec.movflags }) : null), 'write header');

    const repeat = Math.max(1, Math.floor(spec.repeat ?? 1));
    const kept: Packet[] = [];
    const drain = async (t: Track, flush: boolean) => {
      if (flush) t.ctx.sendFrameSync(null);
      for (;;) {
        const r = t.ctx.receivePacketSync(pkt);
        if (r === AVERROR_EAGAIN || r === AVERROR_EOF) return;
        check(r, 'receive packet');
        pkt.streamIndex = t.streamIndex;
        pkt.rescaleTs(t.ctx.timeBase, oc.streams[t.streamIndex]!.timeBase);
        if (repeat > 1) kept.push(pkt.clone()!);
        else check(oc.interleavedWriteFrameSync(pkt), 'write packet');
        pkt.unref();
      }
    };

    // Sound in frames of the encoder's frame size (or 1024 for PCM), interleaved with pictures by time.
    let audioPos = 0;
    const audioLen = as ? as.channels[0]!.length : 0;
    const aFrameSize = a ? (a.ctx.frameSize > 0 ? a.ctx.frameSize : 1024) : 0;
    const writeAudioUntil = async (sec: number) => {
      if (!a || !as) return;
      while (audioPos < audioLen && audioPos / as.sampleRate <= sec) {
        const n = Math.min(aFrameSize, audioLen - audioPos);
        // encoders with a fixed frame size need full frames: pad the last one with silence
        const nOut = a.ctx.frameSize > 0 ? aFrameSize : n;
        const buf = audioBuffer(as.channels, audioPos, n, nOut, a.ctx.sampleFormat);
        const f = Frame.fromAudioBuffer(buf, {
          nbSamples: nOut, format: a.ctx.sampleFormat, sampleRate: as.sampleRate, channelLayout: a.ctx.channelLayout,
          timeBase: { num: 1, den: as.sampleRate },
        } as never);
        f.pts = BigInt(audioPos);
        check(a.ctx.sendFrameSync(f), 'send audio frame');
        f.free();
        audioPos += n;
        await drain(a, false);
      }
    };

    if (v && vs) {
      const { width: w, height: h } = vs;
      const pixFmt = v.ctx.pixelFormat;
      const frame = new Frame();
      frame.alloc();
      frame.width = w;
      frame.height = h;
      frame.format = pixFmt;
      check(frame.allocBuffer(), 'frame buffer');
      let sws: SoftwareScaleContext | null = null;
      let rgbFrame: Frame | null = null;
      if (vs.rgb) {
        sws = new SoftwareScaleContext();
        sws.getContext(w, h, AV_PIX_FMT_RGB24, w, h, pixFmt, SWS_BICUBIC);
        rgbFrame = new Frame();
        rgbFrame.alloc();
        rgbFrame.width = w;
        rgbFrame.height = h;
        rgbFrame.format = AV_PIX_FMT_RGB24;
        check(rgbFrame.allocBuffer(), 'rgb buffer');
      }
      for (let i = 0; i < vs.frames; i++) {
        const t = vs.times ? vs.times(i) : i / vs.fps;
        await writeAudioUntil(t);
        check(frame.makeWritable(), 'frame writable');
        if (vs.rgb) {
          const src = vs.rgb(i);
          const stride = rgbFrame!.linesize[0]!;
          check(rgbFrame!.makeWritable(), 'rgb writable');
          const plane = rgbFrame!.data![0]!;
          for (let y = 0; y < h; y++) plane.set(src.subarray(y * w * 3, (y + 1) * w * 3), y * stride);
          sws!.scaleFrameSync(frame, rgbFrame!);
        } else {
          vs.yuv!(i, frame.data!, frame.linesize);
        }
        frame.pts = vs.times ? BigInt(Math.round(t * 90000)) : BigInt(i);
        check(v.ctx.sendFrameSync(frame), 'send video frame');
        await drain(v, false);
      }
      await drain(v, true);
      sws?.freeContext();
      rgbFrame?.free();
      frame.free();
    }
    await writeAudioUntil(Infinity);
    if (a) await drain(a, true);
    if (repeat > 1) {
      // each stream's period: the pictures' duration (frames / fps), the sound's packet span; copy k is shifted by k periods
      // (the span from the first packet's start: an AAC stream starts before 0 by its encoder delay)
      const period = new Map<number, bigint>();
      const first = new Map<number, bigint>();
      for (const p of kept) {
        const end = p.pts + (p.duration > 0n ? p.duration : 1n);
        if (!(period.get(p.streamIndex)! >= end)) period.set(p.streamIndex, end);
        if (!(first.get(p.streamIndex)! <= p.pts)) first.set(p.streamIndex, p.pts);
      }
      for (const [s, f] of first) if (f < 0n) period.set(s, period.get(s)! - f);
      if (v && vs && !vs.times) {
        const tb = oc.streams[v.streamIndex]!.timeBase;
        period.set(v.streamIndex, BigInt(Math.round((vs.frames / vs.fps) * (tb.den / tb.num))));
      }
      for (let k = 0; k < repeat; k++) {
        for (const p of kept) {
          const q = p.clone()!;
          const off = BigInt(k) * period.get(p.streamIndex)!;
          q.pts = p.pts + off;
          q.dts = p.dts + off;
          check(oc.interleavedWriteFrameSync(q), 'write packet');
          q.free();
        }
      }
      for (const p of kept) p.free();
    }
    check(await oc.interleavedWriteFrame(null), 'flush muxer');
    check(await oc.writeTrailer(), 'write trailer');
  } finally {
    v?.ctx.freeContext();
    a?.ctx.freeContext();
    pkt.free();
    await oc.closeOutput();
    oc.freeContext();
  }
}

function audioBuffer(ch: Float32Array[], pos: number, n: number, nOut: number, fmt: AVSampleFormat): Buffer {
  const nc = ch.length;
  if (fmt === AV_SAMPLE_FMT_FLTP) {
    const out = new Float32Array(nOut * nc);
    for (let c = 0; c < nc; c++) out.set(ch[c]!.subarray(pos, pos + n), c * nOut);
    return Buffer.from(out.buffer);
  }
  if (fmt === AV_SAMPLE_FMT_FLT) {
    const out = new Float32Array(nOut * nc);
    for (let i = 0; i < n; i++) for (let c = 0; c < nc; c++) out[i * nc + c] = ch[c]![pos + i]!;
    return Buffer.from(out.buffer);
  }
  if (fmt === AV_SAMPLE_FMT_S16) {
    const out = new Int16Array(nOut * nc);
    for (let i = 0; i < n; i++) for (let c = 0; c < nc; c++) out[i * nc + c] = Math.max(-32768, Math.min(32767, Math.round(ch[c]![pos + i]! * 32768)));
    return Buffer.from(out.buffer);
  }
  // s16p (e.g. some encoders) and fltp-like planar 16-bit
  const out = new Int16Array(nOut * nc);
  for (let c = 0; c < nc; c++) for (let i = 0; i < n; i++) out[c * nOut + i] = Math.max(-32768, Math.min(32767, Math.round(ch[c]![pos + i]! * 32768)));
  return Buffer.from(out.buffer);
}

/** A sine tone (or silence with freq 0) of `sec` seconds. */
export function tone(sec: number, sampleRate: number, freq: number, amp = 0.3, channels = 2): Float32Array[] {
  const n = Math.round(sec * sampleRate);
  return Array.from({ length: channels }, () => {
    const x = new Float32Array(n);
    if (freq > 0) for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / sampleRate);
    return x;
  });
}

/** A flat RGB picture with a diagonal band (so orientation is visible), colour from `rgb`. */
export function bandPicture(w: number, h: number, rgb: [number, number, number], band: [number, number, number] = [255, 255, 255]): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const inBand = Math.abs(x / w - y / h) < 0.08 || (x < w / 4 && y < h / 4);
      const c = inBand ? band : rgb;
      out[o] = c[0];
      out[o + 1] = c[1];
      out[o + 2] = c[2];
    }
  }
  return out;
}

/** 16-bit PCM WAV of float channels (rounded as the video writer rounds PCM: v·32768, clamped). */
export function pcmWav(channels: Float32Array[], rate: number): Buffer {
  const nc = channels.length, n = channels[0]!.length;
  const b = Buffer.alloc(44 + n * nc * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * nc * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(nc, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * nc * 2, 28); b.writeUInt16LE(nc * 2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * nc * 2, 40);
  for (let i = 0; i < n; i++) for (let c = 0; c < nc; c++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(channels[c]![i]! * 32768))), 44 + (i * nc + c) * 2);
  return b;
}
