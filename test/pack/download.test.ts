/**
 * Pack download against a local stand-in of the Hugging Face Hub (test/helpers/fake-hub.ts: the API listing,
 * `resolve` with a 302 to a storage host on another port over https, byte ranges): full download, licence
 * first, resume after a broken connection and after a pause (a restart), sha256 refusal, cancel, proxies,
 * offline, and the Hub's errors. Real files, real installs (ONNX signatures checked), no stubs.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { startFakeHub, TEST_CA, type FakeHub } from '../helpers/fake-hub';
import { startProxy } from '../helpers/proxy';
import { CANCEL, PAUSE, DownloadError, downloadPack, listPartialDownloads, lookUpPack, discardPartialDownload, parsePackSource, type DownloadProgress } from '../../src-main/pack/fetch';
import { listPacks } from '../../src-main/pack/registry';
import { verifyPack } from '../../src-main/pack/verify';
import { listedFiles } from '../../src-main/pack/manifest';

const PACK = join(repoRoot, 'models/test-packs/ib-pp-test');
const manifest = JSON.parse(readFileSync(join(PACK, 'pack.json'), 'utf8'));
const LISTED = listedFiles(manifest).map((f) => f.file);
const PACK_BYTES = statSync(join(PACK, 'pack.json')).size + LISTED.reduce((a, f) => a + statSync(join(PACK, f)).size, 0);

const work = mkdtempSync(join(tmpdir(), 'molecule-download-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let hub: FakeHub | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
});

let n = 0;
const newDest = () => join(work, `packs-${n++}`);
/** Only what the tests set: no proxy or token from the machine running them. */
const envFor = (h: FakeHub, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HF_ENDPOINT: h.endpoint, MOLECULE_CA_CERTS: TEST_CA, ...extra });
const accept = () => true;
const fast = { attempts: 3, delayMs: 20 };

function expectNoTrace(dest: string) {
  const left = existsSync(dest) ? readdirSync(dest) : [];
  expect(left).toEqual([]);
}

function sameBytes(installed: string) {
  for (const f of [...LISTED, 'pack.json']) expect(readFileSync(join(installed, f)).equals(readFileSync(join(PACK, f))), f).toBe(true);
}

async function errorOf(p: Promise<unknown>): Promise<DownloadError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DownloadError) return e;
    throw e;
  }
  throw new Error('expected a DownloadError');
}

