/**
 * FFT overlap-save convolution of one real signal with several real filters at once (float64), used
 * by the soxr-HQ port for its long poly-phase branches (hundreds of taps per output sample).
 */

interface ComplexPlan {
  n: number;
  bitrev: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
}

const plans = new Map<number, ComplexPlan>();

function complexPlan(n: number): ComplexPlan {
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
function butterflies(p: ComplexPlan, re: Float64Array, im: Float64Array, sign: number): void {
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
 * z_r[m] = Σ_k h_r[k]·x[m − k] for m in [0, outLen) and every filter r (x is zero outside its range).
 * Two consecutive blocks of the real input ride in one complex transform (A + i·B); a real filter
 * keeps them apart: IFFT(FFT(A + i·B)·H) = A∗h + i·(B∗h). Per two blocks: one forward FFT and one
 * inverse FFT per filter.
 */
export function convolveMany(x: ArrayLike<number>, filters: Float64Array[], outLen: number): Float64Array[] {
  const K = Math.max(1, ...filters.map((f) => f.length));
  let n = 1024;
  while (n < 16 * K && n < 1 << 16) n <<= 1;
  while (n < 2 * K) n <<= 1;
  const p = complexPlan(n);
  const { bitrev } = p;
  const B = n - K + 1;
  const spectra = filters.map((h) => {
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let k = 0; k < h.length; k++) re[bitrev[k]!] = h[k]! / n; // 1/n of the inverse folded in
    butterflies(p, re, im, -1);
    return { re, im };
  });
  const outs = filters.map(() => new Float64Array(outLen));
  const zr = new Float64Array(n);
  const zi = new Float64Array(n);
  const yr = new Float64Array(n);
  const yi = new Float64Array(n);
  const nx = x.length;
  for (let start = 0; start < outLen; start += 2 * B) {
    // block A: outputs start…start+B−1, block B: the next B; segments begin K−1 samples earlier
    const sA = start - (K - 1);
    const sB = sA + B;
    for (let i = 0; i < n; i++) {
      const ja = sA + i;
      const jb = sB + i;
      const d = bitrev[i]!;
      zr[d] = ja >= 0 && ja < nx ? x[ja]! : 0;
      zi[d] = jb >= 0 && jb < nx ? x[jb]! : 0;
    }
    butterflies(p, zr, zi, -1);
    const countA = Math.min(B, outLen - start);
    const countB = Math.min(B, outLen - start - B);
    for (let r = 0; r < filters.length; r++) {
      const { re: hr, im: hi } = spectra[r]!;
      for (let k = 0; k < n; k++) {
        const ar = zr[k]!;
        const ai = zi[k]!;
        const br = hr[k]!;
        const bi = hi[k]!;
        const d = bitrev[k]!;
        yr[d] = ar * br - ai * bi;
        yi[d] = ar * bi + ai * br;
      }
      butterflies(p, yr, yi, 1);
      const o = outs[r]!;
      for (let i = 0; i < countA; i++) o[start + i] = yr[K - 1 + i]!;
      for (let i = 0; i < countB; i++) o[start + B + i] = yi[K - 1 + i]!;
    }
  }
  return outs;
}
