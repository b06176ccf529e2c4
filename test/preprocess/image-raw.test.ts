import { describe, expect, it } from 'vitest';
import { decodeImageRGB } from '../../src-main/preprocess/image/decode';
import { extractRawPreview, isRawFile } from '../../src-main/preprocess/image/raw-preview';
import { patternJpeg, RAW_KINDS, writeRaw } from '../helpers/media/raw';

describe('camera RAW: the embedded JPEG preview, orientation and capture date', async () => {
  const preview = await patternJpeg(1200, 800);
  const thumb = await patternJpeg(160, 120);
  const exif = { orientation: 8, dateTimeOriginal: '2021:09:10 11:12:13', make: 'Maker', model: 'Cam 1' };

  for (const kind of RAW_KINDS) {
    it(`${kind}: picks the full-size preview over the thumbnail and the lossless sensor strip`, async () => {
      const raw = await writeRaw(kind, { preview, thumb, exif });
      expect(isRawFile(raw, `x.${kind}`)).toBe(true);
      const p = extractRawPreview(raw);
      expect([p.width, p.height]).toEqual([1200, 800]);
      expect(p.candidates).toBeGreaterThanOrEqual(['orf', 'rw2', 'raf', 'arw'].includes(kind) ? 1 : 2);
      expect(p.orientation).toBe(8);
      expect(p.date).toBe('2021:09:10 11:12:13');
      // The preview decodes like a JPEG: pixels as stored (no rotation), same as decoding the JPEG itself.
      const img = await decodeImageRGB(raw, { name: `x.${kind}` });
      const ref = await decodeImageRGB(preview, { name: 'p.jpg' });
      expect([img.width, img.height]).toEqual([1200, 800]);
      expect(Buffer.compare(Buffer.from(img.data), Buffer.from(ref.data))).toBe(0);
    });

    it(`${kind}: without a full-size preview the largest thumbnail is used`, async () => {
      const raw = await writeRaw(kind, { preview, thumb, exif, noPreview: true });
      const p = extractRawPreview(raw);
      expect([p.width, p.height]).toEqual([160, 120]);
    });
  }

  it('a .tif stays a TIFF; a truncated or empty RAW is refused with its reason', async () => {
    const dng = await writeRaw('dng', { preview, thumb, exif });
    expect(isRawFile(dng, 'x.tif')).toBe(false);
    await expect(decodeImageRGB(dng.subarray(0, 60), { name: 'cut.dng' })).rejects.toThrow(/cut\.dng: .*(no embedded JPEG|truncated|past the end)/);
    const raf = await writeRaw('raf', { preview, thumb, exif });
    await expect(decodeImageRGB(raf.subarray(0, 400), { name: 'cut.raf' })).rejects.toThrow(/past the end|truncated/);
    const cr3 = await writeRaw('cr3', { preview, thumb, exif });
    await expect(decodeImageRGB(cr3.subarray(0, cr3.length - 10_000), { name: 'cut.cr3' })).rejects.toThrow(/past the end|truncated/);
  });
});
