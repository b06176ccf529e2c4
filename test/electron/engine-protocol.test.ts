// The main ↔ engine-process messages are checked on both sides (src-main/electron/engine-protocol.ts):
// well-formed messages come through typed and unchanged, anything else is refused with the reason.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src-main/ipc/contract/contract';
import { parseEngineToMain, parseMainToEngine, ProtocolError } from '../../src-main/electron/engine-protocol';

describe('engine protocol: main → engine', () => {
  it('passes every well-formed message through', () => {
    const good = [
      { type: 'init', options: { version: '0.1.0', dataDir: '/d', appRoot: '/a', settings: DEFAULT_SETTINGS, packRoots: ['/p'], logFile: '/l/x.log' } },
      { type: 'request', id: 1, channel: 'engine:status', payload: {} },
      { type: 'settings', settings: DEFAULT_SETTINGS },
      { type: 'media-roots', id: 2 },
      { type: 'trash-result', id: 3, ok: true },
      { type: 'trash-result', id: 4, ok: false, error: 'no bin' },
      { type: 'shutdown' },
    ];
    for (const m of good) expect(parseMainToEngine(m)).toEqual(m);
  });

  it('refuses malformed messages with the reason', () => {
    const bad: [unknown, RegExp][] = [
      [null, /message must be an object/],
      [[1], /message must be an object/],
      [{ type: 'launch' }, /unknown message type "launch"/],
      [{ type: 'request', id: 0, channel: 'x', payload: {} }, /id must be a positive integer/],
      [{ type: 'request', id: 1.5, channel: 'x' }, /id must be a positive integer/],
      [{ type: 'request', id: 1, channel: 7 }, /channel must be a string/],
      [{ type: 'init', options: { version: '1', dataDir: '/d', appRoot: '/a', settings: { theme: 'dark' } } }, /not a settings object/],
      [{ type: 'init', options: { version: '1', dataDir: '/d', appRoot: '/a', settings: DEFAULT_SETTINGS, packRoots: [1] } }, /packRoots must be a list of strings/],
      [{ type: 'trash-result', id: 1, ok: 'yes' }, /ok must be true or false/],
      [{ type: 'trash-result', id: 1, ok: false }, /error must be a string/],
    ];
    for (const [m, why] of bad) {
      expect(() => parseMainToEngine(m), JSON.stringify(m)).toThrow(ProtocolError);
      expect(() => parseMainToEngine(m)).toThrow(why);
    }
  });
});

describe('engine protocol: engine → main', () => {
  it('passes every well-formed message through', () => {
    const good = [
      { type: 'alive' },
      { type: 'ready' },
      { type: 'init-failed', error: { code: 'engine-down', message: 'the engine could not start: EACCES' } },
      { type: 'response', id: 1, ok: true, result: { a: 1 } },
      { type: 'response', id: 2, ok: false, error: { code: 'not-found', message: 'no collection 9' } },
      { type: 'media-roots', id: 3, roots: ['/music'] },
      { type: 'event', event: 'library:event', payload: { type: 'progress' } },
      { type: 'settings-patch', patch: { activePack: 'x' } },
      { type: 'trash', id: 4, path: '/music/a.wav' },
      { type: 'log', record: { time: 1, level: 'warn', scope: 'provider', message: 'cuda failed', origin: 'engine' } },
    ];
    for (const m of good) expect(parseEngineToMain(m)).toEqual(m);
  });

  it('refuses unknown codes, events and levels, and bounds log text', () => {
    expect(() => parseEngineToMain({ type: 'response', id: 1, ok: false, error: { code: 'oops', message: 'x' } })).toThrow(/known code/);
    expect(() => parseEngineToMain({ type: 'response', id: 1, ok: false, error: 'plain string' })).toThrow(/must be an object/);
    expect(() => parseEngineToMain({ type: 'event', event: 'fs:changed', payload: {} })).toThrow(/unknown event/);
    expect(() => parseEngineToMain({ type: 'log', record: { time: 1, level: 'fatal', scope: 's', message: 'm' } })).toThrow(/log.record/);
    expect(() => parseEngineToMain({ type: 'media-roots', id: 1 })).toThrow(/roots missing/);
    const long = parseEngineToMain({ type: 'log', record: { time: 1, level: 'info', scope: 's'.repeat(500), message: 'm'.repeat(200_000) } });
    expect(long.type === 'log' && long.record.scope.length).toBe(100);
    expect(long.type === 'log' && long.record.message.length).toBe(65_536);
  });
});
