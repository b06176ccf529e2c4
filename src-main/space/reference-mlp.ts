/**
 * A plain TypeScript reference of one FreeBind projector (§7.1: Linear → BN → ReLU → Linear → BN → L2,
 * eval mode) and of BN folding, in float64. Used by the tests to check both the fixture numbers and the
 * folded ONNX exports; not on the app's hot path (projectors run in ONNX Runtime).
 */
import { l2normalize } from './fusion';

export interface BatchNorm {
  gamma: number[];
  beta: number[];
  mean: number[];
  variance: number[];
}

export interface LinearLayer {
  /** [out][in] like torch's Linear.weight. */
  weight: number[][];
  bias: number[];
}

export interface ProjectorWeights {
  lin1: LinearLayer;
  bn1: BatchNorm;
  lin2: LinearLayer;
  bn2: BatchNorm;
}

export const BN_EPS = 1e-5;

function linear(l: LinearLayer, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(l.weight.length);
  l.weight.forEach((row, o) => {
    if (row.length !== x.length) throw new RangeError(`linear: weight row has ${row.length} inputs, x has ${x.length}`);
    let s = l.bias[o]!;
    for (let i = 0; i < row.length; i++) s += row[i]! * x[i]!;
    out[o] = s;
  });
  return out;
}

function batchNorm(bn: BatchNorm, x: Float64Array, eps: number): Float64Array {
  return x.map((v, i) => ((v - bn.mean[i]!) / Math.sqrt(bn.variance[i]! + eps)) * bn.gamma[i]! + bn.beta[i]!);
}

/** P(x) with BatchNorm in eval mode (running statistics). */
export function projectorForward(p: ProjectorWeights, x: ArrayLike<number>, eps = BN_EPS): Float32Array {
  const h = batchNorm(p.bn1, linear(p.lin1, x), eps).map((v) => Math.max(0, v));
  return l2normalize(batchNorm(p.bn2, linear(p.lin2, h), eps));
}

/** BN folded into the preceding Linear: W' = diag(s)·W, b' = s ⊙ (b − μ) + β with s = γ/√(σ² + eps). */
export function foldBatchNorm(l: LinearLayer, bn: BatchNorm, eps = BN_EPS): LinearLayer {
  const s = bn.gamma.map((g, i) => g / Math.sqrt(bn.variance[i]! + eps));
  return {
    weight: l.weight.map((row, o) => row.map((w) => w * s[o]!)),
    bias: l.bias.map((b, o) => s[o]! * (b - bn.mean[o]!) + bn.beta[o]!),
  };
}

/** The folded projector: Linear → ReLU → Linear → L2 (what the ONNX exports compute). */
export function foldedForward(l1: LinearLayer, l2: LinearLayer, x: ArrayLike<number>): Float32Array {
  const h = linear(l1, x).map((v) => Math.max(0, v));
  return l2normalize(linear(l2, h));
}
