// ONNX Runtime (TS) vs PyTorch for the committed test packs: expected.json holds the PyTorch 1.13 outputs of
// every encoder and projector family (projectors un-folded, eval mode) on deterministic inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { readManifest } from '../../src-main/pack/verify';

const RTOL = 1e-4;
const ATOL = 1e-5;

/** det_input of generate.py: fl32(((i*7919 + seed*104729) mod 10007)/10007*2-1), then *scale + offset in float32. */
function detInput(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.fround((((i * 7919 + seed * 104729) % 10007) / 10007) * 2 - 1);
    out[i] = Math.fround(Math.fround(v * scale) + offset);
  }
  return out;
}

function feedFor(spec: { name: string; dtype: string; shape: (number | string)[] }, cases: Record<string, any>[]): ort.Tensor {
  const n = cases.length;
  const dims = [n, ...spec.shape.slice(1).map(Number)];
  if (spec.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(cases.map((c) => (c[spec.name] ? 1 : 0))), dims);
  if (spec.dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from(cases.flatMap((c) => c[spec.name] as number[]).map((v) => BigInt(v))), dims);
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * per);
  cases.forEach((c, k) => {
    const d = c[spec.name].det_input;
    x.set(detInput(d.n, d.seed, d.scale, d.offset), k * per);
  });
  return new ort.Tensor('float32', x, dims);
}

function compare(got: Float32Array, want: number[], what: string): number {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    worst = Math.max(worst, err / (ATOL + RTOL * Math.abs(want[i]!)));
    if (!(err <= ATOL + RTOL * Math.abs(want[i]!))) throw new Error(`${what}[${i}]: onnx ${got[i]}, torch ${want[i]}`);
  }
  return worst;
}

for (const pack of ['ib-pp-test', 'internvl-ib-ft-pp-test']) {
  describe(`${pack}: ONNX Runtime reproduces PyTorch (rtol 1e-4)`, () => {
    const dir = join(repoRoot, 'models/test-packs', pack);
    const m = readManifest(dir);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

    for (const [eid, e] of Object.entries(m.encoders)) {
      it(`encoder ${eid}`, async () => {
        const ex = expected.encoders[eid];
        const s = await ort.InferenceSession.create(join(dir, e.file));
        const feeds: Record<string, ort.Tensor> = {};
        for (const spec of e.inputs) feeds[spec.name] = feedFor(spec, ex.cases);
        const y = (await s.run(feeds))[e.outputs[0]!.name]!;
        expect(y.dims).toEqual(ex.output.shape);
        compare(y.data as Float32Array, ex.output.values, eid);
        await s.release();
      });
    }

    for (const [fam, p] of Object.entries(m.projectors)) {
      it(`projector family ${fam} (BN folded in ONNX, un-folded in PyTorch)`, async () => {
        const ex = expected.projectors[fam];
        const x = new Float32Array(2 * p.inDim);
        ex.input.det_input.forEach((d: { n: number; seed: number }, k: number) => x.set(detInput(d.n, d.seed), k * p.inDim));
        const s = await ort.InferenceSession.create(join(dir, p.file));
        const y = (await s.run({ x: new ort.Tensor('float32', x, [2, p.inDim]) })).heads!;
        expect(y.dims).toEqual([2, 7, p.outDim]);
        compare(y.data as Float32Array, ex.output.values, fam);
        await s.release();
      });
    }

    it('encoders depend on their input content (different inputs → different outputs)', () => {
      for (const [eid, ex] of Object.entries<any>(expected.encoders)) {
        const v = ex.output.values as number[];
        const d = v.length / 2;
        let diff = 0;
        for (let i = 0; i < d; i++) diff = Math.max(diff, Math.abs(v[i]! - v[d + i]!));
        expect(diff, eid).toBeGreaterThan(1e-3);
      }
    });
  });
}
