/**
 * Runs the built utility-process entry (out/main/engine.js) under plain Node with a stand-in for
 * Electron's process.parentPort (child_process IPC), to check its message protocol for real: `alive`
 * first, requests sent before init has finished are answered only after the pack and library are open,
 * and `shutdown` closes and exits. Needs `npm run build:app` (out/main/engine.js).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_SETTINGS } from '../../src-main/ipc/contract';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const engineJs = join(repoRoot, 'out', 'main', 'engine.js');
type Msg = { type: string; id?: number; ok?: boolean; result?: unknown; error?: string; [k: string]: unknown };

let dir: string;
let child: ChildProcess;
const seen: Msg[] = [];
function next(pred: (m: Msg) => boolean, timeoutMs = 60_000): Promise<Msg> {
  const hit = seen.find(pred);
  if (hit) return Promise.resolve(hit);
  return new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error('engine message timed out; seen: ' + seen.map((m) => m.type).join(','))), timeoutMs);
    const on = (m: Msg) => {
      if (!pred(m)) return;
      clearTimeout(t);
      child.off('message', on);
      ok(m);
    };
    child.on('message', on);
  });
}

describe.skipIf(!existsSync(engineJs))('Electron engine utility process (out/main/engine.js under Node)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'molecule-engine-'));
    const shim = join(dir, 'parent-port-shim.mjs');
    writeFileSync(
      shim,
      [
        "import { EventEmitter } from 'node:events';",
        'const port = new EventEmitter();',
        'port.postMessage = (m) => process.send(m);',
        "process.on('message', (data) => port.emit('message', { data }));",
        'process.parentPort = port;',
      ].join('\n'),
    );
    child = fork(engineJs, [], { execArgv: ['--import', shim], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (m: Msg) => seen.push(m));
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says alive, queues requests until init finished, answers them with the pack open, and shuts down', async () => {
    await next((m) => m.type === 'alive');
    child.send({
      type: 'init',
      options: {
        version: '0.0.0-test',
        dataDir: join(dir, 'data'),
        appRoot: repoRoot,
        settings: DEFAULT_SETTINGS,
        defaultPackDir: join(repoRoot, 'models', 'test-packs', 'ib-pp-test'),
      },
    });
    // Sent while the pack is still opening: must not be answered with "no library" / a null pack.
    child.send({ type: 'request', id: 1, channel: 'engine:status', payload: {} });
    child.send({ type: 'request', id: 2, channel: 'library:roots', payload: {} });
    child.send({ type: 'request', id: 3, channel: 'no:such-channel', payload: {} });
    const status = await next((m) => m.type === 'response' && m.id === 1);
    const readyIndex = seen.findIndex((m) => m.type === 'ready');
    expect(readyIndex).toBeGreaterThanOrEqual(0);
    expect(readyIndex).toBeLessThan(seen.indexOf(status));
    expect(status.ok).toBe(true);
    const st = status.result as { pack: { id: string } | null; error: string | null };
    expect(st.error).toBeNull();
    expect(st.pack?.id).toBe('ib-pp-test');
    const roots = await next((m) => m.type === 'response' && m.id === 2);
    expect(roots).toMatchObject({ ok: true, result: [] });
    const bad = await next((m) => m.type === 'response' && m.id === 3);
    expect(bad).toMatchObject({ ok: false, kind: 'validation' });
    expect(bad.error).toMatch(/unknown channel/);

    child.send({ type: 'media-roots', id: 4 });
    const mr = await next((m) => m.type === 'media-roots' && m.id === 4);
    expect((mr.roots as string[]).some((r) => r.startsWith(join(dir, 'data')))).toBe(true);

    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    child.send({ type: 'shutdown' });
    expect(await exited).toBe(0);
  }, 120_000);
});
