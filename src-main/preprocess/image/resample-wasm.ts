/**
 * WebAssembly SIMD code for the two passes of Pillow's fixed-point resampler (pillow-resize.ts has the same
 * algorithm in plain JS, used as fallback). Each tap multiplies one pixel — its 3 bytes (plus one byte of
 * padding / neighbour, ignored) widened to i32x4 — by the tap's 22-bit weight and adds, all in int32 lanes,
 * exactly the integer sums of Pillow's C loop. The result is `clamp(acc >> 22, 0, 255)`, which equals Pillow's
 * clip8 for every int32.
 *
 * The module is assembled here from its instructions (no build step, no binary blob); it is tiny and has
 * no imports but the memory.
 */

import { addTo, buildModule, compileModule, I32, op, V128, Wasm, whileLess, type Locals, type WasmMemory } from '../../runtime/wasm/assembler';

// memargs as originally assembled (alignment hint 0 for the byte-granular pixel accesses)
const v128Load32Zero = op.v128Load32Zero(0, 0);
const v128Load32ZeroAt = (offset: number) => op.v128Load32Zero(offset, 0);
const i32Store = op.i32Store(0, 0);
const i32x4ExtractLane0 = op.i32x4ExtractLane(0);
const { i32x4Splat, i16x8NarrowI32x4U, i8x16NarrowI16x8U, i16x8ExtendLowI8x16U, i32x4ExtendLowI16x8U, i32x4ShrS, i32x4Add, i32x4Mul, i32x4MinS, i32x4MaxS } = op;

const HALF = 1 << 21;

const load32At = (base: number, index: number): number[] => [...op.get(base), ...op.get(index), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.i32Load()];

/** Clamp acc>>22 to 0..255 and store its 4 low bytes (lanes) at the address already on the stack. */
function storeClipped(acc: number): number[] {
  return [
    ...op.get(acc), ...op.i32Const(22), ...i32x4ShrS,
    ...op.i32Const(0), ...i32x4Splat, ...i32x4MaxS,
    ...op.i32Const(255), ...i32x4Splat, ...i32x4MinS,
    ...op.tee(acc), ...op.get(acc), ...i16x8NarrowI32x4U,
    ...op.tee(acc), ...op.get(acc), ...i8x16NarrowI16x8U,
    ...i32x4ExtractLane0, ...i32Store,
  ];
}
/** acc += widen(load 4 bytes at p) * splat(i32 at kp) */
function mac(acc: number, p: number, kp: number): number[] {
  return [
    ...op.get(acc),
    ...op.get(p), ...v128Load32Zero, ...i16x8ExtendLowI8x16U, ...i32x4ExtendLowI16x8U,
    ...op.get(kp), ...op.i32Load(), ...i32x4Splat,
    ...i32x4Mul, ...i32x4Add, ...op.set(acc),
  ];
}

/** acc += widen(4 bytes at p+pOff) * splat(i32 at kp+kOff) */
function macAt(acc: number, p: number, pOff: number, kp: number, kOff: number): number[] {
  return [
    ...op.get(acc),
    ...op.get(p), ...v128Load32ZeroAt(pOff), ...i16x8ExtendLowI8x16U, ...i32x4ExtendLowI16x8U,
    ...op.get(kp), ...op.i32Load(kOff), ...i32x4Splat,
    ...i32x4Mul, ...i32x4Add, ...op.set(acc),
  ];
}

