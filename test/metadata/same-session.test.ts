import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Library } from '../../src-main/library/library';
import { distanceM, sessionMatches } from '../../src-main/library/same-session';
import { openLibrary, tempDir } from '../library/helpers';
import { writeMetadataLibrary } from './fixtures';

let t: ReturnType<typeof tempDir>;
let lib: Library;
let files: Record<string, string>;
const idOf = new Map<string, number>();
const id = (k: string) => idOf.get(files[k]!)!;

beforeAll(async () => {
  t = tempDir('session');
  files = await writeMetadataLibrary(join(t.dir, 'lib'));
  ({ lib } = await openLibrary(join(t.dir, 'db.sqlite')));
  await lib.indexFolders([join(t.dir, 'lib')]);
  for (const it of (await lib.listItems({ sort: 'name', offset: 0, limit: 100 })).items) idOf.set(it.path, it.id);
}, 120_000);
afterAll(async () => {
  await lib?.close();
  t?.cleanup();
});

describe('same session', () => {
  it('haversine distance and the window/radius rule', () => {
    expect(distanceM(48.8566, 2.3522, 51.5074, -0.1278) / 1000).toBeCloseTo(343.5, 0); // Paris–London
    expect(distanceM(52.3701, -4.8833, 52.3701, -4.8833)).toBe(0);
    const item = { id: 1, date: 0, lat: 52, lon: 4 };
    const m = sessionMatches(item, [
      { id: 1, date: 0, lat: 52, lon: 4 }, // itself
      { id: 2, date: 60_000, lat: 52.001, lon: 4 }, // 1 min, 111 m
      { id: 3, date: -1_700_000, lat: null, lon: null }, // 28 min, no GPS: time alone decides
      { id: 4, date: 120_000, lat: 40, lon: -3 }, // far away
      { id: 5, date: 3_600_000, lat: 52, lon: 4 }, // an hour later
    ]);
    expect(m.map((x) => x.id)).toEqual([2, 3]);
    expect(m[0]!.distanceM).toBeCloseTo(111.2, 0);
    expect(m[1]).toEqual({ id: 3, dtSec: -1700, distanceM: null });
  });

  it('pairs the recording with the photo taken beside it (capture times, GPS), not the one far away', async () => {
    const r = await lib.sameSession(id('bwf'));
    expect(r.timeFrom).toBe('capture');
    expect(r.gps).toEqual({ lat: 52.3701, lon: -4.8833 });
    expect(r.hits.map((h) => h.itemId)).toEqual([id('jpeg')]);
    expect(r.hits[0]!.dtSec).toBe(300);
    expect(r.hits[0]!.distanceM!).toBeLessThan(30);
    expect(r.hits[0]!.timeFrom).toBe('capture');
    expect(r.hits[0]!.score).toBeTypeOf('number');
    // the photo sees the recording too
    expect((await lib.sameSession(id('jpeg'))).hits.map((h) => h.itemId)).toEqual([id('bwf')]);
    // wider radius: Madrid joins, ranked by agreement in the space (scores non-increasing)
    const wide = await lib.sameSession(id('bwf'), { radiusM: 5_000_000 });
    expect(new Set(wide.hits.map((h) => h.itemId))).toEqual(new Set([id('jpeg'), id('jpeg2')]));
    expect(wide.hits[0]!.score).toBeGreaterThanOrEqual(wide.hits[1]!.score);
    // narrow window
    expect((await lib.sameSession(id('bwf'), { windowSec: 120 })).hits).toEqual([]);
    // files without capture time fall back to their file date: the tagged MP3/FLAC/Ogg written together meet
    const mp3 = await lib.sameSession(id('mp3'));
    expect(mp3.timeFrom).toBe('file');
    expect(mp3.hits.map((h) => h.itemId)).toEqual(expect.arrayContaining([id('flac'), id('ucs')]));
    await expect(lib.sameSession(99999)).rejects.toThrow(/no library item/);
  });
});
