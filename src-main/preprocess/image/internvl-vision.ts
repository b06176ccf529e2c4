/**
 * InternVL-C vision input (docs/REFERENCE.md §6, CLIPImageProcessor of transformers 4.30): shortest edge 224 with
 * Pillow bicubic, centre crop with floor offsets, rescale fl32(u8 · (1/255 in float64)), float32 normalise.
 */
import type { VisionTensor } from './imagebind-vision';
import type { RgbImage } from './types';
import { cropToCHW, resizeShortSideForCrops } from './vision-common';

export const INTERNVL_SIZE = 224;
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface NormaliseConfig {
  mean: readonly number[];
  std: readonly number[];
}

function internvlLut(mean: number, std: number): Float32Array {
  const f = Math.fround;
  const m = f(mean);
  const s = f(std);
  const lut = new Float32Array(256);
  for (let u = 0; u < 256; u++) lut[u] = f(f(f(u * (1 / 255)) - m) / s);
  return lut;
}

const lutCache = new Map<string, [Float32Array, Float32Array, Float32Array]>();

function lutsFor(cfg: NormaliseConfig): [Float32Array, Float32Array, Float32Array] {
  if (cfg.mean.length !== 3 || cfg.std.length !== 3) throw new RangeError('internvlVision: mean and std need 3 values');
  for (const s of cfg.std) if (!(Number.isFinite(s) && s !== 0)) throw new RangeError(`internvlVision: invalid std ${s}`);
  for (const m of cfg.mean) if (!Number.isFinite(m)) throw new RangeError(`internvlVision: invalid mean ${m}`);
  const key = `${cfg.mean.join(',')}|${cfg.std.join(',')}`;
  let l = lutCache.get(key);
  if (!l) {
    l = [internvlLut(cfg.mean[0]!, cfg.std[0]!), internvlLut(cfg.mean[1]!, cfg.std[1]!), internvlLut(cfg.mean[2]!, cfg.std[2]!)];
    lutCache.set(key, l);
  }
  return l;
}

export const IMAGENET_NORMALISE: NormaliseConfig = { mean: IMAGENET_MEAN, std: IMAGENET_STD };

/** CLIPImageProcessor centre crop offsets [left, top] in a resized image (floor). */
export function internvlCrop([w, h]: [number, number]): [number, number] {
  return [Math.floor((w - INTERNVL_SIZE) / 2), Math.floor((h - INTERNVL_SIZE) / 2)];
}

export function internvlVision(img: RgbImage, cfg: NormaliseConfig = IMAGENET_NORMALISE): VisionTensor {
  const luts = lutsFor(cfg); // validate before the resize
  // only the 224×224 crop of the resize is computed (same bytes as resizing everything, then cropping)
  const r = resizeShortSideForCrops(img, INTERNVL_SIZE, INTERNVL_SIZE, (s) => [internvlCrop(s)]);
  const [cropLeft, cropTop] = r.crops[0]!;
  return { tensor: cropToCHW(r.window, cropLeft - r.origin[0], cropTop - r.origin[1], INTERNVL_SIZE, luts), resized: r.resized, cropLeft, cropTop };
}

export { lutsFor as internvlLuts };

/** The crop + normalise half, for an image already resized with `resizeShortSide(img, 224)`. */
export function internvlFromResized(r: RgbImage, cfg: NormaliseConfig = IMAGENET_NORMALISE): VisionTensor {
  const luts = lutsFor(cfg);
  const [cropLeft, cropTop] = internvlCrop([r.width, r.height]);
  return { tensor: cropToCHW(r, cropLeft, cropTop, INTERNVL_SIZE, luts), resized: [r.width, r.height], cropLeft, cropTop };
}
