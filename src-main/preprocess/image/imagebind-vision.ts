/** ImageBind vision input (PREPROCESSING.md §1): Resize(224, BICUBIC) → CenterCrop(224) → ToTensor → Normalize. */
import type { RgbImage } from './types';
import { cropToCHW, resizeShortSide, roundHalfEven } from './vision-common';

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

export function imagebindVision(img: RgbImage): VisionTensor {
  return imagebindFromResized(resizeShortSide(img, IMAGEBIND_SIZE));
}

/** The crop + normalise half, for an image already resized with `resizeShortSide(img, 224)`. */
export function imagebindFromResized(r: RgbImage): VisionTensor {
  // torchvision center_crop: int(round((H' − 224) / 2.0)) — Python rounds halves to even.
  const cropTop = roundHalfEven((r.height - IMAGEBIND_SIZE) / 2);
  const cropLeft = roundHalfEven((r.width - IMAGEBIND_SIZE) / 2);
  return { tensor: cropToCHW(r, cropLeft, cropTop, IMAGEBIND_SIZE, LUTS), resized: [r.width, r.height], cropLeft, cropTop };
}
