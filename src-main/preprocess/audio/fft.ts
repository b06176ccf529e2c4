/**
 * Real-input FFT for power-of-two sizes, in float64.
 *
 * A real signal of length n is packed into a complex signal of length n/2 (even samples → real,
 * odd samples → imaginary), transformed with an iterative radix-2 FFT and split back into the
 * n/2+1 non-redundant bins. Twiddles and the bit-reversal table are computed once per size with
 * direct cos/sin calls (no recurrence, so no accumulated rounding).
 */

/** Writes |X_k|² for k = 0…n/2 into `power` (length ≥ n/2+1). `input` may be shorter than n (zero-padded). */
export type RealPowerSpectrum = (input: ArrayLike<number>, power: Float64Array | Float32Array) => void;

/** Writes Re/Im of X_k for k = 0…n/2 into `re` / `im` (length ≥ n/2+1). `input` may be shorter than n (zero-padded). */
export type RealSpectrum = (input: ArrayLike<number>, re: Float64Array, im: Float64Array) => void;

interface Plan {
  n: number;
  half: number;
  bitrev: Uint32Array;
  /** cos/sin(2πk/half) for k < half/2 (complex FFT twiddles). */
  twRe: Float64Array;
  twIm: Float64Array;
  /** cos/sin(2πk/n) for k ≤ half (split step). */
  spRe: Float64Array;
  spIm: Float64Array;
  zr: Float64Array;
  zi: Float64Array;
}

function makePlan(n: number): Plan {
  if (!Number.isInteger(n) || n < 4 || (n & (n - 1)) !== 0) {
    throw new RangeError(`FFT size must be a power of two ≥ 4, got ${n}`);
  }
  const half = n >> 1;
  let bits = 0;
  while (1 << bits < half) bits++;
  const bitrev = new Uint32Array(half);
  for (let i = 0; i < half; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    bitrev[i] = r;
  }
  const twRe = new Float64Array(Math.max(1, half >> 1));
  const twIm = new Float64Array(Math.max(1, half >> 1));
  for (let k = 0; k < half >> 1; k++) {
    twRe[k] = Math.cos((2 * Math.PI * k) / half);
    twIm[k] = -Math.sin((2 * Math.PI * k) / half);
  }
  const spRe = new Float64Array(half + 1);
  const spIm = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    spRe[k] = Math.cos((2 * Math.PI * k) / n);
    spIm[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  return { n, half, bitrev, twRe, twIm, spRe, spIm, zr: new Float64Array(half), zi: new Float64Array(half) };
}

/** Packs the input and runs the half-size complex FFT in place in plan.zr/zi. */
function forwardHalf(p: Plan, input: ArrayLike<number>): void {
  const { n, half, bitrev, twRe, twIm, zr, zi } = p;
  const len = input.length;
  if (len > n) throw new RangeError(`FFT input of length ${len} exceeds size ${n}`);
  for (let m = 0; m < half; m++) {
    const j = bitrev[m]!;
    const a = 2 * m;
    zr[j] = a < len ? input[a]! : 0;
    zi[j] = a + 1 < len ? input[a + 1]! : 0;
  }
  for (let size = 2; size <= half; size <<= 1) {
    const hs = size >> 1;
    const step = half / size;
    for (let start = 0; start < half; start += size) {
      for (let k = 0, t = 0; k < hs; k++, t += step) {
        const wr = twRe[t]!;
        const wi = twIm[t]!;
        const i = start + k;
        const j = i + hs;
        const xr = zr[j]! * wr - zi[j]! * wi;
        const xi = zr[j]! * wi + zi[j]! * wr;
        zr[j] = zr[i]! - xr;
        zi[j] = zi[i]! - xi;
        zr[i] = zr[i]! + xr;
        zi[i] = zi[i]! + xi;
      }
    }
  }
}

/** Real FFT of size n returning re/im of bins 0…n/2. */
export function createRealDft(n: number): RealSpectrum {
  const p = makePlan(n);
  const { half, spRe, spIm, zr, zi } = p;
  return (input, re, im) => {
    forwardHalf(p, input);
    re[0] = zr[0]! + zi[0]!;
    im[0] = 0;
    re[half] = zr[0]! - zi[0]!;
    im[half] = 0;
    for (let k = 1; k < half; k++) {
      const ar = zr[k]!;
      const ai = zi[k]!;
      const br = zr[half - k]!;
      const bi = -zi[half - k]!; // conj(Z[half-k])
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      // odd part: (Z[k] − conj(Z[half−k])) / (2i)
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const wr = spRe[k]!;
      const wi = spIm[k]!;
      re[k] = er + (or * wr - oi * wi);
      im[k] = ei + (or * wi + oi * wr);
    }
  };
}

/** Real FFT of size n writing the power spectrum |X_k|² for k = 0…n/2. */
export function createRealFft(n: number): RealPowerSpectrum {
  const p = makePlan(n);
  const { half, spRe, spIm, zr, zi } = p;
  return (input, power) => {
    forwardHalf(p, input);
    const dc = zr[0]! + zi[0]!;
    const ny = zr[0]! - zi[0]!;
    power[0] = dc * dc;
    power[half] = ny * ny;
    for (let k = 1; k < half; k++) {
      const ar = zr[k]!;
      const ai = zi[k]!;
      const br = zr[half - k]!;
      const bi = -zi[half - k]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const wr = spRe[k]!;
      const wi = spIm[k]!;
      const xr = er + (or * wr - oi * wi);
      const xi = ei + (or * wi + oi * wr);
      power[k] = xr * xr + xi * xi;
    }
  };
}
