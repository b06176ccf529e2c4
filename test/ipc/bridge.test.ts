import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src-main/bridge/server';
import { downsamplePeaks } from '../../src-main/library/peaks';

const repoRoot = resolve(import.meta.dirname, '..', '..');
let bridge: Bridge;
let dir: string;

/** Raw request so Host / Origin / Cookie can be set freely (fetch forbids some of them). */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const api = (channel: string, payload: unknown, headers: Record<string, string> = {}) =>
  raw(`/api/invoke/${channel}`, { method: 'POST', headers: { 'x-molecule-token': bridge.token, ...headers }, body: JSON.stringify(payload) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bridge-test-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  bridge = await startBridge({ port: 0, dataDir: join(dir, 'data'), packDir: join(repoRoot, 'models', 'test-packs', 'ib-pp-test'), rendererDir: renderer, prepWorkers: 0 });
});
afterAll(async () => {
  await bridge?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bridge', () => {
  it('requires the token on API, page and media requests', async () => {
    expect((await raw('/api/invoke/app:info', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await api('app:info', {}, { 'x-molecule-token': 'wrong' })).status).toBe(401);
    expect((await raw('/')).status).toBe(401);
    expect((await raw('/media/local/etc/passwd')).status).toBe(401);
    expect((await api('app:info', {})).status).toBe(200);
  });

  it('refuses foreign Host headers and cross-origin calls', async () => {
    expect((await raw('/api/invoke/app:info', { method: 'POST', headers: { host: 'evil.example:80', 'x-molecule-token': bridge.token }, body: '{}' })).status).toBe(421);
    const r = await api('app:info', {}, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error).toEqual({ code: 'forbidden', message: 'cross-origin request refused' });
  });

  it('validates with the contract: unknown channels and bad payloads get 400 with the reason', async () => {
    const unknown = await api('fs:read', { path: '/etc/passwd' });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body)).toEqual({ error: { code: 'validation', message: 'unknown channel "fs:read"' } });
    const bad = await api('library:list', { sort: 'size', offset: 0, limit: 10 });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/library:list\.sort must be one of/);
    const notJson = await raw('/api/invoke/app:info', { method: 'POST', headers: { 'x-molecule-token': bridge.token }, body: '{nope' });
    expect(notJson.status).toBe(400);
  });

  it('engine errors cross with a stable code and the HTTP status that fits it', async () => {
    const missing = await api('library:item', { id: 987654 });
    expect(missing.status).toBe(200); // an unknown item is null, not an error
    const noFolder = await api('library:addRoot', { path: join(dir, 'no-such-folder') });
    expect(noFolder.status).toBe(404);
    expect(JSON.parse(noFolder.body).error).toEqual({ code: 'not-found', message: `There is no folder ${join(dir, 'no-such-folder')}.` });
    const made = await api('collections:create', { name: 'Twice', kind: 'manual' });
    expect(made.status).toBe(200);
    const again = await api('collections:create', { name: 'Twice', kind: 'manual' });
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body).error).toEqual({ code: 'conflict', message: 'a collection named "Twice" exists already' });
    const badQuery = await api('search:run', { query: 'image:"unterminated' });
    expect(JSON.parse(badQuery.body).error.code).toBe('query-syntax');
  });

  it('writes this run\'s log file with the pack it opened, and says where it is', async () => {
    const info = JSON.parse((await api('app:info', {})).body).result as { logFile: string };
    expect(info.logFile.startsWith(join(dir, 'data', 'logs', 'molecule-'))).toBe(true);
    const text = readFileSync(info.logFile, 'utf8');
    expect(text).toMatch(/^\S+Z INFO  bridge  engine: engine \S+ \(bridge, /m);
    expect(text).toMatch(/INFO  bridge  pack: opened ib-pp-test \(IB_PP, TEST PACK\) from \S+ in \d+ ms/);
  });

  it('serves the page with a CSP and a token cookie that then authorises assets', async () => {
    const page = await raw(`/?token=${bridge.token}`);
    expect(page.status).toBe(200);
    expect(String(page.headers['content-security-policy'])).toMatch(/script-src 'self'/);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = await raw('/index.html', { headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.status).toBe(200);
    expect((await raw(`/..%2Fsecret.txt?token=${bridge.token}`)).status).toBe(404);
  });

  it('media: refuses traversal and files outside the roots', async () => {
    const t = `?token=${bridge.token}`;
    expect((await raw(`/media/local/etc/passwd${t}`)).status).toBe(403);
    expect((await raw(`/media/local/tmp/%2e%2e/etc/passwd${t}`)).status).toBe(400);
    expect((await raw(`/media/local/tmp%2F..%2Fetc/passwd${t}`)).status).toBe(400);
    expect((await raw(`/media/local${join(dir, 'secret.txt')}${t}`)).status).toBe(403);
  });

  it('pushes events over server-sent events', async () => {
    const got = new Promise<string>((ok, fail) => {
      const req = request({ host: '127.0.0.1', port: bridge.port, path: `/api/events?token=${bridge.token}` }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        let buf = '';
        res.on('data', (c) => {
          buf += c;
          const m = /data: (.*)\n\n/.exec(buf);
          if (m) {
            req.destroy();
            ok(m[1]!);
          }
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? null : fail(e)));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    const set = await api('settings:set', { theme: 'light' });
    expect(JSON.parse(set.body).result.theme).toBe('light');
    const ev = JSON.parse(await got) as { event: string; payload: { theme: string } };
    expect(ev.event).toBe('settings:changed');
    expect(ev.payload.theme).toBe('light');
  });

  it('reports the engine status with the test pack labelled', async () => {
    const r = JSON.parse((await api('engine:status', {})).body).result;
    expect(r.pack.id).toBe('ib-pp-test');
    expect(r.pack.isTestPack).toBe(true);
    expect(r.encoders).toContain('imagebind_vision');
  });
});

describe('downsamplePeaks', () => {
  it('keeps min of mins and max of maxes per bucket', () => {
    const p = [-0.1, 0.2, -0.5, 0.1, -0.2, 0.9, -0.3, 0.3];
    expect(downsamplePeaks(p, 2)).toEqual([-0.5, 0.2, -0.3, 0.9]);
    expect(downsamplePeaks(p, 8)).toEqual(p);
  });
});
