/**
 * The pack download channels of the engine (the same EngineHandlers the Electron engine process and the bridge
 * run), against the local Hugging Face stand-in: the licence hash gates the download, events carry progress,
 * pause keeps a resumable partial that survives closing the engine, resume finishes it, cancel removes it.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { startFakeHub, TEST_CA, type FakeHub } from '../helpers/fake-hub';
import { EngineHandlers, JsonSettingsStore } from '../../src-main/ipc/server/handlers';
import type { EngineStatus, PackDownloadStatus, PackInfo, PackRecommendation, RemotePackLookup, EventMap, EventName } from '../../src-main/ipc/contract/contract';

const PACK = join(repoRoot, 'models/test-packs/ib-pp-test');
const work = mkdtempSync(join(tmpdir(), 'molecule-dl-channels-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let hub: FakeHub | null = null;
const open: EngineHandlers[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  await hub?.close();
  hub = null;
});

let n = 0;
function engine(dataDir = join(work, `data-${n++}`)) {
  const events: PackDownloadStatus[] = [];
  const h = new EngineHandlers({
    shell: 'bridge',
    version: '0.0.0-test',
    dataDir,
    appRoot: repoRoot,
    settings: new JsonSettingsStore(join(work, `settings-${n++}.json`)),
    emit: <E extends EventName>(event: E, payload: EventMap[E]) => {
      if (event === 'packs:download') events.push(payload as PackDownloadStatus);
    },
    defaultPackDir: PACK,
    prepWorkers: 0,
    env: { HF_ENDPOINT: hub!.endpoint, MOLECULE_CA_CERTS: TEST_CA },
  });
  open.push(h);
  return { h, events, dataDir, packsDir: join(dataDir, 'packs') };
}
const call = <T>(h: EngineHandlers, channel: string, payload: unknown = {}) => h.handle(channel, payload) as Promise<T>;
async function settle(events: PackDownloadStatus[], states: string[]) {
  await expect.poll(() => events.at(-1)?.state, { timeout: 60_000 }).toSatisfy((s: string | undefined) => !!s && states.includes(s));
  return events.at(-1)!;
}

describe('pack download channels', () => {
  it('look up, then a download gated by the licence hash: a wrong hash downloads nothing', async () => {
    hub = await startFakeHub({ packDir: PACK });
    const { h, events, packsDir } = engine();
    await h.init();
    const look = await call<RemotePackLookup>(h, 'packs:lookUp', { source: hub.repo });
    expect(look.error).toBeNull();
    const info = look.info!;
    expect(info).toMatchObject({ id: 'ib-pp-test', spaceClass: 'IB_PP', isTestPack: true, installed: null, onDiskBytes: 0, commit: hub.commit });
    expect(info.files[0]).toMatchObject({ file: 'pack.json' });

    await call(h, 'packs:download', { source: hub.repo, licenceSha256: '0'.repeat(64) });
    const refused = await settle(events, ['failed', 'done']);
    expect(refused.state).toBe('failed');
    expect(refused.error?.kind).toBe('licence');
    expect(refused.error?.message).toMatch(/not the one that was accepted/);
    expect(hub.requests.filter((q) => q.host === 'storage')).toEqual([]);
    expect(existsSync(packsDir) ? readdirSync(packsDir) : []).toEqual([]);

    events.length = 0;
    const started = await call<PackDownloadStatus>(h, 'packs:download', { source: hub.repo, licenceSha256: info.licenceSha256, commit: info.commit });
    expect(started.state).toBe('checking');
    const done = await settle(events, ['done', 'failed']);
    expect(done).toMatchObject({ state: 'done', id: 'ib-pp-test', error: null, bytesDone: info.totalBytes, bytesTotal: info.totalBytes });
    expect(done.pack).toMatchObject({ id: 'ib-pp-test', source: 'imported', dir: join(packsDir, 'ib-pp-test') });
    expect(events.some((e) => e.state === 'downloading')).toBe(true);
    // Pinned to the commit that was looked up.
    expect(hub.requests.filter((q) => q.path.includes('/resolve/')).every((q) => q.path.includes(`/resolve/${hub!.commit}/`))).toBe(true);
    expect((await call<RemotePackLookup>(h, 'packs:lookUp', { source: hub.repo })).info!.installed).toBe('same');
  });

  it('pause keeps a partial that outlives the engine; a new engine resumes it; cancel of a paused one removes it', async () => {
    hub = await startFakeHub({ packDir: PACK, cut: { fraction: 0.5, mode: 'pause' } });
    const first = engine();
    await first.h.init();
    const info = (await call<RemotePackLookup>(first.h, 'packs:lookUp', { source: hub.repo })).info!;
    const job = await call<PackDownloadStatus>(first.h, 'packs:download', { source: hub.repo, licenceSha256: info.licenceSha256 });
    await expect.poll(() => hub!.cutDone, { timeout: 60_000 }).toBe(true);
    // A second download while one runs is refused.
    await expect(call(first.h, 'packs:download', { source: hub.repo, licenceSha256: info.licenceSha256 })).rejects.toThrow(/is being downloaded/);
    // Closing the engine (app quit) pauses the download.
    await first.h.close();
    open.splice(open.indexOf(first.h), 1);
    expect(first.events.at(-1)).toMatchObject({ jobId: job.jobId, state: 'paused' });
    hub.release();

    const second = engine(first.dataDir);
    await second.h.init();
    const listed = await call<{ current: PackDownloadStatus | null; partial: { id: string; bytesOnDisk: number; licenceSha256: string; source: string }[] }>(second.h, 'packs:downloads');
    expect(listed.current).toBeNull();
    expect(listed.partial).toHaveLength(1);
    const p = listed.partial[0]!;
    expect(p).toMatchObject({ id: 'ib-pp-test', licenceSha256: info.licenceSha256, source: hub.repo });
    expect(p.bytesOnDisk).toBeGreaterThan(0);
    hub.resetCounters();
    await call(second.h, 'packs:download', { source: p.source, licenceSha256: p.licenceSha256 });
    const done = await settle(second.events, ['done', 'failed']);
    expect(done.state).toBe('done');
    expect(done.resumedBytes).toBe(p.bytesOnDisk);
    expect(readdirSync(second.packsDir)).toEqual(['ib-pp-test']);

    // Pause, then cancel the paused download: nothing left.
    await hub.close();
    hub = await startFakeHub({ packDir: join(repoRoot, 'models/test-packs/internvl-ib-ft-pp-test'), cut: { fraction: 0.3, mode: 'pause' } });
    const url = `${hub.endpoint}/files/pack.json`;
    const ft = (await call<RemotePackLookup>(second.h, 'packs:lookUp', { source: url })).info!;
    const j2 = await call<PackDownloadStatus>(second.h, 'packs:download', { source: url, licenceSha256: ft.licenceSha256 });
    await expect.poll(() => hub!.cutDone, { timeout: 60_000 }).toBe(true);
    const paused = await call<PackDownloadStatus>(second.h, 'packs:downloadPause', { jobId: j2.jobId });
    expect(paused.state).toBe('paused');
    hub.release();
    expect(readdirSync(second.packsDir).some((f) => f.startsWith('.internvl-ib-ft-pp-test.download'))).toBe(true);
    const cancelled = await call<PackDownloadStatus>(second.h, 'packs:downloadCancel', { jobId: j2.jobId });
    expect(cancelled.state).toBe('cancelled');
    expect(readdirSync(second.packsDir)).toEqual(['ib-pp-test']);
  });

  it("'Use this pack' on a downloaded copy of a pack that also ships activates that copy (chosen by folder)", async () => {
    hub = await startFakeHub({ packDir: PACK });
    const { h, events, packsDir } = engine();
    await h.init();
    const info = (await call<RemotePackLookup>(h, 'packs:lookUp', { source: hub.repo })).info!;
    await call(h, 'packs:download', { source: hub.repo, licenceSha256: info.licenceSha256 });
    const done = await settle(events, ['failed', 'done']);
    expect(done.state).toBe('done');
    const copies = (await call<PackInfo[]>(h, 'packs:list')).filter((p) => p.id === 'ib-pp-test');
    expect(copies.map((p) => p.source).sort()).toEqual(['imported', 'shipped']);
    const downloaded = join(packsDir, 'ib-pp-test');
    for (const c of copies) {
      const s = await call<EngineStatus>(h, 'packs:activate', { id: 'ib-pp-test', dir: c.dir });
      expect(s.error).toBeNull();
      expect(s.pack?.dir).toBe(c.dir);
      expect((await call<PackInfo[]>(h, 'packs:list')).filter((p) => p.active).map((p) => p.dir)).toEqual([c.dir]);
    }
    expect(copies.map((c) => c.dir)).toContain(downloaded);
    await expect(call(h, 'packs:activate', { id: 'ib-pp-test', dir: join(work, 'nowhere') })).rejects.toThrow(/no installed pack with id "ib-pp-test" in /);
  });

  it('recommends a pack for this machine and says why', async () => {
    hub = await startFakeHub({ packDir: PACK });
    const { h } = engine();
    await h.init();
    const r = await call<PackRecommendation>(h, 'packs:recommend');
    expect(['ImageBind', 'IB_PP', 'InternVL_IB_FT_PP']).toContain(r.space);
    expect(['fp16', 'fp32']).toContain(r.precision);
    expect(r.reasons.length).toBeGreaterThanOrEqual(3);
    expect(r.machine.totalMemBytes).toBeGreaterThan(0);
  });
});
