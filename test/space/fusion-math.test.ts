import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fixturesDir, readJson, repoRoot } from '../helpers/fixtures';
import { ensembleMean, headsOf, mix, similarityMatrix } from '../../src-main/space/fusion';
import { foldBatchNorm, foldedForward, projectorForward, type ProjectorWeights } from '../../src-main/space/reference-mlp';

const RTOL = 1e-5;
const ATOL = 1e-6;

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = ATOL + RTOL * Math.abs(want[i]!);
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

interface RawProjector {
  lin1_w: number[][]; lin1_b: number[]; bn1_gamma: number[]; bn1_beta: number[]; bn1_mean: number[]; bn1_var: number[];
  lin2_w: number[][]; lin2_b: number[]; bn2_gamma: number[]; bn2_beta: number[]; bn2_mean: number[]; bn2_var: number[];
}

const fx = readJson<{
  modes: string[];
  projectors_g: RawProjector[];
  projectors_m: RawProjector[];
  clap_g: number[][];
  clap_m: number[][];
  base: number[][];
  per_projector_outputs: number[][][];
  ensemble: number[][];
  mixed_by_factor: Record<string, number[][]>;
  other: number[][];
  softmax10_mixed05_vs_other: number[][];
  bn_eps: number;
}>('fusion_math.json');

const weights = (p: RawProjector): ProjectorWeights => ({
  lin1: { weight: p.lin1_w, bias: p.lin1_b },
  bn1: { gamma: p.bn1_gamma, beta: p.bn1_beta, mean: p.bn1_mean, variance: p.bn1_var },
  lin2: { weight: p.lin2_w, bias: p.lin2_b },
  bn2: { gamma: p.bn2_gamma, beta: p.bn2_beta, mean: p.bn2_mean, variance: p.bn2_var },
});

const projectors = [...fx.projectors_g.map(weights), ...fx.projectors_m.map(weights)];
const inputs = (k: number) => (k < 7 ? fx.clap_g : fx.clap_m);
const batch = fx.base.length;

describe('fusion math vs fusion_math.json (rtol 1e-5, atol 1e-6)', () => {
  it('mode order is mix, A, T, V, AT, AV, TV', () => {
    expect(fx.modes).toEqual(['mix', 'A', 'T', 'V', 'AT', 'AV', 'TV']);
  });

  it('TS reference projector (Linear→BN→ReLU→Linear→BN→L2, eval) reproduces all 14 per-projector outputs', () => {
    projectors.forEach((p, k) => {
      for (let b = 0; b < batch; b++) expectClose(projectorForward(p, inputs(k)[b]!, fx.bn_eps), fx.per_projector_outputs[k]![b]!, `projector ${k} item ${b}`);
    });
  });

  it('BN folding gives the same outputs as the un-folded projector', () => {
    projectors.forEach((p, k) => {
      const l1 = foldBatchNorm(p.lin1, p.bn1, fx.bn_eps);
      const l2 = foldBatchNorm(p.lin2, p.bn2, fx.bn_eps);
      for (let b = 0; b < batch; b++) expectClose(foldedForward(l1, l2, inputs(k)[b]!), fx.per_projector_outputs[k]![b]!, `folded ${k} item ${b}`);
    });
  });

  it('14-projector ensemble, mixing for every factor, and softmax(10·cos)', () => {
    const ens: Float32Array[] = [];
    for (let b = 0; b < batch; b++) {
      const e = ensembleMean(projectors.map((p, k) => projectorForward(p, inputs(k)[b]!, fx.bn_eps)));
      expectClose(e, fx.ensemble[b]!, `ensemble ${b}`);
      ens.push(e);
    }
    const factors = Object.keys(fx.mixed_by_factor);
    expect(factors.length).toBeGreaterThanOrEqual(3);
    for (const f of factors) {
      for (let b = 0; b < batch; b++) expectClose(mix(ens[b]!, fx.base[b]!, Number(f)), fx.mixed_by_factor[f]![b]!, `mixed f=${f} item ${b}`);
    }
    const mixed05 = ens.map((e, b) => mix(e, fx.base[b]!, 0.5));
    const { softmax } = similarityMatrix(mixed05, fx.other);
    softmax.forEach((row, i) => expectClose(row, fx.softmax10_mixed05_vs_other[i]!, `softmax row ${i}`));
  });

  it('mix rejects factors outside [0, 1] instead of producing NaN', () => {
    expect(() => mix([1, 0], [0, 1], 1.5)).toThrow(/factor/);
    expect(() => mix([1, 0], [0, 1], Number.NaN)).toThrow(/factor/);
  });
});

describe('fusion fixture through ONNX Runtime (BN-folded projector families [B,6]→[B,7,5])', () => {
  const meta = JSON.parse(readFileSync(join(repoRoot, 'models/test-packs/fusion-fixture/meta.json'), 'utf8'));
  const fixtureSha = createHash('sha256').update(readFileSync(join(fixturesDir, 'fusion_math.json'))).digest('hex');
  // The committed ONNX files were generated from the public fixture; a held-out fixture has other weights.
  it.skipIf(fixtureSha !== meta.sha256)('G and M families reproduce the per-projector outputs, ensemble and mixes', async () => {
    const heads: Float32Array[][] = Array.from({ length: batch }, () => []);
    for (const [fam, x] of [['g', fx.clap_g], ['m', fx.clap_m]] as const) {
      const s = await ort.InferenceSession.create(join(repoRoot, 'models/test-packs/fusion-fixture', meta.families[fam].file));
      const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from(x.flat()), [batch, x[0]!.length]) });
      const y = out.heads!;
      expect(y.dims).toEqual([batch, 7, fx.base[0]!.length]);
      for (let b = 0; b < batch; b++) {
        const hs = headsOf(y.data as Float32Array, b, 7, fx.base[0]!.length);
        hs.forEach((h, k) => expectClose(h, fx.per_projector_outputs[(fam === 'g' ? 0 : 7) + k]![b]!, `onnx ${fam} head ${k} item ${b}`));
        heads[b]!.push(...hs);
      }
      await s.release();
    }
    for (let b = 0; b < batch; b++) {
      const e = ensembleMean(heads[b]!);
      expectClose(e, fx.ensemble[b]!, `onnx ensemble ${b}`);
      expectClose(mix(e, fx.base[b]!, 0.8), fx.mixed_by_factor['0.8']![b]!, `onnx mixed 0.8 item ${b}`);
    }
  });
});
