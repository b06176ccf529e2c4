import { UMAP } from 'umap-js';
import { similarityTopK } from './similarity-topk-onnx';

/**
 * 2-D map of the library: UMAP (umap-js) over the items' fused vectors, with the exact k nearest neighbours
 * computed on ONNX Runtime (umap-js's own NN-descent in JS is the slow part for 1024-d vectors).
 * A previous layout can seed the optimisation, so a preset change moves points from where they were instead
 * of producing an unrelated picture, and new items start at the mean of their neighbours' places.
 */
export interface MapOptions {
  nNeighbors?: number;
  minDist?: number;
  /** Optimisation epochs; fewer when warm-starting from a previous layout. */
  epochs?: number;
  seed?: number;
  /** Previous positions [n,2] (NaN for items without one), in the same row order as the vectors. */
  init?: Float32Array;
  onEpoch?: (epoch: number, total: number) => void;
}

export interface MapLayout {
  /** [n,2], scaled into [-1, 1] on the longer axis, centred. */
  positions: Float32Array;
  epochs: number;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export async function computeMap(vectors: Float32Array, n: number, d: number, opts: MapOptions = {}): Promise<MapLayout> {
  if (vectors.length !== n * d) throw new Error(`computeMap: ${vectors.length} values is not ${n}×${d}`);
  if (n === 0) return { positions: new Float32Array(0), epochs: 0 };
  if (n < 4) {
    // Too few points for a manifold: spread them on a circle in input order.
    const positions = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      positions[i * 2] = n === 1 ? 0 : 0.8 * Math.cos((2 * Math.PI * i) / n);
      positions[i * 2 + 1] = n === 1 ? 0 : 0.8 * Math.sin((2 * Math.PI * i) / n);
    }
    return { positions, epochs: 0 };
  }
  const nNeighbors = Math.max(2, Math.min(opts.nNeighbors ?? 15, n - 1));
  const knn = await similarityTopK(vectors, n, vectors, n, d, nNeighbors);
  const knnIndices: number[][] = [];
  const knnDistances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    const dist: number[] = [];
    for (let j = 0; j < nNeighbors; j++) {
      idx.push(knn.indices[i * nNeighbors + j]!);
      // unit vectors: euclidean distance from cosine
      dist.push(Math.sqrt(Math.max(0, 2 - 2 * knn.values[i * nNeighbors + j]!)));
    }
    knnIndices.push(idx);
    knnDistances.push(dist);
  }
  const warm = opts.init && opts.init.length === n * 2;
  const epochs = opts.epochs ?? (warm ? 120 : n > 5000 ? 200 : 400);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: opts.minDist ?? 0.1,
    nEpochs: epochs,
    random: seeded(opts.seed ?? 42),
  });
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(vectors.subarray(i * d, (i + 1) * d)));
  const total = umap.initializeFit(rows);
  if (warm) seedLayout(umap.getEmbedding(), opts.init!, knn.indices, nNeighbors);
  for (let e = 0; e < total; e++) {
    umap.step();
    if (opts.onEpoch && (e % 10 === 0 || e === total - 1)) opts.onEpoch(e + 1, total);
  }
  return { positions: normalise(umap.getEmbedding()), epochs: total };
}

/**
 * Overwrites UMAP's initial embedding in place (the optimiser holds these same row arrays) with the previous
 * layout, scaled to UMAP's usual initial extent; items without a previous place start at their neighbours' mean.
 */
function seedLayout(embedding: number[][], init: Float32Array, knn: Int32Array, k: number): void {
  const n = embedding.length;
  const known = (i: number) => Number.isFinite(init[i * 2]!) && Number.isFinite(init[i * 2 + 1]!);
  const scale = 10; // umap-js initialises in [-10, 10]
  for (let i = 0; i < n; i++) {
    let x = 0;
    let y = 0;
    if (known(i)) {
      x = init[i * 2]! * scale;
      y = init[i * 2 + 1]! * scale;
    } else {
      let m = 0;
      for (let j = 0; j < k; j++) {
        const o = knn[i * k + j]!;
        if (o !== i && known(o)) {
          x += init[o * 2]! * scale;
          y += init[o * 2 + 1]! * scale;
          m++;
        }
      }
      if (m > 0) {
        x /= m;
        y /= m;
      }
      x += ((i * 7919) % 97) / 970 - 0.05; // deterministic jitter so stacked newcomers separate
      y += ((i * 104729) % 89) / 890 - 0.05;
    }
    embedding[i]![0] = x;
    embedding[i]![1] = y;
  }
}

function normalise(embedding: number[][]): Float32Array {
  const n = embedding.length;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const [x, y] of embedding) {
    minX = Math.min(minX, x!);
    maxX = Math.max(maxX, x!);
    minY = Math.min(minY, y!);
    maxY = Math.max(maxY, y!);
  }
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const half = Math.max(maxX - minX, maxY - minY, 1e-9) / 2;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[i * 2] = (embedding[i]![0]! - cx) / half;
    out[i * 2 + 1] = (embedding[i]![1]! - cy) / half;
  }
  return out;
}
