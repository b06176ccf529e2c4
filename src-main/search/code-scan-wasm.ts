/**
 * Binary-code scoring for approximate search in WebAssembly, assembled here byte by byte:
 *   codeDots(codes, B, rows, n, lut, out): for k < n: out[k] = Σ_j lut[j·256 + codes[rows[k]·B + j]]
 * (all byte offsets into the imported memory; B a multiple of 4). Four code bytes are read as one word and
 * looked up in four tables through constant offsets, into four accumulators: the scalar table lookups V8
 * emits for this are about three times quicker than the same loop over typed arrays in JavaScript, which
 * matters because a query scores every row of the probed lists (~10⁵ rows at 100k files).
 */
import { buildModule, compileModule, F32, I32, op, whileLess, Wasm, type WasmMemory } from '../runtime/wasm/assembler';

const { get, set, tee, i32Const, i32Add, i32Mul, i32And, i32Shl, i32ShrU, i32Load, f32Load, f32Add, f32Store } = op;

/** Pages a shared code memory may grow to (4 GiB). */
export const SHARED_MAX_PAGES = 65536;

function buildCodeDots(shared: boolean): Uint8Array {
  // params: 0 codes, 1 B, 2 rows, 3 n, 4 lut, 5 out; locals: 6 rend, 7 p, 8 end, 9 lp, 10 w, 11..14 acc (f32)
  const [CODES, B, ROWS, N, LUT, OUT, REND, P, END, LP, W] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const A = [11, 12, 13, 14];
  const look = (k: number, shift: number): number[] => [
    ...get(A[k]!), ...get(LP), ...get(W),
    ...(shift >= 0 ? [...i32Const(shift), ...i32Shl] : [...i32Const(-shift), ...i32ShrU]),
    ...i32Const(1020), ...i32And, ...i32Add, ...f32Load(1024 * k), ...f32Add, ...set(A[k]!),
  ];
  const perWord = [
    ...get(P), ...i32Load(0, 0), ...set(W),
    ...look(0, 2), ...look(1, -6), ...look(2, -14), ...look(3, -22),
    ...get(P), ...i32Const(4), ...i32Add, ...set(P),
    ...get(LP), ...i32Const(4096), ...i32Add, ...set(LP),
  ];
  const perRow = [
    ...get(CODES), ...get(ROWS), ...i32Load(), ...get(B), ...i32Mul, ...i32Add, ...tee(P), ...get(B), ...i32Add, ...set(END),
    ...get(LUT), ...set(LP),
    ...A.flatMap((a) => [...op.f32Const(0), ...set(a)]),
    ...whileLess(P, END, perWord),
    ...get(OUT), ...get(A[0]!), ...get(A[1]!), ...f32Add, ...get(A[2]!), ...get(A[3]!), ...f32Add, ...f32Add, ...f32Store(),
    ...get(OUT), ...i32Const(4), ...i32Add, ...set(OUT),
    ...get(ROWS), ...i32Const(4), ...i32Add, ...set(ROWS),
  ];
  const body = [...get(ROWS), ...get(N), ...i32Const(4), ...i32Mul, ...i32Add, ...set(REND), ...whileLess(ROWS, REND, perRow)];
  return buildModule({
    functions: [{ name: 'codeDots', params: new Array<number>(6).fill(I32), locals: [[5, I32], [4, F32]], body }],
    memory: { import: ['e', 'm'], ...(shared ? { shared: { max: SHARED_MAX_PAGES } } : {}) },
  });
}

const compiled = new Map<boolean, object | null>();

export type CodeDots = (codes: number, B: number, rows: number, n: number, lut: number, out: number) => void;

/**
 * codeDots bound to `memory` (shared between threads when its buffer is a SharedArrayBuffer, with a maximum
 * of SHARED_MAX_PAGES), or null where WebAssembly is unavailable.
 */
export function instantiateCodeDots(memory: WasmMemory): CodeDots | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!compiled.has(shared)) compiled.set(shared, compileModule(buildCodeDots(shared)));
  const m = compiled.get(shared);
  if (!m || !Wasm) return null;
  try {
    return new Wasm.Instance(m, { e: { m: memory } }).exports.codeDots as CodeDots;
  } catch {
    return null;
  }
}
