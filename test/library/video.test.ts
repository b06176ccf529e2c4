/**
 * Videos in the library, end to end with the test pack (real ONNX sessions, real SQLite, real segment files):
 * a video whose picture and sound change every 2 s at known times is indexed beside the same pictures (PNG) and
 * the same sound (WAV) as separate files; its frame moments and sound moments must carry exactly those files'
 * vectors, and queries built from them must find the right moment on the right track. Containers index with
 * their metadata; bad files are refused with their reason; an audio-only MP4 is a recording.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../src-main/library/library';
import { Repo } from '../../src-main/library/repo';
import { asStored } from '../../src-main/library/f16';
import { xorshift32 } from '../helpers/random';
import { AV_PIX_FMT_RGB24 } from 'node-av/constants';
import { pcmWav, tone, writeVideoFile } from '../helpers/media/video';
import { repoRoot } from '../helpers/fixtures';
import { PACK, openLibrary, tempDir } from './helpers';

const CLI = join(repoRoot, 'out', 'cli', 'molecule.js');

const { dir, cleanup } = tempDir('video');
const media = join(dir, 'media');
let lib: Library;
let repo: Repo;

const W = 160, H = 96, FPS = 10, CLIPS = 5, RATE = 48000;

/** Five pictures that differ in colour and layout. */
function picture(k: number): Uint8Array {
  const out = new Uint8Array(W * H * 3);
  const r = xorshift32(100 + k);
  const base = [[200, 40, 40], [30, 160, 60], [40, 60, 210], [220, 200, 30], [150, 40, 190]][k]!;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      const stripe = ((x >> (k + 2)) + (y >> 3)) & 1;
      for (let c = 0; c < 3; c++) out[o + c] = Math.max(0, Math.min(255, base[c]! + (stripe ? 40 : -40) + Math.floor(r() * 20)));
    }
  }
  return out;
}

/** Five sounds: tones and noise bursts at different pitches, 2 s each, quantised to 16-bit (written as PCM). */
function sound(k: number): Float32Array {
  const n = 2 * RATE;
  const x = new Float32Array(n);
  const r = xorshift32(7 + k);
  const f = [220, 1250, 4000, 330, 7000][k]!;
  for (let i = 0; i < n; i++) {
    const v = (k % 2 ? 0.15 * (r() - 0.5) : 0) + 0.35 * Math.sin((2 * Math.PI * f * i) / RATE) * (k === 3 ? (i % 9600 < 4800 ? 1 : 0.1) : 1);
    x[i] = Math.round(v * 32767) / 32768;
  }
  return x;
}

const pictures = Array.from({ length: CLIPS }, (_, k) => picture(k));
const sounds = Array.from({ length: CLIPS }, (_, k) => sound(k));
const track = new Float32Array(CLIPS * 2 * RATE);
sounds.forEach((s, k) => track.set(s, k * 2 * RATE));

beforeAll(async () => {
  mkdirSync(join(media, 'stills'), { recursive: true });
  mkdirSync(join(media, 'queries'), { recursive: true });
  // lossless picture (PNG frames, RGB) and PCM sound: the decoded video holds exactly the pixels and samples
  await writeVideoFile(join(media, 'changes.mkv'), {
    format: 'matroska', creationTime: '2023-07-08T09:10:11.000000Z',
    video: { codec: 'png', pixFmt: AV_PIX_FMT_RGB24, width: W, height: H, fps: FPS, frames: CLIPS * 2 * FPS, gop: 1, rgb: (i) => pictures[Math.floor(i / FPS / 2)]! },
    audio: { codec: 'pcm_s16le', sampleRate: RATE, channels: [track] },
  });
  for (let k = 0; k < CLIPS; k++) {
    writeFileSync(join(media, 'stills', `picture-${k}.png`), await sharp(Buffer.from(pictures[k]!), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
    writeFileSync(join(media, 'queries', `sound-${k}.wav`), pcmWav([sounds[k]!], RATE));
  }
  writeFileSync(join(media, 'stills', 'track.wav'), pcmWav([track], RATE));
  ({ lib } = await openLibrary(join(dir, 'lib.db')));
  repo = new Repo(lib.database);
});

afterAll(async () => {
  await lib?.close();
  cleanup();
});

const idOf = async (name: string) => {
  const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 500 });
  const it = items.find((i) => i.name === name);
  if (!it) throw new Error(`${name} not indexed`);
  return it.id;
};

