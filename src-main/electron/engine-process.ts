/**
 * Electron utilityProcess entry: hosts EngineHandlers (library, indexing, inference) so the main process
 * and the UI never block on ONNX Runtime or SQLite. Talks to the main process over process.parentPort with
 * the messages of engine-protocol.ts (each one received is checked; requests are validated again by the
 * handlers, defence in depth after main). Logs — its own and its worker threads' — go to main, which writes
 * the run's log file.
 */
import { addLogSink, logger } from '../domain/log';
import { DEFAULT_SETTINGS, type Settings } from '../ipc/contract/contract';
import { EngineHandlers, type SettingsStore } from '../ipc/server/handlers';
import { toWireError } from '../ipc/server/wire-error';
import { receiveWorkerLogs } from '../runtime/log-forward';
import { parseMainToEngine, ProtocolError, type EngineToMain } from './engine-protocol';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as unknown as { parentPort: ParentPort }).parentPort;
const send = (msg: EngineToMain): void => parentPort.postMessage(msg);
const log = logger('engine');

addLogSink((record) => send({ type: 'log', record: { ...record, origin: record.origin ?? 'engine' } }));
receiveWorkerLogs();

/** Settings mirror: main owns electron-store; changes made by the engine (active pack) are posted back. */
class MirroredSettings implements SettingsStore {
  constructor(private value: Settings) {}
  get(): Settings {
    return structuredClone(this.value);
  }
  set(patch: Partial<Settings>): Settings {
    this.value = { ...this.value, ...patch };
    send({ type: 'settings-patch', patch });
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
    send({ type: 'trash', id, path });
  });
let settings: MirroredSettings | null = null;
let initError: Error | null = null;
const replyInitError = (id: number): void => send({ type: 'response', id, ok: false, error: { code: 'engine-down', message: initError!.message } });
const queue: { id: number; channel: string; payload: unknown }[] = [];

async function handle(id: number, channel: string, payload: unknown): Promise<void> {
  try {
    const result = await handlers!.handle(channel, payload);
    send({ type: 'response', id, ok: true, result: result ?? null });
  } catch (e) {
    const error = toWireError(e);
    if (error.code === 'internal') log.error(`${channel} failed`, e);
    send({ type: 'response', id, ok: false, error });
  }
}

parentPort.on('message', async ({ data }) => {
  let msg;
  try {
    msg = parseMainToEngine(data);
  } catch (e) {
    log.error('dropped a message from main', e instanceof ProtocolError ? e.message : e);
    return;
  }
  switch (msg.type) {
    case 'init': {
      const o = msg.options;
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
          logFile: o.logFile ?? null,
          emit: (event, payload) => send({ type: 'event', event, payload }),
          trasher: trashViaMain,
        });
        await h.init();
      } catch (e) {
        // EngineHandlers.init keeps pack errors as status; what lands here is worse (data folder not writable,
        // a native module that cannot load). Answer every request with it instead of dying and being respawned.
        const wire = toWireError(e);
        initError = new Error(`the engine could not start: ${wire.message}`);
        log.error('could not start', e);
        send({ type: 'init-failed', error: { code: wire.code === 'internal' ? 'engine-down' : wire.code, message: initError.message } });
        for (const q of queue.splice(0)) replyInitError(q.id);
        return;
      }
      handlers = h;
      send({ type: 'ready' });
      for (const q of queue.splice(0)) void handle(q.id, q.channel, q.payload);
      return;
    }
    case 'trash-result': {
      const p = trashPending.get(msg.id);
      trashPending.delete(msg.id);
      if (msg.ok) p?.ok();
      else p?.fail(new Error(msg.error));
      return;
    }
    case 'settings':
      settings?.replace(msg.settings);
      return;
    case 'request':
      if (initError) replyInitError(msg.id);
      else if (!handlers) queue.push({ id: msg.id, channel: msg.channel, payload: msg.payload });
      else void handle(msg.id, msg.channel, msg.payload);
      return;
    case 'media-roots': {
      const roots = handlers ? await handlers.allowedMediaRoots().catch(() => []) : [];
      send({ type: 'media-roots', id: msg.id, roots });
      return;
    }
    case 'shutdown':
      await handlers?.close().catch(() => {});
      process.exit(0);
  }
});

// Tell main the listener is attached: it holds every message (init first) until then.
send({ type: 'alive' });

// A rejected promise somewhere in a handler must not take the whole engine (and every open request) down.
process.on('unhandledRejection', (reason) => log.error('unhandled rejection', reason));
