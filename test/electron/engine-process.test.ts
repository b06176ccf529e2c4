/**
 * Runs the built utility-process entry (out/main/engine.js) under plain Node with a stand-in for
 * Electron's process.parentPort (child_process IPC), to check its message protocol for real: `alive`
 * first, requests sent before init has finished are answered only after the pack and library are open,
 * and `shutdown` closes and exits. Needs `npm run build:app` (out/main/engine.js).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_SETTINGS } from '../../src-main/ipc/contract/contract';
import { appLayout, engineEnv } from '../../src-main/electron/app-paths';
import { parseEngineToMain } from '../../src-main/electron/engine-protocol';

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
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringMatching(/unknown channel/) } });

    // a malformed message is dropped (no answer) and reported in the log the engine forwards to main
    child.send({ type: 'request', id: -5, channel: 'engine:status', payload: {} });
    const dropped = await next((m) => m.type === 'log' && /dropped a message from main/.test(String((m.record as { message: string }).message)));
    expect(dropped.record).toMatchObject({ level: 'error', scope: 'engine', origin: 'engine' });
    // the pack open went to the log too
    const opened = seen.find((m) => m.type === 'log' && (m.record as { scope: string }).scope === 'pack');
    expect((opened?.record as { message: string }).message).toMatch(/^opened ib-pp-test \(IB_PP, TEST PACK\) from /);

    child.send({ type: 'media-roots', id: 4 });
    const mr = await next((m) => m.type === 'media-roots' && m.id === 4);
    expect((mr.roots as string[]).some((r) => r.startsWith(join(dir, 'data')))).toBe(true);

    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    child.send({ type: 'shutdown' });
    expect(await exited).toBe(0);
    // everything the engine said is a valid engine → main message (main parses each one the same way)
    for (const m of seen) expect(() => parseEngineToMain(m), JSON.stringify(m).slice(0, 200)).not.toThrow();
    expect(seen.some((m) => m.id === -5)).toBe(false);
  }, 120_000);
});

/**
 * The packaged layout without the asar archive (which only Electron can read): the worker entries copied to
 * <resources>/app.asar.unpacked/out/workers (no package.json next to them), node_modules beside them,
 * resources/, models/ and package.json in <resources>, and the env main.ts computes with app-paths.ts. The
 * demo library is installed and indexed through the engine (worker threads from the unpacked folder),
 * then searched by text.
 */
describe.skipIf(!existsSync(engineJs))('engine in the packaged resources layout', () => {
  let res: string;
  let proc: ChildProcess;
  const got: Msg[] = [];
  const wait = (pred: (m: Msg) => boolean, timeoutMs = 120_000): Promise<Msg> =>
    new Promise((ok, fail) => {
      const hit = got.find(pred);
      if (hit) return ok(hit);
      const t = setTimeout(() => fail(new Error('timed out; seen: ' + got.map((m) => m.type).join(','))), timeoutMs);
      const on = (m: Msg) => {
        if (!pred(m)) return;
        clearTimeout(t);
        proc.off('message', on);
        ok(m);
      };
      proc.on('message', on);
    });

  beforeAll(() => {
    res = mkdtempSync(join(tmpdir(), 'molecule-resources-'));
    for (const d of ['resources', 'models']) symlinkSync(join(repoRoot, d), join(res, d), 'dir');
    copyFileSync(join(repoRoot, 'package.json'), join(res, 'package.json'));
    const workers = join(res, 'app.asar.unpacked', 'out', 'workers');
    mkdirSync(workers, { recursive: true });
    for (const f of readdirSync(join(repoRoot, 'out', 'workers')).filter((f) => f.endsWith('.js'))) copyFileSync(join(repoRoot, 'out', 'workers', f), join(workers, f));
    symlinkSync(join(repoRoot, 'node_modules'), join(res, 'app.asar.unpacked', 'node_modules'), 'dir');
    const shim = join(res, 'parent-port-shim.mjs');
    writeFileSync(
      shim,
      "import { EventEmitter } from 'node:events'; const port = new EventEmitter(); port.postMessage = (m) => process.send(m); process.on('message', (data) => port.emit('message', { data })); process.parentPort = port;",
    );
    const layout = appLayout({ isPackaged: true, appPath: join(res, 'app.asar'), resourcesPath: res, mainDir: join(res, 'app.asar', 'out', 'main') });
    const env = engineEnv(layout, { ...process.env, MOLECULE_APP_ROOT: undefined, MOLECULE_WORKERS_DIR: undefined });
    expect(env.MOLECULE_WORKERS_DIR).toBe(workers);
    proc = fork(engineJs, [], { execArgv: ['--import', shim], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    proc.on('message', (m: Msg) => got.push(m));
  });
  afterAll(() => {
    if (proc.exitCode === null) proc.kill();
    rmSync(res, { recursive: true, force: true });
  });

  it('installs and indexes the demo library with workers from app.asar.unpacked, then finds items by text', async () => {
    await wait((m) => m.type === 'alive');
    const data = join(res, 'user-data');
    proc.send({ type: 'init', options: { version: '0.0.0-test', dataDir: data, appRoot: res, settings: DEFAULT_SETTINGS, defaultPackDir: join(res, 'models', 'test-packs', 'ib-pp-test') } });
    await wait((m) => m.type === 'ready');
    proc.send({ type: 'request', id: 1, channel: 'library:installDemo', payload: {} });
    const demo = await wait((m) => m.type === 'response' && m.id === 1);
    expect(demo.ok, demo.error).toBe(true);
    proc.send({ type: 'request', id: 3, channel: 'index:start', payload: {} });
    const started = await wait((m) => m.type === 'response' && m.id === 3);
    expect(started.ok, started.error).toBe(true);
    const finished = await wait((m) => m.type === 'event' && (m.payload as { type?: string }).type === 'job-finished');
    const summary = (finished.payload as { summary: Record<string, unknown> }).summary;
    // Six demo files (three photos, three recordings); workerPath() only looks in MOLECULE_WORKERS_DIR, so a
    // worker that failed to load from there would show up as failures.
    expect(summary, JSON.stringify(summary)).toMatchObject({ phase: 'done', indexed: 6, failed: 0 });
    proc.send({ type: 'request', id: 2, channel: 'search:run', payload: { text: 'a dog barking', in: 'all', k: 10 } });
    const found = await wait((m) => m.type === 'response' && m.id === 2);
    expect(found.ok, found.error).toBe(true);
    const hits = (found.result as { results: { path: string; score: number }[] }).results;
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) {
      expect(h.path.startsWith(join(data, 'demo-library'))).toBe(true);
      expect(Number.isFinite(h.score)).toBe(true);
    }
    proc.send({ type: 'shutdown' });
    await new Promise((ok) => proc.once('exit', ok));
  }, 180_000);
});