describe('a video whose picture and sound change at known times', () => {
  it('indexes as a video with two tracks of moments, metadata, poster, strip and peaks', async () => {
    const s = await lib.indexFolders([media]);
    expect(s.failures).toEqual([]);
    const it = (await lib.item(await idOf('changes.mkv')))!;
    expect(it.modality).toBe('video');
    expect([it.width, it.height]).toEqual([W, H]);
    expect(it.durationSec).toBeCloseTo(10, 1);
    expect(it.exifDate).toMatch(/^2023:07:0[78] \d\d:10:11$/); // the recording's creation time, in this computer's zone
    expect(it.sampleRate).toBe(RATE);
    expect(it.video).toMatchObject({ container: 'mkv', videoCodec: 'png', audioCodec: 'pcm_s16le', frameMoments: 5, soundMoments: 5, momentStepSec: 2, rotation: 0, hdr: null });
    expect(it.video!.fps).toBeCloseTo(FPS, 3);
    expect(it.frameSpans).toEqual([[0, 2], [2, 4], [4, 6], [6, 8], [8, 10]]);
    expect(it.clipSpans).toEqual([[0, 2], [2, 4], [4, 6], [6, 8], [8, 10]]);
    expect(existsSync(it.thumbnailPath!)).toBe(true);
    const strip = it.video!.strip!;
    expect(strip.tiles).toBe(5);
    expect(strip.times).toEqual([0, 2, 4, 6, 8]);
    const sm = await sharp(strip.file).metadata();
    expect([sm.width, sm.height]).toEqual([strip.tiles * strip.tileWidth, strip.tileHeight]);
    expect(it.peaks!.length).toBeGreaterThan(100);
  });

  it("frame moments carry exactly the vectors of the same pictures indexed as PNG files", async () => {
    const video = await idOf('changes.mkv');
    const clips = repo.clips(video, lib.engineSpace.packId)!;
    const d = lib.engineSpace.dim;
    expect(clips.frameCount).toBe(5);
    const sound = clips.spans.length - clips.frameCount;
    for (let k = 0; k < CLIPS; k++) {
      const png = repo.vectorsOf(await idOf(`picture-${k}.png`), lib.engineSpace.packId)!;
      const frame = clips.vectors.subarray((sound + k) * d, (sound + k + 1) * d);
      expect(Array.from(frame), `frame moment ${k}`).toEqual(Array.from(png.base));
    }
    // the video's own vector is the mean of its pictures (what it looks like overall)
    const mean = new Float64Array(d);
    for (let k = 0; k < CLIPS; k++) for (let i = 0; i < d; i++) mean[i]! += clips.vectors[(sound + k) * d + i]!;
    const n = Math.hypot(...mean);
    const item = repo.vectorsOf(video, lib.engineSpace.packId)!;
    const want = asStored(Float32Array.from(mean, (v) => v / n));
    for (let i = 0; i < d; i++) expect(item.base[i]).toBeCloseTo(want[i]!, 3);
  });

  it('sound moments carry exactly the clip vectors (base and expert) of the same sound indexed as a WAV file', async () => {
    const v = repo.clips(await idOf('changes.mkv'), lib.engineSpace.packId)!;
    const w = repo.clips(await idOf('track.wav'), lib.engineSpace.packId)!;
    const d = lib.engineSpace.dim;
    expect(w.frameCount).toBe(0);
    expect(v.spans.slice(0, 5)).toEqual(w.spans);
    expect(v.experts).not.toBeNull();
    expect(Array.from(v.vectors.subarray(0, 5 * d))).toEqual(Array.from(w.vectors));
    expect(Array.from(v.experts!)).toEqual(Array.from(w.experts!));
    expect(Array.from(v.c.subarray(0, 5))).toEqual(Array.from(w.c));
    expect(v.factor).toBe('audio');
  });

  it('finds the moment by its picture (an image query) on the frames track', async () => {
    for (const k of [1, 3]) {
      const r = await lib.search({ imagePath: join(media, 'stills', `picture-${k}.png`), in: 'video', k: 5 });
      const h = r.results[0]!;
      expect(h.modality).toBe('video');
      expect(h.clip).toMatchObject({ startSec: 2 * k, endSec: 2 * k + 2 });
      const bestFrames = h.moments!.find((m) => m.track !== 'sound')!;
      expect(bestFrames.startSec).toBe(2 * k);
      expect(bestFrames.score).toBeGreaterThan(0.999); // the same picture
      const bestSound = h.moments!.find((m) => m.track === 'sound');
      expect(h.track).toBe(bestSound && bestSound.startSec === 2 * k ? 'both' : 'frames');
    }
  });

  it('finds the moment by its sound (an audio query) on the sound track', async () => {
    for (const k of [0, 2, 4]) {
      const r = await lib.search({ audioPath: join(media, 'queries', `sound-${k}.wav`), in: 'video', k: 5 });
      const h = r.results[0]!;
      const bestSound = h.moments!.find((m) => m.track !== 'frames')!;
      expect(bestSound.startSec, `sound ${k}`).toBe(2 * k);
      expect(h.clip!.startSec).toBe(2 * k);
      expect(['sound', 'both']).toContain(h.track);
    }
  });

  it('a query of that picture and that sound together finds the moment by both', async () => {
    const q = `image:${join(media, 'stills', 'picture-2.png')} + audio:${join(media, 'queries', 'sound-2.wav')}`;
    const r = await lib.search({ query: q, in: 'video', k: 5 });
    const h = r.results[0]!;
    expect(h.clip).toEqual({ startSec: 4, endSec: 6, track: 'both' });
    expect(h.track).toBe('both');
  });

  it('the live factors apply to sound moments as to recordings (no model run)', async () => {
    const q = { audioPath: join(media, 'queries', 'sound-3.wav'), in: 'video' as const, k: 5 };
    const a = await lib.search({ ...q, factors: { text: 0.1, audio: 0.0 } });
    const b = await lib.rerank(a.queryId, { text: 0.1, audio: 0.9 });
    // the moment that is the query itself scores 1 under any factor; the others move with the audio factor
    const sound = (r: typeof a, t: number) => r.results[0]!.moments!.find((m) => m.track === 'sound' && m.startSec === t)!.score;
    expect(sound(a, 6)).toBeCloseTo(1, 4);
    expect(sound(b, 6)).toBeCloseTo(1, 4);
    for (const t of [0, 2, 4, 8]) expect(Math.abs(sound(a, t) - sound(b, t)), `moment at ${t} s`).toBeGreaterThan(1e-3);
    // and the hit follows: the same video, its best moment still the query's own
    expect(b.results[0]!.itemId).toBe(a.results[0]!.itemId);
    expect(b.results[0]!.clip!.startSec).toBe(6);
  });
});

