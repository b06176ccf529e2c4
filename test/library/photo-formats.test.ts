import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Repo } from '../../src-main/library/repo';
import type { Library } from '../../src-main/library/library';
import { writeHeic } from '../helpers/media/heif';
import { patternJpeg, RAW_KINDS, writeRaw } from '../helpers/media/raw';
import { openLibrary, tempDir } from './helpers';

const { dir, cleanup } = tempDir('photo-formats');
const media = join(dir, 'media');
let lib: Library;

const exif = { orientation: 6, dateTimeOriginal: '2022:03:04 05:06:07', make: 'Maker', model: 'Cam' };

beforeAll(async () => {
  mkdirSync(media, { recursive: true });
  const preview = await patternJpeg(600, 400);
  const thumb = await patternJpeg(160, 120);
  for (const k of RAW_KINDS) writeFileSync(join(media, `IMG_${k.toUpperCase()}.${k === 'dng' ? 'DNG' : k}`), await writeRaw(k, { preview, thumb, exif }));
  // The camera's JPEG of the DNG shot, next to it (same stem): shown as related, and the same picture.
  writeFileSync(join(media, 'IMG_DNG.jpg'), preview);
  const rgb = await sharp(preview).raw().toBuffer();
  writeFileSync(join(media, 'phone.heic'), await writeHeic({ rgb, width: 600, height: 400, grid: true, rotation: 90, exif: { dateTimeOriginal: '2024:01:02 03:04:05', orientation: 6 } }));
  const whole = await writeHeic({ rgb, width: 600, height: 400 });
  writeFileSync(join(media, 'broken.heic'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  writeFileSync(join(media, 'broken.nef'), Buffer.from('MM\0*\0\0\0\x08\0\0\0\0\0\0\0\0\0\0', 'latin1'));
  ({ lib } = await openLibrary(join(dir, 'lib.db')));
});

afterAll(async () => {
  await lib?.close();
  cleanup();
});

describe('HEIC and camera RAW in the library', () => {
  it('indexes every RAW kind and HEIC with size, orientation-aware dimensions, capture date and a thumbnail; bad ones fail with a reason', async () => {
    const s = await lib.indexFolders([media]);
    const reasons = Object.fromEntries(s.failures.map((f) => [f.path.split('/').pop(), f.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['broken.heic', 'broken.nef']);
    expect(reasons['broken.heic']).toMatch(/HEIF.*(truncated|past the end)/);
    expect(reasons['broken.nef']).toMatch(/RAW preview: .*(no embedded JPEG|truncated|past the end)/);
    expect(s.indexed).toBe(RAW_KINDS.length + 2);
    const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 50 });
    const by = Object.fromEntries(items.map((i) => [i.name, i]));
    for (const k of RAW_KINDS) {
      const name = `IMG_${k.toUpperCase()}.${k === 'dng' ? 'DNG' : k}`;
      const it = (await lib.item(by[name]!.id))!;
      // Orientation 6: the 600×400 preview is shown 400×600.
      expect([it.width, it.height], name).toEqual([400, 600]);
      expect(it.exifDate, name).toBe('2022:03:04 05:06:07');
      expect(it.format, name).toBe(k);
      expect(existsSync(it.thumbnailPath!), name).toBe(true);
      const t = await sharp(it.thumbnailPath!).raw().toBuffer({ resolveWithObject: true });
      expect([t.info.width, t.info.height], name).toEqual([400, 600]);
      // Rotated 90° clockwise: the green top bar of the picture is now on the right.
      const at = (x: number, y: number) => Array.from(t.data.subarray((y * t.info.width + x) * t.info.channels, (y * t.info.width + x) * t.info.channels + 3));
      expect(at(395, 300)[1]!, name).toBeGreaterThan(150);
      expect(at(5, 300)[1]!, name).toBeLessThan(90);
    }
    const h = (await lib.item(by['phone.heic']!.id))!;
    expect([h.width, h.height, h.format, h.exifDate]).toEqual([400, 600, 'heif', '2024:01:02 03:04:05']);
    expect(existsSync(h.thumbnailPath!)).toBe(true);
  });

  it('a RAW and its JPEG of the same shot are related, and their vectors are the same picture', async () => {
    const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 50 });
    const by = Object.fromEntries(items.map((i) => [i.name, i]));
    const raw = (await lib.item(by['IMG_DNG.DNG']!.id))!;
    const jpg = (await lib.item(by['IMG_DNG.jpg']!.id))!;
    expect(raw.related.map((r) => r.path.split('/').pop())).toEqual(['IMG_DNG.jpg']);
    expect(jpg.related.map((r) => [r.path.split('/').pop(), r.format])).toEqual([['IMG_DNG.DNG', 'dng']]);
    expect((await lib.item(by['phone.heic']!.id))!.related).toEqual([]);
    const repo = new Repo(lib.database);
    const a = repo.vectorsOf(raw.id, lib.engineSpace.packId)!.base;
    const b = repo.vectorsOf(jpg.id, lib.engineSpace.packId)!.base;
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
    expect(d).toBeLessThan(1e-5);
  });
});
