/**
 * FFT overlap-save convolution of one real signal with several real filters at once (float64), used
 * by the soxr-HQ port for its long poly-phase branches (hundreds of taps per output sample).
 * Two real filters share one complex transform: with H = FFT(h_a + i·h_b) and a real input x,
 * IFFT(FFT(x)·H) = x∗h_a + i·(x∗h_b).
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

/** In-place complex FFT (sign −1 forward, +1 inverse without the 1/n scale); re/im already bit-reversed. */
function butterflies(p: ComplexPlan, re: Float64Array, im: Float64Array, sign: number): void {
  const { n, cos, sin } = p;
  for (let size = 2; size <= n; size <<= 1) {
    const hs = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0, t = 0; k < hs; k++, t += step) {
        const wr = cos[t]!;
        const wi = sign * sin[t]!;
        const i = start + k;
        const j = i + hs;
        const xr = re[j]! * wr - im[j]! * wi;
        const xi = re[j]! * wi + im[j]! * wr;
        re[j] = re[i]! - xr;
        im[j] = im[i]! - xi;
        re[i] = re[i]! + xr;
        im[i] = im[i]! + xi;
      }
    }
  }
}

/**
 * z_r[m] = Σ_k h_r[k]·x[m − k] for m in [0, outLen) and every filter r (x is zero outside its range).
 */
export function convolveMany(x: ArrayLike<number>, filters: Float64Array[], outLen: number): Float64Array[] {
  const K = Math.max(1, ...filters.map((f) => f.length));
  let n = 1024;
  while (n < 16 * K && n < 1 << 16) n <<= 1;
  while (n < 2 * K) n <<= 1;
  const p = complexPlan(n);
  const B = n - K + 1;
  // spectra of filter pairs (h_a + i·h_b), scaled by 1/n for the inverse transform
  const pairs: { re: Float64Array; im: Float64Array; a: number; b: number }[] = [];
  for (let a = 0; a < filters.length; a += 2) {
    const b = a + 1 < filters.length ? a + 1 : -1;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    const ha = filters[a]!;
    const hb = b >= 0 ? filters[b]! : undefined;
    for (let k = 0; k < ha.length; k++) re[p.bitrev[k]!] = ha[k]! / n;
    if (hb) for (let k = 0; k < hb.length; k++) im[p.bitrev[k]!] = hb[k]! / n;
    butterflies(p, re, im, -1);
    pairs.push({ re, im, a, b });
  }
  const outs = filters.map(() => new Float64Array(outLen));
  const xr = new Float64Array(n);
  const xi = new Float64Array(n);
  const yr = new Float64Array(n);
  const yi = new Float64Array(n);
  const nx = x.length;
  const { bitrev } = p;
  for (let start = 0; start < outLen; start += B) {
    // segment x[start − (K−1) … start − (K−1) + n − 1], bit-reversed into xr
    const s0 = start - (K - 1);
    for (let i = 0; i < n; i++) {
      const j = s0 + i;
      xr[bitrev[i]!] = j >= 0 && j < nx ? x[j]! : 0;
    }
    xi.fill(0);
    butterflies(p, xr, xi, -1);
    const count = Math.min(B, outLen - start);
    for (const pr of pairs) {
      const { re: hr, im: hi } = pr;
      for (let k = 0; k < n; k++) {
        const ar = xr[k]!;
        const ai = xi[k]!;
        const br = hr[k]!;
        const bi = hi[k]!;
        const dst = bitrev[k]!;
        yr[dst] = ar * br - ai * bi;
        yi[dst] = ar * bi + ai * br;
      }
      butterflies(p, yr, yi, 1);
      const oa = outs[pr.a]!;
      for (let i = 0; i < count; i++) oa[start + i] = yr[K - 1 + i]!;
      if (pr.b >= 0) {
        const ob = outs[pr.b]!;
        for (let i = 0; i < count; i++) ob[start + i] = yi[K - 1 + i]!;
      }
    }
  }
  return outs;
}