// h(src, srcStride, rows, out, outW, lo, len, k, kBytes)
// Taps go in pairs into two accumulators (the table stride is even and padded with zero weights; the extra
// pixel read lies inside the row, the next row or the region's padding). Integer addition is associative, so
// the total is the same sum.
function horizontalBody(): number[] {
  const [src, srcStride, rows, out, outW, lo, len, k, kBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [y, x, n, kp, p, j, o, rowBase, acc, acc2] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const inner = whileLess(j, n, [
    ...macAt(acc, p, 0, kp, 0), ...macAt(acc2, p, 3, kp, 4),
    ...addTo(p, op.i32Const(6)), ...addTo(kp, op.i32Const(8)), ...addTo(j, op.i32Const(2)),
  ]);
  const perPixel = [
    ...load32At(len, x), ...op.set(n),
    ...op.get(rowBase), ...load32At(lo, x), ...op.i32Const(3), ...op.i32Mul, ...op.i32Add, ...op.set(p),
    ...op.get(k), ...op.get(x), ...op.get(kBytes), ...op.i32Mul, ...op.i32Add, ...op.set(kp),
    ...op.i32Const(HALF), ...i32x4Splat, ...op.set(acc),
    ...op.i32Const(0), ...i32x4Splat, ...op.set(acc2),
    ...op.i32Const(0), ...op.set(j),
    ...inner,
    ...op.get(acc), ...op.get(acc2), ...i32x4Add, ...op.set(acc),
    ...op.get(o), ...storeClipped(acc),
    ...addTo(o, op.i32Const(3)), ...addTo(x, op.i32Const(1)),
  ];
  const perRow = [...op.i32Const(0), ...op.set(x), ...whileLess(x, outW, perPixel), ...addTo(rowBase, op.get(srcStride)), ...addTo(y, op.i32Const(1))];
  return [...op.get(src), ...op.set(rowBase), ...op.get(out), ...op.set(o), ...whileLess(y, rows, perRow)];
}

// v(mid, stride, outH, out, lo, len, k, kBytes, rowOffset)
function verticalBody(): number[] {
  const [mid, stride, outH, out, lo, len, k, kBytes, rowOffset] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [y, i, n, kp, p, j, o, first, acc] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
  const inner = whileLess(j, n, [...mac(acc, p, kp), ...addTo(p, op.get(stride)), ...addTo(kp, op.i32Const(4)), ...addTo(j, op.i32Const(1))]);
  const perGroup = [
    ...op.i32Const(HALF), ...i32x4Splat, ...op.set(acc),
    ...op.get(first), ...op.get(i), ...op.i32Add, ...op.set(p),
    ...op.get(k), ...op.get(y), ...op.get(kBytes), ...op.i32Mul, ...op.i32Add, ...op.set(kp),
    ...op.i32Const(0), ...op.set(j),
    ...inner,
    ...op.get(o), ...op.get(i), ...op.i32Add, ...storeClipped(acc),
    ...addTo(i, op.i32Const(4)),
  ];
  const perRow = [
    ...load32At(len, y), ...op.set(n),
    ...op.get(mid), ...load32At(lo, y), ...op.get(rowOffset), ...op.i32Sub, ...op.get(stride), ...op.i32Mul, ...op.i32Add, ...op.set(first),
    ...op.i32Const(0), ...op.set(i),
    ...whileLess(i, stride, perGroup),
    ...addTo(o, op.get(stride)), ...addTo(y, op.i32Const(1)),
  ];
  return [...op.get(out), ...op.set(o), ...whileLess(y, outH, perRow)];
}

function assemble(): Uint8Array {
  const params = new Array<number>(9).fill(I32);
  const locals: Locals = [[8, I32], [2, V128]];
  return buildModule({
    functions: [
      { name: 'h', params, locals, body: horizontalBody() },
      { name: 'v', params, locals, body: verticalBody() },
    ],
    memory: { import: ['e', 'm'] },
  });
}

let compiled: object | null | undefined;

/** The compiled WebAssembly passes, or null where WebAssembly SIMD is unavailable (callers then use the JS passes). */
export function resampleModule(): object | null {
  if (compiled === undefined) {
    compiled = compileModule(assemble());
  }
  return compiled;
}

export interface ResampleWasm {
  memory: WasmMemory;
  h: (src: number, srcStride: number, rows: number, out: number, outW: number, lo: number, len: number, k: number, kBytes: number) => void;
  v: (mid: number, stride: number, outH: number, out: number, lo: number, len: number, k: number, kBytes: number, rowOffset: number) => void;
}

let shared: ResampleWasm | null | undefined;

/** Above this, a call gets a one-off instance instead of growing the shared one (memory never shrinks). */
const SHARED_LIMIT = 64 * 1024 * 1024;

/**
 * Kernels whose memory holds at least `bytes`. Calls in one thread are synchronous, so one shared instance
 * (grown on demand) serves them all; very large requests get their own instance, released after use.
 */
export function resampleWasmFor(bytes: number): ResampleWasm | null {
  const mod = resampleModule();
  const wasm = Wasm;
  if (!mod || !wasm) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > 65536) return null;
  const make = (initial: number): ResampleWasm => {
    const memory = new wasm.Memory({ initial });
    const ex = new wasm.Instance(mod, { e: { m: memory } }).exports as unknown as Omit<ResampleWasm, 'memory'>;
    return { memory, h: ex.h, v: ex.v };
  };
  if (bytes > SHARED_LIMIT) return make(pages);
  shared ??= make(pages);
  const have = shared.memory.buffer.byteLength / 65536;
  if (have < pages) shared.memory.grow(pages - have);
  return shared;
}
