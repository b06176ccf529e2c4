import ort from 'onnxruntime-node';
import { join } from 'node:path';
import { findRepoRoot } from '../runtime/repo-root';

/**
 * rows [N,D] × cols [M,D]ᵀ → per row the k best columns, on ONNX Runtime's MatMul + TopK (resources/onnx-graphs).
 * A JS triple loop needs ~70 s for 100k items × 632 labels × 1024 dims on this class of machine; MLAS does it in ~1 s.
 */
export interface TopK {
  k: number;
  /** [N,k] best scores, descending per row. */
  values: Float32Array;
  /** [N,k] column indices of those scores. */
  indices: Int32Array;
}

let session: Promise<ort.InferenceSession> | undefined;

function graph(): Promise<ort.InferenceSession> {
  session ??= ort.InferenceSession.create(join(findRepoRoot(), 'resources', 'onnx-graphs', 'similarity_topk.onnx'), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  });
  return session;
}

/** Column-major copy of a row-major [m,d] matrix, as the graph wants [D,M]. */
export function transpose(cols: Float32Array, m: number, d: number): Float32Array {
  const t = new Float32Array(m * d);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) t[j * m + i] = cols[i * d + j]!;
  return t;
}

export async function similarityTopK(
  rows: Float32Array,
  n: number,
  cols: Float32Array,
  m: number,
  d: number,
  k: number,
  chunkRows = 2048,
): Promise<TopK> {
  if (rows.length !== n * d) throw new Error(`similarityTopK: rows has ${rows.length} values, expected ${n}×${d}`);
  if (cols.length !== m * d) throw new Error(`similarityTopK: cols has ${cols.length} values, expected ${m}×${d}`);
  const kk = Math.max(0, Math.min(k, m));
  const values = new Float32Array(n * kk);
  const indices = new Int32Array(n * kk);
  if (n === 0 || kk === 0) return { k: kk, values, indices };
  const s = await graph();
  const colsT = new ort.Tensor('float32', transpose(cols, m, d), [d, m]);
  const kTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(kk)]), [1]);
  for (let start = 0; start < n; start += chunkRows) {
    const rowsHere = Math.min(chunkRows, n - start);
    const chunk = rows.subarray(start * d, (start + rowsHere) * d);
    const out = await s.run({ rows: new ort.Tensor('float32', chunk, [rowsHere, d]), cols_t: colsT, k: kTensor });
    values.set(out.values!.data as Float32Array, start * kk);
    const idx = out.indices!.data as BigInt64Array;
    for (let i = 0; i < idx.length; i++) indices[start * kk + i] = Number(idx[i]!);
  }
  return { k: kk, values, indices };
}
