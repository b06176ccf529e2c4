/**
 * Float64 FFTs for the CLAP path: an in-place complex radix-2 FFT (two stages per pass) used by the
 * soxr port's overlap-save convolution, and a real-input power spectrum for the 1024-point mel frames.
 */

export interface ComplexPlan {
  n: number;
  bitrev: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
}

const plans = new Map<number, ComplexPlan>();

export function complexPlan(n: number): ComplexPlan {
  let p = plans.get(n);
  if (p) return p;
  let bits = 0;
  while (1 << bits < n) bits++;
  const bitrev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    bitrev[i] = r;
  }
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  p = { n, bitrev, cos, sin };
  plans.set(n, p);
  return p;
}

/**
 * In-place complex FFT on bit-reversed input (sign −1 forward, +1 inverse without the 1/n scale).
 * Radix-2 decimation in time, two stages per pass (radix-2²) to halve the passes over memory.
 */
export function butterflies(p: ComplexPlan, re: Float64Array, im: Float64Array, sign: number): void {
  const { n, cos, sin } = p;
  let h = 1;
  let log = 0;
  while (1 << log < n) log++;
  if (log & 1) {
    // one plain radix-2 stage of size 2 (twiddle 1)
    for (let i = 0; i < n; i += 2) {
      const xr = re[i + 1]!;
      const xi = im[i + 1]!;
      re[i + 1] = re[i]! - xr;
      im[i + 1] = im[i]! - xi;
      re[i] = re[i]! + xr;
      im[i] = im[i]! + xi;
    }
    h = 2;
  }
  for (; h < n; h <<= 2) {
    // stages of half-size h (twiddle W_{2h}^k) and 2h (twiddle W_{4h}^k, W_{4h}^{k+h} = W_{4h}^k·(sign·i))
    const step1 = n / (2 * h);
    const step2 = n / (4 * h);
    for (let s0 = 0; s0 < n; s0 += 4 * h) {
      for (let k = 0; k < h; k++) {
        const w1r = cos[k * step1]!;
        const w1i = sign * sin[k * step1]!;
        const w2r = cos[k * step2]!;
        const w2i = sign * sin[k * step2]!;
        const i0 = s0 + k;
        const i1 = i0 + h;
        const i2 = i1 + h;
        const i3 = i2 + h;
        const a0r = re[i0]!;
        const a0i = im[i0]!;
        const a1r = re[i1]! * w1r - im[i1]! * w1i;
        const a1i = re[i1]! * w1i + im[i1]! * w1r;
        const a2r = re[i2]!;
        const a2i = im[i2]!;
        const a3r = re[i3]! * w1r - im[i3]! * w1i;
        const a3i = re[i3]! * w1i + im[i3]! * w1r;
        const b0r = a0r + a1r;
        const b0i = a0i + a1i;
        const b1r = a0r - a1r;
        const b1i = a0i - a1i;
        const b2r = a2r + a3r;
        const b2i = a2i + a3i;
        const b3r = a2r - a3r;
        const b3i = a2i - a3i;
        const t2r = b2r * w2r - b2i * w2i;
        const t2i = b2r * w2i + b2i * w2r;
        // w2·(sign·i)·b3
        const u3r = b3r * w2r - b3i * w2i;
        const u3i = b3r * w2i + b3i * w2r;
        const t3r = -sign * u3i;
        const t3i = sign * u3r;
        re[i0] = b0r + t2r;
        im[i0] = b0i + t2i;
        re[i2] = b0r - t2r;
        im[i2] = b0i - t2i;
        re[i1] = b1r + t3r;
        im[i1] = b1i + t3i;
        re[i3] = b1r - t3r;
        im[i3] = b1i - t3i;
      }
    }
  }
}

/**
 * |X_k|² (k = 0…n/2) of a real frame of length n (power of two ≥ 4): the frame is packed into n/2
 * complex samples (even → re, odd → im), transformed, and the two interleaved spectra separated.
 */
export function createRealPowerSpectrum(n: number): (frame: ArrayLike<number>, power: Float64Array) => void {
  if (!Number.isInteger(n) || n < 4 || (n & (n - 1)) !== 0) throw new RangeError(`FFT size must be a power of two ≥ 4, got ${n}`);
  const half = n >> 1;
  const p = complexPlan(half);
  const { bitrev } = p;
  const re = new Float64Array(half);
  const im = new Float64Array(half);
  const wr = new Float64Array(half);
  const wi = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    wr[k] = Math.cos((2 * Math.PI * k) / n);
    wi[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  return (frame, power) => {
    for (let m = 0; m < half; m++) {
      const d = bitrev[m]!;
      re[d] = frame[2 * m]!;
      im[d] = frame[2 * m + 1]!;
    }
    butterflies(p, re, im, -1);
    const dc = re[0]! + im[0]!;
    const ny = re[0]! - im[0]!;
    power[0] = dc * dc;
    power[half] = ny * ny;
    for (let k = 1; k < half; k++) {
      const ar = re[k]!;
      const ai = im[k]!;
      const br = re[half - k]!;
      const bi = -im[half - k]!;
      // even part E = (Z_k + conj Z_{h−k})/2, odd part O = (Z_k − conj Z_{h−k})/(2i), X_k = E + W^k·O
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const xr = er + (or * wr[k]! - oi * wi[k]!);
      const xi = ei + (or * wi[k]! + oi * wr[k]!);
      power[k] = xr * xr + xi * xi;
    }
  };
}
