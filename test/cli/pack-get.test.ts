/**
 * `molecule pack get` as a user runs it, against the local Hugging Face stand-in: the licence is asked for
 * first, a download killed at 30 % resumes from its partial files when run again (bytes counted on the
 * server), Ctrl-C pauses and `pack discard` cleans up, the proxy variables of the environment are used.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { molecule, PACKS } from './helpers';
import { repoRoot } from '../helpers/fixtures';
import { startFakeHub, TEST_CA, type FakeHub } from '../helpers/fake-hub';
import { startProxy } from '../helpers/proxy';
import { listedFiles } from '../../src-main/pack/manifest';

const PACK = PACKS.ibpp;
const manifest = JSON.parse(readFileSync(join(PACK, 'pack.json'), 'utf8'));
const FILE_BYTES = listedFiles(manifest).reduce((a, f) => a + statSync(join(PACK, f.file)).size, 0);
const work = mkdtempSync(join(tmpdir(), 'molecule-pack-get-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let hub: FakeHub | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
});
let n = 0;
const dest = () => join(work, `packs-${n++}`);
const NO_PROXY_ENV = { HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '', NO_PROXY: '', no_proxy: '', HF_TOKEN: '' };
const envFor = (h: FakeHub, extra: NodeJS.ProcessEnv = {}) => ({ ...NO_PROXY_ENV, HF_ENDPOINT: h.endpoint, MOLECULE_CA_CERTS: TEST_CA, ...extra });
const fileBytesSent = (h: FakeHub) => h.sentTotal() - (h.bytesSent.get('pack.json') ?? 0);

function start(args: string[], env: NodeJS.ProcessEnv) {
  const p = spawn(process.execPath, [join(repoRoot, 'bin/molecule.js'), ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((ok) => p.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
  return { p, done };
}

async function until(cond: () => boolean, ms = 30_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('molecule pack get', () => {
  it('shows name, space, size, source and licence, and downloads nothing until the licence is accepted', async () => {
    hub = await startFakeHub({ packDir: PACK });
    const d = dest();
    const r = await molecule(['pack', 'get', hub.repo, '--dest', d], envFor(hub));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Pack:     ${manifest.name} (ib-pp-test)`);
    expect(r.stderr).toContain('Space:    IB_PP, 1024-d');
    expect(r.stderr).toMatch(/Size: {5}3\.\d MB in 13 files \+ pack\.json/);
    expect(r.stderr).toContain(`From:     127.0.0.1:${new URL(hub.endpoint).port}/${hub.repo} @ main (commit ${hub.commit.slice(0, 10)})`);
    expect(r.stderr).toContain(manifest.licence.split('\n')[0]);
    expect(r.stderr).toMatch(/run the command again with --accept-licence/);
    expect(hub.requests.filter((q) => q.host === 'storage')).toEqual([]);
    expect(existsSync(d)).toBe(false);
  });

  it('a download killed at 30 % resumes from its partial files on the next run (through the proxy of the environment)', async () => {
    hub = await startFakeHub({ packDir: PACK, cut: { fraction: 0.3, mode: 'stall' } });
    const proxy = await startProxy();
    try {
      const d = dest();
      const env = envFor(hub, { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url });
      const first = start(['pack', 'get', hub.repo, '--dest', d, '--accept-licence', '--json', '--quiet'], env);
      await until(() => hub!.cutDone);
      const staged = join(d, '.ib-pp-test.download');
      const partBytes = () => (existsSync(staged) ? readdirSync(staged, { recursive: true }).map(String).reduce((a, f) => a + (statSync(join(staged, f)).isFile() && f !== 'pack.json' ? statSync(join(staged, f)).size : 0), 0) : 0);
      const atCut = fileBytesSent(hub);
      await until(() => partBytes() >= atCut); // everything the server sent is on disk
      first.p.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal).toBe('SIGKILL');
      const kept = partBytes();
      expect(kept).toBeGreaterThanOrEqual(0.3 * hub.lfsBytes - 16 * 1024);
      expect(kept).toBeLessThan(FILE_BYTES);
      // The proxy carried the traffic to both hosts.
      expect(proxy.seen.some((s) => s.includes(new URL(hub!.endpoint).host))).toBe(true);
      expect(proxy.seen).toContain(`CONNECT ${new URL(hub.storageOrigin).host}`);

      hub.resetCounters();
      const second = await molecule(['pack', 'get', hub.repo, '--dest', d, '--accept-licence', '--json', '--quiet'], env);
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      const r = JSON.parse(second.stdout) as { ok: boolean; resumedBytes: number; fetchedBytes: number; installedDir: string };
      expect(r.ok).toBe(true);
      expect(r.resumedBytes).toBe(kept);
      expect(r.fetchedBytes).toBe(FILE_BYTES - kept);
      expect(fileBytesSent(hub)).toBe(FILE_BYTES - kept); // the server agrees: only the missing bytes were sent again
      expect(hub.requests.some((q) => q.host === 'storage' && /^bytes=[1-9]\d*-$/.test(q.range ?? ''))).toBe(true);
      const verify = await molecule(['pack', 'verify', r.installedDir]);
      expect(verify.code).toBe(0);
      expect(readdirSync(d)).toEqual(['ib-pp-test']);
    } finally {
      await proxy.close();
    }
  });

  it('Ctrl-C pauses (partial download listed), pack discard removes it', async () => {
    hub = await startFakeHub({ packDir: PACK, cut: { fraction: 0.5, mode: 'pause' } });
    const d = dest();
    const run = start(['pack', 'get', hub.repo, '--dest', d, '--accept-licence'], envFor(hub));
    await until(() => hub!.cutDone);
    run.p.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted — the partial download is kept in .*\.ib-pp-test\.download; run the same command to resume, or `molecule pack discard ib-pp-test`/);
    const list = await molecule(['pack', 'list', d, '--json']);
    const partial = (JSON.parse(list.stdout) as { partial: { id: string; bytesOnDisk: number; active: boolean }[] }).partial;
    expect(partial).toHaveLength(1);
    expect(partial[0]).toMatchObject({ id: 'ib-pp-test', active: false });
    expect(partial[0]!.bytesOnDisk).toBeGreaterThan(0);
    const discard = await molecule(['pack', 'discard', 'ib-pp-test', '--dest', d]);
    expect(discard.code).toBe(0);
    expect(readdirSync(d)).toEqual([]);
  });
});
