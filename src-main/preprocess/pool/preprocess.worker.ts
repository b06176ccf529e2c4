// Worker thread for PreprocessPool: decodes a file and computes the requested encoder inputs.
import { parentPort } from 'node:worker_threads';
import { runPreprocess, transferList, type PreprocessKind } from './run-preprocess';

interface Request {
  id: number;
  kinds: PreprocessKind[];
  file: string | Uint8Array;
}

parentPort!.on('message', async ({ id, kinds, file }: Request) => {
  try {
    const out = await runPreprocess(kinds, file);
    parentPort!.postMessage({ id, ok: true, out }, transferList(out));
  } catch (e) {
    const err = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
    parentPort!.postMessage({ id, ok: false, err });
  }
});
