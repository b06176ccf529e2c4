/**
 * A tiny WebAssembly assembler shared by the hand-written WebAssembly SIMD modules (image resampler, search dot product,
 * CLAP FFT): LEB128 encoders, section/vector/string helpers, the opcodes those modules use and a module
 * builder. Instructions without immediates are byte arrays, the others functions returning byte arrays; memory
 * instructions take (offset = 0, align = natural alignment as log2 bytes).
 */

/** Unsigned LEB128 of a non-negative 32-bit integer. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
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

/** A vector: its length, then the items back to back. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A section: id, byte size, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** A name (ASCII only). */
export const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

const memarg = (align: number, offset: number): number[] => [align, ...uleb(offset)];
const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];
const bytesOf = (a: Float64Array | Float32Array): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

/** The instructions used by those modules (a union of what they need), named after their WebAssembly mnemonics. */
export const op = {
  // control
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  call: (fn: number) => [0x10, ...uleb(fn)],
  // locals
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  // memory
  i32Load: (offset = 0, align = 2) => [0x28, ...memarg(align, offset)],
  f32Load: (offset = 0, align = 2) => [0x2a, ...memarg(align, offset)],
  f64Load: (offset = 0, align = 3) => [0x2b, ...memarg(align, offset)],
  i32Store: (offset = 0, align = 2) => [0x36, ...memarg(align, offset)],
  f32Store: (offset = 0, align = 2) => [0x38, ...memarg(align, offset)],
  f64Store: (offset = 0, align = 3) => [0x39, ...memarg(align, offset)],
  // constants
  i32Const: (v: number) => [0x41, ...sleb(v)],
  f32Const: (v: number) => [0x43, ...bytesOf(Float32Array.of(v))],
  f64Const: (v: number) => [0x44, ...bytesOf(Float64Array.of(v))],
  // i32
  i32Eq: [0x46],
  i32LtU: [0x49],
  i32GtU: [0x4b],
  i32GeU: [0x4f],
  i32Ctz: [0x68],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  // scalar float
  f32Add: [0x92],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  // SIMD memory and constants
  v128Load: (offset = 0, align = 4) => simd(0x00, ...memarg(align, offset)),
  v128Store: (offset = 0, align = 4) => simd(0x0b, ...memarg(align, offset)),
  v128Load32Zero: (offset = 0, align = 2) => simd(0x5c, ...memarg(align, offset)),
  v128Store64Lane: (lane: number, offset = 0, align = 3) => simd(0x5b, ...memarg(align, offset), lane),
  v128Const: (bytes: number[]) => simd(0x0c, ...bytes),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  f64x2Const: (a: number, b: number) => simd(0x0c, ...bytesOf(Float64Array.of(a, b))),
  f32x4Splat4Const: (v: number) => simd(0x0c, ...bytesOf(Float32Array.of(v, v, v, v))),
  /** i8x16.shuffle with 16 lane indices (0–15 first operand, 16–31 second) */
  i8x16Shuffle: (lanes: number[]) => simd(0x0d, ...lanes),
  // SIMD lanes
  i32x4Splat: simd(0x11),
  i32x4ExtractLane: (lane: number) => simd(0x1b, lane),
  f32x4ExtractLane: (lane: number) => simd(0x1f, lane),
  f64x2ExtractLane: (lane: number) => simd(0x21, lane),
  // SIMD integer
  i8x16NarrowI16x8U: simd(0x66),
  i16x8NarrowI32x4U: simd(0x86),
  i16x8ExtendLowI8x16U: simd(0x89),
  i32x4ExtendLowI16x8U: simd(0xa9),
  i32x4ShrS: simd(0xac),
  i32x4Add: simd(0xae),
  i32x4Mul: simd(0xb5),
  i32x4MinS: simd(0xb6),
  i32x4MaxS: simd(0xb8),
  // SIMD float
  f32x4DemoteF64x2Zero: simd(0x5e),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f32x4Min: simd(0xe8),
  f32x4Max: simd(0xe9),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
  f64x2Div: simd(0xf3),
  i32x4TruncSatF32x4S: simd(0xf8),
  f64x2ConvertLowI32x4S: simd(0xfe),
};

