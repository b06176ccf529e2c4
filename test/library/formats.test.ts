import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { makeBmp, makeWav } from './media';
import { openLibrary, tempDir } from './helpers';

const { dir, cleanup } = tempDir('formats');
afterAll(cleanup);

describe('supported formats', () => {
  it('indexes BMP (no libvips loader), GIF, WebP, TIFF, AVIF, upper-case extensions and stereo 44.1 kHz WAV', async () => {
    const media = join(dir, 'media');
    mkdirSync(media, { recursive: true });
    makeBmp(join(media, 'a.bmp'), 1, 40, 30);
    const px = Buffer.alloc(48 * 36 * 3, 0).map((_, i) => (i * 13) & 255);
    const raw = () => sharp(px, { raw: { width: 48, height: 36, channels: 3 } });
    await raw().gif().toFile(join(media, 'b.gif'));
    await raw().webp().toFile(join(media, 'c.webp'));
    await raw().tiff().toFile(join(media, 'd.tif'));
    await raw().avif({ effort: 0 }).toFile(join(media, 'e.avif'));
    await raw().jpeg().toFile(join(media, 'F.JPG'));
    makeWav(join(media, 'g.WAV'), 3, 2.2, 44100, 2);
    const { lib } = await openLibrary(join(dir, 'lib.db'));
    try {
      const s = await lib.indexFolders([media]);
      expect(s.failures).toEqual([]);
      expect(s.indexed).toBe(7);
      const { items } = await lib.listItems({ sort: 'name', offset: 0, limit: 10 });
      const by = Object.fromEntries(items.map((i) => [i.name, i]));
      expect([by['a.bmp']!.width, by['a.bmp']!.height]).toEqual([40, 30]);
      for (const n of ['b.gif', 'c.webp', 'd.tif', 'e.avif', 'F.JPG']) {
        expect([by[n]!.width, by[n]!.height], n).toEqual([48, 36]);
        expect(existsSync(by[n]!.thumbnailPath!), n).toBe(true);
      }
      expect(existsSync(by['a.bmp']!.thumbnailPath!)).toBe(true);
      const g = (await lib.item(by['g.WAV']!.id))!;
      expect([g.sampleRate, g.channels]).toEqual([44100, 2]);
      expect(g.durationSec).toBeCloseTo(2.2, 3);
      const hit = await lib.search({ imagePath: join(media, 'a.bmp'), k: 1 });
      expect(hit.results[0]!.path).toBe(join(media, 'a.bmp'));
    } finally {
      await lib.close();
    }
  });
});