describe('two preprocessing workers share a video (pictures in one, sound in the other)', () => {
  it('store exactly what one pass in this thread stored: moments, vectors, peaks, metadata', async () => {
    const { lib: two } = await openLibrary(join(dir, 'two.db'), { prepWorkers: 2 });
    try {
      const s = await two.indexFolders([media]);
      expect(s.failures).toEqual([]);
      const find = async (l: Library) => (await l.listItems({ modality: 'video', sort: 'name', offset: 0, limit: 5 })).items[0]!.id;
      const a = (await lib.item(await find(lib)))!, b = (await two.item(await find(two)))!;
      for (const k of ['modality', 'width', 'height', 'durationSec', 'sampleRate', 'channels', 'exifDate', 'date', 'frameSpans', 'clipSpans'] as const) expect(b[k], k).toEqual(a[k]);
      expect({ ...b.video, strip: null }).toEqual({ ...a.video, strip: null });
      expect(b.video!.strip!.times).toEqual(a.video!.strip!.times);
      expect(Array.from(b.peaks!)).toEqual(Array.from(a.peaks!));
      const ca = repo.clips(a.id, lib.engineSpace.packId)!, cb = new Repo(two.database).clips(b.id, two.engineSpace.packId)!;
      expect(cb.frameCount).toBe(ca.frameCount);
      expect(cb.spans).toEqual(ca.spans);
      expect(Array.from(cb.vectors)).toEqual(Array.from(ca.vectors));
      expect(Array.from(cb.experts!)).toEqual(Array.from(ca.experts!));
      expect(Array.from(cb.c)).toEqual(Array.from(ca.c));
    } finally {
      await two.close();
    }
  });
});

