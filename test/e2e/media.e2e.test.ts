/// <reference lib="dom" />
/**
 * End to end for issue 13's photo formats: a camera RAW (NEF, shown from its embedded preview, turned by the
 * RAW's orientation) next to the camera's JPEG of the same shot, and an iPhone-style HEIC. Screenshot
 * 40-raw-item.png shows the RAW's item view with its "Same shot" link.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { a11yViolations, ensureRendererBuilt, invoke, launchBrowser, repoRoot, shot, startBridgeProcess, type RunningBridge } from './helpers';
import type { EngineStatus, ItemSummary } from '../../src-main/ipc/contract/contract';
import { writeHeic } from '../helpers/media/heif';
import { writeRaw } from '../helpers/media/raw';

const PACK = join(repoRoot, 'models', 'test-packs', 'ib-pp-test');
let bridge: RunningBridge;
let ctx: BrowserContext;
let page: Page;
let work: string;

beforeAll(async () => {
  ensureRendererBuilt();
  work = mkdtempSync(join(tmpdir(), 'molecule-e2e-media-'));
  const media = join(work, 'Camera');
  mkdirSync(media, { recursive: true });
  const preview = await sharp(join(repoRoot, 'resources/demo/train.jpeg')).resize(1200, 800, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
  const thumb = await sharp(preview).resize(160, 120).jpeg().toBuffer();
  writeFileSync(join(media, 'DSC_0042.NEF'), await writeRaw('nef', { preview, thumb, exif: { orientation: 8, dateTimeOriginal: '2023:08:19 18:42:07', make: 'NIKON CORPORATION', model: 'Z 6' } }));
  writeFileSync(join(media, 'DSC_0042.JPG'), preview);
  const rgb = await sharp(join(repoRoot, 'resources/demo/BBQ.jpeg')).resize(1024, 768, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  writeFileSync(join(media, 'IMG_1001.HEIC'), await writeHeic({ rgb, width: 1024, height: 768, grid: true, exif: { dateTimeOriginal: '2024:02:03 09:10:11' } }));
  bridge = await startBridgeProcess(PACK);
  ({ ctx, page } = await launchBrowser());
  await invoke(bridge, 'settings:set', { welcomeDone: true });
  await invoke(bridge, 'library:addRoot', { path: media });
  const before = (await invoke<EngineStatus>(bridge, 'engine:status')).indexJobs;
  await invoke(bridge, 'index:start', {});
  const until = Date.now() + 120_000;
  for (;;) {
    const s = await invoke<EngineStatus>(bridge, 'engine:status');
    if (s.indexJobs > before && s.progress?.phase === 'done') break;
    if (Date.now() > until) throw new Error(`indexing did not finish: ${JSON.stringify(s.progress)}`);
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

describe('camera RAW and HEIC in the app', () => {
  it('shows the RAW from its preview, turned by its orientation, with its capture date and the JPEG of the same shot', async () => {
    const { items } = await invoke<{ items: ItemSummary[] }>(bridge, 'library:list', { sort: 'name', offset: 0, limit: 50 });
    expect(items.map((i) => i.name).sort()).toEqual(['DSC_0042.JPG', 'DSC_0042.NEF', 'IMG_1001.HEIC']);
    const raw = items.find((i) => i.name === 'DSC_0042.NEF')!;
    expect([raw.width, raw.height]).toEqual([800, 1200]);
    await page.click(`[data-item-id="${raw.id}"]`);
    await page.waitForSelector('[data-testid="item-name"]');
    await page.waitForSelector('[data-testid="related-item"]');
    const related = await page.$$eval('[data-testid="related-item"]', (els) => els.map((e) => e.textContent?.trim()));
    expect(related).toEqual(['DSC_0042.JPG · JPEG']);
    // The preview image element is loaded and portrait (orientation 8 turns the landscape preview).
    const size = await page.$eval('.item-view img', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    expect(size[1]!).toBeGreaterThan(size[0]!);
    await shot(page, '40-raw-item');
    await page.click('[data-testid="related-item"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="item-name"]')?.textContent?.includes('DSC_0042.JPG'));
  });

  it('no serious or critical accessibility violations (axe-core) on any screen above', () => {
    expect(a11yViolations).toEqual([]);
  });
});
