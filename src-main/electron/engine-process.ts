/**
 * Electron utilityProcess entry: hosts EngineHandlers (library, indexing, inference) so the main process
 * and the UI never block on ONNX Runtime or SQLite. Talks to the main process over process.parentPort:
 *   engine → main  { type: 'alive' } first (main sends nothing before it: this ESM module loads asynchronously)
 *   main → engine  { type: 'init', options } | { type: 'request', id, channel, payload } | { type: 'settings', settings }
 *   engine → main  { type: 'ready' } | { type: 'init-failed', error } | { type: 'response', id, ok, result | error, kind }
 *                  { type: 'event', event, payload }
 *                  { type: 'settings-patch', patch }
 *   trash (the utility process cannot call shell.trashItem, so main does it):
 *     engine → main { type: 'trash', id, path }   main → engine { type: 'trash-result', id, ok, error? }
 * Requests are validated again here (defence in depth; main validates first).
 */
import { EngineHandlers, type SettingsStore } from '../ipc/server/handlers';
import { ValidationError, DEFAULT_SETTINGS, type Settings } from '../ipc/contract/contract';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as unknown as { parentPort: ParentPort }).parentPort;

interface InitOptions {
  version: string;
  dataDir: string;
  appRoot: string;
  settings: Settings;
  defaultPackDir?: string;
  packRoots?: string[];
}

/** Settings mirror: main owns electron-store; changes made by the engine (active pack) are posted back. */
class MirroredSettings implements SettingsStore {
  constructor(private value: Settings) {}
  get(): Settings {
    return structuredClone(this.value);
  }
  set(patch: Partial<Settings>): Settings {
    this.value = { ...this.value, ...patch };
    parentPort.postMessage({ type: 'settings-patch', patch });
    return this.get();
  }
  replace(s: Settings): void {
    this.value = s;
  }
}

let handlers: EngineHandlers | null = null;
let trashSeq = 0;
const trashPending = new Map<number, { ok: () => void; fail: (e: Error) => void }>();
const trashViaMain = (path: string): Promise<void> =>
  new Promise((ok, fail) => {
    const id = ++trashSeq;
    trashPending.set(id, { ok, fail });
    parentPort.postMessage({ type: 'trash', id, path });
  });
let settings: MirroredSettings | null = null;
let initError: string | null = null;
const replyInitError = (id: number): void => parentPort.postMessage({ type: 'response', id, ok: false, error: initError, kind: 'engine' });
const queue: { id: number; channel: string; payload: unknown }[] = [];

async function handle(id: number, channel: string, payload: unknown): Promise<void> {
  try {
    const result = await handlers!.handle(channel, payload);
    parentPort.postMessage({ type: 'response', id, ok: true, result: result ?? null });
  } catch (e) {
    parentPort.postMessage({
      type: 'response',
      id,
      ok: false,
      error: e instanceof Error ? e.message : String(e),
      kind: e instanceof ValidationError ? 'validation' : 'engine',
    });
  }
}

parentPort.on('message', async ({ data }) => {
  const msg = data as { type: string; [k: string]: unknown };
  if (msg.type === 'init') {
    const o = msg.options as InitOptions;
    if (handlers || initError) return; // one init per process
    settings = new MirroredSettings({ ...DEFAULT_SETTINGS, ...o.settings });
    // `handlers` is set only once init() has finished: requests that arrive while the pack and the library
    // are opening (the UI asks for status, settings and the library list right at start) wait in `queue`.
    let h: EngineHandlers;
    try {
      h = new EngineHandlers({
        shell: 'electron',
        version: o.version,
        dataDir: o.dataDir,
        appRoot: o.appRoot,
        settings,
        defaultPackDir: o.defaultPackDir,
        packRoots: o.packRoots,
        emit: (event, payload) => parentPort.postMessage({ type: 'event', event, payload }),
        trasher: trashViaMain,
      });
      await h.init();
    } catch (e) {
      // EngineHandlers.init keeps pack errors as status; what lands here is worse (data folder not writable,
      // a native module that cannot load). Answer every request with it instead of dying and being respawned.
      initError = `the engine could not start: ${e instanceof Error ? e.message : String(e)}`;
      parentPort.postMessage({ type: 'init-failed', error: initError });
      for (const q of queue.splice(0)) replyInitError(q.id);
      return;
    }
    handlers = h;
    parentPort.postMessage({ type: 'ready' });
    for (const q of queue.splice(0)) void handle(q.id, q.channel, q.payload);
  } else if (msg.type === 'trash-result') {
    const p = trashPending.get(msg.id as number);
    trashPending.delete(msg.id as number);
    if (msg.ok) p?.ok();
    else p?.fail(new Error(String(msg.error)));
  } else if (msg.type === 'settings') {
    settings?.replace(msg.settings as Settings);
  } else if (msg.type === 'request') {
    const { id, channel, payload } = msg as unknown as { id: number; channel: string; payload: unknown };
    if (initError) replyInitError(id);
    else if (!handlers) queue.push({ id, channel, payload });
    else void handle(id, channel, payload);
  } else if (msg.type === 'media-roots') {
    const roots = handlers ? await handlers.allowedMediaRoots().catch(() => []) : [];
    parentPort.postMessage({ type: 'media-roots', id: msg.id, roots });
  } else if (msg.type === 'shutdown') {
    await handlers?.close().catch(() => {});
    process.exit(0);
  }
});

// Tell main the listener is attached: it holds every message (init first) until then.
parentPort.postMessage({ type: 'alive' });

// A rejected promise somewhere in a handler must not take the whole engine (and every open request) down.
process.on('unhandledRejection', (reason) => {
  console.error('[engine] unhandled rejection:', reason);
});
