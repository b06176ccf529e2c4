/**
 * A WebAssembly SIMD dot-product kernel, assembled here byte by byte (no toolchain needed):
 *   dot2(rows, n, dim, a, u, out): for r < n: out[2r] = rows[r]·a, out[2r+1] = rows[r]·u
 * All arguments are byte offsets into the imported memory; dim must be a multiple of 16. Each row is read
 * once, 16 floats per iteration into 8 f32x4 accumulators (4 per query), so V8 emits SSE/AVX code that runs
 * at memory speed, which plain JS loops over Float32Array cannot (they stay scalar).
 */

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
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
};
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const str = (s: string) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f, V128 = 0x7b;
const get = (i: number) => [0x20, ...leb(i)];
const set = (i: number) => [0x21, ...leb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const I32_ADD = [0x6a], I32_MUL = [0x6c], I32_GE_U = [0x4f];
const v128load = (offset: number) => [0xfd, 0x00, 0x04, ...leb(offset)];
const F32X4_ADD = [0xfd, ...leb(228)], F32X4_MUL = [0xfd, ...leb(230)];
const lane = (l: number) => [0xfd, 0x1f, l];
const F32_ADD = [0x92];
const f32store = (offset: number) => [0x38, 0x02, ...leb(offset)];
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];

function buildDot2(): Uint8Array {
  // params: 0 rows, 1 n, 2 dim, 3 a, 4 u, 5 out ; locals: 6 r, 7 i, 8 stride, 9..16 acc (v128), 17..20 x (v128)
  const [ROWS, N, DIM, A, U, OUT, R, I, STRIDE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const ACC = [9, 10, 11, 12, 13, 14, 15, 16]; // sa0..sa3, su0..su3
  const X = [17, 18, 19, 20];
  const body: number[] = [];
  body.push(...get(DIM), ...i32c(4), ...I32_MUL, ...set(STRIDE));
  body.push(...i32c(0), ...set(R));
  body.push(0x02, 0x40, 0x03, 0x40); // block, loop (rows)
  body.push(...get(R), ...get(N), ...I32_GE_U, 0x0d, 1); // br_if block
  for (const a of ACC) body.push(...V128_ZERO, ...set(a));
  body.push(...i32c(0), ...set(I));
  body.push(0x02, 0x40, 0x03, 0x40); // block, loop (elements)
  body.push(...get(I), ...get(STRIDE), ...I32_GE_U, 0x0d, 1);
  for (let k = 0; k < 4; k++) body.push(...get(ROWS), ...get(I), ...I32_ADD, ...v128load(16 * k), ...set(X[k]!));
  for (let k = 0; k < 4; k++) {
    // sa_k += x_k * a[i + 4k]
    body.push(...get(ACC[k]!), ...get(X[k]!), ...get(A), ...get(I), ...I32_ADD, ...v128load(16 * k), ...F32X4_MUL, ...F32X4_ADD, ...set(ACC[k]!));
    body.push(...get(ACC[4 + k]!), ...get(X[k]!), ...get(U), ...get(I), ...I32_ADD, ...v128load(16 * k), ...F32X4_MUL, ...F32X4_ADD, ...set(ACC[4 + k]!));
  }
  body.push(...get(I), ...i32c(64), ...I32_ADD, ...set(I));
  body.push(0x0c, 0, 0x0b, 0x0b); // br loop, end loop, end block
  for (const [slot, first] of [[0, 0], [4, 4]] as const) {
    // acc = (acc0 + acc1) + (acc2 + acc3); out[slot] = lane0 + lane1 + lane2 + lane3
    body.push(...get(ACC[first]!), ...get(ACC[first + 1]!), ...F32X4_ADD, ...get(ACC[first + 2]!), ...get(ACC[first + 3]!), ...F32X4_ADD, ...F32X4_ADD, ...set(X[0]!));
    body.push(...get(OUT));
    body.push(...get(X[0]!), ...lane(0), ...get(X[0]!), ...lane(1), ...F32_ADD, ...get(X[0]!), ...lane(2), ...get(X[0]!), ...lane(3), ...F32_ADD, ...F32_ADD);
    body.push(...f32store(slot));
  }
  body.push(...get(OUT), ...i32c(8), ...I32_ADD, ...set(OUT));
  body.push(...get(ROWS), ...get(STRIDE), ...I32_ADD, ...set(ROWS));
  body.push(...get(R), ...i32c(1), ...I32_ADD, ...set(R));
  body.push(0x0c, 0, 0x0b, 0x0b); // br loop, end loop, end block
  body.push(0x0b); // end func
  const locals = [[...leb(3), I32], [...leb(12), V128]];
  const func = [...vec(locals), ...body];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array(6).fill([I32])), 0x00]])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...str('dot2'), 0x00, 0x00]])),
    ...section(10, vec([[...leb(func.length), ...func]])),
  ];
  return new Uint8Array(bytes);
}

/** The slice of the WebAssembly JS API used here (the project's TS lib set has no DOM/wasm typings). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
export const Wasm: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is unavailable. */
export function simdModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = buildDot2();
    compiled = Wasm && Wasm.validate(bytes) ? new Wasm.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

export type Dot2 = (rows: number, n: number, dim: number, a: number, u: number, out: number) => void;

export function instantiateDot2(memory: WasmMemory): Dot2 | null {
  const mod = simdModule();
  if (!mod || !Wasm) return null;
  const inst = new Wasm.Instance(mod, { e: { m: memory } });
  return inst.exports.dot2 as Dot2;
}
