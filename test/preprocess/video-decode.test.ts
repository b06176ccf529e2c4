/**
 * Video decoding through node-av's FFmpeg, on files written by the tests (test/helpers/media/video.ts): every
 * container's metadata, the pictures chosen for the 2-s moments, rotation, HDR, variable frame rate, the sound
 * track, and the bad inputs of issue 13 (truncated, empty, no sound, sound only, unknown codec).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openMedia, VideoError } from '../../src-main/preprocess/video/probe';
import { readMedia, type FrameMoment } from '../../src-main/preprocess/video/reader';
import { AV_PIX_FMT_YUV420P10LE } from 'node-av/constants';
import { bandPicture, tone, writeVideoFile, type VideoFileSpec } from '../helpers/media/video';

const dir = mkdtempSync(join(tmpdir(), 'video-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One solid colour per 2-s clip: clip k is COLOURS[k % n]. */
const COLOURS: [number, number, number][] = [[220, 40, 40], [40, 200, 60], [40, 60, 220], [230, 220, 40], [200, 40, 200]];
const solid = (w: number, h: number, c: [number, number, number]) => {
  const x = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) x.set(c, i * 3);
  return x;
};
const mean = (img: { data: Uint8Array }) => {
  const s = [0, 0, 0];
  for (let i = 0; i < img.data.length; i += 3) for (let k = 0; k < 3; k++) s[k]! += img.data[i + k]!;
  return s.map((v) => v / (img.data.length / 3));
};
const close = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

async function readAll(file: string, opts: { stride?: number; maxMoments?: number } = {}) {
  const m = await openMedia(file);
  const frames: FrameMoment[] = [];
  const audio: Float32Array[][] = [];
  let samples = 0;
  try {
    const r = await readMedia(m, {
      stride: opts.stride ?? 1, maxMoments: opts.maxMoments ?? 1800, frames: true, audio: true,
      onFrame: (f) => void frames.push(f),
      onAudio: (c) => {
        audio.push(c.channels);
        samples += c.channels[0]!.length;
      },
    });
    return { info: m.info, r, frames, audio, samples };
  } finally {
    await m.close();
  }
}

const W = 160, H = 96, FPS = 25, SEC = 10;
const colourVideo = (over: Partial<VideoFileSpec['video']> = {}): VideoFileSpec['video'] => ({
  codec: 'libx264', width: W, height: H, fps: FPS, frames: FPS * SEC, gop: FPS, options: { preset: 'ultrafast', crf: '8' },
  rgb: (i) => solid(W, H, COLOURS[Math.floor(i / FPS / 2) % COLOURS.length]!), ...over,
});

