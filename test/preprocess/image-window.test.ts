/**
 * The vision inputs compute only the crop window of the short-side resize (issue 15: a 40×63698 GIF strip made a
 * 224×356708 intermediate, 900 MB resident and 20 s). The window must be byte-identical to resizing everything and
 * cropping, on both resize engines and for every axis combination.
 */
import { describe, expect, it } from 'vitest';
import { imagebindVision } from '../../src-main/preprocess/image/imagebind-vision';
import { internvlVision } from '../../src-main/preprocess/image/internvl-vision';
import { visionInputs } from '../../src-main/preprocess/image/vision-inputs';
import { IMAGEBIND_LUTS, imagebindCrop } from '../../src-main/preprocess/image/imagebind-vision';
import { internvlCrop } from '../../src-main/preprocess/image/internvl-vision';
import { pillowResizeBicubic, pillowResizeBicubicWindow } from '../../src-main/preprocess/image/pillow-resize';
import type { RgbImage } from '../../src-main/preprocess/image/types';
import { cropToCHW, shortSideSize } from '../../src-main/preprocess/image/vision-common';

function noise(w: number, h: number, seed: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) data[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
  return { width: w, height: h, data };
}

function crop(img: RgbImage, left: number, top: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + w) * 3), y * w * 3);
  return out;
}

describe('pillowResizeBicubicWindow = pillowResizeBicubic + crop', () => {
  const cases: [number, number, number, number][] = [
    [37, 91, 224, 551], // up both
    [500, 300, 373, 224], // down both
    [224, 900, 224, 420], // vertical only
    [900, 224, 420, 224], // horizontal only
    [64, 64, 64, 64], // none
  ];
  for (const engine of ['wasm', 'js'] as const) {
    for (const [w, h, ow, oh] of cases) {
      it(`${w}×${h} → ${ow}×${oh} (${engine})`, () => {
        const img = noise(w, h, w * 31 + h);
        const full = pillowResizeBicubic(img, ow, oh, engine);
        for (const [l, t, ww, wh] of [[0, 0, ow, oh], [Math.floor(ow / 3), Math.floor(oh / 4), Math.ceil(ow / 2), Math.ceil(oh / 3)], [ow - 1, oh - 1, 1, 1], [0, oh - 7, ow, 7]] as const) {
          const win = pillowResizeBicubicWindow(img, ow, oh, { left: l, top: t, width: ww, height: wh }, engine);
          expect(win.width).toBe(ww);
          expect(win.height).toBe(wh);
          expect(Buffer.from(win.data).equals(Buffer.from(crop(full, l, t, ww, wh))), `window ${ww}×${wh} at ${l},${t}`).toBe(true);
        }
      });
    }
  }
});

describe('vision inputs of a long strip compute the crop only', () => {
  it('a 20×6000 strip: same tensors as resizing the whole strip to 224×67200 and cropping', () => {
    const img = noise(20, 6000, 7);
    const [W, H] = shortSideSize(20, 6000, 224);
    const full = pillowResizeBicubic(img, W, H);
    const [l, t] = imagebindCrop([W, H]);
    const ref = cropToCHW(full, l, t, 224, IMAGEBIND_LUTS);
    const ib = imagebindVision(img);
    expect(ib.resized).toEqual([224, 67200]);
    expect([ib.cropLeft, ib.cropTop]).toEqual([l, t]);
    expect(Buffer.from(ib.tensor.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    const both = visionInputs(img, { imagebind: true, internvl: true });
    expect(Buffer.from(both.imagebind!.tensor.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    const vl = internvlVision(img);
    expect([vl.cropLeft, vl.cropTop]).toEqual(internvlCrop([W, H]));
    expect(Buffer.from(both.internvl!.tensor.buffer).equals(Buffer.from(vl.tensor.buffer))).toBe(true);
  });

  it('the 40×63698 strip the fuzzer found (a GIF frame taller than its screen) prepares with a bounded intermediate', () => {
    const img = noise(40, 63698, 3);
    const before = process.memoryUsage().rss;
    const r = visionInputs(img, { imagebind: true, internvl: true });
    expect(r.imagebind!.resized).toEqual([224, 356708]);
    // the whole resize would be 240 MB of pixels; the window is 224 × 225 × 3
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });
});