describe('pack download from a Hugging Face-like server', () => {
  it('reads the manifest first, then downloads, verifies and installs (storage host gets no token)', async () => {
    hub = await startFakeHub({ packDir: PACK, token: 'hf_secret' });
    const dest = newDest();
    const progress: DownloadProgress[] = [];
    let shown: { name: string; space: string; licence: string; total: number | null; origin: string } | null = null;
    const r = await downloadPack(hub.repo, {
      destRoot: dest,
      env: envFor(hub, { HF_TOKEN: 'hf_secret' }),
      acceptLicence: (p) => {
        shown = { name: p.manifest.name, space: p.manifest.space, licence: p.manifest.licence, total: p.totalBytes, origin: p.origin };
        // Before acceptance: the listing and pack.json only.
        expect(hub!.requests.map((q) => `${q.host} ${q.method} ${q.path.replace(/\?.*/, '')}`)).toEqual([
          `hub GET /api/models/${hub!.repo}/revision/main`,
          `hub GET /${hub!.repo}/resolve/${hub!.commit}/pack.json`,
        ]);
        return true;
      },
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(shown).toMatchObject({ name: manifest.name, space: 'IB_PP', licence: manifest.licence, total: PACK_BYTES });
    expect(shown!.origin).toContain(`${hub.repo} @ main (commit ${hub.commit.slice(0, 10)})`);
    expect(r).toMatchObject({ id: 'ib-pp-test', installedDir: join(dest, 'ib-pp-test'), totalBytes: PACK_BYTES, resumedBytes: 0, files: LISTED.length, alreadyInstalled: false, commit: hub.commit });
    expect(r.fetchedBytes).toBe(PACK_BYTES - statSync(join(PACK, 'pack.json')).size);
    sameBytes(r.installedDir);
    const v = await verifyPack(r.installedDir);
    expect(v.errors).toEqual([]);
    expect(readdirSync(dest)).toEqual(['ib-pp-test']); // no staging, state or lock left
    expect(listPacks([dest]).packs.map((p) => p.id)).toEqual(['ib-pp-test']);

    // Every file came from the pinned commit; LFS files through the redirect to the storage host, without the token.
    const resolves = hub.requests.filter((q) => q.host === 'hub' && q.path.includes('/resolve/'));
    expect(resolves.every((q) => q.path.includes(`/resolve/${hub!.commit}/`))).toBe(true);
    expect(resolves.every((q) => q.authorization)).toBe(true);
    const storage = hub.requests.filter((q) => q.host === 'storage');
    expect(storage.length).toBeGreaterThanOrEqual(LISTED.filter((f) => f.endsWith('.onnx')).length);
    expect(storage.some((q) => q.authorization)).toBe(false);

    // Progress: monotonic bytes, every file seen, ends installing.
    const done = progress.map((p) => p.bytesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(progress.filter((p) => p.phase === 'downloading').map((p) => p.file))).toEqual(new Set(LISTED));
    expect(progress.at(-1)).toMatchObject({ phase: 'installing', bytesDone: PACK_BYTES, bytesTotal: PACK_BYTES });

    // Same pack again: nothing downloaded.
    hub.resetCounters();
    const again = await downloadPack(`hf:${hub.repo}@main`, { destRoot: dest, env: envFor(hub, { HF_TOKEN: 'hf_secret' }), acceptLicence: accept });
    expect(again.alreadyInstalled).toBe(true);
    expect(hub.requests.filter((q) => q.host === 'storage')).toEqual([]);
  });

  it('the licence must be accepted first: refused → nothing but the manifest is fetched, nothing is written', async () => {
    hub = await startFakeHub({ packDir: PACK });
    const dest = newDest();
    const e = await errorOf(downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: () => false }));
    expect(e.kind).toBe('licence');
    expect(hub.requests.filter((q) => q.host === 'storage')).toEqual([]);
    expect(hub.requests.filter((q) => q.path.includes('/resolve/')).map((q) => q.path.split('/').pop())).toEqual(['pack.json']);
    expect(existsSync(dest)).toBe(false);
  });

  it('a connection cut at 30 % is resumed from the cut (range request), no byte is fetched twice', async () => {
    hub = await startFakeHub({ packDir: PACK, cut: { fraction: 0.3, mode: 'reset' } });
    const dest = newDest();
    const r = await downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept, retry: fast });
    expect(hub.cutDone).toBe(true);
    const ranged = hub.requests.filter((q) => q.host === 'storage' && q.range);
    expect(ranged).toHaveLength(1);
    const from = Number(/^bytes=(\d+)-$/.exec(ranged[0]!.range!)![1]);
    expect(from).toBeGreaterThan(0);
    // Each file's bytes crossed the network exactly once.
    for (const f of LISTED) expect(hub.bytesSent.get(f), f).toBe(statSync(join(PACK, f)).size);
    expect(r.fetchedBytes).toBe(PACK_BYTES - statSync(join(PACK, 'pack.json')).size);
    sameBytes(r.installedDir);
  });

  it('a paused download keeps its partial files and a new run resumes from them (a restart)', async () => {
    hub = await startFakeHub({ packDir: PACK, cut: { fraction: 0.3, mode: 'pause' } });
    const dest = newDest();
    const ac = new AbortController();
    const run = downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept, signal: ac.signal });
    while (!hub.cutDone) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100)); // let the bytes before the cut reach the disk
    ac.abort(PAUSE);
    const e = await errorOf(run);
    expect(e.kind).toBe('paused');
    hub.release();

    const partial = listPartialDownloads(dest);
    expect(partial).toHaveLength(1);
    expect(partial[0]).toMatchObject({ id: 'ib-pp-test', totalBytes: PACK_BYTES, active: false, source: hub.repo });
    const onDisk = partial[0]!.bytesOnDisk;
    expect(onDisk).toBeGreaterThan(0.25 * hub.lfsBytes);
    expect(readdirSync(join(dest, '.ib-pp-test.download')).some((f) => f.endsWith('.part'))).toBe(true);
    const look = await lookUpPack(hub.repo, { destRoot: dest, env: envFor(hub) });
    expect(look.onDiskBytes).toBe(onDisk);
    expect(look.installed).toBeNull();

    hub.resetCounters();
    let offered = -1;
    const r = await downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: (_p, d) => ((offered = d.bytes), true) });
    expect(offered).toBe(onDisk);
    expect(r.resumedBytes).toBe(onDisk);
    // The second run fetched only what was missing (pack.json is served again; it is tiny and re-checked).
    expect(hub.sentTotal() - (hub.bytesSent.get('pack.json') ?? 0)).toBe(PACK_BYTES - statSync(join(PACK, 'pack.json')).size - onDisk);
    expect(r.fetchedBytes + onDisk).toBe(PACK_BYTES - statSync(join(PACK, 'pack.json')).size);
    expect(hub.requests.some((q) => q.host === 'storage' && q.range)).toBe(true);
    sameBytes(r.installedDir);
    expect(readdirSync(dest)).toEqual(['ib-pp-test']);
  });

  it('a file whose bytes differ from its sha256 is refused and nothing is installed', async () => {
    hub = await startFakeHub({ packDir: PACK, corrupt: ['imagebind_vision.onnx'] });
    const dest = newDest();
    const e = await errorOf(downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept, retry: fast }));
    expect(e.kind).toBe('integrity');
    expect(e.message).toMatch(/imagebind_vision\.onnx: the downloaded bytes do not match pack\.json/);
    expect(existsSync(join(dest, 'ib-pp-test'))).toBe(false);
    expect(listPacks([dest]).packs).toEqual([]);
    const staged = join(dest, '.ib-pp-test.download');
    expect(existsSync(join(staged, 'imagebind_vision.onnx'))).toBe(false);
    expect(existsSync(join(staged, 'imagebind_vision.onnx.part'))).toBe(false);
    // Discarding leaves nothing.
    expect(discardPartialDownload(dest, 'ib-pp-test')).toBe(true);
    expectNoTrace(dest);
  });

  it('a repository whose large-file sha256 disagrees with pack.json is refused before any file is fetched', async () => {
    const bad = join(work, 'bad-pack');
    cpSync(PACK, bad, { recursive: true });
    const m = JSON.parse(readFileSync(join(bad, 'pack.json'), 'utf8'));
    m.encoders.imagebind_text.sha256 = 'ab'.repeat(32);
    writeFileSync(join(bad, 'pack.json'), JSON.stringify(m));
    hub = await startFakeHub({ packDir: bad });
    const dest = newDest();
    const e = await errorOf(downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept }));
    expect(e.kind).toBe('manifest');
    expect(e.message).toMatch(/imagebind_text\.onnx: the repository's file has sha256/);
    expect(hub.requests.filter((q) => q.host === 'storage')).toEqual([]);
    expect(existsSync(dest)).toBe(false);
  });

  it("a large file whose X-Linked-Etag (the Hub's sha256 of it) disagrees with pack.json is refused before its bytes are fetched", async () => {
    hub = await startFakeHub({ packDir: PACK, wrongLinkedEtag: ['imagebind_vision.onnx'] });
    const dest = newDest();
    const e = await errorOf(downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept, retry: fast }));
    expect(e.kind).toBe('integrity');
    expect(e.message).toMatch(/imagebind_vision\.onnx: the server says its sha256 is [0-9a-f]{16}…, pack\.json expects/);
    expect(hub.bytesSent.get('imagebind_vision.onnx') ?? 0).toBe(0);
    expect(listPacks([dest]).packs).toEqual([]);
    expect(existsSync(join(dest, 'ib-pp-test'))).toBe(false);
  });

  it('a resume whose file changed on the storage host (If-Range no longer matches) starts that file over and still verifies', async () => {
    hub = await startFakeHub({ packDir: PACK, cut: { fraction: 0.3, mode: 'pause' } });
    const dest = newDest();
    const ac = new AbortController();
    const run = downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept, signal: ac.signal });
    while (!hub.cutDone) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    ac.abort(PAUSE);
    expect((await errorOf(run)).kind).toBe('paused');
    hub.release();
    const onDisk = listPartialDownloads(dest)[0]!.bytesOnDisk;
    const cutFile = hub.requests.filter((q) => q.host === 'storage').length;
    expect(cutFile).toBeGreaterThan(0);

    hub.changeStorageEtags();
    hub.resetCounters();
    const r = await downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept });
    // The interrupted file was asked for with a range and If-Range (its ETag was saved when its transfer began);
    // the ETag no longer matches, so the server answered 200 with all of it and the kept bytes were dropped.
    const ranged = hub.requests.filter((q) => q.host === 'storage' && q.range);
    expect(ranged).toHaveLength(1);
    const partialFileBytes = Number(/^bytes=(\d+)-$/.exec(ranged[0]!.range!)![1]);
    expect(partialFileBytes).toBeGreaterThan(0);
    expect(r.fetchedBytes + onDisk - partialFileBytes).toBe(PACK_BYTES - statSync(join(PACK, 'pack.json')).size);
    sameBytes(r.installedDir);
    await expect(verifyPack(r.installedDir, { onnx: false })).resolves.toMatchObject({ ok: true });
  });

  it('a pack.json that is too large or nested too deep is refused before it is parsed', async () => {
    const big = join(work, 'big-manifest');
    cpSync(PACK, big, { recursive: true });
    writeFileSync(join(big, 'pack.json'), JSON.stringify({ ...manifest, padding: 'x'.repeat(1_100_000) }));
    hub = await startFakeHub({ packDir: big });
    const e = await errorOf(lookUpPack(`${hub.endpoint}/files/pack.json`, { destRoot: newDest(), env: envFor(hub) }));
    expect(e.kind).toBe('manifest');
    expect(e.message).toMatch(/more than the 1048576/);
    await hub.close();
    writeFileSync(join(big, 'pack.json'), `{"format":${'['.repeat(200)}${']'.repeat(200)}}`);
    hub = await startFakeHub({ packDir: big });
    const deep = await errorOf(lookUpPack(`${hub.endpoint}/files/pack.json`, { destRoot: newDest(), env: envFor(hub) }));
    expect(deep.kind).toBe('manifest');
    expect(deep.message).toMatch(/nested deeper than 64/);
  });

  it('cancel leaves no trace', async () => {
    hub = await startFakeHub({ packDir: PACK, cut: { fraction: 0.4, mode: 'pause' } });
    const dest = newDest();
    const ac = new AbortController();
    const run = downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept, signal: ac.signal });
    while (!hub.cutDone) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dest).sort()).toEqual(['.ib-pp-test.download', '.ib-pp-test.download.json', '.ib-pp-test.download.lock']);
    ac.abort(CANCEL);
    expect((await errorOf(run)).kind).toBe('cancelled');
    expect(existsSync(dest)).toBe(false);
  });

  it('cancel in a packs folder that holds other packs removes only the download', async () => {
    hub = await startFakeHub({ packDir: PACK, cut: { fraction: 0.2, mode: 'pause' } });
    const dest = newDest();
    cpSync(join(repoRoot, 'models/test-packs/internvl-ib-ft-pp-test'), join(dest, 'internvl-ib-ft-pp-test'), { recursive: true });
    const ac = new AbortController();
    const run = downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept, signal: ac.signal });
    while (!hub.cutDone) await new Promise((r) => setTimeout(r, 10));
    ac.abort(CANCEL);
    expect((await errorOf(run)).kind).toBe('cancelled');
    expect(readdirSync(dest)).toEqual(['internvl-ib-ft-pp-test']);
  });

  it('honours HTTPS_PROXY / HTTP_PROXY (the proxy sees every request) and NO_PROXY', async () => {
    hub = await startFakeHub({ packDir: PACK });
    const proxy = await startProxy();
    try {
      const hubHost = new URL(hub.endpoint).host;
      const storageHost = new URL(hub.storageOrigin).host;
      const r = await downloadPack(hub.repo, { destRoot: newDest(), env: envFor(hub, { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }), acceptLicence: accept });
      sameBytes(r.installedDir);
      expect(proxy.seen.some((s) => s.includes(hubHost))).toBe(true);
      expect(proxy.seen).toContain(`CONNECT ${storageHost}`);
      const requestsThroughHub = hub.requests.length;

      proxy.seen.length = 0;
      hub.resetCounters();
      await downloadPack(hub.repo, { destRoot: newDest(), env: envFor(hub, { https_proxy: proxy.url, http_proxy: proxy.url, NO_PROXY: '127.0.0.1' }), acceptLicence: accept });
      expect(proxy.seen).toEqual([]);
      expect(hub.requests.length).toBe(requestsThroughHub);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that refuses gives a proxy error naming it', async () => {
    hub = await startFakeHub({ packDir: PACK });
    const proxy = await startProxy({ requireAuth: 'u:p' });
    try {
      const e = await errorOf(downloadPack(hub.repo, { destRoot: newDest(), env: envFor(hub, { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }), acceptLicence: accept, retry: fast }));
      expect(e.kind).toBe('proxy');
      expect(proxy.seen.length).toBeGreaterThan(0);
      // With the credentials in the variable, it goes through.
      const withAuth = proxy.url.replace('http://', 'http://u:p@');
      const r = await downloadPack(hub.repo, { destRoot: newDest(), env: envFor(hub, { HTTPS_PROXY: withAuth, HTTP_PROXY: withAuth }), acceptLicence: accept });
      sameBytes(r.installedDir);
    } finally {
      await proxy.close();
    }
  });

  it('offline (nothing listening) is reported as offline', async () => {
    const s: Server = createServer();
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    const port = (s.address() as { port: number }).port;
    await new Promise((ok) => s.close(ok));
    const dest = newDest();
    const e = await errorOf(downloadPack('org/pack', { destRoot: dest, env: { HF_ENDPOINT: `http://127.0.0.1:${port}` }, acceptLicence: accept }));
    expect(e.kind).toBe('offline');
    expect(e.message).toMatch(/offline/);
    expect(existsSync(dest)).toBe(false);
    const off = await errorOf(downloadPack('org/pack', { destRoot: dest, env: { HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_OFFLINE: '1' }, acceptLicence: accept }));
    expect(off.kind).toBe('offline');
  });

  it("the Hub's errors: unknown repository or revision, private repository, renamed repository", async () => {
    hub = await startFakeHub({ packDir: PACK, renamedFrom: ['molecule-test/old-name'] });
    const env = envFor(hub);
    expect((await errorOf(lookUpPack('molecule-test/nope', { destRoot: newDest(), env }))).kind).toBe('not-found');
    const rev = await errorOf(lookUpPack(`${hub.repo}@v9`, { destRoot: newDest(), env }));
    expect(rev.kind).toBe('not-found');
    expect(rev.message).toMatch(/no such revision/);
    const pinned = await lookUpPack(`${hub.repo}@${hub.commit}`, { destRoot: newDest(), env });
    expect(pinned.pack.commit).toBe(hub.commit);
    // A renamed repository answers with relative redirects, which are followed.
    const r = await downloadPack('molecule-test/old-name', { destRoot: newDest(), env, acceptLicence: accept });
    sameBytes(r.installedDir);
    await hub.close();

    hub = await startFakeHub({ packDir: PACK, token: 'hf_x' });
    const e = await errorOf(lookUpPack(hub.repo, { destRoot: newDest(), env: envFor(hub) }));
    expect(e.kind).toBe('not-found');
    expect(e.message).toMatch(/HF_TOKEN/);
  });

  it('an https address of a pack.json with its files beside it', async () => {
    hub = await startFakeHub({ packDir: PACK });
    const dest = newDest();
    const url = `${hub.endpoint}/files/pack.json`;
    const look = await lookUpPack(url, { destRoot: dest, env: envFor(hub) });
    expect(look.pack.totalBytes).toBe(PACK_BYTES);
    expect(look.pack.origin).toBe(url);
    const r = await downloadPack(url, { destRoot: dest, env: envFor(hub), acceptLicence: accept });
    sameBytes(r.installedDir);
    expect(hub.requests.filter((q) => q.host === 'storage')).toEqual([]);
  });

  it('a different pack with the same id is replaced only when asked', async () => {
    hub = await startFakeHub({ packDir: PACK });
    const dest = newDest();
    cpSync(PACK, join(dest, 'ib-pp-test'), { recursive: true });
    writeFileSync(join(dest, 'ib-pp-test', 'pack.json'), readFileSync(join(PACK, 'pack.json'), 'utf8').replace(/\n$/, '') + ' \n');
    const e = await errorOf(downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept }));
    expect(e.kind).toBe('installed');
    const r = await downloadPack(hub.repo, { destRoot: dest, env: envFor(hub), acceptLicence: accept, replace: true });
    sameBytes(r.installedDir);
    expect(readdirSync(dest)).toEqual(['ib-pp-test']);
  });
});

