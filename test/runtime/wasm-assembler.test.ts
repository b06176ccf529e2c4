import { describe, expect, it } from 'vitest';
import { buildModule, compileModule, I32, op, section, simdSupported, sleb, str, uleb, vec, Wasm, whileLess, addTo, type WasmMemory } from '../../src-main/runtime/wasm/assembler';

describe('wasm assembler encoders', () => {
  it('encodes unsigned LEB128', () => {
    expect(uleb(0)).toEqual([0x00]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('encodes signed LEB128', () => {
    expect(sleb(0)).toEqual([0x00]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(-2147483648)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });

  it('frames vectors, sections and names', () => {
    expect(vec([[1, 2], [3]])).toEqual([2, 1, 2, 3]);
    expect(section(7, new Array(200).fill(0)).slice(0, 3)).toEqual([7, 0xc8, 0x01]);
    expect(str('mem')).toEqual([3, 0x6d, 0x65, 0x6d]);
    expect(op.f64Const(1)).toEqual([0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(op.v128Load(16)).toEqual([0xfd, 0x00, 0x04, 0x10]);
    expect(op.f32x4Add).toEqual([0xfd, 0xe4, 0x01]);
  });
});

describe('buildModule', () => {
  it('builds a runnable module with an imported memory', () => {
    // sum(ptr, n): Σ int32 at ptr … ptr + 4n
    const [P, N, END, ACC] = [0, 1, 2, 3];
    const body = [
      ...op.get(N), ...op.i32Const(2), ...op.i32Shl, ...op.get(P), ...op.i32Add, ...op.set(END),
      ...whileLess(P, END, [...addTo(ACC, [...op.get(P), ...op.i32Load()]), ...addTo(P, op.i32Const(4))]),
      ...op.get(ACC),
    ];
    const bytes = buildModule({ functions: [{ name: 'sum', params: [I32, I32], results: [I32], locals: [[2, I32]], body }], memory: { import: ['e', 'm'] } });
    const mod = compileModule(bytes);
    expect(mod).not.toBeNull();
    const memory = new Wasm!.Memory({ initial: 1 });
    new Int32Array(memory.buffer, 64, 5).set([3, -7, 100000, 2, 1]);
    const sum = new Wasm!.Instance(mod!, { e: { m: memory } }).exports.sum as (p: number, n: number) => number;
    expect(sum(64, 5)).toBe(99999);
    expect(sum(64, 0)).toBe(0);
  });

  it('builds a module exporting its own memory, with SIMD', () => {
    expect(simdSupported()).toBe(true);
    // dbl(p): f64x2 at p doubled in place
    const body = [...op.get(0), ...op.get(0), ...op.v128Load(), ...op.f64x2Const(2, 2), ...op.f64x2Mul, ...op.v128Store()];
    const mod = compileModule(buildModule({ functions: [{ name: 'dbl', params: [I32], body }], memory: { export: 'mem', min: 2 } }));
    expect(mod).not.toBeNull();
    const ex = new Wasm!.Instance(mod!, {}).exports;
    const mem = ex.mem as WasmMemory;
    expect(mem.buffer.byteLength).toBe(2 * 65536);
    const f = new Float64Array(mem.buffer);
    f.set([1.5, -0.25], 2);
    (ex.dbl as (p: number) => void)(16);
    expect(Array.from(f.subarray(2, 4))).toEqual([3, -0.5]);
  });

  it('returns null for bytes WebAssembly rejects', () => {
    expect(compileModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]))).toBeNull();
  });
});
