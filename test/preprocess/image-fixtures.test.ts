import { describe, expect, it } from 'vitest';
import { decodeImageRGB } from '../../src-main/preprocess/image/decode';
import { imagebindVision } from '../../src-main/preprocess/image/imagebind-vision';
import { pillowResizeBicubic } from '../../src-main/preprocess/image/pillow-resize';
import { shortSideSize } from '../../src-main/preprocess/image/vision-common';
import { casesOf, errorStats, inputPath, readTensor, type TensorOutput } from '../helpers/fixtures';

const cases = casesOf('image').filter((c) => c.outputs.imagebind_vision);

describe('imagebind_vision against the golden fixtures', () => {
  it('has image cases to check', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    it(`${c.id}: tensor within 1e-6, resize and crop meta`, async () => {
      const img = await decodeImageRGB(inputPath(c));
      if (c.meta.decoded_size_wh) expect([img.width, img.height]).toEqual(c.meta.decoded_size_wh);
      const out = imagebindVision(img);
      const expected = readTensor(c.outputs.imagebind_vision as TensorOutput);
      expect((c.outputs.imagebind_vision as TensorOutput).shape).toEqual([3, 224, 224]);
      expect(out.tensor.length).toBe(expected.length);
      const s = errorStats(out.tensor, expected);
      console.log(`${c.id}: max ${s.max.toExponential(2)} p99.9 ${s.p999.toExponential(2)} mean ${s.mean.toExponential(2)}`);
      expect(s.max).toBeLessThanOrEqual(1e-6);
      expect(out.resized).toEqual(c.meta.resized_size_wh);
      expect(out.cropLeft).toBe(c.meta.crop_left);
      expect(out.cropTop).toBe(c.meta.crop_top);
    });
  }

  it('the WebAssembly and plain-JS resamplers agree byte for byte on every fixture image', async () => {
    for (const c of cases) {
      const img = await decodeImageRGB(inputPath(c));
      const [w, h] = shortSideSize(img.width, img.height, 224);
      const a = pillowResizeBicubic(img, w, h, 'wasm');
      const b = pillowResizeBicubic(img, w, h, 'js');
      expect(Buffer.from(a.data).equals(Buffer.from(b.data)), c.id).toBe(true);
    }
  });
});
