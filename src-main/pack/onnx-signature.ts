/**
 * Compare an ONNX Runtime session's declared inputs/outputs with what the manifest promises, so a wrong
 * export fails at load time with a message naming the file and tensor instead of deep inside a run.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { fmtShape, type Dim, type TensorSpec } from './manifest';

type ValueMeta = InferenceSession.ValueMetadata;

function describe(meta: ValueMeta): { name: string; dtype?: string; shape?: Dim[] } {
  if (!meta.isTensor) return { name: meta.name };
  return { name: meta.name, dtype: meta.type, shape: meta.shape.map((d) => (typeof d === 'number' && d < 0 ? '?' : d)) };
}

function dimOk(got: Dim, want: Dim): boolean {
  if (typeof want === 'string') return typeof got === 'string' || got === -1; // symbolic axis (batch)
  return got === want;
}

/** Issues (empty when the session matches), each naming the file and the tensor. */
export function signatureIssues(
  file: string,
  session: { inputMetadata: readonly ValueMeta[]; outputMetadata: readonly ValueMeta[] },
  inputs: TensorSpec[],
  outputs: TensorSpec[],
): string[] {
  const issues: string[] = [];
  const check = (kind: 'input' | 'output', metas: readonly ValueMeta[], specs: TensorSpec[]) => {
    const byName = new Map(metas.map((m) => [m.name, m]));
    for (const spec of specs) {
      const m = byName.get(spec.name);
      if (!m) {
        issues.push(`${file}: ${kind} "${spec.name}" not found (the model has ${kind}s ${metas.map((x) => `"${x.name}"`).join(', ') || 'none'})`);
        continue;
      }
      const d = describe(m);
      if (d.dtype !== undefined && d.dtype !== spec.dtype) issues.push(`${file}: ${kind} "${spec.name}" has dtype ${d.dtype}, expected ${spec.dtype}`);
      if (d.shape !== undefined) {
        const ok = d.shape.length === spec.shape.length && spec.shape.every((w, i) => dimOk(d.shape![i]!, w));
        if (!ok) issues.push(`${file}: ${kind} "${spec.name}" has shape ${fmtShape(d.shape)}, expected ${fmtShape(spec.shape)}`);
      }
    }
    if (kind === 'input') {
      const extra = metas.filter((m) => !specs.some((s) => s.name === m.name));
      if (extra.length) issues.push(`${file}: unexpected extra input(s) ${extra.map((m) => `"${m.name}"`).join(', ')}`);
    }
  };
  check('input', session.inputMetadata, inputs);
  check('output', session.outputMetadata, outputs);
  return issues;
}
