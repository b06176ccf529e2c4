/// <reference lib="dom" />
/**
 * End to end for issue 13's videos: an H.264 + AAC MP4 whose picture and sound change every 4 s (the demo train,
 * barbecue and toilet photos with their recordings) indexed beside a photo library. A pasted photo finds the
 * video's moment where that photo is on screen (a video tile: poster, duration badge, the moment and its track);
 * the item view plays it: waveform of the sound track, a film strip, matched moments marked on their lane, click
 * to jump, "play this moment". Screenshots 41-video-result.png and 42-video-item.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { a11yViolations, ensureRendererBuilt, invoke, launchBrowser, repoRoot, shot, startBridgeProcess, type RunningBridge } from './helpers';
import type { EngineStatus, ItemSummary } from '../../src-main/ipc/contract/contract';
import { writeVideoFile } from '../helpers/media/video';

const PACK = join(repoRoot, 'models', 'test-packs', 'ib-pp-test');
const SCENES = ['train', 'BBQ', 'toilet'] as const;
const SCENE_SEC = 4, FPS = 10, W = 640, H = 360, RATE = 32000;
let bridge: RunningBridge;
let ctx: BrowserContext;
let page: Page;
let work: string;
let stills: string;

/** The first `sec` seconds of a demo recording (16-bit mono PCM WAV) as floats. */
function demoSound(name: string, sec: number): Float32Array {
  const b = readFileSync(join(repoRoot, 'resources/demo', `${name}.wav`));
  const data = b.indexOf('data') + 8;
  expect(b.readUInt32LE(24)).toBe(RATE);
  return Float32Array.from({ length: sec * RATE }, (_, i) => b.readInt16LE(data + 2 * i) / 32768);
}

