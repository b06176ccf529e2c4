/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * End to end: the built renderer in Debian's Chromium, talking to the real engine (ib-pp-test pack) through
 * the bridge. One browser session walks through the app like a user; every screen is saved under
 * test-output/screenshots/.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { a11yViolations, ensureRendererBuilt, invoke, launchBrowser, repoRoot, shot, startBridgeProcess, wav, type RunningBridge } from './helpers';
import type { EngineStatus } from '../../src-main/ipc/contract/contract';

const PACK = join(repoRoot, 'models', 'test-packs', 'ib-pp-test');
const DEMO = join(repoRoot, 'resources', 'demo');

let bridge: RunningBridge;
let ctx: BrowserContext;
let page: Page;
let userFolder: string;
const pageErrors: string[] = [];

async function makeUserFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-e2e-media-'));
  mkdirSync(join(dir, 'Photos', 'Trip'), { recursive: true });
  mkdirSync(join(dir, 'Recordings'), { recursive: true });
  for (let i = 0; i < 36; i++) {
    const hue = (i * 37) % 360;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="420">
      <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,55%)"/><stop offset="1" stop-color="hsl(${(hue + 80) % 360},60%,25%)"/></linearGradient></defs>
      <rect width="640" height="420" fill="url(#g)"/><circle cx="${120 + ((i * 53) % 400)}" cy="${100 + ((i * 29) % 220)}" r="${40 + (i % 5) * 18}" fill="hsl(${(hue + 180) % 360},80%,70%)" opacity="0.85"/></svg>`;
    const sub = i % 2 ? join(dir, 'Photos', 'Trip') : join(dir, 'Photos');
    await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toFile(join(sub, `photo-${String(i + 1).padStart(2, '0')}.jpg`));
  }
  const tones = [[220, 330], [440], [523, 659, 784], [110, 990], [300, 1200, 2400], [880, 1760]];
  tones.forEach((f, i) => writeFileSync(join(dir, 'Recordings', `tone-${i + 1}.wav`), wav(4 + i, f)));
  // longer field recordings so the indexing job runs long enough to watch, pause and resume
  for (let i = 0; i < 14; i++) writeFileSync(join(dir, 'Recordings', `field-${String(i + 1).padStart(2, '0')}.wav`), wav(20, [150 + 70 * i, 900 + 45 * i], 16000));
  // Broken files: must be listed as skipped with a reason, never crash the indexer.
  writeFileSync(join(dir, 'Photos', 'empty.jpg'), Buffer.alloc(0));
  writeFileSync(join(dir, 'Recordings', 'not-audio.wav'), 'this is a text file with a .wav name');
  const jpeg = readFileSync(join(DEMO, 'train.jpeg'));
  writeFileSync(join(dir, 'Photos', 'truncated.jpg'), jpeg.subarray(0, 600));
  return dir;
}

async function waitPhase(phases: string[], timeout = 180_000): Promise<string> {
  const handle = await page.waitForFunction(
    (ph) => {
      const el = document.querySelector('[data-testid="progress-panel"]');
      const v = el?.getAttribute('data-phase');
      return v && ph.includes(v) ? v : null;
    },
    phases,
    { timeout, polling: 100 },
  );
  return (await handle.jsonValue()) as string;
}

async function resultOrder(): Promise<{ id: string; score: number }[]> {
  return page.$$eval('[data-result-id]', (els) => els.map((e) => ({ id: e.getAttribute('data-result-id')!, score: Number(e.getAttribute('data-score')) })));
}

beforeAll(async () => {
  ensureRendererBuilt();
  userFolder = await makeUserFolder();
  bridge = await startBridgeProcess(PACK);
  ({ ctx, page } = await launchBrowser());
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 240_000);

afterAll(async () => {
  await ctx?.close();
  await bridge?.stop();
  if (userFolder) rmSync(userFolder, { recursive: true, force: true });
});

describe('desktop app in Chromium via the bridge (real engine, ib-pp-test pack)', () => {
  it('refuses requests without the token', async () => {
    const res = await fetch(`http://127.0.0.1:${bridge.port}/api/invoke/app:info`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const media = await fetch(`http://127.0.0.1:${bridge.port}/media/local/etc/passwd?token=${bridge.token}`);
    expect(media.status).toBe(403);
    const bad = await fetch(`http://127.0.0.1:${bridge.port}/api/invoke/library:addRoot`, {
      method: 'POST',
      headers: { 'x-molecule-token': bridge.token },
      body: JSON.stringify({ path: 'relative/dir' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'validation', message: expect.stringMatching(/absolute path/) });
  });

  it('first run shows the welcome with the demo notice, and opens the demo library', async () => {
    await page.goto(bridge.url);
    await page.waitForSelector('[data-testid="open-demo"]');
    await expect.poll(() => page.textContent('[data-testid="statusbar"]')).toMatch(/Test pack/i);
    const notice = await page.textContent('[data-testid="demo-notice"]');
    expect(notice).toMatch(/CC BY 4\.0/);
    await page.click('details summary');
    await shot(page, '01-welcome-first-run');
    // before any folder: the library says so and offers the demo
    await page.click('[data-nav="library"]');
    await page.waitForSelector('[data-testid="empty-state"]:has-text("Your library is empty")');
    await shot(page, '01b-library-empty');
    await page.click('[data-testid="empty-state"] button:has-text("Try the demo library")');

    await page.click('[data-testid="open-demo"]');
    await page.waitForSelector('[data-testid="progress-panel"]');
    expect(await waitPhase(['done'])).toBe('done');
    expect(await page.textContent('[data-testid="progress-count"]')).toMatch(/6 \/ 6/);
    await shot(page, '02-indexing-demo-done');

    await page.click('[data-nav="library"]');
    await page.waitForSelector('[data-item-id]');
    await expect.poll(() => page.$$eval('[data-item-id]', (e) => e.length)).toBe(6);
    expect(await page.$$eval('[data-modality="audio"] canvas', (e) => e.length)).toBe(3);
    await expect
      .poll(() => page.$$eval('[data-modality="image"] img', (imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length))
      .toBe(3);
    // waveforms are drawn from stored peaks: the canvas has non-transparent pixels
    await expect
      .poll(() =>
        page.$eval('[data-modality="audio"] canvas', (c) => {
          const cv = c as HTMLCanvasElement;
          const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
          return n;
        }),
      )
      .toBeGreaterThan(100);
    await shot(page, '03-library-demo');
    // six distinct demo files: at the strictest similarity there is nothing to clean up
    await page.click('[data-nav="duplicates"]');
    await page.$eval('[data-testid="dup-threshold"]', (el) => {
      (el as HTMLInputElement).value = '0.995';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForSelector('[data-testid="empty-state"]:has-text("no items are closer than 0.99")');
    await shot(page, '03b-duplicates-none');
    // a new hand-picked collection starts empty and says how to fill it
    await page.click('[data-testid="new-collection"]');
    await page.fill('[data-testid="collection-name"]', 'Keepers');
    await page.click('[data-testid="collection-create"]');
    await page.waitForSelector('[data-testid="collection-title"]:has-text("Keepers")');
    await page.waitForSelector('[data-testid="empty-state"]:has-text("Nothing here yet")');
    await shot(page, '03c-collection-empty');
    await page.click('[data-nav="library"]');
  });

  it('adds a folder and shows progress, pause/resume, and the skipped files with reasons', async () => {
    await page.click('[data-testid="add-folder"]');
    await page.fill('[data-testid="folder-path"]', userFolder);
    await shot(page, '04-add-folder-dialog');
    await page.click('[data-testid="folder-add"]');
    await page.waitForSelector('[data-testid="progress-panel"]');
    expect(await waitPhase(['indexing', 'done'])).toBe('indexing');
    const counts = new Set<string>();
    await expect
      .poll(
        async () => {
          counts.add((await page.textContent('[data-testid="progress-count"]')) ?? '');
          return counts.size;
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBeGreaterThan(1);
    expect(await page.textContent('[data-testid="progress-rate"]')).toMatch(/\d/);
    await shot(page, '05-indexing-progress');
    await page.click('[data-testid="pause"]');
    expect(await waitPhase(['paused'], 30_000)).toBe('paused');
    // the files already being prepared or encoded when pause was pressed still land (bounded by the batch in
    // flight); then nothing moves: the count must settle and stay the same over 1.5 s
    const countNow = () => page.textContent('[data-testid="progress-count"]');
    let before = await countNow();
    await expect
      .poll(
        async () => {
          await page.waitForTimeout(1500);
          const now = await countNow();
          const settled = now === before;
          before = now;
          return settled;
        },
        { timeout: 30_000, interval: 0 },
      )
      .toBe(true);
    expect(await waitPhase(['paused'], 1000)).toBe('paused');
    await shot(page, '06-indexing-paused');
    await page.click('[data-testid="resume"]');
    expect(await waitPhase(['indexing', 'done'], 30_000)).toMatch(/indexing|done/);
    expect(await waitPhase(['done'])).toBe('done');
    await expect.poll(() => page.$$eval('[data-failure]', (e) => e.map((x) => x.getAttribute('data-failure')!)), { timeout: 10_000 }).toHaveLength(3);
    const reasons = await page.$$eval('[data-failure] .reason', (e) => e.map((x) => x.textContent ?? ''));
    for (const r of reasons) expect(r.length).toBeGreaterThan(3);
    await shot(page, '07-indexing-done-skipped');

    await page.click('[data-nav="library"]');
    await expect.poll(() => page.getAttribute('[data-testid="library-grid"]', 'data-total')).toBe(String(6 + 36 + 20));
    // virtualised: only the rows in view (plus a small overscan) are in the DOM
    await page.setViewportSize({ width: 1100, height: 520 });
    await expect.poll(() => page.$$eval('[data-item-id]', (e) => e.length)).toBeLessThan(40);
    await page.$eval('[data-testid="library-grid"]', (el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => page.$$eval('[data-item-id]', (e) => Math.max(...e.map((x) => Number(x.getAttribute('data-item-id')))))).toBeGreaterThan(0);
    const lastNames = await page.$$eval('[data-item-id] .name', (e) => e.map((x) => x.textContent));
    expect(lastNames.length).toBeLessThan(40);
    await page.setViewportSize({ width: 1400, height: 880 });
    await page.$eval('[data-testid="library-grid"]', (el) => el.scrollTo(0, 0));
    await page.click('[data-filter-type="audio"]');
    await expect.poll(() => page.getAttribute('[data-testid="library-grid"]', 'data-total')).toBe('23');
    await shot(page, '08-library-filter-sounds');
    await page.click('[data-filter-type="all"]');
    await expect.poll(() => page.getAttribute('[data-testid="library-grid"]', 'data-total')).toBe('62');
    await page.$eval('[data-testid="library-grid"]', (el) => el.scrollTo(0, 400));
    await shot(page, '09-library-all');
  });

  it('searches by text; presets and a moving slider re-rank without running a model or re-indexing', async () => {
    await page.fill('[data-testid="search-input"]', 'an audio of train');
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="results-audio"] [data-result-id]');
    await page.waitForSelector('[data-testid="results-image"] [data-result-id]');
    expect(await page.textContent('[data-testid="search-summary"]')).toMatch(/^\s*62 results of 62/);
    // every 2-s clip of every recording is searched; audio tiles step through their file's moments
    expect(await page.textContent('[data-testid="moment-summary"]')).toMatch(/^[\d,]+ moments in \d+ files$/);
    expect(await page.textContent('[data-testid="status-search-mode"]')).toMatch(/Search: exact/);
    const nav = page.locator('[data-testid="results-audio"] [data-testid="moment-nav"]').first();
    const span0 = await nav.locator('[data-testid="moment-span"]').textContent();
    expect(span0).toMatch(/match [\d.]+–[\d.]+ s · 1\/\d+/);
    await nav.locator('[data-testid="moment-next"]').click();
    await expect.poll(() => nav.locator('[data-testid="moment-span"]').textContent()).toMatch(/· 2\/\d+/);
    await shot(page, '10b-search-moments');
    await nav.locator('[data-testid="moment-prev"]').click();
    await expect.poll(() => nav.locator('[data-testid="moment-span"]').textContent()).toBe(span0);
    await shot(page, '10-search-text');
    await page.click('[data-testid="show-all-audio"]');
    await page.click('[data-testid="show-all-image"]');
    const first = await resultOrder();
    expect(first.length).toBe(62);
    const audioScores = await page.$$eval('[data-testid="results-audio"] [data-result-id]', (e) => e.map((x) => Number(x.getAttribute('data-score'))));
    for (let i = 1; i < audioScores.length; i++) expect(audioScores[i]!).toBeLessThanOrEqual(audioScores[i - 1]!);

    const status0 = await invoke<EngineStatus>(bridge, 'engine:status');
    await page.click('[data-preset="at-expertise"]');
    await expect.poll(async () => JSON.stringify(await resultOrder())).not.toBe(JSON.stringify(first));
    await shot(page, '11-search-at-expertise');

    // Drag the audio and text factors across their range: many input events, re-ranked per animation frame.
    const orders = new Set<string>();
    for (const key of ['slider-audio', 'slider-text']) {
      for (let v = 0; v <= 100; v += 5) {
        await page.$eval(
          `[data-testid="${key}"]`,
          (el, val) => {
            const input = el as HTMLInputElement;
            input.value = String(val / 100);
            input.dispatchEvent(new Event('input', { bubbles: true }));
          },
          v,
        );
        await page.waitForTimeout(30);
        orders.add((await resultOrder()).map((r) => r.id).join(','));
      }
    }
    await page.waitForTimeout(300);
    expect(orders.size).toBeGreaterThan(1);
    expect(await page.getAttribute('[data-preset="custom"]', 'class')).toMatch(/on/);
    const status1 = await invoke<EngineStatus>(bridge, 'engine:status');
    expect(status1.queryEncodes).toBe(status0.queryEncodes);
    expect(status1.indexJobs).toBe(status0.indexJobs);
    await page.$eval('[data-testid="slider-audio"]', (el) => {
      (el as HTMLInputElement).value = '0.35';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForTimeout(400);
    await shot(page, '12-search-custom-sliders');
    await page.click('[data-preset="versatile"]');
  });

  it('searches by a dropped image: the same photo ranks first with score ~1', async () => {
    const demoImage = join(bridge.dataDir, 'demo-library', 'train.jpeg');
    const b64 = readFileSync(demoImage).toString('base64');
    const encodes0 = (await invoke<EngineStatus>(bridge, 'engine:status')).queryEncodes;
    await page.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const file = new File([bytes], 'train-query.jpeg', { type: 'image/jpeg' });
      const dt = new DataTransfer();
      dt.items.add(file);
      document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
      document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, b64);
    // the dropped photo joins the text chip: a combined query "an audio of train" + image:"…"
    await expect.poll(() => page.$$eval('[data-testid="query-chip"]', (c) => c.length)).toBe(2);
    await expect.poll(async () => (await invoke<EngineStatus>(bridge, 'engine:status')).queryEncodes).toBeGreaterThan(encodes0);
    await page.waitForSelector('.spinner', { state: 'detached' });
    await page.waitForSelector('[data-testid="results-image"] [data-result-id]');
    expect(await page.$('[data-testid="search-error"]')).toBeNull();
    await shot(page, '13a-search-combined');
    // turn the text into an exclusion (−): still a valid combined query
    await page.click('[data-testid="query-chip"] .sign');
    await page.click('[data-testid="search-go"]');
    await page.waitForSelector('[data-testid="results-image"] [data-result-id]');
    expect(await page.$('[data-testid="search-error"]')).toBeNull();
    // now the photo alone
    await page.click('[data-testid="query-chip"] .x');
    await page.click('[data-testid="search-go"]');
    await expect.poll(() => page.$$eval('[data-testid="query-chip"]', (c) => c.length)).toBe(1);
    await expect
      .poll(() => page.$eval('[data-testid="results-image"] [data-result-id]', (e) => e.querySelector('.name')?.textContent))
      .toBe('train.jpeg');
    const top = Number(await page.getAttribute('[data-testid="results-image"] [data-result-id]', 'data-score'));
    expect(top).toBeGreaterThan(0.999);
    await shot(page, '13-search-dropped-image');
  });

  it('searches by a pasted image: the clipboard file becomes a query chip and the same photo ranks first', async () => {
    await page.click('.searchbar .icon[title="Clear"]');
    const b64 = readFileSync(join(bridge.dataDir, 'demo-library', 'BBQ.jpeg')).toString('base64');
    const encodes0 = (await invoke<EngineStatus>(bridge, 'engine:status')).queryEncodes;
    // what a paste of a copied file delivers: a ClipboardEvent whose clipboardData holds the File
    const handled = await page.$eval(
      '[data-testid="search-input"]',
      (input, data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'pasted-bbq.jpeg', { type: 'image/jpeg' }));
        (input as HTMLInputElement).focus();
        const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
        input.dispatchEvent(ev);
        return ev.defaultPrevented;
      },
      b64,
    );
    expect(handled).toBe(true);
    await expect.poll(() => page.$$eval('[data-testid="query-chip"] .label', (c) => c.map((x) => x.textContent))).toEqual(['pasted-bbq.jpeg']);
    expect(await page.$eval('[data-testid="query-chip"]', (c) => c.classList.contains('image') && c.querySelector('img') !== null)).toBe(true);
    await expect.poll(async () => (await invoke<EngineStatus>(bridge, 'engine:status')).queryEncodes).toBeGreaterThan(encodes0);
    await expect
      .poll(() => page.$eval('[data-testid="results-image"] [data-result-id]', (e) => e.querySelector('.name')?.textContent))
      .toBe('BBQ.jpeg');
    const top = Number(await page.getAttribute('[data-testid="results-image"] [data-result-id]', 'data-score'));
    expect(top).toBeGreaterThan(0.999);
    expect(await page.$('[data-testid="search-error"]')).toBeNull();
    await page.waitForSelector('[data-testid="query-chip"] img');
    await page.waitForTimeout(300);
    await shot(page, '13b-search-pasted-image');
  });

  it('searches by an audio file: the same recording ranks first with score ~1 and a matched clip', async () => {
    await page.click('.searchbar .icon[title="Clear"]');
    await page.setInputFiles('[data-testid="query-file"]', join(userFolder, 'Recordings', 'tone-3.wav'));
    await page.waitForSelector('[data-testid="results-audio"] [data-result-id]');
    await expect
      .poll(() => page.$eval('[data-testid="results-audio"] [data-result-id]', (e) => e.querySelector('.name')?.textContent))
      .toBe('tone-3.wav');
    const top = Number(await page.getAttribute('[data-testid="results-audio"] [data-result-id]', 'data-score'));
    expect(top).toBeGreaterThan(0.999);
    expect(await page.$eval('[data-testid="results-audio"] [data-result-id]', (e) => e.querySelector('.clip')?.textContent)).toMatch(/match \d/);
    await shot(page, '14-search-audio-file');
  });

  it('opens an audio item: waveform, spectrogram, matched clip region, and it plays', async () => {
    await page.click('[data-testid="results-audio"] [data-result-id] .tile');
    await page.waitForSelector('[data-testid="waveform"]');
    await page.waitForSelector('[data-testid="play"]:not([disabled])', { timeout: 60_000 });
    // wavesurfer renders into a shadow root; the spectrogram plugin draws a canvas into its container
    await expect.poll(() => page.$eval('[data-testid="waveform"]', (el) => el.firstElementChild?.shadowRoot?.querySelectorAll('canvas').length ?? 0)).toBeGreaterThan(0);
    await expect.poll(() => page.$$eval('[data-testid="spectrogram"] canvas', (c) => c.length)).toBeGreaterThan(0);
    await expect.poll(() => page.$eval('[data-testid="waveform"]', (el) => el.firstElementChild?.shadowRoot?.querySelectorAll('[part~="region"]').length ?? 0)).toBe(1);
    await page.click('[data-testid="play"]');
    await expect.poll(() => page.$eval('[data-testid="audio"]', (a) => (a as HTMLAudioElement).paused)).toBe(false);
    const t1 = await page.$eval('[data-testid="audio"]', (a) => (a as HTMLAudioElement).currentTime);
    await page.waitForTimeout(700);
    const t2 = await page.$eval('[data-testid="audio"]', (a) => (a as HTMLAudioElement).currentTime);
    expect(t2).toBeGreaterThan(t1);
    await shot(page, '15-item-audio-playing');
    await page.click('[data-testid="play"]');
    await page.click('[data-testid="play-clip"]');
    await expect.poll(() => page.$eval('[data-testid="audio"]', (a) => (a as HTMLAudioElement).paused)).toBe(false);
    await page.click('[data-testid="play"]');
  });

  it('opens an image item with its preview', async () => {
    await page.click('[data-nav="library"]');
    await page.click('[data-filter-type="image"]');
    await page.waitForSelector('[data-modality="image"]');
    await page.click('[data-modality="image"]');
    await page.waitForSelector('[data-testid="item-image"]');
    await expect.poll(() => page.$eval('[data-testid="item-image"]', (i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await shot(page, '16-item-image');
    await page.click('[data-nav="library"]');
    await page.click('[data-filter-type="all"]');
  });

  it('match explorer: three matrices under two presets, softmax rows sum to 1', async () => {
    await page.click('[data-nav="explorer"]');
    // pick the six demo items and the README's three texts
    for (const name of ['BBQ.jpeg', 'toilet.jpeg', 'train.jpeg', 'BBQ.wav', 'toilet.wav', 'train.wav']) {
      await page.click(`label.pick:has-text("${name}") input`);
    }
    for (const t of ['an audio of barbeque', 'an audio of toilet', 'an audio of train']) {
      await page.fill('[data-testid="explorer-text"]', t);
      await page.press('[data-testid="explorer-text"]', 'Enter');
    }
    await page.click('[data-testid="explorer-run"]');
    await page.waitForSelector('[data-testid="explorer-results"]', { timeout: 120_000 });
    expect(await page.$$eval('[data-testid="heatmap"]', (h) => h.length)).toBe(6);
    const rowSums = await page.$$eval('[data-testid="heatmap"] .grid', (grids) =>
      grids.map((g) => {
        const cells = [...g.querySelectorAll('.cell')].map((c) => Number(c.getAttribute('data-value')));
        const cols = Number(getComputedStyle(g).gridTemplateColumns.split(' ').length) - 1;
        const sums: number[] = [];
        for (let i = 0; i < cells.length; i += cols) sums.push(cells.slice(i, i + cols).reduce((a, b) => a + b, 0));
        return sums;
      }),
    );
    for (const sums of rowSums) for (const s of sums) expect(s).toBeCloseTo(1, 3);
    // text columns drop the shared "an audio of" so the words that differ show; the full text is the tooltip
    const textCols = await page.$$eval('[data-testid="heatmap"][data-title="Audio × Text"] .col', (c) => c.map((x) => [x.textContent, x.getAttribute('title')]));
    expect(textCols.slice(0, 3)).toEqual([
      ['…barbeque', 'an audio of barbeque'],
      ['…toilet', 'an audio of toilet'],
      ['…train', 'an audio of train'],
    ]);
    await shot(page, '17-match-explorer-softmax');
    await page.click('[data-mode="cosine"]');
    const cos = await page.$$eval('[data-testid="heatmap"] .cell', (c) => c.map((x) => Number(x.getAttribute('data-value'))));
    for (const v of cos) expect(Math.abs(v)).toBeLessThanOrEqual(1.000001);
    await shot(page, '18-match-explorer-cosine');
    // many columns: names too long for a column are cut in the middle (the end that differs stays), full name on hover
    for (const [q, n] of [['photo-', 9], ['field-', 5]] as const) {
      await page.fill('input[placeholder="Filter items…"]', q);
      const boxes = await page.$$('label.pick:not(.on) input');
      for (const b of boxes.slice(0, n)) await b.click();
    }
    await page.fill('input[placeholder="Filter items…"]', '');
    await page.click('[data-testid="explorer-run"]');
    await expect.poll(() => page.$$eval('[data-testid="heatmap"][data-title="Audio × Image"] .col', (c) => c.length), { timeout: 60_000 }).toBe(24); // 12 photos × two presets
    const heads = await page.$$eval('[data-testid="heatmap"] .col', (c) => c.map((x) => ({ text: x.textContent ?? '', title: x.getAttribute('title') ?? '' })));
    for (const h of heads) {
      if (h.text.includes('…')) for (const part of h.text.split('…').filter(Boolean)) expect(h.title).toContain(part);
      else expect(h.title.startsWith(h.text)).toBe(true);
    }
    await shot(page, '18b-match-explorer-many');
    // a block wider than its card scrolls inside the card; the row labels stay put while the cells move under them
    const wide = '[data-testid="heatmap"][data-title="Audio × Image"] [data-testid="heatmap-scroll"]';
    const fit = await page.$eval(wide, (s) => {
      const card = s.closest('.card')!.getBoundingClientRect();
      const box = s.getBoundingClientRect();
      return { scrolls: s.scrollWidth > s.clientWidth + 20, inside: box.right <= card.right + 0.5 };
    });
    expect(fit).toEqual({ scrolls: true, inside: true });
    const labelLeft = () => page.$eval(wide, (s) => s.querySelector('.rowlab')!.getBoundingClientRect().left - s.getBoundingClientRect().left);
    const before = await labelLeft();
    await page.$eval(wide, (s) => (s.scrollLeft = s.scrollWidth));
    expect(await page.$eval(wide, (s) => s.scrollLeft)).toBeGreaterThan(100);
    expect(Math.abs((await labelLeft()) - before)).toBeLessThan(1);
    await shot(page, '18c-match-explorer-many-scrolled');
    await page.click('[data-mode="softmax"]');
  });

  it('model manager: imports a good pack with its report, rejects a corrupt one', async () => {
    const work = mkdtempSync(join(tmpdir(), 'molecule-e2e-packs-'));
    const good = join(work, 'my-pack');
    cpSync(PACK, good, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(good, 'pack.json'), 'utf8')) as { id: string; name: string };
    manifest.id = 'ib-pp-test-copy';
    manifest.name = 'TEST PACK copy (IB_PP, 1024-d)';
    writeFileSync(join(good, 'pack.json'), JSON.stringify(manifest, null, 1));
    const bad = join(work, 'corrupt-pack');
    cpSync(PACK, bad, { recursive: true });
    truncateSync(join(bad, 'imagebind_vision.onnx'), 1000);

    await page.click('[data-nav="models"]');
    await page.waitForSelector('[data-pack-id="ib-pp-test"]');
    expect(await page.textContent('[data-pack-id="ib-pp-test"]')).toMatch(/Test pack/i);
    await page.fill('[data-testid="import-path"]', good);
    await page.click('[data-testid="import-go"]');
    await page.waitForSelector('[data-testid="import-report"]', { timeout: 120_000 });
    expect(await page.getAttribute('[data-testid="import-report"]', 'data-ok')).toBe('true');
    await page.waitForSelector('[data-pack-id="ib-pp-test-copy"]');
    await shot(page, '19-packs-import-good');

    await page.fill('[data-testid="import-path"]', bad);
    await page.click('[data-testid="import-go"]');
    await page.waitForSelector('[data-testid="import-report"][data-ok="false"]', { timeout: 120_000 });
    expect(await page.textContent('[data-testid="import-report"]')).toMatch(/imagebind_vision\.onnx/);
    expect(await page.$$('[data-pack-id="corrupt-pack"]')).toHaveLength(0);
    await shot(page, '20-packs-import-corrupt');
    rmSync(work, { recursive: true, force: true });
  });

  it('switches to the InternVL test pack and re-indexes the library with it', async () => {
    const before = await invoke<EngineStatus>(bridge, 'engine:status');
    await page.click('[data-pack-id="internvl-ib-ft-pp-test"] button:has-text("Use this pack")');
    await expect.poll(() => page.textContent('[data-testid="status-pack"]'), { timeout: 60_000 }).toMatch(/InternVL_IB_FT_PP/);
    expect(await page.textContent('[data-testid="statusbar"]')).toMatch(/Test pack/i);
    await expect
      .poll(
        async () => {
          const s = await invoke<EngineStatus>(bridge, 'engine:status');
          return s.indexJobs > before.indexJobs && s.progress?.phase === 'done' ? s.progress.indexed + s.progress.unchanged + s.progress.skipped : -1;
        },
        { timeout: 180_000, interval: 500 },
      )
      .toBeGreaterThan(0);
    await page.waitForSelector('[data-pack-id="internvl-ib-ft-pp-test"] .activelab');
    await shot(page, '20a-packs-internvl-active');
  });

  it('light theme', async () => {
    await page.click('[data-testid="theme-toggle"]');
    await page.click('[data-nav="library"]');
    await page.waitForSelector('[data-item-id]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await shot(page, '21-library-light');
    await page.fill('[data-testid="search-input"]', 'an audio of barbeque');
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="results-audio"] [data-result-id]');
    await shot(page, '22-search-light');
    await page.click('[data-testid="theme-toggle"]');
  });

  it('removes a folder from the library', async () => {
    await page.click('[data-nav="library"]');
    await page.click('[data-filter-type="all"]');
    const roots = await invoke<{ id: number; path: string }[]>(bridge, 'library:roots');
    const user = roots.find((r) => r.path === userFolder)!;
    await page.hover(`[data-remove-root="${user.id}"] >> xpath=..`);
    await page.click(`[data-remove-root="${user.id}"]`);
    await expect.poll(() => page.getAttribute('[data-testid="library-grid"]', 'data-total')).toBe('6');
    expect((await invoke<unknown[]>(bridge, 'library:roots')).length).toBe(1);
  });

  it("About shows this run's log file, which holds the pack opens, the execution providers and the skipped files", async () => {
    await page.click('[data-nav="about"]');
    await page.waitForSelector('[data-testid="about-log-path"]');
    const shown = (await page.textContent('[data-testid="about-log-path"]'))!.trim();
    const info = await invoke<{ logFile: string }>(bridge, 'app:info');
    expect(shown).toBe(info.logFile);
    expect(shown.startsWith(join(bridge.dataDir, 'logs', 'molecule-'))).toBe(true);
    await shot(page, '23-about-log');
    const log = readFileSync(shown, 'utf8');
    // both packs this session opened, with their class
    expect(log).toMatch(/^\S+Z INFO  bridge  pack: opened ib-pp-test \(IB_PP, TEST PACK\) from \S+ in \d+ ms$/m);
    expect(log).toMatch(/^\S+Z INFO  bridge  pack: opened \S*internvl\S* \(\S+, TEST PACK\) from /m);
    // every encoder session says which execution provider it got (CPU here: onnxruntime-node has no CUDA build installed)
    expect(log).toMatch(/^\S+Z INFO  bridge  provider: imagebind_vision: (cpu|cuda|tensorrt) \((first choice|after [a-z, ]+ failed)\), loaded in \d+ ms$/m);
    expect(log).toMatch(/^\S+Z INFO  bridge  provider: imagebind_text: (cpu|cuda|tensorrt) \(/m);
    // a provider that cannot be used is reported once, with its error (here: onnxruntime-node without its CUDA files)
    const failures = log.match(/ bridge  provider: \S+: the (\w+) execution provider failed: .+/g) ?? [];
    expect(new Set(failures.map((l) => / the (\w+) execution/.exec(l)![1])).size).toBe(failures.length);
    // the files the indexer skipped, each with its reason, and the indexing job's summary
    expect(log).toMatch(/WARN  bridge  index: not indexed: \S+: /);
    expect(log).toMatch(/INFO  bridge  index: indexing job \S+ done: \d+ indexed, /);
  });

  it('About lists the bundled third-party licences and the libsoxr-derived resampler with its LGPL text', async () => {
    await page.click('[data-nav="about"]');
    await page.click('[data-testid="licences-show"]');
    await page.waitForSelector('[data-testid="licences"] [data-licence-package]');
    const names = await page.$$eval('[data-licence-package]', (els) => els.map((e) => e.getAttribute('data-licence-package')));
    // the derived work first, then the packages: the engine's (shipped) and the UI's own (bundled into the renderer)
    expect(names[0]).toMatch(/^libsoxr/);
    for (const n of ['sharp', 'onnxruntime-node', 'libsql', 'svelte', 'wavesurfer.js', '@fontsource-variable/inter']) expect(names, n).toContain(n);
    expect(names).not.toContain('vitest');
    expect(await page.textContent('[data-testid="licences"]')).toMatch(/The app bundles these \d+ packages/);
    await page.fill('[data-testid="licences-filter"]', 'lgpl-2.1');
    await page.click('[data-licence-package^="libsoxr"] summary');
    const soxr = (await page.textContent('[data-licence-package^="libsoxr"]'))!;
    expect(soxr).toMatch(/LGPL-2\.1-or-later/);
    expect(soxr).toMatch(/GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1, February 1999/);
    await shot(page, '24-about-licences');
  });

  it('no serious or critical accessibility violations (axe-core) on any screen above', () => {
    expect(a11yViolations).toEqual([]);
  });

  it('no uncaught page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
