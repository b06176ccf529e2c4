/**
 * Pillow's 8-bit BICUBIC resampler (libImaging/Resample.c, Pillow 9.4), bit-exact (docs/REFERENCE.md §1.3).
 *
 * Separable: horizontal pass first (only if the width changes), uint8 intermediate, then the vertical pass
 * (only if the height changes). Coefficients are computed in float64 exactly as Pillow does, then turned into
 * 22-bit fixed point. All sums stay within int32 (as in Pillow's C `int` accumulator), so the inner loops use
 * Int32 arithmetic.
 */
import type { RgbImage } from './types';
import { resampleWasmFor } from './resample-wasm';

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const BICUBIC_SUPPORT = 2;

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  // Same evaluation order as the C source: ((a+2)*x - (a+3)) * x * x + 1.
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Fixed-point coefficient table for one axis: output o reads input [lo[o], lo[o]+len[o]) with weights k[o*ksize + j]. */
export interface AxisCoefficients {
  outSize: number;
  ksize: number;
  lo: Int32Array;
  len: Int32Array;
  k: Int32Array;
}

export function precomputeCoefficients(inSize: number, outSize: number): AxisCoefficients {
  if (!(inSize > 0 && outSize > 0)) throw new RangeError(`resize: sizes must be positive (in ${inSize}, out ${outSize})`);
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = BICUBIC_SUPPORT * filterscale;
  // Pillow's table stride is ceil(support)*2+1; one more (zero) slot makes it even, so the WebAssembly module
  // can take taps in pairs — the extra weight is 0 and adds nothing.
  const ksize = Math.ceil(support) * 2 + 2;
  const lo = new Int32Array(outSize);
  const len = new Int32Array(outSize);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    const n = xmax - xmin;
    let ww = 0;
    for (let x = 0; x < n; x++) {
      const v = bicubic((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    const base = o * ksize;
    for (let x = 0; x < n; x++) {
      const v = ww !== 0 ? w[x]! / ww : w[x]!;
      k[base + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    lo[o] = xmin;
    len[o] = n;
  }
  return { outSize, ksize, lo, len, k };
}

function clip8(v: number): number {
  // v is an int32 accumulator; Pillow: >= 255.5 in fixed point → 255, <= 0 → 0, else >> 22.
  if (v >= 255 << PRECISION_BITS) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** Horizontal pass over RGB rows [rowStart, rowStart+rows) of `src` (width srcW) → rows×outW RGB. */
function resampleHorizontal(src: Uint8Array, srcW: number, rowStart: number, rows: number, c: AxisCoefficients): Uint8Array {
  const outW = c.outSize;
  const out = new Uint8Array(outW * rows * 3);
  const { lo, len, k, ksize } = c;
  for (let y = 0; y < rows; y++) {
    const rowBase = (rowStart + y) * srcW * 3;
    let op = y * outW * 3;
    for (let x = 0; x < outW; x++) {
      const n = len[x]!;
      const kb = x * ksize;
      let p = rowBase + lo[x]! * 3;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let j = 0; j < n; j++) {
        const w = k[kb + j]!;
        r = (r + Math.imul(w, src[p]!)) | 0;
        g = (g + Math.imul(w, src[p + 1]!)) | 0;
        b = (b + Math.imul(w, src[p + 2]!)) | 0;
        p += 3;
      }
      out[op] = clip8(r);
      out[op + 1] = clip8(g);
      out[op + 2] = clip8(b);
      op += 3;
    }
  }
  return out;
}

/** Vertical pass: `src` is width×srcRows RGB whose row 0 is input row `rowOffset`; output is width×outH. */
function resampleVertical(src: Uint8Array, width: number, rowOffset: number, c: AxisCoefficients): Uint8Array {
  const outH = c.outSize;
  const stride = width * 3;
  const out = new Uint8Array(stride * outH);
  const acc = new Int32Array(stride);
  const { lo, len, k, ksize } = c;
  for (let y = 0; y < outH; y++) {
    acc.fill(HALF);
    const n = len[y]!;
    const kb = y * ksize;
    const first = lo[y]! - rowOffset;
    // Row-by-row accumulation (same integer sums as Pillow's column-wise loop, in a cache-friendly order).
    for (let j = 0; j < n; j++) {
      const w = k[kb + j]!;
      if (w === 0) continue;
      const rb = (first + j) * stride;
      for (let i = 0; i < stride; i++) acc[i] = (acc[i]! + Math.imul(w, src[rb + i]!)) | 0;
    }
    const ob = y * stride;
    for (let i = 0; i < stride; i++) out[ob + i] = clip8(acc[i]!);
  }
  return out;
}

export type ResampleEngine = 'auto' | 'wasm' | 'js';

/**
 * Resize an RGB image to (outW, outH) exactly as Pillow 9.4 `Image.resize((outW, outH), Image.BICUBIC)` on an
 * RGB image. Returns the input object itself when the size does not change. `engine` selects the WebAssembly
 * WebAssembly SIMD passes or the plain JS loops (same integers either way); 'auto' prefers WebAssembly.
 */
export function pillowResizeBicubic(img: RgbImage, outW: number, outH: number, engine: ResampleEngine = 'auto'): RgbImage {
  const { width: w, height: h, data } = img;
  if (!Number.isInteger(outW) || !Number.isInteger(outH) || outW <= 0 || outH <= 0) {
    throw new RangeError(`resize: invalid output size ${outW}x${outH}`);
  }
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0)) throw new RangeError(`resize: invalid input size ${w}x${h}`);
  if (data.length !== w * h * 3) throw new RangeError(`resize: data length ${data.length} does not match ${w}x${h}x3`);
  const needH = outW !== w;
  const needV = outH !== h;
  if (!needH && !needV) return img;
  const ch = needH ? precomputeCoefficients(w, outW) : undefined;
  const cv = needV ? precomputeCoefficients(h, outH) : undefined;
  // Only the input rows the vertical pass reads need the horizontal pass (as in Pillow).
  const firstRow = cv ? cv.lo[0]! : 0;
  const lastRow = cv ? cv.lo[outH - 1]! + cv.len[outH - 1]! : h;
  if (engine !== 'js') {
    const out = resizeWasm(data, w, firstRow, lastRow, ch, cv, outW, outH);
    if (out) return { width: outW, height: outH, data: out };
    if (engine === 'wasm') throw new Error('resize: WebAssembly SIMD is not available');
  }
  let cur = data;
  if (ch) cur = resampleHorizontal(data, w, firstRow, lastRow - firstRow, ch);
  if (cv) cur = resampleVertical(cur, outW, ch ? firstRow : 0, cv);
  return { width: outW, height: outH, data: cur };
}

/** A window of an output image: columns [left, left+width), rows [top, top+height). */
export interface OutputWindow {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The coefficient rows of outputs [from, from+n) of a full table (each output's taps do not depend on the others). */
function sliceCoefficients(c: AxisCoefficients, from: number, n: number): AxisCoefficients {
  return { outSize: n, ksize: c.ksize, lo: c.lo.subarray(from, from + n), len: c.len.subarray(from, from + n), k: c.k.subarray(from * c.ksize, (from + n) * c.ksize) };
}

/**
 * The `win` part of `pillowResizeBicubic(img, outW, outH)`, byte for byte, computing only that part: the coefficients
 * are those of the full resize, evaluated for the window's columns and rows only. A centre crop of a very long image
 * (a 40×63698 strip resized to short side 224 is 224×356708, 240 MB) then costs the crop, not the whole resize.
 */
export function pillowResizeBicubicWindow(img: RgbImage, outW: number, outH: number, win: OutputWindow, engine: ResampleEngine = 'auto'): RgbImage {
  const { width: w, height: h, data } = img;
  if (!Number.isInteger(outW) || !Number.isInteger(outH) || outW <= 0 || outH <= 0) {
    throw new RangeError(`resize: invalid output size ${outW}x${outH}`);
  }
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0)) throw new RangeError(`resize: invalid input size ${w}x${h}`);
  if (data.length !== w * h * 3) throw new RangeError(`resize: data length ${data.length} does not match ${w}x${h}x3`);
  const { left, top, width: ww, height: wh } = win;
  if (!(Number.isInteger(left) && Number.isInteger(top) && left >= 0 && top >= 0 && ww > 0 && wh > 0 && left + ww <= outW && top + wh <= outH)) {
    throw new RangeError(`resize: window ${ww}x${wh} at (${left},${top}) outside ${outW}x${outH}`);
  }
  const needH = outW !== w;
  const needV = outH !== h;
  const ch = needH ? sliceCoefficients(precomputeCoefficients(w, outW), left, ww) : undefined;
  const cv = needV ? sliceCoefficients(precomputeCoefficients(h, outH), top, wh) : undefined;
  // Without a resize along an axis, the window along it is a plain slice of the input.
  let src = data;
  let srcW = w;
  let srcH = h;
  let rowBase = 0;
  if (!needH || !needV) {
    const x0 = needH ? 0 : left;
    const x1 = needH ? w : left + ww;
    const y0 = needV ? 0 : top;
    const y1 = needV ? h : top + wh;
    if (x0 !== 0 || x1 !== w || y0 !== 0 || y1 !== h) {
      srcW = x1 - x0;
      srcH = y1 - y0;
      src = new Uint8Array(srcW * srcH * 3);
      for (let y = 0; y < srcH; y++) src.set(data.subarray(((y0 + y) * w + x0) * 3, ((y0 + y) * w + x1) * 3), y * srcW * 3);
    }
    rowBase = 0;
  }
  if (!ch && !cv) return { width: srcW, height: srcH, data: src === data ? data.slice() : src };
  const firstRow = cv ? cv.lo[0]! : rowBase;
  const lastRow = cv ? cv.lo[wh - 1]! + cv.len[wh - 1]! : srcH;
  if (engine !== 'js') {
    const out = resizeWasm(src, srcW, firstRow, lastRow, ch, cv, ww, wh);
    if (out) return { width: ww, height: wh, data: out };
    if (engine === 'wasm') throw new Error('resize: WebAssembly SIMD is not available');
  }
  let cur = src;
  if (ch) cur = resampleHorizontal(src, srcW, firstRow, lastRow - firstRow, ch);
  if (cv) cur = resampleVertical(cur, ch ? ww : srcW, ch ? firstRow : 0, cv);
  return { width: ww, height: wh, data: cur };
}

/** Rows per band copied into WebAssembly memory for the horizontal pass (keeps the copy cache-sized). */
const BAND_BYTES = 512 * 1024;

function resizeWasm(
  data: Uint8Array,
  w: number,
  firstRow: number,
  lastRow: number,
  ch: AxisCoefficients | undefined,
  cv: AxisCoefficients | undefined,
  outW: number,
  outH: number,
): Uint8Array | null {
  const rows = lastRow - firstRow;
  const stride = w * 3;
  // Vertical-only: the whole input must be in memory; otherwise the input streams through in bands.
  const bandRows = ch ? Math.max(1, Math.min(rows, Math.floor(BAND_BYTES / stride))) : rows;
  const align = (n: number) => (n + 15) & ~15;
  let top = 0;
  const place = (bytes: number) => {
    const at = top;
    top = align(top + bytes + 16); // +16: the WebAssembly passes read/write up to 4 bytes past a region
    return at;
  };
  const tables = (c: AxisCoefficients | undefined) =>
    c ? { k: place(c.k.byteLength), lo: place(c.lo.byteLength), len: place(c.len.byteLength) } : undefined;
  const th = tables(ch);
  const tv = tables(cv);
  const src = place(bandRows * stride);
  const mid = ch && cv ? place(rows * outW * 3) : 0;
  const out = place(outW * outH * 3);
  const kern = resampleWasmFor(top);
  if (!kern) return null;
  const mem = new Uint8Array(kern.memory.buffer);
  const put = (at: number, a: Int32Array) => mem.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
  for (const [t, c] of [[th, ch], [tv, cv]] as const) {
    if (t && c) {
      put(t.k, c.k);
      put(t.lo, c.lo);
      put(t.len, c.len);
    }
  }
  if (ch && th) {
    const dst = cv ? mid : out;
    for (let r = 0; r < rows; r += bandRows) {
      const n = Math.min(bandRows, rows - r);
      mem.set(data.subarray((firstRow + r) * stride, (firstRow + r + n) * stride), src);
      kern.h(src, stride, n, dst + r * outW * 3, outW, th.lo, th.len, th.k, ch.ksize * 4);
    }
  } else {
    mem.set(data.subarray(firstRow * stride, lastRow * stride), src);
  }
  if (cv && tv) kern.v(ch ? mid : src, outW * 3, outH, out, tv.lo, tv.len, tv.k, cv.ksize * 4, firstRow);
  return mem.slice(out, out + outW * outH * 3);
}
