/** ImageBind vision input (docs/REFERENCE.md §1): Resize(224, BICUBIC) → CenterCrop(224) → ToTensor → Normalize. */
import type { RgbImage } from './types';
import { cropToCHW, resizeShortSideForCrops, roundHalfEven } from './vision-common';

export const IMAGEBIND_SIZE = 224;
export const IMAGEBIND_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const IMAGEBIND_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export interface VisionTensor {
  /** float32 [3,224,224], CHW, RGB. */
  tensor: Float32Array;
  /** Size after the short-side resize, [width, height]. */
  resized: [number, number];
  cropLeft: number;
  cropTop: number;
}

/** fl32(fl32(fl32(u8 / 255) − mean) / std) for every u8, with float32 constants (torchvision's float32 ops). */
function imagebindLut(c: number): Float32Array {
  const f = Math.fround;
  const mean = f(IMAGEBIND_MEAN[c]!);
  const std = f(IMAGEBIND_STD[c]!);
  const lut = new Float32Array(256);
  for (let u = 0; u < 256; u++) lut[u] = f(f(f(u / 255) - mean) / std);
  return lut;
}

const LUTS: [Float32Array, Float32Array, Float32Array] = [imagebindLut(0), imagebindLut(1), imagebindLut(2)];

/** torchvision center_crop offsets [left, top] in a resized image: int(round((side − 224) / 2.0)), halves to even. */
export function imagebindCrop([w, h]: [number, number]): [number, number] {
  return [roundHalfEven((w - IMAGEBIND_SIZE) / 2), roundHalfEven((h - IMAGEBIND_SIZE) / 2)];
}

export function imagebindVision(img: RgbImage): VisionTensor {
  // only the 224×224 crop of the resize is computed (same bytes as resizing everything, then cropping)
  const r = resizeShortSideForCrops(img, IMAGEBIND_SIZE, IMAGEBIND_SIZE, (s) => [imagebindCrop(s)]);
  const [cropLeft, cropTop] = r.crops[0]!;
  return { tensor: cropToCHW(r.window, cropLeft - r.origin[0], cropTop - r.origin[1], IMAGEBIND_SIZE, LUTS), resized: r.resized, cropLeft, cropTop };
}

/** The crop + normalise half, for an image already resized with `resizeShortSide(img, 224)`. */
export function imagebindFromResized(r: RgbImage): VisionTensor {
  // torchvision center_crop: int(round((H' − 224) / 2.0)) — Python rounds halves to even.
  const [cropLeft, cropTop] = imagebindCrop([r.width, r.height]);
  return { tensor: cropToCHW(r, cropLeft, cropTop, IMAGEBIND_SIZE, LUTS), resized: [r.width, r.height], cropLeft, cropTop };
}

/** The normalisation tables (for callers that crop a window themselves). */
export const IMAGEBIND_LUTS = LUTS;
