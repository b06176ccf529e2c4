/**
 * The messages between the Electron main process and the engine utility process (engine-process.ts), as
 * discriminated unions, and their checks: each side parses what it receives (parseMainToEngine in the
 * engine, parseEngineToMain in main) and drops — and logs — anything else. Plain module (no electron import),
 * unit-tested in test/electron/engine-protocol.test.ts and exercised for real by engine-process.test.ts.
 *
 *   engine → main  alive first (main sends nothing before it: the ESM module loads asynchronously)
 *   main → engine  init, then request / settings / media-roots / trash-result / shutdown
 *   engine → main  ready | init-failed, response (per request), media-roots, event, settings-patch, trash, log
 *   trash: the utility process cannot call shell.trashItem, so it asks main (trash → trash-result)
 */
import { isErrorCode } from '../domain/errors';
import { LOG_LEVELS, type LogRecord } from '../domain/log';
import { EVENT_NAMES, type EventName, type Settings, type WireError } from '../ipc/contract/contract';

export interface EngineInitOptions {
  version: string;
  dataDir: string;
  appRoot: string;
  settings: Settings;
  defaultPackDir?: string;
  packRoots?: string[];
  /** This run's log file (main writes it; the engine only reports where it is). */
  logFile?: string | null;
}

export type MainToEngine =
  | { type: 'init'; options: EngineInitOptions }
  | { type: 'request'; id: number; channel: string; payload: unknown }
  | { type: 'settings'; settings: Settings }
  | { type: 'media-roots'; id: number }
  | { type: 'trash-result'; id: number; ok: true }
  | { type: 'trash-result'; id: number; ok: false; error: string }
  | { type: 'shutdown' };

export type EngineToMain =
  | { type: 'alive' }
  | { type: 'ready' }
  | { type: 'init-failed'; error: WireError }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: WireError }
  | { type: 'media-roots'; id: number; roots: string[] }
  | { type: 'event'; event: EventName; payload: unknown }
  | { type: 'settings-patch'; patch: Partial<Settings> }
  | { type: 'trash'; id: number; path: string }
  | { type: 'log'; record: LogRecord };

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type Rec = Record<string, unknown>;
const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
const fail = (what: string): never => {
  throw new ProtocolError(what);
};
function rec(x: unknown, what: string): Rec {
  return isRec(x) ? x : fail(`${what} must be an object`);
}
function id(m: Rec): number {
  return Number.isSafeInteger(m.id) && (m.id as number) > 0 ? (m.id as number) : fail(`${String(m.type)}: id must be a positive integer`);
}
function str(m: Rec, key: string, max = 1 << 16): string {
  const v = m[key];
  return typeof v === 'string' && v.length <= max ? v : fail(`${String(m.type)}: ${key} must be a string`);
}
function settings(x: unknown, what: string): Settings {
  // main owns the settings store; the check is about shape, not about each value (validated at the contract)
  const s = rec(x, what);
  if (typeof s.theme !== 'string' || typeof s.preset !== 'string' || !isRec(s.customFactors)) fail(`${what} is not a settings object`);
  return s as unknown as Settings;
}
function wireError(x: unknown, what: string): WireError {
  const e = rec(x, what);
  if (!isErrorCode(e.code) || typeof e.message !== 'string') fail(`${what} must be { code, message } with a known code`);
  return { code: e.code as WireError['code'], message: e.message as string };
}
function optStrings(x: unknown, what: string): string[] | undefined {
  if (x === undefined) return undefined;
  return Array.isArray(x) && x.every((v) => typeof v === 'string') ? (x as string[]) : fail(`${what} must be a list of strings`);
}

export function parseMainToEngine(x: unknown): MainToEngine {
  const m = rec(x, 'message');
  switch (m.type) {
    case 'init': {
      const o = rec(m.options, 'init.options');
      const options: EngineInitOptions = {
        version: str(o, 'version', 100),
        dataDir: str(o, 'dataDir', 4096),
        appRoot: str(o, 'appRoot', 4096),
        settings: settings(o.settings, 'init.options.settings'),
      };
      if (o.defaultPackDir !== undefined) options.defaultPackDir = str(o, 'defaultPackDir', 4096);
      const roots = optStrings(o.packRoots, 'init.options.packRoots');
      if (roots) options.packRoots = roots;
      if (o.logFile !== undefined && o.logFile !== null) options.logFile = str(o, 'logFile', 4096);
      return { type: 'init', options };
    }
    case 'request':
      return { type: 'request', id: id(m), channel: str(m, 'channel', 200), payload: m.payload };
    case 'settings':
      return { type: 'settings', settings: settings(m.settings, 'settings') };
    case 'media-roots':
      return { type: 'media-roots', id: id(m) };
    case 'trash-result':
      if (m.ok === true) return { type: 'trash-result', id: id(m), ok: true };
      if (m.ok === false) return { type: 'trash-result', id: id(m), ok: false, error: str(m, 'error') };
      return fail('trash-result: ok must be true or false');
    case 'shutdown':
      return { type: 'shutdown' };
    default:
      return fail(`unknown message type ${JSON.stringify(m.type)?.slice(0, 40)}`);
  }
}

const EVENTS = new Set<string>(EVENT_NAMES);
const LEVELS = new Set<string>(LOG_LEVELS);

export function parseEngineToMain(x: unknown): EngineToMain {
  const m = rec(x, 'message');
  switch (m.type) {
    case 'alive':
      return { type: 'alive' };
    case 'ready':
      return { type: 'ready' };
    case 'init-failed':
      return { type: 'init-failed', error: wireError(m.error, 'init-failed.error') };
    case 'response':
      if (m.ok === true) return { type: 'response', id: id(m), ok: true, result: m.result };
      if (m.ok === false) return { type: 'response', id: id(m), ok: false, error: wireError(m.error, 'response.error') };
      return fail('response: ok must be true or false');
    case 'media-roots':
      return { type: 'media-roots', id: id(m), roots: optStrings(m.roots, 'media-roots.roots') ?? fail('media-roots: roots missing') };
    case 'event': {
      const event = str(m, 'event', 100);
      if (!EVENTS.has(event)) fail(`event: unknown event ${JSON.stringify(event).slice(0, 60)}`);
      return { type: 'event', event: event as EventName, payload: m.payload };
    }
    case 'settings-patch':
      return { type: 'settings-patch', patch: rec(m.patch, 'settings-patch.patch') as Partial<Settings> };
    case 'trash':
      return { type: 'trash', id: id(m), path: str(m, 'path', 4096) };
    case 'log': {
      const r = rec(m.record, 'log.record');
      if (typeof r.level !== 'string' || !LEVELS.has(r.level) || typeof r.scope !== 'string' || typeof r.message !== 'string' || typeof r.time !== 'number') {
        fail('log.record must be { time, level, scope, message }');
      }
      const record: LogRecord = { time: r.time as number, level: r.level as LogRecord['level'], scope: (r.scope as string).slice(0, 100), message: (r.message as string).slice(0, 1 << 16) };
      if (typeof r.origin === 'string') record.origin = r.origin.slice(0, 100);
      return { type: 'log', record };
    }
    default:
      return fail(`unknown message type ${JSON.stringify(m.type)?.slice(0, 40)}`);
  }
}
