/**
 * ImageBind clip positions (docs/REFERENCE.md §3.3): pytorchvideo's ConstantClipsPerVideoSampler with
 * 2 s clips and 3 clips per file, evaluated the way Python does it — the clip start in seconds is
 * `Fraction(m) / 2 · k` with `m = max(d − 2, 0)` a float64, and the sample index is `int(start · 16000)`.
 * The Fraction arithmetic is exact, so we decompose the double `m` into `mantissa · 2^e` and compute
 * `floor(mantissa · k · 8000 · 2^e)` with BigInt; the naive `Math.floor(k * m * 8000)` is off by one for
 * about half of all lengths.
 */

export const IMAGEBIND_SAMPLE_RATE = 16000;
export const IMAGEBIND_CLIP_SAMPLES = 32000;
export const IMAGEBIND_CLIPS = 3;

/** Exact binary value of a finite non-negative double: value = mantissa · 2^exponent. */
function decomposeDouble(x: number): { mantissa: bigint; exponent: number } {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`expected a finite non-negative number, got ${x}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 }; // zero or subnormal
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** floor(value(x) · multiplier) exactly, for a non-negative double x and a non-negative integer multiplier. */
export function exactFloorTimes(x: number, multiplier: bigint): bigint {
  const { mantissa, exponent } = decomposeDouble(x);
  const product = mantissa * multiplier;
  return exponent >= 0 ? product << BigInt(exponent) : product >> BigInt(-exponent);
}

/**
 * The three [start, end) sample ranges at 16 kHz for a file of `n16` samples. `end` may exceed `n16`
 * (the reference slices, so a clip is shorter when the file ends first).
 */
export function imagebindClipBounds(n16: number): [number, number][] {
  if (!Number.isInteger(n16) || n16 < 0) throw new RangeError(`sample count must be a non-negative integer, got ${n16}`);
  const duration = n16 / IMAGEBIND_SAMPLE_RATE;
  const m = Math.max(duration - IMAGEBIND_CLIP_SAMPLES / IMAGEBIND_SAMPLE_RATE, 0);
  const bounds: [number, number][] = [];
  // start_k = floor(m · k / (clips − 1) · 16000) = floor(m · k · 8000) for 3 clips
  const perStep = BigInt(IMAGEBIND_SAMPLE_RATE / (IMAGEBIND_CLIPS - 1));
  for (let k = 0; k < IMAGEBIND_CLIPS; k++) {
    const start = Number(exactFloorTimes(m, perStep * BigInt(k)));
    bounds.push([start, start + IMAGEBIND_CLIP_SAMPLES]);
  }
  return bounds;
}
