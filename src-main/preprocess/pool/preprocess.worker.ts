// Worker thread for PreprocessPool: decodes a file and computes the requested encoder inputs.
// Requests are handled one at a time (a decoded minute of audio is tens of MB; running every queued
// request at once only adds memory pressure, not speed).
import { parentPort } from 'node:worker_threads';
import { runPreprocess, transferList, type PreprocessKind } from './run-preprocess';
import { forwardWorkerLogs } from '../../runtime/log-forward';

forwardWorkerLogs('preprocess');

interface Request {
  id: number;
  kinds: PreprocessKind[];
  file: string | Uint8Array;
}

async function handle({ id, kinds, file }: Request): Promise<void> {
  try {
    const out = await runPreprocess(kinds, file);
    parentPort!.postMessage({ id, ok: true, out }, transferList(out));
  } catch (e) {
    const err = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
    parentPort!.postMessage({ id, ok: false, err });
  }
}

let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (req: Request) => {
  queue = queue.then(() => handle(req));
});