/** `while (v < limit) { body }` (unsigned i32 locals); body does its own increments. */
export const whileLess = (v: number, limit: number, body: number[]): number[] => [
  ...op.block, ...op.loop, ...op.get(v), ...op.get(limit), ...op.i32GeU, ...op.brIf(1), ...body, ...op.br(0), ...op.end, ...op.end,
];
/** `v += amount` for an i32 local (amount: instructions leaving one i32). */
export const addTo = (v: number, amount: number[]): number[] => [...op.get(v), ...amount, ...op.i32Add, ...op.set(v)];

/** Local declarations: runs of [count, value type]. */
export type Locals = [number, number][];

export interface WasmFunction {
  /** export name, if exported */
  name?: string;
  params: number[];
  results?: number[];
  locals?: Locals;
  /** the instructions, without the final `end` */
  body: number[];
}

export interface ModuleSpec {
  functions: WasmFunction[];
  /**
   * `{ import: [module, name] }`: an imported memory (`min` pages; `shared` with its maximum, for a memory shared
   * between threads); `{ export: name }`: the module's own memory, exported after the functions.
   */
  memory: { import: [string, string]; min?: number; shared?: { max: number } } | { export: string; min?: number };
}

/**
 * The bytes of a module with one memory and the given functions (types deduplicated in order of first use;
 * function i has index i, exports in function order).
 */
export function buildModule(spec: ModuleSpec): Uint8Array {
  const types: number[][] = [];
  const typeIndex = new Map<string, number>();
  const funcTypes = spec.functions.map((f) => {
    const t = [0x60, ...vec(f.params.map((p) => [p])), ...vec((f.results ?? []).map((r) => [r]))];
    const key = t.join(',');
    let i = typeIndex.get(key);
    if (i === undefined) {
      i = types.length;
      types.push(t);
      typeIndex.set(key, i);
    }
    return [...uleb(i)];
  });
  const min = spec.memory.min ?? 1;
  // a shared memory (threads) is declared with its maximum: flag 3
  const shared = 'import' in spec.memory ? spec.memory.shared : undefined;
  const limits = shared ? [0x03, ...uleb(min), ...uleb(shared.max)] : [0x00, ...uleb(min)];
  const exports = spec.functions.flatMap((f, i) => (f.name === undefined ? [] : [[...str(f.name), 0x00, ...uleb(i)]]));
  const code = spec.functions.map((f) => {
    const body = [...vec((f.locals ?? []).map(([count, type]) => [...uleb(count), type])), ...f.body, ...op.end];
    return [...uleb(body.length), ...body];
  });
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, vec(types))];
  if ('import' in spec.memory) {
    const [mod, name] = spec.memory.import;
    bytes.push(...section(2, vec([[...str(mod), ...str(name), 0x02, ...limits]])));
  }
  bytes.push(...section(3, vec(funcTypes)));
  if ('export' in spec.memory) {
    bytes.push(...section(5, vec([limits])));
    exports.push([...str(spec.memory.export), 0x02, 0x00]);
  }
  bytes.push(...section(7, vec(exports)), ...section(10, vec(code)));
  return new Uint8Array(bytes);
}

// The project's TS lib set has no DOM/WebAssembly typings; describe the members used.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
/** The WebAssembly namespace of this runtime, if any. */
export const Wasm: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The compiled module, or null where WebAssembly is missing or rejects the bytes (e.g. no SIMD). */
export function compileModule(bytes: Uint8Array): object | null {
  try {
    return Wasm && Wasm.validate(bytes) ? new Wasm.Module(bytes) : null;
  } catch {
    return null;
  }
}

let simd128: boolean | undefined;
/** Whether this runtime validates WebAssembly SIMD (v128) code. */
export function simdSupported(): boolean {
  if (simd128 === undefined) {
    const probe = buildModule({
      functions: [{ params: [], results: [V128], body: [...op.i32Const(1), ...op.i32x4Splat] }],
      memory: { export: 'm' },
    });
    simd128 = Wasm !== undefined && compileModule(probe) !== null;
  }
  return simd128;
}
