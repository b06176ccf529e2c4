import { parentPort, workerData } from 'node:worker_threads';
import type { Space } from '../space/types';
import { fromVideoResult, prepareItem, type PrepareResult } from './prepare-item';
import { prepareVideo, type VideoPart } from './prepare-video';
import { loadSpace } from './space-access';
import { forwardWorkerLogs } from '../runtime/log-forward';
import type { PoolMessage, WorkerMessage } from './prep-pool';

forwardWorkerLogs('library-prep');

/**
 * Preprocessing worker: probes and prepares files for the encoders off the indexing thread. A video streams its
 * moments back in parts (frames, sound clips, progress); at most PARTS_IN_FLIGHT parts wait for the encoder at a
 * time, so the worker prepares the next part while the last one is encoded and never runs ahead further.
 */
const { packDir } = workerData as { packDir: string };
let space: Promise<Space> | null = null;
const PARTS_IN_FLIGHT = 2;
const acks = new Map<number, (() => void)[]>();
const cancelled = new Set<number>();

const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, [...new Set(transfer)]);

function partTransfers(p: VideoPart): ArrayBuffer[] {
  const t: ArrayBuffer[] = [];
  if (p.kind === 'frames') for (const f of p.frames) for (const x of Object.values(f.image?.tensors ?? {})) t.push(x.buffer as ArrayBuffer);
  if (p.kind === 'sound') for (const x of [p.clips.clipTensors, p.clips.clipClapMel, p.clips.clipClap48, p.clips.clipClap48Offsets]) if (x) t.push(x.buffer as ArrayBuffer);
  return t;
}

parentPort!.on('message', async (msg: PoolMessage) => {
  if (msg.type === 'ack') {
    acks.get(msg.id)?.shift()?.();
    return;
  }
  if (msg.type === 'cancel') {
    cancelled.add(msg.id);
    for (const a of acks.get(msg.id) ?? []) a();
    return;
  }
  const { id, task } = msg;
  let res: PrepareResult;
  try {
    space ??= loadSpace(packDir, { verified: true });
    const sp = await space;
    if (task.modality === 'video') {
      const waiting: Promise<void>[] = [];
      acks.set(id, []);
      const emit = async (part: VideoPart) => {
        if (part.kind === 'progress') return post({ type: 'part', id, part });
        const acked = new Promise<void>((r) => acks.get(id)!.push(r));
        waiting.push(acked);
        post({ type: 'part', id, part }, partTransfers(part));
        while (waiting.length >= PARTS_IN_FLIGHT && !cancelled.has(id)) await waiting.shift();
      };
      res = await fromVideoResult(await prepareVideo(sp, task, emit, () => cancelled.has(id)), task.path);
      while (waiting.length && !cancelled.has(id)) await waiting.shift();
    } else {
      res = await prepareItem(sp, task);
    }
  } catch (e) {
    res = { ok: false, reason: `cannot prepare: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    acks.delete(id);
    cancelled.delete(id);
  }
  const transfer: ArrayBuffer[] = [];
  if (res.ok) {
    const tensors = res.image?.tensors ?? res.audio?.tensors ?? {};
    for (const t of Object.values(tensors)) transfer.push(t.buffer as ArrayBuffer);
    if (res.audio?.clipTensors) transfer.push(res.audio.clipTensors.buffer as ArrayBuffer);
    for (const t of [res.audio?.clipClapMel, res.audio?.clipClap48, res.audio?.clipClap48Offsets]) if (t) transfer.push(t.buffer as ArrayBuffer);
    if (res.item.peaks) transfer.push(res.item.peaks.buffer as ArrayBuffer);
  }
  post({ type: 'done', id, res }, transfer);
});