describe('the CLI (molecule index / search --json) with videos', () => {
  it('indexes the video through the preprocessing workers; hits carry modality, start, end and track', () => {
    const db = join(dir, 'cli.db');
    const idx = spawnSync(process.execPath, [CLI, 'index', media, '--db', db, '--pack', PACK, '--quiet', '--no-checksums', '--workers', '1'], { encoding: 'utf8' });
    expect(idx.status, idx.stderr).toBe(0);
    expect(JSON.parse(idx.stdout)).toMatchObject({ indexed: CLIPS + 1 + CLIPS + 1, failed: 0, failures: [] });
    const search = (...a: string[]) => {
      const r = spawnSync(process.execPath, [CLI, 'search', '--db', db, '--json', ...a], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout).results as { path: string; modality: string; start?: number; end?: number; track?: string }[];
    };
    const byPicture = search('--image', join(media, 'stills', 'picture-3.png'), '--in', 'video', '-k', '1');
    expect(byPicture).toHaveLength(1);
    expect(byPicture[0]).toMatchObject({ modality: 'video', start: 6, end: 8 });
    expect(byPicture[0]!.path).toMatch(/changes\.mkv$/);
    expect(['frames', 'both']).toContain(byPicture[0]!.track);
    const bySound = search('--audio', join(media, 'queries', 'sound-4.wav'), '--in', 'video', '-k', '1');
    expect(bySound[0]).toMatchObject({ modality: 'video', start: 8, end: 10 });
    expect(['sound', 'both']).toContain(bySound[0]!.track);
    const both = search('--query', `image:${join(media, 'stills', 'picture-1.png')} + audio:${join(media, 'queries', 'sound-1.wav')}`, '--in', 'video', '-k', '1');
    expect(both[0]).toMatchObject({ modality: 'video', start: 2, end: 4, track: 'both' });
    // everything: images, recordings (moments on the sound track) and the video
    const all = search('--text', 'a tone', '-k', '20');
    expect(new Set(all.map((h) => h.modality))).toEqual(new Set(['image', 'audio', 'video']));
    for (const h of all) {
      if (h.modality === 'image') expect(h.start).toBeUndefined();
      else expect(h.end! - h.start!).toBeCloseTo(2, 5);
      if (h.modality === 'audio') expect(h.track).toBe('sound');
    }
    const bad = spawnSync(process.execPath, [CLI, 'search', '--db', db, '--text', 'x', '--in', 'film'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/image, audio, video or all/);
  });
});

describe('video containers and bad video files', () => {
  const sub = () => join(dir, 'kinds');
  beforeAll(async () => {
    mkdirSync(sub(), { recursive: true });
    const solid = (c: number[]) => Uint8Array.from({ length: 64 * 48 * 3 }, (_, i) => c[i % 3]!);
    const v = (codec: 'libx264' | 'libvpx-vp9' | 'mpeg4' | 'libx265', extra: object = {}) => ({ codec, width: 64, height: 48, fps: 10, frames: 40, gop: 10, rgb: (i: number) => solid(i < 20 ? [200, 30, 30] : [30, 30, 200]), ...extra });
    const a = (codec: 'aac' | 'libopus' | 'pcm_s16le' | 'flac', rate = 48000) => ({ codec, sampleRate: rate, channels: tone(4, rate, 440) });
    await writeVideoFile(join(sub(), 'phone.mp4'), { format: 'mp4', video: v('libx264', { rotation: 90 }), audio: a('aac'), creationTime: '2024-05-06T07:08:09.000000Z' });
    await writeVideoFile(join(sub(), 'camera.mov'), { format: 'mov', video: v('libx265'), audio: a('aac', 44100) });
    await writeVideoFile(join(sub(), 'clip.m4v'), { format: 'ipod', video: v('libx264'), audio: a('aac') });
    await writeVideoFile(join(sub(), 'talk.mkv'), { format: 'matroska', video: v('libvpx-vp9'), audio: a('flac') });
    await writeVideoFile(join(sub(), 'web.webm'), { format: 'webm', video: v('libvpx-vp9'), audio: a('libopus') });
    await writeVideoFile(join(sub(), 'old.avi'), { format: 'avi', video: v('mpeg4'), audio: a('pcm_s16le', 32000) });
    await writeVideoFile(join(sub(), 'mute.mp4'), { format: 'mp4', video: v('libx264') });
    await writeVideoFile(join(sub(), 'voice.mp4'), { format: 'mp4', audio: a('aac') });
    // bad ones
    await writeVideoFile(join(sub(), 'cut.mp4'), { format: 'mp4', video: v('libx264', { frames: 200 }) });
    const b = readFileSync(join(sub(), 'cut.mp4'));
    const mdat = b.indexOf('mdat') - 4;
    truncateSync(join(sub(), 'cut.mp4'), mdat + Math.floor(b.readUInt32BE(mdat) / 2));
    writeFileSync(join(sub(), 'empty.mov'), '');
    writeFileSync(join(sub(), 'noise.mkv'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 255)));
    await writeVideoFile(join(sub(), 'alien.avi'), { format: 'avi', video: v('mpeg4') });
    const al = readFileSync(join(sub(), 'alien.avi'));
    for (let i = al.indexOf('FMP4'); i >= 0; i = al.indexOf('FMP4', i + 4)) al.write('ZZZZ', i, 'latin1');
    writeFileSync(join(sub(), 'alien.avi'), al);
  });

  it('indexes MP4, MOV, M4V, MKV, WebM and AVI with their metadata; refuses the bad ones with their reason', async () => {
    const s = await lib.indexFolders([sub()]);
    const reasons = Object.fromEntries(s.failures.map((f) => [f.path.split('/').pop(), f.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['alien.avi', 'cut.mp4', 'empty.mov', 'noise.mkv']);
    expect(reasons['cut.mp4']).toMatch(/truncated MP4\/MOV: no moov atom/);
    expect(reasons['empty.mov']).toMatch(/empty file/);
    expect(reasons['noise.mkv']).toMatch(/not a readable video container/);
    expect(reasons['alien.avi']).toMatch(/video codec "ZZZZ" is not supported/);
    const want: Record<string, { codec: string; audio: string | null; w: number; h: number }> = {
      'phone.mp4': { codec: 'h264', audio: 'aac', w: 48, h: 64 },
      'camera.mov': { codec: 'hevc', audio: 'aac', w: 64, h: 48 },
      'clip.m4v': { codec: 'h264', audio: 'aac', w: 64, h: 48 },
      'talk.mkv': { codec: 'vp9', audio: 'flac', w: 64, h: 48 },
      'web.webm': { codec: 'vp9', audio: 'opus', w: 64, h: 48 },
      'old.avi': { codec: 'mpeg4', audio: 'pcm_s16le', w: 64, h: 48 },
      'mute.mp4': { codec: 'h264', audio: null, w: 64, h: 48 },
    };
    for (const [name, w] of Object.entries(want)) {
      const it = (await lib.item(await idOf(name)))!;
      expect(it.modality, name).toBe('video');
      expect([it.width, it.height], name).toEqual([w.w, w.h]);
      expect(it.durationSec, name).toBeCloseTo(4, 0);
      expect(it.video!.videoCodec, name).toBe(w.codec);
      expect(it.video!.audioCodec, name).toBe(w.audio);
      expect(it.video!.frameMoments, name).toBe(2);
      // an encoder may pad the last sound frame (FLAC: 4.032 s): a tail of ≥ 25 ms is a moment of its own
      if (w.audio) expect(it.video!.soundMoments, name).toBeGreaterThanOrEqual(2);
      if (w.audio) expect(it.video!.soundMoments, name).toBeLessThanOrEqual(3);
      else expect(it.video!.soundMoments, name).toBe(0);
      expect(it.peaks === null, name).toBe(w.audio === null);
      expect(existsSync(it.thumbnailPath!), name).toBe(true);
      expect(statSync(it.thumbnailPath!).size, name).toBeGreaterThan(0);
    }
    const phone = (await lib.item(await idOf('phone.mp4')))!;
    expect(phone.video!.rotation).toBe(90);
    expect(Date.UTC(2024, 4, 6, 7, 8, 9) - phone.date).toBeLessThanOrEqual(14 * 3600_000); // shown in this computer's zone
    const poster = await sharp(phone.thumbnailPath!).metadata();
    expect(poster.height! > poster.width!).toBe(true); // portrait, as the phone showed it
    // a sound-only MP4 is a recording
    const voice = (await lib.item(await idOf('voice.mp4')))!;
    expect(voice.modality).toBe('audio');
    expect(voice.durationSec).toBeCloseTo(4, 1);
    expect(voice.clipSpans!.length).toBe(2);
    // listing and search by kind
    const vids = await lib.listItems({ modality: 'video', sort: 'name', offset: 0, limit: 50 });
    expect(vids.items.map((i) => i.name)).toEqual(expect.arrayContaining(Object.keys(want)));
    const r = await lib.search({ text: 'a red picture', in: 'video', k: 50 });
    expect(r.results.every((h) => h.modality === 'video' && h.clip && h.track)).toBe(true);
  });

  it('re-scanning changes nothing (videos are unchanged, failures are remembered)', async () => {
    const s = await lib.indexFolders([sub()]);
    expect(s.indexed).toBe(0);
    expect(s.failed).toBe(4);
  });
});