beforeAll(async () => {
  ensureRendererBuilt();
  work = mkdtempSync(join(tmpdir(), 'molecule-e2e-video-'));
  const media = join(work, 'Films');
  stills = join(work, 'Photos');
  mkdirSync(media, { recursive: true });
  mkdirSync(stills, { recursive: true });
  const pictures: Uint8Array[] = [];
  for (const s of SCENES) {
    const rgb = await sharp(join(repoRoot, 'resources/demo', `${s}.jpeg`)).resize(W, H, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    pictures.push(new Uint8Array(rgb));
    writeFileSync(join(stills, `${s}.png`), await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
  }
  const track = new Float32Array(SCENES.length * SCENE_SEC * RATE);
  SCENES.forEach((s, k) => track.set(demoSound(s, SCENE_SEC), k * SCENE_SEC * RATE));
  await writeVideoFile(join(media, 'walk.mp4'), {
    format: 'mp4', creationTime: '2024-06-01T17:30:00.000000Z', movflags: '+faststart',
    video: { codec: 'libx264', width: W, height: H, fps: FPS, frames: SCENES.length * SCENE_SEC * FPS, gop: 20, rgb: (i) => pictures[Math.floor(i / FPS / SCENE_SEC)]!, options: { preset: 'veryfast', crf: '20' } },
    audio: { codec: 'aac', sampleRate: RATE, channels: [track] },
  });
  bridge = await startBridgeProcess(PACK);
  ({ ctx, page } = await launchBrowser());
  await invoke(bridge, 'settings:set', { welcomeDone: true });
  await invoke(bridge, 'library:addRoot', { path: media });
  await invoke(bridge, 'library:addRoot', { path: stills });
  const before = (await invoke<EngineStatus>(bridge, 'engine:status')).indexJobs;
  await invoke(bridge, 'index:start', {});
  const until = Date.now() + 180_000;
  for (;;) {
    const s = await invoke<EngineStatus>(bridge, 'engine:status');
    if (s.indexJobs > before && s.progress?.phase === 'done') break;
    if (Date.now() > until) throw new Error(`indexing did not finish: ${JSON.stringify(s.progress)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  await page.goto(bridge.url);
  await page.waitForSelector('[data-item-id]');
}, 300_000);

afterAll(async () => {
  await ctx?.close();
  await bridge?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('videos in the app', () => {
  it('shows the video in the library as a tile with its poster and duration', async () => {
    const { items } = await invoke<{ items: ItemSummary[] }>(bridge, 'library:list', { sort: 'name', offset: 0, limit: 50 });
    const video = items.find((i) => i.name === 'walk.mp4')!;
    expect(video.modality).toBe('video');
    const tile = page.locator(`[data-item-id="${video.id}"]`);
    await expect.poll(() => tile.getAttribute('data-modality')).toBe('video');
    expect((await tile.locator('[data-testid="video-duration-badge"]').textContent())!.trim()).toBe('0:12');
    // the poster is a decoded frame of the video (the train scene: a tenth of the way in), not a placeholder
    await expect.poll(() => tile.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  });

  it('a pasted photo finds the moment of the video where it is on screen, by its picture', async () => {
    const b64 = readFileSync(join(stills, 'BBQ.png')).toString('base64');
    await page.$eval(
      '[data-testid="search-input"]',
      (input, data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'bbq-still.png', { type: 'image/png' }));
        (input as HTMLInputElement).focus();
        input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      },
      b64,
    );
    const tile = page.locator('[data-testid="results-video"] [data-result-id]').first();
    await tile.waitFor();
    expect(await tile.locator('.name').textContent()).toBe('walk.mp4');
    // the barbecue is on screen from 4 s to 8 s: the best moment is one of its two 2-s moments, on the frames track
    const span = tile.locator('[data-testid="moment-span"]');
    expect(await span.textContent()).toMatch(/^0:0[46]–0:0[68] · by (picture|picture \+ sound)/);
    expect(['frames', 'both']).toContain(await span.getAttribute('data-track'));
    expect(Number(await page.getAttribute('[data-testid="results-video"] [data-result-id]', 'data-score'))).toBeGreaterThan(0.99);
    expect((await tile.locator('[data-testid="video-duration-badge"]').textContent())!.trim()).toBe('0:12');
    await page.waitForTimeout(300);
    await shot(page, '41-video-result');
  });

  it('the item view plays the video: waveform, film strip, moment markers, click to jump, play this moment', async () => {
    await page.locator('[data-testid="results-video"] [data-result-id] [data-item-id]').first().click();
    await page.waitForSelector('[data-testid="video-player"]');
    expect(await page.textContent('[data-testid="item-name"]')).toBe('walk.mp4');
    expect(await page.textContent('[data-testid="video-codecs"]')).toBe('H264 · AAC');
    expect(await page.textContent('[data-testid="video-picture"]')).toMatch(/^640 × 360 · 10 fps/);
    expect(await page.textContent('[data-testid="video-moments"]')).toMatch(/^6 frames · 6 sound/);
    // the sound lane draws the stored peaks; the frames lane holds one strip tile per moment
    await page.waitForSelector('[data-testid="waveform"] >> css=div');
    expect(await page.locator('[data-testid="lane-frames"] .tile').count()).toBe(6);
    const frameMarkers = page.locator('[data-testid="marker-frames"]');
    expect(await frameMarkers.count()).toBeGreaterThan(0);
    // the video is playable here (H.264 + AAC in Chromium, served with byte ranges)
    await expect.poll(() => page.$eval('[data-testid="video"]', (v) => (v as HTMLVideoElement).readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(await page.$('[data-testid="video-cannot-play"]')).toBeNull();
    // clicking the best frame marker jumps there and plays the moment, stopping at its end
    const title = (await frameMarkers.first().getAttribute('title'))!;
    const at = /at (\d+):(\d\d)$/.exec(title)!;
    const start = Number(at[1]) * 60 + Number(at[2]);
    expect([4, 6]).toContain(start);
    await frameMarkers.first().click();
    await expect.poll(() => page.$eval('[data-testid="video"]', (v) => (v as HTMLVideoElement).currentTime), { timeout: 10_000 }).toBeGreaterThan(start);
    await expect.poll(() => page.$eval('[data-testid="video"]', (v) => (v as HTMLVideoElement).paused), { timeout: 10_000 }).toBe(true);
    const stopped = await page.$eval('[data-testid="video"]', (v) => (v as HTMLVideoElement).currentTime);
    expect(stopped).toBeGreaterThanOrEqual(start + 1.5);
    expect(stopped).toBeLessThan(start + 2.6);
    // a click on a strip tile jumps to its moment
    await page.locator('[data-testid="lane-frames"] .tile').nth(5).click();
    await expect.poll(() => page.$eval('[data-testid="video"]', (v) => (v as HTMLVideoElement).currentTime)).toBeCloseTo(10, 1);
    // "play this moment" plays the selected one again, from its start to its end
    const played: number[] = [];
    await page.click('[data-testid="play-moment"]');
    await expect
      .poll(async () => {
        const [t, paused] = await page.$eval('[data-testid="video"]', (v) => [(v as HTMLVideoElement).currentTime, (v as HTMLVideoElement).paused] as const);
        played.push(t);
        return paused && t > start + 1;
      }, { timeout: 10_000, interval: 100 })
      .toBe(true);
    expect(Math.min(...played)).toBeLessThan(start + 1.5); // it went back to the moment (from 10 s)
    expect(played.at(-1)!).toBeLessThan(start + 2.6);
    await page.$eval('[data-testid="video"]', (v) => ((v as HTMLVideoElement).currentTime = 5));
    await page.waitForTimeout(500);
    await shot(page, '42-video-item');
  });

  it('the map counts the video as a video (legend), not as a photo', async () => {
    await page.click('[data-nav="map"]');
    await page.waitForSelector('[data-testid="map-canvas"][data-loading="false"][data-tweening="false"]', { timeout: 120_000 });
    expect(await page.getAttribute('[data-testid="map-canvas"]', 'data-point-count')).toBe('4');
    expect(await page.textContent('[data-testid="map-count-video"]')).toBe('1');
    expect(await page.textContent('[data-testid="map-count-image"]')).toBe('3');
    expect(await page.textContent('[data-testid="map-count-audio"]')).toBe('0');
    await shot(page, '43-video-map');
  });

  it('no serious or critical accessibility violations (axe-core) on any screen above', () => {
    expect(a11yViolations).toEqual([]);
  });
});
