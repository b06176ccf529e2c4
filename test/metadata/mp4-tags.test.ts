/**
 * MP4 / M4A tags (iTunes atoms, written here by FFmpeg's muxer inside node-av): read by readAudioMetadata, and a
 * tagged recording (.m4a) and a tagged video (.mp4) carry their metadata from their first indexing, searchable
 * by words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { readAudioMetadata } from '../../src-main/metadata/audio';
import type { Library } from '../../src-main/library/library';
import { openLibrary, tempDir } from '../library/helpers';
import { tone, writeVideoFile } from '../helpers/media/video';

const TAGS = {
  title: 'Harbour foghorn', artist: 'Coast Recordings', album: 'Maritime Vol 1', comment: 'distant foghorn across the bay',
  genre: 'Ambience', description: 'foghorn with gulls, early morning', keywords: 'fog; horn',
};
const VIDEO_TAGS = { title: 'Ferry departure', description: 'ferry leaving the quay with a horn blast', artist: 'Dock Films', genre: 'Transport' };
const W = 64, H = 48;

const t = tempDir('mp4-tags');
const root = join(t.dir, 'media');
const m4a = join(root, 'sounds', 'foghorn.m4a');
const mp4 = join(root, 'videos', 'ferry.mp4');
let lib: Library | undefined;

beforeAll(async () => {
  mkdirSync(join(root, 'sounds'), { recursive: true });
  mkdirSync(join(root, 'videos'), { recursive: true });
  await writeVideoFile(m4a, { format: 'ipod', audio: { codec: 'aac', sampleRate: 48000, channels: tone(1.5, 48000, 330) }, tags: TAGS, creationTime: '2024-05-01T06:30:00Z' });
  const rgb = (i: number) => Uint8Array.from({ length: W * H * 3 }, (_, p) => ((p % 3) * 70 + i * 11 + (p >> 5)) & 255);
  await writeVideoFile(mp4, {
    format: 'mp4',
    video: { codec: 'libx264', width: W, height: H, fps: 10, frames: 30, rgb, options: { preset: 'ultrafast' } },
    audio: { codec: 'aac', sampleRate: 48000, channels: tone(3, 48000, 440) },
    tags: VIDEO_TAGS,
    creationTime: '2024-05-01T06:40:00Z',
  });
}, 120_000);
afterAll(async () => {
  await lib?.close();
  t.cleanup();
});

describe('MP4 / M4A tags', () => {
  it('are read: title, artist, album, comment, genre, description, keywords, creation time', async () => {
    const m = await readAudioMetadata(m4a);
    expect(m).toMatchObject({
      title: 'Harbour foghorn', artist: 'Coast Recordings', album: 'Maritime Vol 1', genre: ['Ambience'],
      description: 'foghorn with gulls, early morning', comments: ['distant foghorn across the bay'], keywords: ['fog', 'horn'],
      capturedAt: Date.UTC(2024, 4, 1, 6, 30, 0), capturedFrom: 'mp4',
    });
    expect(m.warnings ?? []).toEqual([]);
  });

  it('a tagged recording and a tagged video carry them from their first indexing, searchable by words', async () => {
    const opened = await openLibrary(join(t.dir, 'db.sqlite'));
    lib = opened.lib;
    const s = await lib.indexFolders([root]);
    expect(s.failures).toEqual([]);
    const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 10 });
    const idOf = (p: string) => items.find((i) => i.path === p)!.id;
    const rec = (await lib.item(idOf(m4a)))!;
    expect(rec.modality).toBe('audio');
    expect(rec.meta).toMatchObject({ title: 'Harbour foghorn', description: 'foghorn with gulls, early morning' });
    const vid = (await lib.item(idOf(mp4)))!;
    expect(vid.modality).toBe('video');
    expect(vid.meta).toMatchObject({ title: 'Ferry departure', description: 'ferry leaving the quay with a horn blast', artist: 'Dock Films', genre: ['Transport'] });
    expect(vid.metaGroups.map((g) => g.title)).toContain('Description');

    lib.textIndex.refresh();
    expect([...lib.textIndex.matchAll('desc : "gulls"')]).toEqual([idOf(m4a)]);
    expect([...lib.textIndex.matchAll('desc : "quay"')]).toEqual([idOf(mp4)]);
    expect([...lib.textIndex.matchAll('people : "dock"')]).toEqual([idOf(mp4)]);
    const r = await lib.search({ query: 'desc:quay', k: 5 });
    expect(r.results.map((h) => h.itemId)).toEqual([idOf(mp4)]);
    expect(r.results[0]!.why!.words!.field).toBe('desc');
  }, 180_000);
});
