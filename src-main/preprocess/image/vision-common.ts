import { pillowResizeBicubic, pillowResizeBicubicWindow } from './pillow-resize';
import type { RgbImage } from './types';

/**
 * torchvision `Resize(short)` / CLIPImageProcessor `shortest_edge` output size (docs/REFERENCE.md §1.2):
 * the long side is trunc(short * long / shortSide) computed in float64.
 */
export function shortSideSize(width: number, height: number, short: number): [number, number] {
  if (!(width > 0 && height > 0)) throw new RangeError(`invalid image size ${width}x${height}`);
  if (width <= height) return [short, Math.trunc((short * height) / width)];
  return [Math.trunc((short * width) / height), short];
}

export function resizeShortSide(img: RgbImage, short: number): RgbImage {
  const [w, h] = shortSideSize(img.width, img.height, short);
  return pillowResizeBicubic(img, w, h);
}

/**
 * The part of `resizeShortSide(img, short)` that covers every crop ([left, top] of a size×size square each), computed
 * alone (identical bytes): a centre crop of a long strip costs the crop, not the whole resized strip.
 * Returns the full resized size, the window image and the window's origin in the resized image.
 */
export function resizeShortSideForCrops(
  img: RgbImage,
  short: number,
  size: number,
  crops: (resized: [number, number]) => [number, number][],
): { resized: [number, number]; window: RgbImage; origin: [number, number]; crops: [number, number][] } {
  const resized = shortSideSize(img.width, img.height, short);
  const at = crops(resized);
  const left = Math.min(...at.map((c) => c[0]));
  const top = Math.min(...at.map((c) => c[1]));
  const right = Math.max(...at.map((c) => c[0])) + size;
  const bottom = Math.max(...at.map((c) => c[1])) + size;
  const window = pillowResizeBicubicWindow(img, resized[0], resized[1], { left, top, width: right - left, height: bottom - top });
  return { resized, window, origin: [left, top], crops: at };
}

/** Python's round(): ties to even. `x` is a multiple of 0.5 here (a margin / 2). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Crop `size`×`size` at (left, top) and write CHW float32 via per-channel 256-entry lookup tables
 * (the normalised value depends only on the uint8 and the channel).
 */
export function cropToCHW(img: RgbImage, left: number, top: number, size: number, luts: [Float32Array, Float32Array, Float32Array]): Float32Array {
  if (left < 0 || top < 0 || left + size > img.width || top + size > img.height) {
    throw new RangeError(`crop ${size}x${size} at (${left},${top}) outside ${img.width}x${img.height}`);
  }
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  const [l0, l1, l2] = luts;
  const { data, width } = img;
  for (let y = 0; y < size; y++) {
    let s = ((top + y) * width + left) * 3;
    const o = y * size;
    for (let x = 0; x < size; x++, s += 3) {
      out[o + x] = l0[data[s]!]!;
      out[plane + o + x] = l1[data[s + 1]!]!;
      out[2 * plane + o + x] = l2[data[s + 2]!]!;
    }
  }
  return out;
}
