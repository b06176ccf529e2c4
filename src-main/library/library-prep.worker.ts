import { parentPort, workerData } from 'node:worker_threads';
import type { Space } from '../space/types';
import { prepareItem, type PrepareResult, type PrepareTask } from './prepare-item';
import { loadSpace } from './space-access';
import { forwardWorkerLogs } from '../runtime/log-forward';

forwardWorkerLogs('library-prep');

/** Preprocessing worker: probes and prepares files for the encoders off the indexing thread. */
const { packDir } = workerData as { packDir: string };
let space: Promise<Space> | null = null;

parentPort!.on('message', async (msg: { id: number; task: PrepareTask }) => {
  let res: PrepareResult;
  try {
    space ??= loadSpace(packDir, { verified: true });
    res = await prepareItem(await space, msg.task);
  } catch (e) {
    res = { ok: false, reason: `cannot prepare: ${e instanceof Error ? e.message : String(e)}` };
  }
  const transfer: ArrayBuffer[] = [];
  if (res.ok) {
    const tensors = res.image?.tensors ?? res.audio?.tensors ?? {};
    for (const t of Object.values(tensors)) transfer.push(t.buffer as ArrayBuffer);
    if (res.audio?.clipTensors) transfer.push(res.audio.clipTensors.buffer as ArrayBuffer);
    for (const t of [res.audio?.clipClapMel, res.audio?.clipClap48, res.audio?.clipClap48Offsets]) if (t) transfer.push(t.buffer as ArrayBuffer);
    if (res.item.peaks) transfer.push(res.item.peaks.buffer as ArrayBuffer);
  }
  parentPort!.postMessage({ id: msg.id, res }, [...new Set(transfer)]);
});
