/**
 * WebAssembly SIMD kernels for the two passes of Pillow's fixed-point resampler (pillow-resize.ts has the same
 * algorithm in plain JS, used as fallback). Each tap multiplies one pixel — its 3 bytes (plus one byte of
 * padding / neighbour, ignored) widened to i32x4 — by the tap's 22-bit weight and adds, all in int32 lanes,
 * exactly the integer sums of Pillow's C loop. The result is `clamp(acc >> 22, 0, 255)`, which equals Pillow's
 * clip8 for every int32.
 *
 * The module is assembled here from its instructions (no build step, no binary blob); it is tiny and has
 * no imports but the memory.
 */

// ---- a minimal assembler for the handful of instructions used --------------------------------------------
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32Load: [0x28, 0x02, 0x00],
  i32LoadAt: (offset: number) => [0x28, 0x02, ...uleb(offset)],
  i32Store: [0x36, 0x00, 0x00],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  simd: (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm],
};
const v128Load32Zero = op.simd(0x5c, 0x00, 0x00);
const v128Load32ZeroAt = (offset: number) => op.simd(0x5c, 0x00, ...uleb(offset));
const i32x4Splat = op.simd(0x11);
const i32x4ExtractLane0 = op.simd(0x1b, 0);
const i16x8NarrowI32x4U = op.simd(0x86);
const i8x16NarrowI16x8U = op.simd(0x66);
const i16x8ExtendLowI8x16U = op.simd(0x89);
const i32x4ExtendLowI16x8U = op.simd(0xa9);
const i32x4ShrS = op.simd(0xac);
const i32x4Add = op.simd(0xae);
const i32x4Mul = op.simd(0xb5);
const i32x4MinS = op.simd(0xb6);
const i32x4MaxS = op.simd(0xb8);

const HALF = 1 << 21;

/** `for (; var < limit; ) { body }` — body must do its own increments. */
function whileLess(v: number, limit: number, body: number[]): number[] {
  return [...op.block, ...op.loop, ...op.get(v), ...op.get(limit), ...op.i32GeU, ...op.brIf(1), ...body, ...op.br(0), ...op.end, ...op.end];
}
const addTo = (v: number, amount: number[]): number[] => [...op.get(v), ...amount, ...op.i32Add, ...op.set(v)];
const load32At = (base: number, index: number): number[] => [...op.get(base), ...op.get(index), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.i32Load];

/** Clamp acc>>22 to 0..255 and store its 4 low bytes (lanes) at the address already on the stack. */
function storeClipped(acc: number): number[] {
  return [
    ...op.get(acc), ...op.i32Const(22), ...i32x4ShrS,
    ...op.i32Const(0), ...i32x4Splat, ...i32x4MaxS,
    ...op.i32Const(255), ...i32x4Splat, ...i32x4MinS,
    ...op.tee(acc), ...op.get(acc), ...i16x8NarrowI32x4U,
    ...op.tee(acc), ...op.get(acc), ...i8x16NarrowI16x8U,
    ...i32x4ExtractLane0, ...op.i32Store,
  ];
}
/** acc += widen(load 4 bytes at p) * splat(i32 at kp) */
function mac(acc: number, p: number, kp: number): number[] {
  return [
    ...op.get(acc),
    ...op.get(p), ...v128Load32Zero, ...i16x8ExtendLowI8x16U, ...i32x4ExtendLowI16x8U,
    ...op.get(kp), ...op.i32Load, ...i32x4Splat,
    ...i32x4Mul, ...i32x4Add, ...op.set(acc),
  ];
}

/** acc += widen(4 bytes at p+pOff) * splat(i32 at kp+kOff) */
function macAt(acc: number, p: number, pOff: number, kp: number, kOff: number): number[] {
  return [
    ...op.get(acc),
    ...op.get(p), ...v128Load32ZeroAt(pOff), ...i16x8ExtendLowI8x16U, ...i32x4ExtendLowI16x8U,
    ...op.get(kp), ...op.i32LoadAt(kOff), ...i32x4Splat,
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
  const funcType = [0x60, ...vec(Array.from({ length: 9 }, () => [I32])), 0x00];
  const code = (body: number[]) => {
    const f = [...vec([[8, I32], [2, V128]]), ...body, ...op.end];
    return [...uleb(f.length), ...f];
  };
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([funcType])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0x00], [0x00]])),
    ...section(7, vec([[...str('h'), 0x00, 0x00], [...str('v'), 0x00, 0x01]])),
    ...section(10, vec([code(horizontalBody()), code(verticalBody())])),
  ]);
}

// The project's TS lib has no DOM/WebAssembly value types; describe the few members used.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled kernels, or null where WebAssembly SIMD is unavailable (callers then use the JS passes). */
export function resampleModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = WA ? new WA.Module(assemble()) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export interface WasmKernels {
  memory: WasmMemory;
  h: (src: number, srcStride: number, rows: number, out: number, outW: number, lo: number, len: number, k: number, kBytes: number) => void;
  v: (mid: number, stride: number, outH: number, out: number, lo: number, len: number, k: number, kBytes: number, rowOffset: number) => void;
}

let shared: WasmKernels | null | undefined;

/** Above this, a call gets a one-off instance instead of growing the shared one (memory never shrinks). */
const SHARED_LIMIT = 64 * 1024 * 1024;

/**
 * Kernels whose memory holds at least `bytes`. Calls in one thread are synchronous, so one shared instance
 * (grown on demand) serves them all; very large requests get their own instance, released after use.
 */
export function kernelsFor(bytes: number): WasmKernels | null {
  const mod = resampleModule();
  if (!mod || !WA) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > 65536) return null;
  const make = (initial: number): WasmKernels => {
    const memory = new WA.Memory({ initial });
    const ex = new WA.Instance(mod, { e: { m: memory } }).exports as unknown as Omit<WasmKernels, 'memory'>;
    return { memory, h: ex.h, v: ex.v };
  };
  if (bytes > SHARED_LIMIT) return make(pages);
  shared ??= make(pages);
  const have = shared.memory.buffer.byteLength / 65536;
  if (have < pages) shared.memory.grow(pages - have);
  return shared;
}
