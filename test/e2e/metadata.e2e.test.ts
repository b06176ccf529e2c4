/// <reference lib="dom" />
/**
 * End to end for the sound designer's workflow (issue 14), in Debian's Chromium against the real engine via the
 * bridge: the metadata panel of a BWF recording, a hybrid result list (words highlighted / "by meaning"), a
 * region selected, auditioned and downloaded (browser mode's drag-out: a download; bytes checked against the
 * source), and the same-session panel pairing the recording with the photo taken beside it.
 * Screenshots: test-output/screenshots/5x-*.png.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { a11yViolations, ensureRendererBuilt, invoke, launchBrowser, repoRoot, shot, startBridgeProcess, type RunningBridge } from './helpers';
import { writeMetadataLibrary } from '../metadata/fixtures';
import { makeWav } from '../library/media';
import type { EngineStatus, ItemSummary } from '../../src-main/ipc/contract/contract';
import { readWavLayout } from '../../src-main/metadata/riff';
import { parseBext } from '../../src-main/metadata/bext';

const PACK = join(repoRoot, 'models', 'test-packs', 'ib-pp-test');
let bridge: RunningBridge;
let ctx: BrowserContext;
let page: Page;
let work: string;
let files: Record<string, string>;
let media: string;
const pageErrors: string[] = [];

async function openItem(path: string): Promise<number> {
  const items = await invoke<{ items: ItemSummary[] }>(bridge, 'library:list', { sort: 'name', offset: 0, limit: 500 });
  const it = items.items.find((x) => x.path === path)!;
  await page.click('[data-nav="library"]');
  await page.click('[data-filter-type="all"]');
  await page.waitForSelector(`[data-item-id="${it.id}"]`);
  await page.click(`[data-item-id="${it.id}"]`);
  await page.waitForSelector('[data-testid="item-name"]');
  return it.id;
}

beforeAll(async () => {
  ensureRendererBuilt();
  work = mkdtempSync(join(tmpdir(), 'molecule-e2e-meta-'));
  media = join(work, 'Field Library');
  files = await writeMetadataLibrary(media);
  for (let i = 0; i < 6; i++) makeWav(join(media, 'misc', `take-${i + 1}.wav`), i, 2);
  bridge = await startBridgeProcess(PACK);
  ({ ctx, page } = await launchBrowser());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await invoke(bridge, 'settings:set', { welcomeDone: true });
  await invoke(bridge, 'library:addRoot', { path: media });
  const before = (await invoke<EngineStatus>(bridge, 'engine:status')).indexJobs;
  await invoke(bridge, 'index:start', {});
  for (const until = Date.now() + 120_000; ; ) {
    const s = await invoke<EngineStatus>(bridge, 'engine:status');
    if (s.indexJobs > before && s.progress?.phase === 'done') break;
    if (Date.now() > until) throw new Error('indexing did not finish');
    await new Promise((r) => setTimeout(r, 300));
  }
  await page.goto(bridge.url);
  await page.waitForSelector('[data-item-id]');
}, 240_000);

afterAll(async () => {
  await ctx?.close();
  await bridge?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('metadata, one search box, regions out, same session (browser mode)', () => {
  it('shows the embedded metadata of a BWF recording', async () => {
    await openItem(files.bwf!);
    await page.waitForSelector('[data-testid="metadata-panel"]');
    const groups = await page.$$eval('[data-meta-group]', (e) => e.map((x) => x.getAttribute('data-meta-group')));
    expect(groups).toEqual(expect.arrayContaining(['Description', 'UCS', 'Broadcast WAV (bext)', 'iXML']));
    const text = await page.textContent('[data-testid="metadata-panel"]');
    expect(text).toContain('Old barn door wood creak, slow hinge groan');
    expect(text).toContain('DOORWood');
    expect(text).toContain('Harbour Film');
    await expect.poll(() => page.$$eval('.player .muted', (e) => e.some((x) => x.textContent?.includes('decoding'))), { timeout: 30_000 }).toBe(false);
    await page.$eval('[data-testid="metadata-panel"]', (el) => el.scrollIntoView());
    await shot(page, '50-metadata-panel');
  });

  it('one search box: an exact description first with its words highlighted, the rest by meaning', async () => {
    await page.fill('[data-testid="search-input"]', 'door wood creak');
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="results-audio"] [data-result-id]');
    const first = await page.getAttribute('[data-testid="results-audio"] [data-result-id]', 'data-result-id');
    const bwfId = (await invoke<{ items: ItemSummary[] }>(bridge, 'library:list', { sort: 'name', offset: 0, limit: 500 })).items.find((x) => x.path === files.bwf)!.id;
    expect(Number(first)).toBe(bwfId);
    const marks = await page.$$eval('[data-testid="results-audio"] [data-result-id]:first-child mark', (e) => e.map((x) => x.textContent?.toLowerCase()));
    expect(marks.length).toBeGreaterThan(1);
    // every reason line is one line inside its tile, its matched words visible
    const lines = await page.$$eval('[data-result-id] .tile', (tiles) =>
      tiles.map((t) => {
        const box = t.getBoundingClientRect();
        const sub = t.querySelector('.sub')!;
        const mark = t.querySelector('mark')?.getBoundingClientRect();
        return {
          name: t.querySelector('.name')?.textContent ?? '',
          oneLine: sub.scrollHeight <= sub.clientHeight + 1,
          markInside: mark ? mark.width > 0 && mark.right <= sub.getBoundingClientRect().right + 0.5 && mark.bottom <= box.bottom + 0.5 : null,
        };
      }),
    );
    for (const l of lines) {
      expect(l.oneLine, l.name).toBe(true);
      if (l.markInside !== null) expect(l.markInside, l.name).toBe(true);
    }
    expect(await page.$$eval('[data-testid="why-meaning"]', (e) => e.length)).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid="search-summary"]')).toMatch(/by words/);
    await shot(page, '51-hybrid-results');
    // batch export: the best moment of every sound hit, each a WAV whose samples are the source's in that span
    const audioHits = await page.$$eval('[data-testid="results-audio"] [data-result-id]', (e) => e.length);
    await page.click('[data-testid="export-moments"]');
    await page.waitForFunction(() => [...document.querySelectorAll('.toast')].some((t) => /Exported \d+ moments/.test(t.textContent ?? '')), null, { timeout: 30_000 });
    const toastText = await page.$$eval('.toast', (t) => t.map((x) => x.textContent ?? '').find((x) => /Exported \d+ moments/.test(x))!);
    const [, count, dest] = /Exported (\d+) moments to (.+?)(?: \(|$)/.exec(toastText.trim())!;
    expect(Number(count)).toBe(Math.min(12, audioHits));
    const wavs = readdirSync(dest!).filter((f) => f.endsWith('.wav'));
    expect(wavs.length).toBe(Number(count));
    const sources = new Map(Object.values(files).concat(readdirSync(join(media, 'misc')).map((f) => join(media, 'misc', f))).map((p) => [basename(p), p]));
    let compared = 0;
    for (const w of wavs) {
      const out = await readWavLayout(join(dest!, w));
      const bextChunk = out.chunks.find((c) => c.id === 'bext')!;
      const bext = parseBext(readFileSync(join(dest!, w)).subarray(bextChunk.offset, bextChunk.offset + bextChunk.size))!;
      expect(bext.originator).toBe('Molecule Space');
      const src = sources.get(bext.description.replace(/ [\d.:]+-[\d.:]+ s$/, ''))!;
      expect(src, bext.description).toBeDefined();
      if (!src.endsWith('.wav')) continue; // compressed sources are re-written from decoded samples (test/regions)
      const sl = await readWavLayout(src);
      const sb = sl.chunks.find((c) => c.id === 'bext');
      const srcRef = sb ? parseBext(readFileSync(src).subarray(sb.offset, sb.offset + sb.size))!.timeReference : 0;
      const start = (bext.timeReference - srcRef) * sl.fmt!.blockAlign;
      const a = readFileSync(src).subarray(sl.data!.offset + start, sl.data!.offset + start + out.data!.size);
      const b = readFileSync(join(dest!, w)).subarray(out.data!.offset, out.data!.offset + out.data!.size);
      expect(Buffer.compare(a, b), w).toBe(0);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(6);
    // field terms and exclusions typed in the same box
    await page.click('.searchbar button[title="Clear"]');
    await expect.poll(() => page.$$eval('[data-testid="query-chip"]', (c) => c.length)).toBe(0);
    await page.fill('[data-testid="search-input"]', 'creak -traffic cat:DOOR');
    await page.press('[data-testid="search-input"]', 'Enter');
    await expect.poll(() => page.$$eval('[data-result-id]', (e) => e.map((x) => x.getAttribute('data-result-id')))).toEqual([String(bwfId)]);
    expect(await page.$$eval('[data-testid="query-chip"]', (c) => c.length)).toBe(1);
    // the words/meaning balance re-fuses without a model run
    const move = async (v: string) => {
      await page.$eval('[data-testid="words-balance"]', (el, val) => {
        (el as HTMLInputElement).value = val;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }, v);
      await page.waitForTimeout(600);
      return (await invoke<EngineStatus>(bridge, 'engine:status')).queryEncodes;
    };
    // zero-shot tag suggestions of the item view embed their label prompts in the background: wait until the
    // engine is quiet, so what is measured is the slider alone
    let last = -1;
    for (let i = 0; i < 120; i++) {
      const now = (await invoke<EngineStatus>(bridge, 'engine:status')).queryEncodes;
      if (now === last) break;
      last = now;
      await page.waitForTimeout(1000);
    }
    const e1 = await move('0.9');
    const e2 = await move('0.1');
    const e3 = await move('0.5');
    expect([e2, e3]).toEqual([e1, e1]);
  });

  it('selects a region, auditions it looped at half speed, and downloads it bit-identical', async () => {
    await openItem(files.bwf!);
    await page.waitForSelector('[data-testid="play"]:not([disabled])', { timeout: 30_000 });
    await page.fill('[data-testid="region-start"]', '0.5');
    await page.press('[data-testid="region-start"]', 'Tab');
    await page.fill('[data-testid="region-end"]', '1.25');
    await page.press('[data-testid="region-end"]', 'Tab');
    await page.check('[data-testid="region-loop"]');
    await page.selectOption('[data-testid="region-rate"]', '0.5');
    await page.uncheck('[data-testid="region-keep-pitch"]');
    await page.click('[data-testid="region-play"]');
    await page.waitForTimeout(400);
    const rate = await page.$eval('[data-testid="audio"]', (a) => ({ rate: (a as HTMLAudioElement).playbackRate, pitch: (a as HTMLAudioElement).preservesPitch }));
    expect(rate).toEqual({ rate: 0.5, pitch: false });
    await page.click('[data-testid="play"]'); // pause
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="region-export"]')]);
    const saved = join(work, 'downloaded.wav');
    await download.saveAs(saved);
    expect(download.suggestedFilename()).toMatch(/^DOORWood_Creak Slow Old Barn_JD_FIELDLIB_0\.5-1\.25s\.wav$/);
    const src = await readWavLayout(files.bwf!);
    const out = await readWavLayout(saved);
    const block = src.fmt!.blockAlign;
    const a = readFileSync(files.bwf!).subarray(src.data!.offset + 24000 * block, src.data!.offset + 60000 * block);
    const b = readFileSync(saved).subarray(out.data!.offset, out.data!.offset + out.data!.size);
    expect(Buffer.compare(a, b)).toBe(0);
    expect(out.chunks.map((c) => c.id)).toEqual(['fmt ', 'bext', 'iXML', 'data']);
    await page.waitForSelector('[data-testid="region-exported"]');
    expect(await page.getAttribute('[data-testid="region-drag"]', 'draggable')).toBe('true');
    // drag-out in browser mode: the dragstart hands Chromium a DownloadURL of the exported file (dropped on the
    // desktop, Chromium downloads it); its bytes are the downloaded ones
    const drag = await page.$eval('[data-testid="region-drag"]', async (el) => {
      const dt = new DataTransfer();
      el.dispatchEvent(new DragEvent('dragstart', { bubbles: true, cancelable: true, dataTransfer: dt }));
      const dl = dt.getData('DownloadURL');
      const url = dl.slice(dl.indexOf(':', dl.indexOf(':') + 1) + 1);
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      return { dl, uriList: dt.getData('text/uri-list'), bytes: Array.from(bytes) };
    });
    expect(drag.dl).toMatch(/^audio\/wav:DOORWood_Creak Slow Old Barn_JD_FIELDLIB_0\.5-1\.25s\.wav:http/);
    expect(drag.uriList).toBe(drag.dl.slice(drag.dl.indexOf(':http') + 1));
    expect(Buffer.compare(Buffer.from(drag.bytes), readFileSync(saved))).toBe(0);
    await page.$eval('[data-testid="region-bar"]', (el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, '52-region-selection');
  });

  it('pairs the recording with the photo taken beside it (same session)', async () => {
    const jpegId = (await invoke<{ items: ItemSummary[] }>(bridge, 'library:list', { sort: 'name', offset: 0, limit: 500 })).items.find((x) => x.path === files.jpeg)!.id;
    await page.waitForSelector(`[data-testid="same-session"] [data-session-id="${jpegId}"]`);
    expect(await page.$$eval('[data-testid="same-session"] [data-session-id]', (e) => e.length)).toBe(1);
    expect(await page.textContent(`[data-session-id="${jpegId}"] [data-testid="tile-note"]`)).toMatch(/\+5 min · \d+ m/);
    await page.$eval('[data-testid="same-session"]', (el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, '53-same-session');
    expect(pageErrors).toEqual([]);
  });

  it('no serious or critical accessibility violations (axe-core) on any screen above', () => {
    expect(a11yViolations).toEqual([]);
  });
});
