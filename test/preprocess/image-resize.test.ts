import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImageRGB } from '../../src-main/preprocess/image/decode';
import { imagebindVision } from '../../src-main/preprocess/image/imagebind-vision';
import { internvlVision } from '../../src-main/preprocess/image/internvl-vision';
import { pillowResizeBicubic } from '../../src-main/preprocess/image/pillow-resize';
import { roundHalfEven, shortSideSize } from '../../src-main/preprocess/image/vision-common';
import { visionInputs } from '../../src-main/preprocess/image/vision-inputs';
import { errorStats } from '../helpers/fixtures';
import { generate } from './image-python';
import { describeWithPython, PIL, pythonAvailable, TORCHVISION } from '../helpers/reference-tools';

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describeWithPython('pillowResizeBicubic = Pillow 9.4 Image.resize(size, BICUBIC)', PIL, () => {
  const { dir, manifest } = pythonAvailable(PIL)
    ? generate<{ i: number; kind: string; w: number; h: number; ow: number; oh: number }>('resize')
    : { dir: '', manifest: [] };

  it('generated the resize cases', () => expect(manifest.length).toBeGreaterThan(10));

  for (const c of manifest) {
    for (const engine of ['wasm', 'js'] as const) {
      it(`${c.kind} ${c.w}x${c.h} → ${c.ow}x${c.oh} (${engine}): identical bytes`, () => {
        const src = new Uint8Array(readFileSync(join(dir, `in_${c.i}.raw`)));
        const want = readFileSync(join(dir, `out_${c.i}.raw`));
        const got = pillowResizeBicubic({ width: c.w, height: c.h, data: src }, c.ow, c.oh, engine);
        expect([got.width, got.height]).toEqual([c.ow, c.oh]);
        expect(got.data.length).toBe(want.length);
        let differing = 0;
        for (let i = 0; i < want.length; i++) if (got.data[i] !== want[i]) differing++;
        expect(differing).toBe(0);
      });
    }
  }
});

describeWithPython('imagebindVision / internvlVision against torchvision and a numpy CLIPImageProcessor', TORCHVISION, () => {
  const { dir, manifest } = pythonAvailable(TORCHVISION)
    ? generate<{ file: string; w: number; h: number; resized: [number, number]; internvl_crop: [number, number] }>('pipeline')
    : { dir: '', manifest: [] };

  for (const c of manifest) {
    it(`${c.file}`, async () => {
      const img = await decodeImageRGB(join(dir, c.file));
      const ib = imagebindVision(img);
      expect(ib.resized).toEqual(c.resized);
      const s1 = errorStats(ib.tensor, readF32(join(dir, `${c.file}.imagebind.f32`)));
      expect(s1.max).toBeLessThanOrEqual(1e-6);
      const iv = internvlVision(img);
      expect([iv.cropLeft, iv.cropTop]).toEqual(c.internvl_crop);
      const s2 = errorStats(iv.tensor, readF32(join(dir, `${c.file}.internvl.f32`)));
      expect(s2.max).toBeLessThanOrEqual(1e-6);
      // One resize shared by both: same tensors.
      const both = visionInputs(img, { imagebind: true, internvl: true });
      expect(both.decoded).toEqual([c.w, c.h]);
      expect(errorStats(both.imagebind!.tensor, ib.tensor).max).toBe(0);
      expect(errorStats(both.internvl!.tensor, iv.tensor).max).toBe(0);
    });
  }
});

describe('resize/crop rules', () => {
  it('short side 224 with truncation', () => {
    expect(shortSideSize(640, 427, 224)).toEqual([335, 224]);
    expect(shortSideSize(300, 1000, 224)).toEqual([224, 746]);
    expect(shortSideSize(7, 3, 224)).toEqual([522, 224]);
    expect(shortSideSize(224, 224, 224)).toEqual([224, 224]);
  });
  it('crop offsets round half to even like Python', () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(55.5)).toBe(56);
    expect(roundHalfEven(0.5)).toBe(0);
    expect(roundHalfEven(3)).toBe(3);
  });
  it('same size means no resampling (the very same pixels)', () => {
    const data = new Uint8Array(224 * 230 * 3).map((_, i) => (i * 7919) % 256);
    const out = imagebindVision({ width: 224, height: 230, data });
    expect(out.resized).toEqual([224, 230]);
    expect(out.cropTop).toBe(3);
    // First red value of the crop is data at row 3, col 0, normalised.
    const f = Math.fround;
    expect(out.tensor[0]).toBe(f(f(f(data[3 * 224 * 3]! / 255) - f(0.48145466)) / f(0.26862954)));
  });
  it('rejects bad sizes with a clear error', () => {
    expect(() => pillowResizeBicubic({ width: 2, height: 2, data: new Uint8Array(12) }, 0, 5)).toThrow(/invalid output size/);
    expect(() => pillowResizeBicubic({ width: 2, height: 2, data: new Uint8Array(11) }, 3, 5)).toThrow(/does not match/);
  });
});
