import { parentPort, workerData } from 'node:worker_threads';
import { computeMap } from './projection';

const { vectors, n, d, init, epochs } = workerData as { vectors: Float32Array; n: number; d: number; init: Float32Array | null; epochs: number | null };

computeMap(vectors, n, d, {
  init: init ?? undefined,
  epochs: epochs ?? undefined,
  onEpoch: (epoch, total) => parentPort!.postMessage({ type: 'progress', epoch, total }),
})
  .then((layout) => parentPort!.postMessage({ type: 'done', layout }))
  .catch((e: unknown) => parentPort!.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
