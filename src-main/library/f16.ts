/**
 * IEEE 754 half precision ↔ float32, for vectors stored on disk. Encoding rounds to nearest even; decoding
 * is a table lookup (exact). Unit vectors of 512–1024 dims have components ~0.03, where float16 keeps
 * 11 significant bits: a stored component differs from the encoder's by ≤ 2⁻¹¹ relative (≈ 1.5e-5 absolute),
 * a dot product of two stored unit vectors by ≲ 1e-4.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    // subnormal half (or zero)
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // may carry into the exponent: still correct
  return sign | h;
}

let table: Float32Array | null = null;

/** All 65 536 half values as float32. */
export function f16Table(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 0x1f ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  table = t;
  return t;
}

export function encodeF16(src: ArrayLike<number>, dst: Uint16Array, dstOffset = 0): void {
  if (!(src instanceof Float32Array) || (src.byteOffset & 3) !== 0) {
    for (let i = 0; i < src.length; i++) dst[dstOffset + i] = f32ToF16Bits(src[i]!);
    return;
  }
  // the same rounding as f32ToF16Bits, inlined over the float bits (the hot path of every vector write)
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    const sign = (b >>> 16) & 0x8000;
    const exp = (b >>> 23) & 0xff;
    const e = exp - 112;
    if (e > 0 && e < 0x1f) {
      const mant = b & 0x7fffff;
      let h = (e << 10) | (mant >>> 13);
      const rem = mant & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
      dst[dstOffset + i] = sign | h;
    } else {
      dst[dstOffset + i] = f32ToF16Bits(src[i]!);
    }
  }
}

export function decodeF16(src: Uint16Array, srcOffset: number, n: number, dst: Float32Array, dstOffset = 0): void {
  const t = f16Table();
  for (let i = 0; i < n; i++) dst[dstOffset + i] = t[src[srcOffset + i]!]!;
}

/**
 * Decode a stored unit vector: float16 → float32, then scaled back to unit length in float32 (rounding
 * to half precision moves the norm by ~1e-5, which the live-factor formula, written for unit vectors,
 * would otherwise carry into every score).
 */
export function decodeUnitF16(src: Uint16Array, srcOffset: number, n: number, dst: Float32Array, dstOffset = 0): void {
  const t = f16Table();
  let n2 = 0;
  for (let i = 0; i < n; i++) {
    const v = t[src[srcOffset + i]!]!;
    dst[dstOffset + i] = v;
    n2 += v * v;
  }
  if (n2 > 0 && n2 !== 1) {
    const inv = 1 / Math.sqrt(n2);
    for (let i = 0; i < n; i++) dst[dstOffset + i]! *= inv;
  }
}

/** The vector exactly as it reads back once stored (float16 round trip, unit length again). */
export function asStored(src: ArrayLike<number>): Float32Array {
  const h = new Uint16Array(src.length);
  encodeF16(src, h);
  const out = new Float32Array(src.length);
  decodeUnitF16(h, 0, src.length, out);
  return out;
}
