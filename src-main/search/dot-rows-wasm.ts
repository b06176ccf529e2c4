/**
 * A WebAssembly SIMD dot-product module, assembled here byte by byte (no toolchain needed):
 *   dot2(rows, n, dim, a, u, out): for r < n: out[2r] = rows[r]·a, out[2r+1] = rows[r]·u
 * All arguments are byte offsets into the imported memory; dim must be a multiple of 16. Each row is read
 * once, 16 floats per iteration into 8 f32x4 accumulators (4 per query), so V8 emits SSE/AVX code that runs
 * at memory speed, which plain JS loops over Float32Array cannot (they stay scalar).
 */

import { buildModule, compileModule, I32, op, V128, Wasm, whileLess, type WasmMemory } from '../runtime/wasm/assembler';

export { Wasm, type WasmMemory };

const { get, set, i32Const, i32Add, i32Mul, v128Load, f32x4Add, f32x4Mul, f32x4ExtractLane, f32Add, f32Store, v128Zero } = op;

function buildDot2(): Uint8Array {
  // params: 0 rows, 1 n, 2 dim, 3 a, 4 u, 5 out ; locals: 6 r, 7 i, 8 stride, 9..16 acc (v128), 17..20 x (v128)
  const [ROWS, N, DIM, A, U, OUT, R, I, STRIDE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const ACC = [9, 10, 11, 12, 13, 14, 15, 16]; // sa0..sa3, su0..su3
  const X = [17, 18, 19, 20];
  const perElements: number[] = [];
  for (let k = 0; k < 4; k++) perElements.push(...get(ROWS), ...get(I), ...i32Add, ...v128Load(16 * k), ...set(X[k]!));
  for (let k = 0; k < 4; k++) {
    // sa_k += x_k * a[i + 4k]
    perElements.push(...get(ACC[k]!), ...get(X[k]!), ...get(A), ...get(I), ...i32Add, ...v128Load(16 * k), ...f32x4Mul, ...f32x4Add, ...set(ACC[k]!));
    perElements.push(...get(ACC[4 + k]!), ...get(X[k]!), ...get(U), ...get(I), ...i32Add, ...v128Load(16 * k), ...f32x4Mul, ...f32x4Add, ...set(ACC[4 + k]!));
  }
  perElements.push(...get(I), ...i32Const(64), ...i32Add, ...set(I));
  const perRow: number[] = [];
  for (const a of ACC) perRow.push(...v128Zero, ...set(a));
  perRow.push(...i32Const(0), ...set(I), ...whileLess(I, STRIDE, perElements));
  for (const [slot, first] of [[0, 0], [4, 4]] as const) {
    // acc = (acc0 + acc1) + (acc2 + acc3); out[slot] = lane0 + lane1 + lane2 + lane3
    perRow.push(...get(ACC[first]!), ...get(ACC[first + 1]!), ...f32x4Add, ...get(ACC[first + 2]!), ...get(ACC[first + 3]!), ...f32x4Add, ...f32x4Add, ...set(X[0]!));
    perRow.push(...get(OUT));
    const lane = (l: number) => [...get(X[0]!), ...f32x4ExtractLane(l)];
    perRow.push(...lane(0), ...lane(1), ...f32Add, ...lane(2), ...lane(3), ...f32Add, ...f32Add);
    perRow.push(...f32Store(slot));
  }
  perRow.push(...get(OUT), ...i32Const(8), ...i32Add, ...set(OUT));
  perRow.push(...get(ROWS), ...get(STRIDE), ...i32Add, ...set(ROWS));
  perRow.push(...get(R), ...i32Const(1), ...i32Add, ...set(R));
  const body = [...get(DIM), ...i32Const(4), ...i32Mul, ...set(STRIDE), ...i32Const(0), ...set(R), ...whileLess(R, N, perRow)];
  return buildModule({
    functions: [{ name: 'dot2', params: new Array<number>(6).fill(I32), locals: [[3, I32], [12, V128]], body }],
    memory: { import: ['e', 'm'] },
  });
}

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
export function dotRowsWasmModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = compileModule(buildDot2());
  return compiled;
}

export type Dot2 = (rows: number, n: number, dim: number, a: number, u: number, out: number) => void;

export function instantiateDot2(memory: WasmMemory): Dot2 | null {
  const mod = dotRowsWasmModule();
  if (!mod || !Wasm) return null;
  const inst = new Wasm.Instance(mod, { e: { m: memory } });
  return inst.exports.dot2 as Dot2;
}
