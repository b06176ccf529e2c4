import { pillowResizeBicubic } from './pillow-resize';
import type { RgbImage } from './types';

/**
 * torchvision `Resize(short)` / CLIPImageProcessor `shortest_edge` output size (PREPROCESSING.md §1.2):
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
