/**
 * The bridge against a hostile client holding the token (issue 15, items 8 and 9): a malformed percent-escape in a
 * channel name is a 400, not a 500 "URI malformed"; `/` or a system folder cannot become a library folder; and the
 * media endpoint serves media types only, so even a broad library folder does not expose documents or keys in it.
 * Item 1 through the bridge: the 32 KB WAV that claims 4294967295 Hz, uploaded as a query sound and searched
 * with, is refused quickly naming the rate, without the gigabytes the old resampler plan took.
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

  it('the repro WAV (rate 0xFFFFFFFF) uploaded and searched with: refused at once, naming the rate, memory flat', { timeout: 60_000 }, async () => {
    const wav = Buffer.alloc(44 + 32000);
    wav.write('RIFF', 0); wav.writeUInt32LE(36 + 32000, 4); wav.write('WAVE', 8); wav.write('fmt ', 12);
    wav.writeUInt32LE(16, 16); wav.writeUInt16LE(1, 20); wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(0xffffffff, 24); wav.writeUInt32LE(0xfffffffe, 28); wav.writeUInt16LE(2, 32); wav.writeUInt16LE(16, 34);
    wav.write('data', 36); wav.writeUInt32LE(32000, 40);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const up = await api('query:upload', { name: 'lying.wav', dataBase64: wav.toString('base64') });
    let refusal: { status: number; error: { code: string; message: string } };
    if (up.status === 200) {
      const { path } = JSON.parse(up.body).result as { path: string };
      const r = await api('search:run', { query: `audio:${JSON.stringify(path)}` });
      refusal = { status: r.status, error: JSON.parse(r.body).error };
    } else {
      refusal = { status: up.status, error: JSON.parse(up.body).error };
    }
    expect(refusal.status).toBeGreaterThanOrEqual(400);
    expect(refusal.status).toBeLessThan(500);
    expect(refusal.error.code).toBe('unsupported-media');
    expect(refusal.error.message).toMatch(/4294967295 Hz/);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(400 * 2 ** 20);
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