describe('pack source', () => {
  const env = { HF_ENDPOINT: 'https://huggingface.co' };
  it.each([
    ['org/pack', { kind: 'hf', repo: 'org/pack', revision: 'main' }],
    ['hf:org/pack@v1.0', { kind: 'hf', repo: 'org/pack', revision: 'v1.0' }],
    ['org/pack@refs/pr/3', { kind: 'hf', repo: 'org/pack', revision: 'refs/pr/3' }],
    ['https://huggingface.co/org/pack', { kind: 'hf', repo: 'org/pack', revision: 'main' }],
    ['https://huggingface.co/org/pack/tree/fp16', { kind: 'hf', repo: 'org/pack', revision: 'fp16' }],
    ['https://example.org/packs/ib-pp/pack.json', { kind: 'url', manifestUrl: 'https://example.org/packs/ib-pp/pack.json' }],
    ['http://127.0.0.1:8080/p/pack.json', { kind: 'url' }],
  ])('%s', (text, want) => {
    expect(parsePackSource(text, env)).toMatchObject(want);
  });
  it.each([
    ['', /give a Hugging Face repository/],
    ['http://example.org/pack.json', /https/],
    ['ftp://example.org/pack.json', /only https/],
    ['org/../x', /neither a Hugging Face repository/],
    ['a/b/c', /neither/],
    ['https://example.org/packs/', /address of the pack's pack\.json/],
    ['org/pack@bad rev', /not a valid revision/],
  ])('refuses %j', (text, msg) => {
    expect(() => parsePackSource(text, env)).toThrow(msg);
  });
  it('HF_ENDPOINT must be https unless it is this computer', () => {
    expect(() => parsePackSource('org/pack', { HF_ENDPOINT: 'http://mirror.example.org' })).toThrow(/https/);
    expect(parsePackSource('org/pack', { HF_ENDPOINT: 'http://localhost:5555/' })).toMatchObject({ endpoint: 'http://localhost:5555' });
  });
});