describe('video containers: metadata and moments', () => {
  const cases: { name: string; spec: VideoFileSpec; codec: string; audio: string | null; date: boolean }[] = [
    { name: 'clip.mp4', spec: { format: 'mp4', video: colourVideo(), audio: { codec: 'aac', sampleRate: 48000, channels: tone(SEC, 48000, 440) }, creationTime: '2021-06-01T12:34:56.000000Z' }, codec: 'h264', audio: 'aac', date: true },
    { name: 'clip.mov', spec: { format: 'mov', video: colourVideo({ codec: 'libx265', options: { preset: 'ultrafast', crf: '10' } }), audio: { codec: 'aac', sampleRate: 44100, channels: tone(SEC, 44100, 330, 0.3, 1) }, creationTime: '2022-02-03T04:05:06.000000Z' }, codec: 'hevc', audio: 'aac', date: true },
    { name: 'clip.m4v', spec: { format: 'ipod', video: colourVideo(), audio: { codec: 'aac', sampleRate: 48000, channels: tone(SEC, 48000, 550) } }, codec: 'h264', audio: 'aac', date: false },
    { name: 'clip.mkv', spec: { format: 'matroska', video: colourVideo({ codec: 'libvpx-vp9', options: { deadline: 'realtime', 'cpu-used': '8', crf: '4', 'b:v': '0' } }), audio: { codec: 'flac', sampleRate: 48000, channels: tone(SEC, 48000, 660) }, creationTime: '2020-12-24T18:00:00.000000Z' }, codec: 'vp9', audio: 'flac', date: true },
    { name: 'clip.webm', spec: { format: 'webm', video: colourVideo({ codec: 'libvpx-vp9', options: { deadline: 'realtime', 'cpu-used': '8', crf: '4', 'b:v': '0' } }), audio: { codec: 'libopus', sampleRate: 48000, channels: tone(SEC, 48000, 440) } }, codec: 'vp9', audio: 'opus', date: false },
    { name: 'clip.avi', spec: { format: 'avi', video: colourVideo({ codec: 'mpeg4', options: { qscale: '2' } }), audio: { codec: 'pcm_s16le', sampleRate: 32000, channels: tone(SEC, 32000, 440) } }, codec: 'mpeg4', audio: 'pcm_s16le', date: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.codec}${c.audio ? ` + ${c.audio}` : ''}, moments show the right picture`, async () => {
      const file = join(dir, c.name);
      await writeVideoFile(file, c.spec);
      const { info, r, frames, samples } = await readAll(file);
      expect(info.video).toMatchObject({ codec: c.codec, width: W, height: H, displayWidth: W, displayHeight: H, rotation: 0, bitDepth: 8, hdr: null });
      expect(info.video!.fps).toBeCloseTo(FPS, 0);
      expect(info.durationSec).toBeGreaterThan(SEC - 0.2);
      expect(info.durationSec).toBeLessThan(SEC + 0.2);
      expect(info.audio).toMatchObject({ codec: c.audio, sampleRate: c.spec.audio!.sampleRate, channels: c.spec.audio!.channels.length });
      if (c.date) expect(Date.parse(info.creationTime!)).toBe(Date.parse(c.spec.creationTime!));
      else expect(info.creationTime).toBeNull();
      // five 2-s moments, each with the colour its clip was painted
      expect(frames.map((f) => [f.startSec, f.endSec])).toEqual([[0, 2], [2, 4], [4, 6], [6, 8], [8, 10]]);
      frames.forEach((f, k) => {
        expect(f.frameSec).toBeGreaterThanOrEqual(f.startSec);
        expect(f.frameSec).toBeLessThan(f.endSec);
        expect(close(mean(f.image!), COLOURS[k]!, 12)).toBe(true);
      });
      // keyframes every second: every moment is one decoded keyframe, nothing more is decoded
      expect(r.keyframeMoments).toBe(5);
      expect(r.framesDecoded).toBeLessThanOrEqual(5 + 5 * 2);
      expect(Math.abs(samples / c.spec.audio!.sampleRate - SEC)).toBeLessThan(0.1);
      expect(r.audioError).toBeNull();
    });
  }

  it('PCM sound comes out sample for sample', async () => {
    const file = join(dir, 'pcm.mkv');
    const ch = tone(3, 48000, 997, 0.5, 2);
    ch[1]!.forEach((_, i) => (ch[1]![i] = Math.round(((i % 200) / 200 - 0.5) * 32768) / 32768));
    const q = ch.map((x) => x.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))) / 32768 + 0));
    await writeVideoFile(file, { format: 'matroska', video: colourVideo({ frames: 3 * FPS }), audio: { codec: 'pcm_s16le', sampleRate: 48000, channels: q } });
    const { audio, samples } = await readAll(file);
    expect(samples).toBe(q[0]!.length);
    for (let c = 0; c < 2; c++) {
      const got = new Float32Array(samples);
      let o = 0;
      for (const a of audio) {
        got.set(a[c]!, o);
        o += a[c]!.length;
      }
      expect(Array.from(got)).toEqual(Array.from(q[c]!));
    }
  });

  it('long GOPs: the frame shown at each midpoint, decoding on through the GOP', async () => {
    const file = join(dir, 'longgop.mp4');
    await writeVideoFile(file, { format: 'mp4', video: colourVideo({ gop: 250, options: { preset: 'ultrafast', crf: '8', 'x264-params': 'scenecut=0' } }) });
    const { r, frames } = await readAll(file);
    expect(frames.map((f) => f.how)).toEqual(['keyframe', 'midpoint', 'midpoint', 'midpoint', 'midpoint']);
    frames.forEach((f, k) => {
      if (k > 0) expect(f.frameSec).toBeCloseTo(f.startSec + 1, 5);
      expect(close(mean(f.image!), COLOURS[k]!, 12)).toBe(true);
    });
    // one pass through the GOP up to the last midpoint (9 s), not a restart per moment
    expect(r.framesDecoded).toBeLessThanOrEqual(9 * FPS + 4);
  });

  it('variable frame rate: pictures at irregular times, each moment the picture shown at its midpoint', async () => {
    const file = join(dir, 'vfr.mkv');
    // frames at t = 0, 0.1, 0.3, 0.6, … (gaps growing then shrinking), colour by time
    const times: number[] = [];
    for (let t = 0, k = 0; t < 10; k++) {
      times.push(t);
      t += 0.05 + 0.45 * Math.abs(Math.sin(k / 3));
    }
    const colourAt = (t: number) => COLOURS[Math.floor(t / 2) % COLOURS.length]!;
    await writeVideoFile(file, { format: 'matroska', video: colourVideo({ frames: times.length, times: (i) => times[i]!, gop: 1000, options: { preset: 'ultrafast', crf: '8', 'x264-params': 'scenecut=0' }, rgb: (i) => solid(W, H, colourAt(times[i]!)) }) });
    const { info, frames } = await readAll(file);
    expect(info.video!.variableFrameRate || info.video!.fps === null || info.container.includes('matroska')).toBe(true);
    expect(frames.length).toBe(5);
    frames.forEach((f, k) => {
      const mid = 2 * k + 1;
      const shown = Math.max(...times.filter((t) => t <= mid + 1e-9));
      if (f.how === 'midpoint') expect(f.frameSec).toBeCloseTo(shown, 3);
      expect(close(mean(f.image!), colourAt(f.frameSec), 12)).toBe(true);
    });
  });

  it('rotated phone video: stored landscape, shown portrait (display matrix 90°)', async () => {
    const file = join(dir, 'portrait.mp4');
    const pic = bandPicture(W, H, [30, 40, 200], [250, 250, 250]); // white block at the stored top-left
    await writeVideoFile(file, { format: 'mp4', video: colourVideo({ rotation: 90, rgb: () => pic, frames: 2 * FPS }) });
    const { info, frames } = await readAll(file);
    expect(info.video).toMatchObject({ rotation: 90, width: W, height: H, displayWidth: H, displayHeight: W });
    const img = frames[0]!.image!;
    expect([img.width, img.height]).toEqual([H, W]);
    // turned clockwise: the stored top-left corner is now top-right
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    expect(close(px(img.width - 4, 4), [250, 250, 250], 20)).toBe(true);
    expect(close(px(3, 4), [30, 40, 200], 20)).toBe(true);
  });

  it('10-bit HDR (HEVC Main10, PQ and HLG): detected, tone-mapped to a visible picture', async () => {
    for (const [trc, name] of [[16, 'pq'], [18, 'hlg']] as const) {
      const file = join(dir, `hdr-${name}.mov`);
      // a mid-grey picture coded in the HDR transfer: PQ code ~0.58 ≈ 203 cd/m² (reference white), HLG 0.75
      await writeVideoFile(file, {
        format: 'mov',
        video: colourVideo({
          codec: 'libx265', pixFmt: AV_PIX_FMT_YUV420P10LE, frames: 2 * FPS, options: { preset: 'ultrafast', 'x265-params': 'log-level=error' },
          color: { primaries: 9, trc, space: 9, range: 1 },
          rgb: () => solid(W, H, name === 'pq' ? [148, 148, 148] : [191, 191, 191]),
        }),
      });
      const { info, frames } = await readAll(file);
      expect(info.video).toMatchObject({ bitDepth: 10, hdr: name, wideGamut: true });
      const m = mean(frames[0]!.image!);
      // reference white lands near SDR white, not at the dark grey a plain 8-bit conversion would give
      expect(m[0]).toBeGreaterThan(170);
      expect(Math.max(...m) - Math.min(...m)).toBeLessThan(12);
    }
  });

  it('a long video: moments spread at a stride, capped, sound and pictures read in one pass', async () => {
    const file = join(dir, 'long.mkv');
    // 60 s encoded once, written 60 times: one hour at 64×36, 1 fps, silent AAC
    await writeVideoFile(file, {
      format: 'matroska', repeat: 60,
      video: { codec: 'libx264', width: 64, height: 36, fps: 1, frames: 60, gop: 10, rgb: (i) => solid(64, 36, COLOURS[i % 5]!), options: { preset: 'ultrafast', 'x264-params': 'scenecut=0' } },
      audio: { codec: 'aac', sampleRate: 8000, channels: tone(60, 8000, 0, 0, 1), bitRate: 8000 },
    });
    const { info, r, frames, samples } = await readAll(file, { stride: 5, maxMoments: 300 });
    expect(info.durationSec).toBeGreaterThan(3599);
    expect(frames.length).toBe(300);
    expect(frames[1]!.startSec).toBe(10);
    expect(frames[299]!.startSec).toBe(2990);
    // a keyframe every 10 s starts every moment's clip: one picture decoded per moment
    expect(r.keyframeMoments).toBe(300);
    expect(r.framesDecoded).toBe(300);
    expect(samples / 8000).toBeGreaterThan(3599);
  });
});

describe('video files that cannot be read say why', () => {
  it('truncated MP4 (no moov atom)', async () => {
    const file = join(dir, 'cut.mp4');
    await writeVideoFile(file, { format: 'mp4', video: colourVideo() });
    const b = readFileSync(file);
    const mdat = b.indexOf('mdat') - 4;
    truncateSync(file, mdat + Math.floor(b.readUInt32BE(mdat) / 2)); // moov is written after the media data
    await expect(openMedia(file)).rejects.toThrow(/truncated MP4\/MOV: no moov atom/);
    const tiny = join(dir, 'cut-moov.mp4');
    await writeVideoFile(tiny, { format: 'mp4', video: colourVideo({ frames: 2 }) });
    truncateSync(tiny, statSync(tiny).size - 100); // the end of the index itself
    await expect(openMedia(tiny)).rejects.toThrow(/moov atom \(the index\) is cut short/);
  });

  it('truncated fast-start MP4 (index first): what is there is read, and the file says it is cut', async () => {
    const file = join(dir, 'cut-faststart.mp4');
    await writeVideoFile(file, { format: 'mp4', video: colourVideo(), movflags: '+faststart' });
    truncateSync(file, Math.floor(statSync(file).size * 0.55));
    const { info, frames } = await readAll(file);
    expect(info.notes.join()).toMatch(/truncated/);
    expect(frames.length).toBeGreaterThanOrEqual(1);
    expect(frames.length).toBeLessThan(5);
    // no moment past the cut borrows an earlier picture
    frames.forEach((f, k) => {
      expect(f.frameSec).toBeGreaterThanOrEqual(f.startSec);
      expect(close(mean(f.image!), COLOURS[k]!, 12)).toBe(true);
    });
  });

  it('zero-length file', async () => {
    const file = join(dir, 'empty.mov');
    writeFileSync(file, '');
    await expect(openMedia(file)).rejects.toBeInstanceOf(VideoError);
  });

  it('random bytes named .mkv', async () => {
    const file = join(dir, 'noise.mkv');
    writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255)));
    await expect(openMedia(file)).rejects.toThrow(/not a readable video container/);
  });

  it('no audio track: pictures only', async () => {
    const file = join(dir, 'silent.mp4');
    await writeVideoFile(file, { format: 'mp4', video: colourVideo({ frames: 4 * FPS }) });
    const { info, frames, samples } = await readAll(file);
    expect(info.audio).toBeNull();
    expect(frames.length).toBe(2);
    expect(samples).toBe(0);
  });

  it('audio-only MP4: no picture stream (cover art is not a picture track)', async () => {
    const file = join(dir, 'sound.mp4');
    await writeVideoFile(file, { format: 'mp4', audio: { codec: 'aac', sampleRate: 44100, channels: tone(3, 44100, 440) } });
    const m = await openMedia(file);
    expect(m.info.video).toBeNull();
    expect(m.info.audio).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 2 });
    await m.close();
  });

  it('unknown video codec (a FourCC no decoder knows)', async () => {
    const file = join(dir, 'alien.avi');
    await writeVideoFile(file, { format: 'avi', video: colourVideo({ codec: 'mpeg4', frames: FPS }) });
    const b = readFileSync(file);
    // the stream header's handler and the bitmap header's compression both say FMP4: make them ZZZZ
    let n = 0;
    for (let i = b.indexOf('FMP4'); i >= 0; i = b.indexOf('FMP4', i + 4)) {
      b.write('ZZZZ', i, 'latin1');
      n++;
    }
    expect(n).toBeGreaterThan(0);
    writeFileSync(file, b);
    await expect(openMedia(file)).rejects.toThrow(/video codec "ZZZZ" is not supported/);
  });

  it('a header declaring a picture of 40000×40000 is refused before decoding', async () => {
    const file = join(dir, 'huge.avi');
    // raw video: the size comes from the header alone (a coded stream would carry its own)
    await writeVideoFile(file, { format: 'avi', video: colourVideo({ codec: 'rawvideo', frames: 2 }) });
    const b = readFileSync(file);
    // BITMAPINFOHEADER: 'strf' size, biSize=40, then width, height (little-endian int32)
    const strf = b.indexOf('strf');
    b.writeInt32LE(20000, strf + 12);
    b.writeInt32LE(100, strf + 16);
    writeFileSync(file, b);
    await expect(openMedia(file)).rejects.toThrow(/video picture too large: 20000×100/);
    b.writeInt32LE(40000, strf + 12);
    b.writeInt32LE(40000, strf + 16);
    writeFileSync(file, b);
    // FFmpeg's own check (av_image_check_size) drops a size this large: still refused, with a reason
    await expect(openMedia(file)).rejects.toThrow(/no picture size|too large/);
  });
});
