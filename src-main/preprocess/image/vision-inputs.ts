/**
 * Both vision inputs from one decode and one resize: ImageBind (§1) and InternVL-C (§6) share the short-side-224
 * Pillow bicubic resize and differ only in the crop rounding and the normalisation.
 */
import { IMAGEBIND_LUTS, imagebindCrop, type VisionTensor } from './imagebind-vision';
import { IMAGENET_NORMALISE, internvlCrop, internvlLuts, type NormaliseConfig } from './internvl-vision';
import type { RgbImage } from './types';
import { cropToCHW, resizeShortSideForCrops } from './vision-common';

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
  const vlCfg = want.internvl === true ? IMAGENET_NORMALISE : want.internvl || null;
  const vlLuts = vlCfg ? internvlLuts(vlCfg) : null;
  // one resize, of the window covering both crops only (they differ by at most a pixel of rounding)
  const r = resizeShortSideForCrops(img, 224, 224, (s) => [imagebindCrop(s), internvlCrop(s)]);
  const crop = ([left, top]: [number, number], luts: Parameters<typeof cropToCHW>[4]): VisionTensor => ({
    tensor: cropToCHW(r.window, left - r.origin[0], top - r.origin[1], 224, luts),
    resized: r.resized,
    cropLeft: left,
    cropTop: top,
  });
  if (want.imagebind) out.imagebind = crop(r.crops[0]!, IMAGEBIND_LUTS);
  if (vlLuts) out.internvl = crop(r.crops[1]!, vlLuts);
  return out;
}
