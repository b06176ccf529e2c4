/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * End to end for "Organise the library" (issue 7): zero-shot tags in the item view (confirm / remove survive a
 * preset change and a reload), the tag filter, the duplicates view (a planted near-duplicate group, Move to
 * Trash into a test trash folder via the bridge's --trash-dir), smart collections that gain new files,
 * M3U/CSV export, and the map (every item drawn, points move on a preset change, lasso → collection).
 * One bridge and one browser for the whole file; screenshots go to test-output/screenshots/3x-*.png.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { a11yViolations, ensureRendererBuilt, invoke, launchBrowser, repoRoot, shot, startBridgeProcess, type RunningBridge } from './helpers';
import { writeVariedWav } from '../organise/sounds';
import type { CollectionInfo, EngineStatus, ItemSummary, ItemTagsView } from '../../src-main/ipc/contract/contract';

const PACK = join(repoRoot, 'models', 'test-packs', 'ib-pp-test');

let bridge: RunningBridge;
let ctx: BrowserContext;
let page: Page;
let work: string;
let media: string;
let trashDir: string;
const pageErrors: string[] = [];

async function photo(path: string, i: number): Promise<void> {
  const hue = (i * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="420">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,55%)"/><stop offset="1" stop-color="hsl(${(hue + 90) % 360},60%,22%)"/></linearGradient></defs>
    <rect width="640" height="420" fill="url(#g)"/>
    <circle cx="${110 + ((i * 61) % 420)}" cy="${90 + ((i * 37) % 240)}" r="${36 + (i % 6) * 16}" fill="hsl(${(hue + 180) % 360},80%,70%)" opacity="0.9"/>
    <rect x="${(i * 83) % 500}" y="${260 - ((i * 19) % 120)}" width="${80 + (i % 4) * 30}" height="${40 + (i % 3) * 25}" fill="hsl(${(hue + 250) % 360},60%,40%)" opacity="0.8"/></svg>`;
  await sharp(Buffer.from(svg)).jpeg({ quality: 88 }).toFile(path);
}

async function waitIndexed(jobsBefore: number): Promise<void> {
  const until = Date.now() + 120_000;
  for (;;) {
    const s = await invoke<EngineStatus>(bridge, 'engine:status');
    if (s.indexJobs > jobsBefore && s.progress?.phase === 'done') return;
    if (s.progress?.phase === 'error') throw new Error(`indexing failed: ${s.progress.error ?? ''}`);
    if (Date.now() > until) throw new Error(`indexing did not finish: ${JSON.stringify(s.progress)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function indexAll(): Promise<void> {
  const before = (await invoke<EngineStatus>(bridge, 'engine:status')).indexJobs;
  await invoke(bridge, 'index:start', {});
  await waitIndexed(before);
}

const chipStates = () =>
  page.$$eval('[data-testid="tag-chips"] .chip', (els) => els.map((e) => ({ id: e.getAttribute('data-tag')!, state: e.getAttribute('data-state')!, score: e.getAttribute('data-score') })));

async function openItemByName(name: string): Promise<number> {
  const items = await invoke<{ items: ItemSummary[] }>(bridge, 'library:list', { sort: 'name', offset: 0, limit: 500 });
  const it = items.items.find((x) => x.name === name)!;
  await page.click('[data-nav="library"]');
  await page.click('[data-filter-type="all"]');
  await page.waitForSelector(`[data-item-id="${it.id}"]`);
  await page.click(`[data-item-id="${it.id}"]`);
  await page.waitForSelector('[data-testid="item-name"]');
  return it.id;
}

beforeAll(async () => {
  ensureRendererBuilt();
  work = mkdtempSync(join(tmpdir(), 'molecule-e2e-organise-'));
  media = join(work, 'Media');
  trashDir = join(work, 'test-trash');
  mkdirSync(join(media, 'Photos', 'Backup'), { recursive: true });
  mkdirSync(join(media, 'Sounds'), { recursive: true });
  for (let i = 1; i <= 16; i++) await photo(join(media, 'Photos', `photo-${String(i).padStart(2, '0')}.jpg`), i);
  // planted near-duplicates of photo-03: a re-encoded JPEG and a resized copy
  await sharp(join(media, 'Photos', 'photo-03.jpg')).jpeg({ quality: 55 }).toFile(join(media, 'Photos', 'photo-03 (edited).jpg'));
  await sharp(join(media, 'Photos', 'photo-03.jpg')).resize(420).jpeg({ quality: 80 }).toFile(join(media, 'Photos', 'Backup', 'photo-03-small.jpg'));
  // an exact copy of photo-07 under another folder
  copyFileSync(join(media, 'Photos', 'photo-07.jpg'), join(media, 'Photos', 'Backup', 'photo-07.jpg'));
  for (let i = 0; i < 6; i++) writeVariedWav(join(media, 'Sounds', `take-${i + 1}.wav`), i, 5);

  bridge = await startBridgeProcess(PACK, undefined, ['--trash-dir', trashDir]);
  ({ ctx, page } = await launchBrowser());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await invoke(bridge, 'settings:set', { welcomeDone: true });
  await invoke(bridge, 'library:installDemo', {});
  await invoke(bridge, 'library:addRoot', { path: media });
  await indexAll();
  await page.goto(bridge.url);
  await page.waitForSelector('[data-item-id]');
}, 240_000);

afterAll(async () => {
  await ctx?.close();
  await bridge?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('organise the library in the app (real engine, ib-pp-test pack, via the bridge)', () => {
  let trainId = 0;
  let confirmedLabel = '';
  let removedLabel = '';

  it('shows suggested tags for an item; confirm / remove persist across a preset change and a reload', async () => {
    trainId = await openItemByName('train.wav');
    await page.waitForSelector('[data-testid="tag-chips"] [data-state="suggested"]', { timeout: 60_000 });
    const first = await chipStates();
    const suggested = first.filter((c) => c.state === 'suggested');
    expect(suggested.length).toBeGreaterThan(2);
    const scores = suggested.map((c) => Number(c.score));
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThanOrEqual(scores[i - 1]!);
    await shot(page, '3x-01-item-tags-suggested');

    confirmedLabel = suggested[1]!.id;
    removedLabel = suggested[0]!.id;
    await page.click(`[data-tag="${CSS_escape(confirmedLabel)}"] [data-action="confirm"]`);
    await page.waitForSelector(`[data-tag="${CSS_escape(confirmedLabel)}"][data-state="confirmed"]`);
    await page.click(`[data-tag="${CSS_escape(removedLabel)}"] [data-action="remove"]`);
    await expect.poll(async () => (await chipStates()).some((c) => c.id === removedLabel)).toBe(false);
    const after = await chipStates();
    expect(after[0]).toMatchObject({ id: confirmedLabel, state: 'confirmed' });
    expect(await page.getAttribute('[data-testid="tags-removed"]', 'data-count')).toBe('1');
    await shot(page, '3x-02-item-tags-confirmed-removed');

    // AT Expertise: suggestions re-rank from stored vectors (no model run), the user's choices stay
    const encodes = (await invoke<EngineStatus>(bridge, 'engine:status')).queryEncodes;
    const before = JSON.stringify(after.filter((c) => c.state === 'suggested').map((c) => c.score));
    await page.click('[data-tags-preset="at-expertise"]');
    await expect.poll(async () => JSON.stringify((await chipStates()).filter((c) => c.state === 'suggested').map((c) => c.score))).not.toBe(before);
    const at = await chipStates();
    expect(at[0]).toMatchObject({ id: confirmedLabel, state: 'confirmed' });
    expect(at.some((c) => c.id === removedLabel)).toBe(false);
    expect((await invoke<EngineStatus>(bridge, 'engine:status')).queryEncodes).toBe(encodes);
    await shot(page, '3x-03-item-tags-at-expertise');

    await page.reload();
    await page.waitForSelector('[data-item-id]');
    await openItemByName('train.wav');
    await page.waitForSelector(`[data-tag="${CSS_escape(confirmedLabel)}"][data-state="confirmed"]`, { timeout: 30_000 });
    expect((await chipStates()).some((c) => c.id === removedLabel)).toBe(false);
    const engineView = await invoke<ItemTagsView[]>(bridge, 'tags:items', { vocab: 'audioset', itemIds: [trainId], top: 20, threshold: -1 });
    expect(engineView[0]!.confirmed.map((c) => c.labelId)).toEqual([confirmedLabel]);
    expect(engineView[0]!.removed).toEqual([removedLabel]);
    expect(engineView[0]!.labels.map((l) => l.labelId)).not.toContain(removedLabel);
    await page.click('[data-tags-preset="versatile"]');
  });

  it('edits a user vocabulary and tags with it', async () => {
    await page.click('[data-testid="vocab-edit"]');
    await page.waitForSelector('[data-testid="vocab-editor"]');
    await page.fill('[data-testid="vocab-name"]', 'Transport');
    await page.fill('[data-testid="vocab-labels"]', 'vehicle > train\nvehicle > tram\nvehicle > bus\nweather > rain\nweather > thunder');
    await shot(page, '3x-04-vocabulary-editor');
    await page.click('[data-testid="vocab-save"]');
    await page.waitForSelector('[data-testid="vocab-editor"]', { state: 'detached' });
    await expect.poll(() => page.getAttribute('[data-testid="tags-panel"]', 'data-vocab')).toBe('transport');
    const mine = ['vehicle', 'train', 'tram', 'bus', 'weather', 'rain', 'thunder'];
    await expect
      .poll(async () => {
        const sug = (await chipStates()).filter((c) => c.state === 'suggested');
        return sug.length > 0 && sug.every((c) => mine.includes(c.id));
      })
      .toBe(true);
    const chips = await chipStates();
    await shot(page, '3x-04b-item-tags-user-vocabulary');
    // roll-up: the parents show as categories
    // roll-up: a suggested child label brings its parent as a (lighter) category chip, unless the parent is itself suggested
    const sugIds = chips.filter((c) => c.state === 'suggested').map((c) => c.id);
    const parentOf: Record<string, string> = { train: 'vehicle', tram: 'vehicle', bus: 'vehicle', rain: 'weather', thunder: 'weather' };
    for (const id of sugIds) if (parentOf[id] && !sugIds.includes(parentOf[id]!)) expect(chips.some((c) => c.state === 'category' && c.id === parentOf[id])).toBe(true);
    await page.selectOption('[data-testid="vocab-select"]', 'audioset');
  });

  it('filters the library by a tag', async () => {
    await page.click('[data-nav="library"]');
    await page.click('[data-testid="tag-filter"]');
    await page.selectOption('[data-testid="tag-filter-vocab"]', 'audioset');
    const names = await invoke<{ id: string; name: string }[]>(bridge, 'tags:findLabels', { vocab: 'audioset', text: '', limit: 500 });
    const label = names.find((n) => n.id === confirmedLabel)!;
    await page.fill('[data-testid="tag-filter-input"]', label.name);
    await page.click(`[data-testid="tag-filter-pop"] [data-label-id="${CSS_escape(confirmedLabel)}"]`);
    await page.waitForSelector('[data-testid="tag-grid"]');
    const rows = await page.$$eval('[data-tagged-id]', (e) => e.map((x) => ({ id: Number(x.getAttribute('data-tagged-id')), confirmed: x.getAttribute('data-confirmed') })));
    expect(rows[0]).toEqual({ id: trainId, confirmed: 'true' });
    const expected = await invoke<unknown[]>(bridge, 'tags:itemsWithTag', { vocab: 'audioset', labelId: confirmedLabel, top: 5, threshold: 0.05, factors: { text: 0.1, audio: 0.5 } });
    expect(rows.length).toBe(expected.length);
    await shot(page, '3x-05-library-tag-filter');
    await page.click('[data-testid="tag-filter-clear"]');
    await page.waitForSelector('[data-testid="library-grid"]');
  });

  it('duplicates: shows the planted near-duplicate group and the exact copy; Move to Trash removes one', async () => {
    await page.click('[data-nav="duplicates"]');
    await page.$eval('[data-testid="dup-threshold"]', (el) => {
      (el as HTMLInputElement).value = '0.99';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const planted = ['photo-03 (edited).jpg', 'photo-03-small.jpg', 'photo-03.jpg'];
    const groupNames = () =>
      page.$$eval('[data-testid="dup-group"]', (gs) =>
        gs.map((g) => ({ kind: g.getAttribute('data-kind'), files: [...g.querySelectorAll('[data-path]')].map((f) => f.getAttribute('data-path')!.split('/').pop()!).sort() })),
      );
    await expect.poll(async () => (await groupNames()).some((g) => g.kind === 'near' && JSON.stringify(g.files) === JSON.stringify(planted)), { timeout: 30_000 }).toBe(true);
    const groups = await groupNames();
    expect(groups).toContainEqual({ kind: 'exact', files: ['photo-07.jpg', 'photo-07.jpg'] });
    await shot(page, '3x-06-duplicates');

    const edited = join(media, 'Photos', 'photo-03 (edited).jpg');
    const small = join(media, 'Photos', 'Backup', 'photo-03-small.jpg');
    const group = page.locator('[data-testid="dup-group"][data-kind="near"]', { has: page.locator(`[data-path="${edited}"]`) });
    await group.locator(`[data-keep="${join(media, 'Photos', 'photo-03.jpg')}"]`).check();
    await group.locator('[data-testid="dup-trash"]').click();
    await page.waitForSelector('[data-testid="trash-dialog"]');
    expect(await page.textContent('[data-testid="trash-dialog"]')).toContain(edited);
    // every path is shown whole (wrapped, not cut): the files' names are what the user confirms
    const shown = await page.$$eval('[data-testid="trash-path"]', (li) => li.map((l) => ({ text: l.textContent, fits: l.scrollWidth <= l.clientWidth + 1 })));
    expect(shown.map((x) => x.text).sort()).toEqual([edited, small].sort());
    expect(shown.every((x) => x.fits)).toBe(true);
    await shot(page, '3x-07-duplicates-confirm-trash');
    // nothing moved before the confirmation
    expect(existsSync(edited)).toBe(true);
    await page.click('[data-testid="trash-confirm"]');
    await page.waitForSelector('[data-testid="trash-dialog"]', { state: 'detached' });
    await expect.poll(() => existsSync(edited)).toBe(false);
    expect(existsSync(small)).toBe(false);
    expect(readdirSync(trashDir).sort()).toEqual(['photo-03 (edited).jpg', 'photo-03-small.jpg']);
    expect(existsSync(join(media, 'Photos', 'photo-03.jpg'))).toBe(true);
    await expect.poll(async () => (await groupNames()).some((g) => g.files.includes('photo-03.jpg'))).toBe(false);
  });

  it('a smart collection gains a newly indexed file; M3U and CSV export write the expected lines', async () => {
    await page.click('[data-nav="library"]');
    await page.click('[data-filter-type="audio"]');
    await page.click('[data-testid="save-smart-filters"]');
    await page.fill('[data-testid="collection-name"]', 'All sounds');
    await page.click('[data-testid="collection-create"]');
    await page.waitForSelector('[data-testid="collection-title"]:has-text("All sounds")');
    const soundsBefore = 3 + 6;
    await expect.poll(() => page.getAttribute('[data-testid="collection-count"]', 'data-count')).toBe(String(soundsBefore));

    writeVariedWav(join(media, 'Sounds', 'take-new.wav'), 9, 4);
    await indexAll();
    await expect.poll(() => page.getAttribute('[data-testid="collection-count"]', 'data-count'), { timeout: 20_000 }).toBe(String(soundsBefore + 1));
    // the count attribute can update a frame before the member tiles render (a loaded machine): poll the tiles too
    await expect.poll(() => page.$$eval('[data-member-id] .name', (e) => e.map((x) => x.textContent)), { timeout: 20_000 }).toContain('take-new.wav');
    await shot(page, '3x-08-smart-collection');

    // a smart collection from the current search: the saved query keeps its cutoff (as many as the search showed)
    await page.fill('[data-testid="search-input"]', 'a sound of rain');
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="results-audio"] [data-result-id]');
    const shown = (await page.textContent('[data-testid="search-summary"]'))!.match(/(\d+) results/)![1]!;
    await page.click('[data-testid="save-smart"]');
    expect(await page.inputValue('[data-testid="collection-name"]')).toBe('a sound of rain');
    await page.click('[data-testid="collection-create"]');
    await page.waitForSelector('[data-testid="collection-title"]:has-text("a sound of rain")');
    await expect.poll(() => page.getAttribute('[data-testid="collection-count"]', 'data-count')).toBe(shown);
    await page.click('.searchbar .icon[title="Clear"]');
    await page.click('[data-collection-id]:has-text("All sounds")');
    await page.waitForSelector('[data-testid="collection-title"]:has-text("All sounds")');

    const m3u = join(work, 'exports', 'sounds.m3u');
    mkdirSync(join(work, 'exports'), { recursive: true });
    await page.click('[data-testid="export-menu"]');
    await shot(page, '3x-09-collection-export-menu');
    await page.click('[data-export="m3u"]');
    await page.fill('[data-testid="export-dest"]', m3u);
    await page.click('[data-testid="export-go"]');
    await page.waitForSelector('[data-testid="export-dialog"]', { state: 'detached' });
    const lines = readFileSync(m3u, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('#EXTM3U');
    expect(lines.length).toBe(1 + 2 * (soundsBefore + 1));
    expect(lines.filter((l) => l.startsWith('#EXTINF:')).length).toBe(soundsBefore + 1);
    expect(lines).toContain(join(media, 'Sounds', 'take-new.wav'));
    expect(lines.find((l) => l.endsWith(',take-new.wav'))).toBe('#EXTINF:4,take-new.wav');

    const csv = join(work, 'exports', 'sounds.csv');
    await page.click('[data-testid="export-menu"]');
    await page.click('[data-export="csv"]');
    await page.fill('[data-testid="export-dest"]', csv);
    await page.click('[data-testid="export-go"]');
    await page.waitForSelector('[data-testid="export-dialog"]', { state: 'detached' });
    const rows = readFileSync(csv, 'utf8').trim().split('\r\n');
    expect(rows[0]).toBe('path,name,modality,duration_sec,width,height,date_iso,score');
    expect(rows.length).toBe(1 + soundsBefore + 1);
    expect(rows.some((r) => r.startsWith(`${join(media, 'Sounds', 'take-new.wav')},take-new.wav,audio,4,`))).toBe(true);

    const folder = join(work, 'exports', 'All sounds');
    await page.click('[data-testid="export-menu"]');
    await page.click('[data-export="folder"]');
    await page.fill('[data-testid="export-dest"]', folder);
    await shot(page, '3x-09b-collection-export-folder');
    await page.click('[data-testid="export-go"]');
    await page.waitForSelector('[data-testid="export-dialog"]', { state: 'detached' });
    const copied = readdirSync(folder).sort();
    expect(copied.length).toBe(soundsBefore + 1);
    expect(copied).toContain('take-new.wav');
    expect(readFileSync(join(folder, 'take-new.wav')).equals(readFileSync(join(media, 'Sounds', 'take-new.wav')))).toBe(true);
  });

  it('map: draws every item, moves points on AT Expertise, hover preview, lasso → collection', async () => {
    const total = (await invoke<{ total: number }>(bridge, 'library:list', { sort: 'name', offset: 0, limit: 1 })).total;
    await page.$$eval('.toast', (ts) => ts.forEach((t) => (t as HTMLElement).click()));
    await page.click('[data-nav="map"]');
    await page.waitForSelector('[data-testid="map-canvas"][data-loading="false"]', { timeout: 60_000 });
    await expect.poll(() => page.getAttribute('[data-testid="map-canvas"]', 'data-point-count')).toBe(String(total));
    expect(await page.getAttribute('[data-testid="map-canvas"]', 'data-drawn')).toBe(String(total));
    // the canvas really has the points painted: count distinct painted blobs roughly via non-background pixels
    const painted = await page.$eval('[data-testid="map-canvas"]', (c) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 200) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(total * 20);
    type P = { itemId: number; x: number; y: number };
    const pos = () => page.evaluate(() => (window as unknown as { __moleculeMap: { positions(): P[] } }).__moleculeMap.positions());
    const v = await pos();
    expect(v.length).toBe(total);
    await shot(page, '3x-10-map-versatile');

    await page.click('[data-map-preset="at-expertise"]');
    await page.waitForSelector('[data-testid="map-canvas"][data-tweening="true"]', { timeout: 60_000 });
    await page.waitForTimeout(220);
    await shot(page, '3x-11-map-moving');
    await page.waitForSelector('[data-testid="map-canvas"][data-tweening="false"][data-loading="false"]', { timeout: 60_000 });
    const at = await pos();
    const byId = new Map(v.map((p) => [p.itemId, p]));
    let moved = 0;
    for (const p of at) {
      const q = byId.get(p.itemId)!;
      if (Math.hypot(p.x - q.x, p.y - q.y) > 1e-3) moved++;
    }
    expect(moved).toBeGreaterThan(total / 2);
    expect(await page.evaluate(() => (window as unknown as { __moleculeMap: { tweenFrames(): number } }).__moleculeMap.tweenFrames())).toBeGreaterThan(5);
    await shot(page, '3x-12-map-at-expertise');

    // hover preview
    const canvasBox = (await page.locator('[data-testid="map-canvas"]').boundingBox())!;
    // a point away from the legend (bottom left) and the edges
    const onScreen = await page.evaluate(() => {
      const m = (window as unknown as { __moleculeMap: { positions(): P[]; screen(id: number): { x: number; y: number } } }).__moleculeMap;
      return m.positions().map((p) => ({ id: p.itemId, ...m.screen(p.itemId) }));
    });
    const sp = onScreen.find((q) => q.x > 40 && q.y > 40 && q.x < canvasBox.width - 40 && q.y < canvasBox.height - 40 && !(q.x < 380 && q.y > canvasBox.height - 120))!;
    await page.mouse.move(canvasBox.x + 5, canvasBox.y + 5);
    await page.mouse.move(canvasBox.x + sp.x, canvasBox.y + sp.y, { steps: 4 });
    await page.waitForSelector('[data-testid="map-preview"]');
    await shot(page, '3x-13-map-hover');

    // lasso the left half of the map
    const screens = await page.evaluate(() => {
      const m = (window as unknown as { __moleculeMap: { positions(): P[]; screen(id: number): { x: number; y: number } } }).__moleculeMap;
      return m.positions().map((p) => ({ id: p.itemId, ...m.screen(p.itemId) }));
    });
    const W = canvasBox.width, H = canvasBox.height;
    const poly = [
      { x: 4, y: 4 },
      { x: W * 0.5, y: 4 },
      { x: W * 0.5, y: H - 4 },
      { x: 4, y: H - 4 },
    ];
    const expected = screens.filter((s) => s.x > 4 && s.x < W * 0.5 && s.y > 4 && s.y < H - 4).map((s) => s.id).sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThan(0);
    await page.click('[data-testid="lasso-tool"]');
    await page.mouse.move(canvasBox.x + poly[0]!.x, canvasBox.y + poly[0]!.y);
    await page.mouse.down();
    for (const p of [...poly.slice(1), poly[0]!]) await page.mouse.move(canvasBox.x + p.x, canvasBox.y + p.y, { steps: 6 });
    await shot(page, '3x-14-map-lasso');
    await page.mouse.up();
    await expect.poll(() => page.getAttribute('[data-testid="map-selection"]', 'data-count')).toBe(String(expected.length));
    await shot(page, '3x-15-map-selection');
    await page.click('[data-testid="map-add-collection"]');
    await page.fill('[data-testid="add-new-name"]', 'Left of the map');
    await page.click('[data-testid="add-confirm"]');
    await page.waitForSelector('[data-testid="add-to-collection-dialog"]', { state: 'detached' });
    const cols = await invoke<CollectionInfo[]>(bridge, 'collections:list');
    const left = cols.find((c) => c.name === 'Left of the map')!;
    expect(left.kind).toBe('manual');
    expect(left.size).toBe(expected.length);
    const members = await invoke<{ itemId: number }[]>(bridge, 'collections:members', { id: left.id });
    expect(members.map((m) => m.itemId).sort((a, b) => a - b)).toEqual(expected);
    await page.click(`[data-collection-id="${left.id}"]`);
    await expect.poll(() => page.getAttribute('[data-testid="collection-count"]', 'data-count')).toBe(String(expected.length));
    await shot(page, '3x-16-collection-from-lasso');
  });

  it('renames a collection; the sidebar follows, and a taken name shows the engine\'s error', async () => {
    await page.click('[data-collection-id]:has-text("All sounds")');
    await page.waitForSelector('[data-testid="collection-title"]:has-text("All sounds")');
    const id = Number(await page.getAttribute('[data-collection-id]:has-text("All sounds")', 'data-collection-id'));
    await page.click('[data-testid="collection-rename"]');
    expect(await page.inputValue('[data-testid="rename-name"]')).toBe('All sounds');
    await page.fill('[data-testid="rename-name"]', 'Every sound we have');
    await page.click('[data-testid="rename-go"]');
    await page.waitForSelector('[data-testid="rename-dialog"]', { state: 'detached' });
    await page.waitForSelector('[data-testid="collection-title"]:has-text("Every sound we have")');
    await expect.poll(() => page.textContent(`[data-collection-id="${id}"]`)).toContain('Every sound we have');
    expect(await page.$('[data-collection-id]:has-text("All sounds")')).toBeNull();
    const stored = await invoke<CollectionInfo[]>(bridge, 'collections:list');
    expect(stored.find((c) => c.id === id)?.name).toBe('Every sound we have');
    // a name another collection has: the dialog stays open with the engine's message, nothing changes
    await page.click('[data-testid="collection-rename"]');
    await page.fill('[data-testid="rename-name"]', 'a sound of rain');
    await page.click('[data-testid="rename-go"]');
    await expect.poll(() => page.textContent('[data-testid="rename-error"]')).toContain('a collection named "a sound of rain" exists already');
    expect((await invoke<CollectionInfo[]>(bridge, 'collections:list')).find((c) => c.id === id)?.name).toBe('Every sound we have');
    await shot(page, '3x-18-collection-rename');
    await page.click('[data-testid="rename-dialog"] button:has-text("Cancel")');
    await page.waitForSelector('[data-testid="rename-dialog"]', { state: 'detached' });
    expect(await page.textContent('[data-testid="collection-title"]')).toBe('Every sound we have');
  });

  it('light theme: map and duplicates', async () => {
    await page.click('[data-testid="theme-toggle"]');
    await page.click('[data-nav="map"]');
    await page.waitForSelector('[data-testid="map-canvas"][data-loading="false"][data-tweening="false"]');
    await page.waitForTimeout(200);
    await shot(page, '3x-17-map-light');
    await page.click('[data-testid="theme-toggle"]');
    await page.click('[data-map-preset="versatile"]');
  });

  it('no serious or critical accessibility violations (axe-core) on any screen above', () => {
    expect(a11yViolations).toEqual([]);
  });

  it('no uncaught page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

/** Attribute selectors with label ids such as AudioSet mids ("/m/07yv9"). */
function CSS_escape(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}
