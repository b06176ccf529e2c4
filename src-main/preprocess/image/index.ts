import { decodeImageRGB, type DecodeImageOptions } from './decode';
import { imagebindVision, type VisionTensor } from './imagebind-vision';

export { decodeImageRGB, DEFAULT_MAX_PIXELS, ImageDecodeError, type DecodeImageOptions } from './decode';
export type { RgbImage } from './types';
export { pillowResizeBicubic, precomputeCoefficients, type ResampleEngine } from './pillow-resize';
export { imagebindVision, IMAGEBIND_MEAN, IMAGEBIND_STD, type VisionTensor } from './imagebind-vision';
export { internvlVision, IMAGENET_MEAN, IMAGENET_STD, IMAGENET_NORMALISE, type NormaliseConfig } from './internvl-vision';
export { visionInputs, visionInputsFromFile, type VisionInputs, type VisionInputRequest } from './vision-inputs';
export { shortSideSize, roundHalfEven, resizeShortSide } from './vision-common';

/** Decode + ImageBind vision tensor for one file (what the indexer and the preprocess benchmark call). */
export async function imagebindVisionFromFile(path: string, opts?: DecodeImageOptions): Promise<VisionTensor> {
  return imagebindVision(await decodeImageRGB(path, opts));
}
