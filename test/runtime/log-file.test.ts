// The run's log file (src-main/runtime/log-file.ts): one file per run with levels and origins, older runs
// pruned, a run that outgrows maxBytes rolled over to .1, and worker-thread records forwarded into it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { logger } from '../../src-main/domain/log';
import { openRunLog } from '../../src-main/runtime/log-file';
import { receiveWorkerLogs } from '../../src-main/runtime/log-forward';

const dir = mkdtempSync(join(tmpdir(), 'molecule-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run log file', () => {
  it('writes records at or above its level, with time, level, origin and scope, errors with their reason', () => {
    const logs = join(dir, 'a');
    const run = openRunLog({ dir: logs, origin: 'bridge', level: 'info' });
    const log = logger('pack');
    log.debug('not written');
    log.info('opened ib-pp-test');
    log.error('cannot open', new RangeError('bad shape'));
    run.close();
    log.info('after close: not written');
    const text = readFileSync(run.path, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  bridge  pack: opened ib-pp-test$/);
    expect(lines[1]).toMatch(/^\S+Z ERROR bridge  pack: cannot open: RangeError: bad shape$/);
    expect(lines[2]).toMatch(/^ {4}\s*at /); // the stack of an unexpected error, indented under its line
    expect(text).not.toMatch(/not written/);
  });

  it('keeps the newest runs only, and rolls a run over to .1 when it grows past maxBytes', () => {
    const logs = join(dir, 'b');
    mkdirSync(logs);
    for (let i = 0; i < 5; i++) writeFileSync(join(logs, `molecule-2020-01-0${i + 1}T00-00-00-000Z-1.log`), 'old\n');
    writeFileSync(join(logs, 'molecule-2020-01-01T00-00-00-000Z-1.log.1'), 'old\n');
    writeFileSync(join(logs, 'notes.txt'), 'not ours\n');
    const run = openRunLog({ dir: logs, origin: 'main', keep: 3, maxBytes: 2000 });
    const log = logger('index');
    for (let i = 0; i < 40; i++) log.warn(`not indexed: /music/${i}.wav: truncated`);
    run.close();
    const files = readdirSync(logs).sort();
    expect(files).toEqual(['molecule-2020-01-04T00-00-00-000Z-1.log', 'molecule-2020-01-05T00-00-00-000Z-1.log', run.path.split('/').pop(), `${run.path.split('/').pop()}.1`, 'notes.txt'].sort());
    const current = readFileSync(run.path, 'utf8');
    const rolled = readFileSync(`${run.path}.1`, 'utf8');
    expect(Buffer.byteLength(current)).toBeLessThanOrEqual(2000);
    expect(Buffer.byteLength(rolled)).toBeLessThanOrEqual(2000);
    expect(current).toMatch(/not indexed: \/music\/39\.wav/);
  });

  it('receives the records of worker threads, tagged with the worker', async () => {
    const logs = join(dir, 'c');
    const run = openRunLog({ dir: logs, origin: 'engine' });
    const stop = receiveWorkerLogs();
    // a real worker thread running the real module, bundled as the app's workers are
    const entry = join(dir, 'worker-entry.ts');
    writeFileSync(
      entry,
      [
        `import { parentPort } from 'node:worker_threads';`,
        `import { forwardWorkerLogs } from ${JSON.stringify(join(import.meta.dirname, '../../src-main/runtime/log-forward'))};`,
        `import { logger } from ${JSON.stringify(join(import.meta.dirname, '../../src-main/domain/log'))};`,
        `forwardWorkerLogs('library-prep');`,
        `logger('prep').warn('cannot decode /music/a.wav');`,
        `parentPort!.postMessage('sent');`,
      ].join('\n'),
    );
    const bundle = join(dir, 'worker.mjs');
    await build({ entryPoints: [entry], outfile: bundle, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
    const w = new Worker(bundle);
    await new Promise((ok, fail) => {
      w.once('message', ok);
      w.once('error', fail);
    });
    await new Promise((ok) => setTimeout(ok, 200));
    await w.terminate();
    stop();
    run.close();
    expect(readFileSync(run.path, 'utf8')).toMatch(/WARN  worker:library-prep#\d+ prep: cannot decode \/music\/a\.wav/);
  });
});
