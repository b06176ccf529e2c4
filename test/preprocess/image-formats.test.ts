import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeImageRGB } from '../../src-main/preprocess/image/decode';
import { generate } from './image-python';
import { describeWithPython, PIL, pythonAvailable } from '../helpers/reference-tools';

interface Entry {
  file: string;
  mode: string;
  w: number;
  h: number;
}

describeWithPython("decodeImageRGB = Pillow 9.4 Image.open(f).convert('RGB')", PIL, () => {
  const { dir, manifest } = pythonAvailable(PIL) ? generate<Entry>('formats') : { dir: '', manifest: [] as Entry[] };

  it('generated the format set', () => {
    expect(manifest.length).toBeGreaterThan(30);
  });

  for (const e of manifest) {
    it(`${e.file} (Pillow mode ${e.mode}): identical RGB pixels`, async () => {
      const img = await decodeImageRGB(join(dir, e.file));
      expect([img.width, img.height]).toEqual([e.w, e.h]);
      const want = readFileSync(join(dir, `${e.file}.rgb`));
      expect(img.data.length).toBe(want.length);
      let diff = 0;
      let maxAbs = 0;
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(img.data[i]! - want[i]!);
        if (d) diff++;
        if (d > maxAbs) maxAbs = d;
      }
      expect({ file: e.file, differing: diff, maxAbs }).toEqual({ file: e.file, differing: 0, maxAbs: 0 });
    });
  }
});

describe('AVIF (Pillow 9.4 has no AVIF reader): lossless AVIF decodes to the exact source pixels', () => {
  it('37x23 noise, lossless AVIF round trip', async () => {
    const w = 37;
    const h = 23;
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
    const avif = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).avif({ lossless: true }).toBuffer();
    expect((await sharp(avif).metadata()).compression).toBe('av1');
    const img = await decodeImageRGB(avif, { name: 'noise.avif' });
    expect([img.width, img.height]).toEqual([w, h]);
    expect(Buffer.from(img.data).equals(raw)).toBe(true);
  });
});
