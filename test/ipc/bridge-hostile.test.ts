/**
 * The bridge against a hostile client holding the token (issue 15, items 8 and 9): a malformed percent-escape in a
 * channel name is a 400, not a 500 "URI malformed"; `/` or a system folder cannot become a library folder; and the
 * media endpoint serves media types only, so even a broad library folder does not expose documents or keys in it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src-main/bridge/server';
import { makeImage } from '../library/media';

const repoRoot = resolve(import.meta.dirname, '..', '..');
let bridge: Bridge;
let dir: string;

function raw(path: string, opts: { method?: string; body?: string } = {}) {
  return new Promise<{ status: number; body: string }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method: opts.method ?? 'GET', headers: { 'x-molecule-token': bridge.token } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, body }));
    });
    req.on('error', fail);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}
const api = (channel: string, payload: unknown) => raw(`/api/invoke/${channel}`, { method: 'POST', body: JSON.stringify(payload) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bridge-hostile-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  mkdirSync(join(dir, 'photos', '.ssh'), { recursive: true });
  await makeImage(join(dir, 'photos', 'a.jpg'), 1);
  writeFileSync(join(dir, 'photos', 'notes.txt'), 'private notes');
  writeFileSync(join(dir, 'photos', '.ssh', 'id_ed25519'), 'PRIVATE KEY');
  writeFileSync(join(dir, 'photos', 'settings.json'), '{"token":"x"}');
  bridge = await startBridge({ port: 0, dataDir: join(dir, 'data'), packDir: join(repoRoot, 'models', 'test-packs', 'ib-pp-test'), rendererDir: renderer, prepWorkers: 0 });
});
afterAll(async () => {
  await bridge?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bridge against a client holding the token', () => {
  it('a malformed percent-escape in the channel name is a 400 naming the problem', async () => {
    for (const bad of ['%E0%A4%A', '%', '%ZZ', 'app%3Ainfo%']) {
      const r = await raw(`/api/invoke/${bad}`, { method: 'POST', body: '{}' });
      expect(r.status, bad).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ error: { code: 'validation', message: 'malformed percent-escape in the channel name' } });
    }
    expect((await raw('/api/invoke/app%3Ainfo', { method: 'POST', body: '{}' })).status).toBe(200); // a well-formed escape still works
  });

  it('cannot make / or a system folder a library folder', async () => {
    for (const p of ['/', '/etc', '/proc/self']) {
      const r = await api('library:addRoot', { path: p });
      expect(r.status, p).toBe(403);
      expect(JSON.parse(r.body).error, p).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/root of a file system|system folder/) });
    }
    expect(JSON.parse((await api('library:roots', {})).body).result).toEqual([]);
  });

  it('the media endpoint serves media files of a library folder, and nothing else in it', async () => {
    const photos = join(dir, 'photos');
    expect((await api('library:addRoot', { path: photos })).status).toBe(200);
    const url = (p: string) => `/media/local${p.split('/').map(encodeURIComponent).join('/')}`;
    expect((await raw(url(join(photos, 'a.jpg')))).status).toBe(200);
    for (const f of ['notes.txt', 'settings.json', join('.ssh', 'id_ed25519')]) {
      const r = await raw(url(join(photos, f)));
      expect(r.status, f).toBe(403);
      expect(r.body).toMatch(/not a media file/);
    }
  });
});
