/**
 * A ten-hour video through the preprocessing workers (the app's path): the file shows its own progress (hashing,
 * then seconds decoded of the whole), the job can be cancelled mid-file (nothing written, nothing blamed on the file)
 * and the worker then serves the next file. Generated cheaply: 64×36 pixels, one frame a second, silent 8 kHz AAC,
 * one minute of encoded packets written 600 times. Indexing it to the end (the cap of moments per track spread over
 * the ten hours) takes about a minute here, so `npm run bench -- video` does it and prints the figures; the cap and
 * the stride are checked on a one-hour file in test/preprocess/video-decode.test.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../src-main/library/library';
import type { IndexProgress } from '../../src-main/library/service';
import { tone, writeVideoFile } from '../helpers/media/video';
import { openLibrary, tempDir } from './helpers';

const { dir, cleanup } = tempDir('video-long');
const media = join(dir, 'media');
let lib: Library;

beforeAll(async () => {
  mkdirSync(join(media, 'long'), { recursive: true });
  mkdirSync(join(media, 'short'), { recursive: true });
  const solid = (c: number[]) => Uint8Array.from({ length: 64 * 36 * 3 }, (_, i) => c[i % 3]!);
  const colours = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [200, 200, 30], [30, 200, 200], [200, 30, 200]];
  await writeVideoFile(join(media, 'long', 'ten-hours.mkv'), {
    format: 'matroska', repeat: 600,
    video: { codec: 'libx264', width: 64, height: 36, fps: 1, frames: 60, gop: 10, rgb: (i) => solid(colours[Math.floor(i / 10)]!), options: { preset: 'ultrafast', 'x264-params': 'scenecut=0' } },
    audio: { codec: 'flac', sampleRate: 8000, channels: tone(60, 8000, 0, 0, 1) }, // silence: FLAC frames of a few bytes
  });
  await writeVideoFile(join(media, 'short', 'short.mp4'), {
    format: 'mp4',
    video: { codec: 'libx264', width: 64, height: 36, fps: 10, frames: 30, gop: 10, rgb: () => solid([90, 90, 90]) },
    audio: { codec: 'aac', sampleRate: 48000, channels: tone(3, 48000, 440) },
  });
  ({ lib } = await openLibrary(join(dir, 'lib.db'), { prepWorkers: 2 })); // the app's default on 2 cores: pictures and sound in two workers
  await lib.addRoot(media);
});

afterAll(async () => {
  await lib?.close();
  cleanup();
});

function run(roots?: number[]): { progress: IndexProgress[]; done: Promise<import('../../src-main/library/service').IndexSummary>; jobId: Promise<string> } {
  const progress: IndexProgress[] = [];
  let resolveDone!: (s: import('../../src-main/library/service').IndexSummary) => void;
  const done = new Promise<import('../../src-main/library/service').IndexSummary>((r) => (resolveDone = r));
  const off = lib.on((e) => {
    if (e.type === 'progress') progress.push(e.progress);
    if (e.type === 'job-finished') {
      off();
      resolveDone(e.summary);
    }
  });
  const jobId = lib.startIndexing(roots ? { roots } : {}).then((r) => r.jobId);
  return { progress, done, jobId };
}

describe('a ten-hour video', () => {
  it('shows its own progress while it is worked on, and cancelling stops it mid-file without blaming it', async () => {
    const { progress, done, jobId } = run();
    const id = await jobId;
    // wait until the long file reports seconds decoded
    const t0 = Date.now();
    for (;;) {
      const p = progress.at(-1);
      const f = p?.files?.find((x) => x.path.endsWith('ten-hours.mkv'));
      if (f && f.stage === 'decoding' && f.done > 60) break;
      if (Date.now() - t0 > 60_000) throw new Error(`no decoding progress: ${JSON.stringify(p)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const f = progress.at(-1)!.files!.find((x) => x.path.endsWith('ten-hours.mkv'))!;
    expect(f.total).toBeGreaterThan(35_990);
    expect(f.total).toBeLessThan(36_030); // the sound track may run a few seconds past the pictures (whole frames)
    expect(progress.some((p) => p.files?.some((x) => x.stage === 'hashing'))).toBe(true);
    const tCancel = Date.now();
    await lib.cancelIndexing(id);
    const s = await done;
    expect(s.phase).toBe('cancelled');
    expect(Date.now() - tCancel).toBeLessThan(15_000);
    expect(s.failures.filter((x) => x.path.endsWith('ten-hours.mkv')).map((x) => x.reason)).toEqual([]);
    const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 10 });
    expect(items.some((i) => i.name === 'ten-hours.mkv')).toBe(false);
    expect((await lib.failures()).map((x) => `${x.path}: ${x.reason}`)).toEqual([]);
  });

  it('the worker that was preparing it serves the next file', async () => {
    const solid = Uint8Array.from({ length: 64 * 36 * 3 }, () => 60);
    await writeVideoFile(join(media, 'short', 'after.webm'), {
      format: 'webm', video: { codec: 'libvpx-vp9', width: 64, height: 36, fps: 10, frames: 30, gop: 10, rgb: () => solid },
    });
    const short = await lib.indexFolders([join(media, 'short')]);
    expect(short.failures.map((x) => `${x.path}: ${x.reason}`)).toEqual([]);
    // short.mp4 too when the cancel caught it before it was written (two workers: it runs beside the long file)
    expect(short.indexed).toBeGreaterThanOrEqual(1);
    const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 10 });
    expect(items.find((i) => i.name === 'after.webm')?.modality).toBe('video');
  });
});
