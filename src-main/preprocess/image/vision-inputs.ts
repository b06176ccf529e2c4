/**
 * Both vision inputs from one decode and one resize: ImageBind (§1) and InternVL-C (§6) share the short-side-224
 * Pillow bicubic resize and differ only in the crop rounding and the normalisation.
 */
import { decodeImageRGB, type DecodeImageOptions } from './decode';
import { imagebindFromResized, type VisionTensor } from './imagebind-vision';
import { internvlFromResized, type NormaliseConfig } from './internvl-vision';
import type { RgbImage } from './types';
import { resizeShortSide } from './vision-common';

export interface VisionInputs {
  /** Decoded size (before resizing), [width, height]. */
  decoded: [number, number];
  imagebind?: VisionTensor;
  internvl?: VisionTensor;
}

export interface VisionInputRequest {
  imagebind?: boolean;
  /** true → ImageNet mean/std; or the pack's normalisation config. */
  internvl?: boolean | NormaliseConfig;
}

export function visionInputs(img: RgbImage, want: VisionInputRequest = { imagebind: true }): VisionInputs {
  const out: VisionInputs = { decoded: [img.width, img.height] };
  if (!want.imagebind && !want.internvl) return out;
  const resized = resizeShortSide(img, 224);
  if (want.imagebind) out.imagebind = imagebindFromResized(resized);
  if (want.internvl) out.internvl = want.internvl === true ? internvlFromResized(resized) : internvlFromResized(resized, want.internvl);
  return out;
}

export async function visionInputsFromFile(input: string | Uint8Array, want?: VisionInputRequest, opts?: DecodeImageOptions): Promise<VisionInputs> {
  return visionInputs(await decodeImageRGB(input, opts), want);
}
