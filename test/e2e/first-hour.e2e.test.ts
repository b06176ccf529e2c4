/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The first hour of a new user (issue 11), in Chromium against the real engine (ib-pp-test pack) through the
 * bridge, with a home folder of its own so that "~" in a typed path means a folder this test made. The photos are
 * shaped like a real user's: portrait, square, a 4:1 panorama, a 1×2000 strip, a byte-identical copy; the sounds
 * are long enough to have several 2-second clips.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { a11yViolations, ensureRendererBuilt, invoke, launchBrowser, repoRoot, shot, startBridgeProcess, wav, type RunningBridge } from './helpers';

const PACK = join(repoRoot, 'models', 'test-packs', 'ib-pp-test');

let bridge: RunningBridge;
let ctx: BrowserContext;
let page: Page;
let home: string;
const pageErrors: string[] = [];

/** Pictures with a gradient and a disc, so a thumbnail shows where its picture is cut. */
async function photo(path: string, w: number, h: number, hue: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,55%)"/><stop offset="1" stop-color="hsl(${(hue + 90) % 360},60%,25%)"/></linearGradient></defs>
    <rect width="${w}" height="${h}" fill="url(#g)"/><circle cx="${w / 2}" cy="${h / 2}" r="${Math.max(1, Math.min(w, h) / 3)}" fill="hsl(${(hue + 180) % 360},80%,70%)"/></svg>`;
  const img = sharp(Buffer.from(svg));
  await (format === 'png' ? img.png() : img.jpeg({ quality: 85 })).toFile(path);
}

/** Every photo shape the library must show in a tile of its own. */
const SHAPES: [string, number, number][] = [
  ['portrait-600x900.jpg', 600, 900],
  ['square-800.jpg', 800, 800],
  ['square-300.jpg', 300, 300],
  ['panorama-2400x600.jpg', 2400, 600],
  ['strip-1x2000.png', 1, 2000],
  ['landscape-640x420.jpg', 640, 420],
  ['landscape-1200x800.jpg', 1200, 800],
];

async function makeHome(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-e2e-home-'));
  const photos = join(dir, 'Media', 'Photos');
  const sounds = join(dir, 'Media', 'Sounds');
  mkdirSync(photos, { recursive: true });
  mkdirSync(sounds, { recursive: true });
  let hue = 10;
  for (const [name, w, h] of SHAPES) await photo(join(photos, name), w, h, (hue += 47), name.endsWith('.png') ? 'png' : 'jpeg');
  // a byte-identical copy: the one duplicate that may come pre-marked for the Trash
  copyFileSync(join(photos, 'landscape-640x420.jpg'), join(photos, 'landscape-640x420 copy.jpg'));
  writeFileSync(join(sounds, 'long-tones.wav'), wav(9, [220, 660, 1320]));
  writeFileSync(join(sounds, 'birds.wav'), wav(6, [2400, 3100], 16000));
  writeFileSync(join(sounds, 'hum.wav'), wav(4, [60, 120], 16000));
  writeFileSync(join(photos, 'broken.jpg'), Buffer.from('not a jpeg at all'));
  // a second folder, added later while a search is on screen
  const more = join(dir, 'More');
  mkdirSync(more);
  writeFileSync(join(more, 'rain.wav'), wav(5, [300, 1800], 16000));
  writeFileSync(join(more, 'wind.wav'), wav(5, [90, 450], 16000));
  await photo(join(more, 'window.jpg'), 500, 700, 200);
  return dir;
}

/** Duration of a PCM WAV from its header (the demo clips the welcome screen describes). */
function wavSeconds(path: string): number {
  const b = readFileSync(path);
  let o = 12;
  let byteRate = 0;
  while (o + 8 <= b.length) {
    const id = b.toString('latin1', o, o + 4);
    const size = b.readUInt32LE(o + 4);
    if (id === 'fmt ') byteRate = b.readUInt32LE(o + 16);
    if (id === 'data') return size / byteRate;
    o += 8 + size + (size % 2);
  }
  throw new Error(`no data chunk in ${path}`);
}

async function waitIndexed(): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-testid="progress-panel"]')?.getAttribute('data-phase') === 'done', null, { timeout: 180_000, polling: 100 });
}

async function gridTotal(): Promise<number> {
  return Number(await page.getAttribute('[data-testid="library-grid"]', 'data-total'));
}

/**
 * Boxes of the rendered tiles (all measured at one scroll position), whether each tile's centre hits that tile
 * (scrolled into view first), and whether its name is inside it.
 */
async function tileGeometry() {
  return page.$$eval('[data-testid="library-grid"] .tile', (tiles) => {
    const boxes = tiles.map((t) => {
      const b = t.getBoundingClientRect();
      const name = t.querySelector('.name')!.getBoundingClientRect();
      return {
        name: t.querySelector('.name')!.textContent ?? '',
        box: { x: b.left, y: b.top, w: b.width, h: b.height },
        nameInside: name.top >= b.top - 0.5 && name.bottom <= b.bottom + 0.5 && name.height > 8,
        hitsItself: false,
      };
    });
    tiles.forEach((t, i) => {
      t.scrollIntoView({ block: 'nearest' });
      const b = t.getBoundingClientRect();
      const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
      boxes[i]!.hitsItself = !!hit && t.contains(hit);
    });
    return boxes;
  });
}

function overlaps(a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): boolean {
  const ix = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return ix > 0.5 && iy > 0.5;
}

/** The engine's library events as the page gets them (the bridge's event stream), collected until stop(). */
function libraryEvents(): { jobs: { jobId: string; indexed: number; unchanged: number; removed: number; failed: number }[]; stop: () => void } {
  const jobs: { jobId: string; indexed: number; unchanged: number; removed: number; failed: number }[] = [];
  const ac = new AbortController();
  void (async () => {
    const res = await fetch(`http://127.0.0.1:${bridge.port}/api/events?token=${encodeURIComponent(bridge.token)}`, { signal: ac.signal });
    const dec = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!block.startsWith('data: ')) continue;
        const m = JSON.parse(block.slice(6)) as { event: string; payload: { type?: string; summary?: (typeof jobs)[number] } };
        if (m.event === 'library:event' && m.payload.type === 'job-finished') jobs.push(m.payload.summary!);
      }
    }
  })().catch(() => {});
  return { jobs, stop: () => ac.abort() };
}

async function toastTexts(): Promise<string[]> {
  return page.$$eval('.toast', (t) => t.map((x) => x.textContent?.trim() ?? ''));
}

async function focusedGridIndex(): Promise<number> {
  return page.evaluate(() => Number(document.activeElement?.closest('[data-grid-index]')?.getAttribute('data-grid-index') ?? -1));
}

beforeAll(async () => {
  ensureRendererBuilt();
  home = await makeHome();
  bridge = await startBridgeProcess(PACK, undefined, [], { HOME: home, USERPROFILE: home });
  ({ ctx, page } = await launchBrowser());
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 240_000);

afterAll(async () => {
  await ctx?.close();
  await bridge?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('the first hour of a new user (issue 11)', () => {
  it('the welcome describes the demo clips as they are; the status bar names the pack once and reads as a fact', async () => {
    await page.goto(bridge.url);
    await page.waitForSelector('[data-testid="open-demo"]');
    const seconds = ['BBQ.wav', 'toilet.wav', 'train.wav'].map((f) => Math.round(wavSeconds(join(repoRoot, 'resources', 'demo', f))));
    expect(new Set(seconds).size).toBe(1);
    expect(await page.textContent('.welcome')).toContain(`a ${seconds[0]}-second recording`);
    // the library indexes videos too (domain/formats VIDEO_EXTENSIONS): the first screen says so
    expect(await page.textContent('.welcome h1')).toBe('Search your photos, sounds and videos by meaning');
    const status = (await page.textContent('[data-testid="statusbar"]')) ?? '';
    expect(status).not.toMatch(/offline/i);
    expect(status).toMatch(/On this computer/);
    // the name keeps what tells packs apart; the badge says "Test pack" once
    expect(await page.textContent('[data-testid="status-pack"]')).toBe('IB_PP, 1024-d');
    expect(status.match(/test pack/gi)).toHaveLength(1);
    await shot(page, 'fh-01-welcome');
    await page.click('.welcome button:has-text("Skip")');
    await page.waitForSelector('[data-testid="empty-state"]');
  });

  it('the sidebar marks the current view with aria-current', async () => {
    expect(await page.$$eval('[aria-current="page"]', (e) => e.map((x) => x.getAttribute('data-nav')))).toEqual(['library']);
    await page.click('[data-nav="indexing"]');
    expect(await page.$$eval('[aria-current="page"]', (e) => e.map((x) => x.getAttribute('data-nav')))).toEqual(['indexing']);
    await page.click('[data-nav="library"]');
  });

  it('the add-folder dialog is a modal <dialog>: focus moves in and stays in, Escape closes it, focus goes back', async () => {
    await page.focus('[data-testid="add-folder"]');
    await page.keyboard.press('Enter');
    const dialog = '[data-testid="add-folder-dialog"]';
    await page.waitForSelector(dialog);
    expect(await page.$eval(dialog, (d) => d.tagName === 'DIALOG' && (d as HTMLDialogElement).open && d.matches(':modal'))).toBe(true);
    expect(await page.$eval(dialog, (d) => document.getElementById(d.getAttribute('aria-labelledby')!)?.textContent)).toBe('Add a folder to the library');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('folder-path');
    expect(await page.textContent(dialog)).toContain('scans it for photos, sounds and videos');
    for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await page.$eval(dialog, (d) => d.contains(document.activeElement))).toBe(true);
    }
    // the page behind is inert: a point on the sidebar belongs to the dialog's backdrop
    const nav = (await page.$('[data-nav="search"]'))!;
    const b = (await nav.boundingBox())!;
    expect(await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.tagName, [b.x + b.width / 2, b.y + b.height / 2])).toBe('DIALOG');
    await page.keyboard.press('Escape');
    await page.waitForSelector(dialog, { state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('add-folder');
    // a click on the backdrop closes it too
    await page.keyboard.press('Enter');
    await page.waitForSelector(dialog);
    await page.mouse.click(20, 860);
    await page.waitForSelector(dialog, { state: 'detached' });
  });

  it('a typed path: "~" is the home folder, a relative path starts there, a mistake is said in plain words', async () => {
    await page.click('[data-testid="add-folder"]');
    await page.fill('[data-testid="folder-path"]', 'Nowhere/at all');
    expect(await page.textContent('[data-testid="folder-resolved"]')).toContain(`${home}/Nowhere/at all`);
    await page.click('[data-testid="folder-add"]');
    const error = (await page.waitForSelector('[data-testid="add-folder-dialog"] .error')).textContent();
    expect(await error).toBe(`There is no folder ${home}/Nowhere/at all.`);
    await page.fill('[data-testid="folder-path"]', '~/Media/Photos/square-300.jpg');
    await page.click('[data-testid="folder-add"]');
    await expect.poll(() => page.textContent('[data-testid="add-folder-dialog"] .error')).toBe(`${home}/Media/Photos/square-300.jpg is a file, not a folder: give the folder that holds it.`);
    await page.fill('[data-testid="folder-path"]', '~/Media');
    expect(await page.textContent('[data-testid="folder-resolved"]')).toContain(`Adds ${home}/Media`);
    await shot(page, 'fh-02-add-folder-typed-path');
    // the engine itself still refuses a relative path (the UI resolves it first); no channel name reaches a person
    await expect(invoke(bridge, 'library:addRoot', { path: 'Media' })).rejects.toThrow(/absolute path/);
    await page.click('[data-testid="folder-add"]');
    await page.waitForSelector('[data-testid="progress-panel"]');
    await waitIndexed();
    const roots = await invoke<{ path: string }[]>(bridge, 'library:roots');
    expect(roots.map((r) => r.path)).toEqual([join(home, 'Media')]);
  });

  it('indexing: the failure count and the table of failed files agree, and the library is one click away', async () => {
    await expect.poll(() => page.textContent('[data-testid="failures-count"]')).toBe('1');
    expect(await page.textContent('[data-testid="progress-failed"]')).toBe('1');
    expect(await page.textContent('[data-testid="progress-panel"]')).not.toMatch(/skipped/i);
    await shot(page, 'fh-03-indexing-done');
    await page.click('[data-testid="open-library"]');
    await page.waitForSelector('[data-testid="library-grid"]');
  });

  it('every picture fits its own tile (portrait, square, 4:1 panorama, 1×2000 strip): no overlap, every tile clickable', async () => {
    // the byte-identical copy is the same item as its original (items are content; a copy is another path of it)
    const expected = SHAPES.length + 3;
    await expect.poll(gridTotal).toBe(expected);
    await expect.poll(() => page.$$eval('[data-testid="library-grid"] .tile', (t) => t.length)).toBe(expected);
    await expect
      .poll(() => page.$$eval('[data-testid="library-grid"] img', (imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length))
      .toBe(SHAPES.length);
    for (const [w, h] of [
      [1400, 880],
      [1000, 700],
      [760, 900],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(300);
      const tiles = await tileGeometry();
      expect(tiles.length).toBe(expected);
      for (let i = 0; i < tiles.length; i++) {
        expect(tiles[i]!.hitsItself, `${tiles[i]!.name} at ${w}×${h}: its centre is covered`).toBe(true);
        expect(tiles[i]!.nameInside, `${tiles[i]!.name} at ${w}×${h}: name outside its tile`).toBe(true);
        for (let j = i + 1; j < tiles.length; j++) expect(overlaps(tiles[i]!.box, tiles[j]!.box), `${tiles[i]!.name} overlaps ${tiles[j]!.name} at ${w}×${h}`).toBe(false);
      }
      // Playwright's actionability check fails when another element would receive the click
      for (const t of await page.$$('[data-testid="library-grid"] .tile .open')) await t.click({ trial: true, timeout: 2000 });
      if (w === 1400) await shot(page, 'fh-04-library-every-shape');
    }
    await page.setViewportSize({ width: 1400, height: 880 });
    // the panorama and the strip are shown whole; the others fill their tile
    const fits = () =>
      page.$$eval('[data-testid="library-grid"] .tile img', (imgs) =>
        Object.fromEntries(imgs.map((i) => [i.closest('.tile')!.querySelector('.name')!.textContent, getComputedStyle(i).objectFit])),
      );
    await expect
      .poll(fits)
      .toMatchObject({ 'panorama-2400x600.jpg': 'contain', 'strip-1x2000.png': 'contain', 'portrait-600x900.jpg': 'cover', 'square-800.jpg': 'cover', 'square-300.jpg': 'cover' });
  });

  it('the grid answers the keyboard: one tile in the tab order, arrows/Home/End move, Enter and Space open, Ctrl+Enter selects', async () => {
    await page.waitForTimeout(300);
    expect(await page.$$eval('[data-testid="library-grid"] .open[tabindex="0"]', (e) => e.length)).toBe(1);
    const cols = Number(await page.getAttribute('[data-testid="library-grid"]', 'aria-colcount'));
    const total = await gridTotal();
    expect(cols).toBeGreaterThan(2);
    await page.focus('[data-grid-index="0"] .open');
    const steps: [string, number][] = [
      ['ArrowRight', 1],
      ['ArrowDown', 1 + cols],
      ['ArrowLeft', cols],
      ['End', Math.min(2 * cols - 1, total - 1)], // the last row may be short
      ['Home', cols],
      ['ArrowUp', 0],
      ['ArrowUp', 0],
      ['Control+End', total - 1],
      ['Control+Home', 0],
    ];
    for (const [key, want] of steps) {
      await page.keyboard.press(key);
      await expect.poll(focusedGridIndex, { timeout: 2000 }).toBe(want);
    }
    expect(await page.$$eval('[data-testid="library-grid"] .open[tabindex="0"]', (e) => e.map((x) => x.closest('[data-grid-index]')?.getAttribute('data-grid-index')))).toEqual(['0']);
    await shot(page, 'fh-05-library-keyboard-focus');
    const nameAt = (i: number) => page.textContent(`[data-grid-index="${i}"] .name`);
    // Space opens the focused tile
    const first = await nameAt(0);
    await page.keyboard.press(' ');
    await expect.poll(() => page.textContent('[data-testid="item-name"]')).toBe(first);
    await page.click('.toolbar .back');
    await page.waitForSelector('[data-testid="library-grid"]');
    // Enter opens another one
    await page.focus('[data-grid-index="1"] .open');
    const second = await nameAt(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="item-name"]')).toBe(second);
    await page.click('.toolbar .back');
    // Ctrl+Enter adds to the selection, like a Ctrl-click
    await page.focus('[data-grid-index="2"] .open');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.getAttribute('[data-testid="library-selection"]', 'data-count')).toBe('1');
    await page.click('[data-testid="library-selection"] button:has-text("Clear")');
  });

  it('a file added to a watched folder appears in the library without a re-scan; a deleted one leaves', async () => {
    const before = await gridTotal();
    await photo(join(home, 'Media', 'Photos', 'added-while-open.jpg'), 700, 500, 333);
    await expect.poll(gridTotal, { timeout: 30_000 }).toBe(before + 1);
    await page.waitForSelector('[data-testid="library-grid"] .tile:has(.name:text-is("added-while-open.jpg"))');
    await shot(page, 'fh-06-library-watched-new-file');
    rmSync(join(home, 'Media', 'Photos', 'added-while-open.jpg'));
    await expect.poll(gridTotal, { timeout: 30_000 }).toBe(before);
  });

  it('the watcher speaks only when the library changed: a file saved again unchanged brings no toast; an added and a removed file do', async () => {
    const ev = libraryEvents();
    try {
      await page.waitForTimeout(300); // the stream is connected
      for (const t of await page.$$('.toast')) await t.click().catch(() => {});
      await expect.poll(toastTexts).toEqual([]);
      // the same bytes written again: the watcher re-reads the file, finds it unchanged, and says nothing
      const same = join(home, 'Media', 'Photos', 'square-300.jpg');
      writeFileSync(same, readFileSync(same));
      await expect.poll(() => ev.jobs.length, { timeout: 30_000 }).toBe(1);
      expect(ev.jobs[0]).toMatchObject({ indexed: 0, removed: 0, failed: 0 });
      await page.waitForTimeout(500);
      expect(await toastTexts()).toEqual([]);
      // a new file and a removed one are news
      const added = join(home, 'Media', 'Photos', 'added-for-toast.jpg');
      await photo(added, 640, 480, 77);
      await expect.poll(toastTexts, { timeout: 30_000 }).toContainEqual(expect.stringMatching(/^Indexing finished: 1 indexed, /));
      rmSync(added);
      await expect.poll(toastTexts, { timeout: 30_000 }).toContainEqual(expect.stringMatching(/^Indexing finished: 0 indexed, .*, 1 removed$/));
    } finally {
      ev.stop();
    }
  });

  it('search results follow the library: a folder added while they are shown joins them, no model run', async () => {
    await page.fill('[data-testid="search-input"]', 'an audio of rain');
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="results-audio"] [data-result-id]');
    const total = await invoke<{ total: number }>(bridge, 'library:list', { sort: 'name', offset: 0, limit: 1 });
    await expect.poll(() => page.textContent('[data-testid="search-summary"]')).toMatch(new RegExp(`^\\s*${total.total} results of ${total.total}\\b`));
    // what the page asks the engine from here on: the refresh must be a re-rank of stored vectors, not a new search
    const calls: string[] = [];
    const onRequest = (r: { url(): string }) => {
      const m = /\/api\/invoke\/(search%3A\w+|search:\w+)/.exec(r.url());
      if (m) calls.push(decodeURIComponent(m[1]!));
    };
    page.on('request', onRequest);
    await page.click('[data-testid="add-folder"]');
    await page.fill('[data-testid="folder-path"]', '~/More');
    await page.click('[data-testid="folder-add"]');
    await waitIndexed();
    await page.click('[data-nav="search"]');
    const n = total.total + 3;
    await expect.poll(() => page.textContent('[data-testid="search-summary"]'), { timeout: 10_000 }).toMatch(new RegExp(`^\\s*${n} results of ${n}\\b`));
    expect(await page.$$eval('[data-result-id] .name', (e) => e.map((x) => x.textContent))).toContain('rain.wav');
    page.off('request', onRequest);
    expect(calls).toContain('search:rerank');
    expect(calls).not.toContain('search:run');
    await shot(page, 'fh-07-search-follows-library');
  });

  it('a result tile keeps its moment line on one line inside the tile: span, count and both steppers visible', async () => {
    await page.waitForSelector('[data-testid="results-audio"] [data-testid="moment-nav"]');
    const lines = await page.$$eval('[data-result-id] .tile', (tiles) =>
      tiles.map((t) => {
        const box = t.getBoundingClientRect();
        const sub = t.querySelector('.sub')!;
        const inside = (el: Element | null) => {
          if (!el) return null;
          const b = el.getBoundingClientRect();
          return b.width > 0 && b.left >= box.left - 0.5 && b.right <= box.right + 0.5 && b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5;
        };
        return {
          name: t.querySelector('.name')?.textContent ?? '',
          oneLine: sub.scrollHeight <= sub.clientHeight + 1,
          nav: !!t.querySelector('[data-testid="moment-nav"]'),
          count: inside(t.querySelector('.mcount')),
          prev: inside(t.querySelector('[data-testid="moment-prev"]')),
          next: inside(t.querySelector('[data-testid="moment-next"]')),
          countText: t.querySelector('.mcount')?.textContent ?? '',
        };
      }),
    );
    expect(lines.filter((l) => l.nav).length).toBeGreaterThanOrEqual(3);
    for (const l of lines) {
      expect(l.oneLine, l.name).toBe(true);
      if (!l.nav) continue;
      expect([l.count, l.prev, l.next], l.name).toEqual([true, true, true]);
      expect(l.countText, l.name).toMatch(/^ · 1\/\d+$/);
    }
    await shot(page, 'fh-07b-search-moment-lines');
  });

  it('"Play matched clip" plays the clip and stops at its end', async () => {
    await page.click('.searchbar [title="Clear"]');
    await page.setInputFiles('[data-testid="query-file"]', join(home, 'Media', 'Sounds', 'long-tones.wav'));
    await page.waitForSelector('[data-testid="results-audio"] [data-result-id]', { timeout: 60_000 });
    await expect.poll(() => page.$eval('[data-testid="results-audio"] [data-result-id]', (e) => e.querySelector('.name')?.textContent)).toBe('long-tones.wav');
    await page.click('[data-testid="results-audio"] [data-result-id] .tile');
    await page.waitForSelector('[data-testid="play-clip"]:not([disabled])', { timeout: 60_000 });
    const [start, end] = ((await page.textContent('[data-testid="play-clip"]')) ?? '').match(/(\d+\.\d)–(\d+\.\d)/)!.slice(1).map(Number) as [number, number];
    expect(end - start).toBeCloseTo(2, 5);
    await page.click('[data-testid="play-clip"]');
    await expect.poll(() => page.$eval('[data-testid="audio"]', (a) => (a as HTMLAudioElement).paused)).toBe(false);
    // it pauses by itself, at the clip's end (wavesurfer checks on every animation frame)
    await expect.poll(() => page.$eval('[data-testid="audio"]', (a) => (a as HTMLAudioElement).paused), { timeout: 8000, interval: 50 }).toBe(true);
    const t = await page.$eval('[data-testid="audio"]', (a) => (a as HTMLAudioElement).currentTime);
    expect(t).toBeGreaterThan(end - 0.3);
    expect(t).toBeLessThan(end + 0.3);
    await shot(page, 'fh-08-item-clip-played');
  });

  it('duplicates under the test pack: only the byte-identical copy comes marked for the Trash; similar groups say they mean nothing', async () => {
    await page.click('[data-nav="duplicates"]');
    await page.$eval('[data-testid="dup-threshold"]', (el) => {
      (el as HTMLInputElement).value = '0.8';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForSelector('[data-testid="dup-group"][data-kind="exact"]');
    const exact = page.locator('[data-testid="dup-group"][data-kind="exact"]');
    expect(await exact.locator('[data-testid="keep-flag"]').allTextContents()).toEqual(expect.arrayContaining(['Keep', 'To Trash']));
    expect(await exact.locator('[data-testid="dup-trash"]').count()).toBe(1);
    await expect.poll(() => page.$$eval('[data-testid="dup-group"][data-kind="near"]', (g) => g.length), { timeout: 20_000 }).toBeGreaterThan(0);
    const near = await page.$$eval('[data-testid="dup-group"][data-kind="near"]', (gs) =>
      gs.map((g) => ({
        meaningless: !!g.querySelector('[data-testid="dup-meaningless"]'),
        flags: g.querySelectorAll('[data-testid="keep-flag"]').length,
        trash: !!g.querySelector('[data-testid="dup-trash"]'),
        checked: g.querySelectorAll('input[type="radio"]:checked').length,
      })),
    );
    for (const g of near) expect(g).toEqual({ meaningless: true, flags: 0, trash: false, checked: 0 });
    expect(await page.textContent('[data-testid="dup-test-pack-note"]')).toMatch(/random weights/);
    await shot(page, 'fh-09-duplicates-test-pack');
    // picking a keeper is what marks the others
    const group = page.locator('[data-testid="dup-group"][data-kind="near"]').first();
    await group.locator('input[type="radio"]').first().check();
    expect(await group.locator('[data-testid="keep-flag"]').first().textContent()).toBe('Keep');
    expect(await group.locator('[data-testid="dup-trash"]').count()).toBe(1);
  });

  it('a smart collection reads as a sentence; a CSV export to a typed relative path lands in the home folder', async () => {
    await page.click('.searchbar [title="Clear"]');
    await page.fill('[data-testid="search-input"]', 'dog barking');
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="results-audio"] [data-result-id]');
    const k = Number(((await page.textContent('[data-testid="search-summary"]')) ?? '').match(/^\s*(\d+) results/)![1]);
    await page.click('[data-testid="save-smart"]');
    expect(await page.textContent('[data-testid="new-collection-rule"]')).toBe(`The ${k} best matches for “dog barking”`);
    await page.click('[data-testid="collection-create"]');
    await page.waitForSelector('[data-testid="collection-title"]');
    expect(await page.textContent('[data-testid="collection-rule"]')).toBe(`The ${k} best matches for “dog barking”`);
    await page.click('[data-testid="export-menu"]');
    await page.click('[data-export="csv"]');
    await page.fill('[data-testid="export-dest"]', 'exports/dogs.csv');
    expect(await page.textContent('[data-testid="export-resolved"]')).toContain(`${home}/exports/dogs.csv`);
    await shot(page, 'fh-10-export-typed-path');
    await page.click('[data-testid="export-go"]');
    await page.waitForSelector('[data-testid="export-dialog"]', { state: 'detached' });
    await expect.poll(() => existsSync(join(home, 'exports', 'dogs.csv'))).toBe(true);
    expect(readFileSync(join(home, 'exports', 'dogs.csv'), 'utf8').trim().split('\n')).toHaveLength(k + 1);
    await shot(page, 'fh-11-smart-collection');
  });

  it('match explorer at 1400 px: titles on one line, legend beside them, presets readable, a shared colour scale, cells by keyboard', async () => {
    await page.click('[data-nav="explorer"]');
    await page.click('[data-testid="explorer-quick"]');
    await page.click('[data-testid="explorer-run"]');
    await page.waitForSelector('[data-testid="explorer-results"]', { timeout: 120_000 });
    const captions = await page.$$eval('[data-testid="heatmap"] figcaption', (fs) =>
      fs.map((f) => {
        const title = f.querySelector('.title')!;
        const legend = f.querySelector('.legend')?.getBoundingClientRect();
        const t = title.getBoundingClientRect();
        return { text: f.textContent ?? '', titleLines: Math.round(t.height / parseFloat(getComputedStyle(title).lineHeight || '18')), legendRightOfTitle: !legend || legend.left >= t.right };
      }),
    );
    expect(captions).toHaveLength(6);
    for (const c of captions) {
      expect(c.titleLines).toBe(1);
      expect(c.legendRightOfTitle).toBe(true);
      expect(c.text).not.toMatch(/rows sum/);
    }
    // the preset pickers show their whole label
    for (const sel of ['[data-testid="preset-a"]', '[data-testid="preset-b"]']) {
      await page.selectOption(sel, 'at-expertise');
      const fit = await page.$eval(sel, (s) => {
        const el = s as HTMLSelectElement;
        const c = document.createElement('canvas').getContext('2d')!;
        const cs = getComputedStyle(el);
        c.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        const text = c.measureText(el.selectedOptions[0]!.text).width;
        return { text, room: el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16 };
      });
      expect(fit.text).toBeLessThan(fit.room);
    }
    await page.selectOption('[data-testid="preset-a"]', 'versatile');
    await page.click('[data-testid="explorer-run"]');
    await page.waitForSelector('[data-testid="explorer-run"]:has-text("Compute matrices")', { timeout: 120_000 });
    await page.click('[data-scale="shared"]');
    const legends = await page.$$eval('[data-testid="heatmap-legend"]', (l) => l.map((x) => x.textContent));
    expect(new Set(legends).size).toBe(1);
    const values = await page.$$eval('[data-testid="heatmap"] .cell', (c) => c.map((x) => Number(x.getAttribute('data-value'))));
    expect(legends[0]).toBe(`${Math.min(...values).toFixed(2)}${Math.max(...values).toFixed(2)}`);
    await shot(page, 'fh-12-explorer-shared-scale');
    // one tab stop per matrix; arrows move between cells, each named by its row, column and value
    await page.focus('[data-testid="heatmap"] [data-cell="0-0"]');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const cell = await page.evaluate(() => ({ at: document.activeElement?.getAttribute('data-cell'), label: document.activeElement?.getAttribute('aria-label') }));
    expect(cell.at).toBe('1-1');
    expect(cell.label).toMatch(/^.+ × .+: \d\.\d\d$/);
    expect(await page.locator('[data-testid="heatmap"]').first().locator('[role="gridcell"][tabindex="0"]').count()).toBe(1);
    await page.click('[data-scale="own"]');
  });

  it('the map has a keyboard path: arrows go from point to point, each is read out, Enter opens it', async () => {
    await page.click('[data-nav="map"]');
    await expect.poll(() => page.getAttribute('[data-testid="map-canvas"]', 'data-point-count'), { timeout: 120_000 }).not.toBe('0');
    await page.waitForSelector('[data-testid="map-canvas"][data-loading="false"][data-tweening="false"]', { timeout: 120_000 });
    const n = Number(await page.getAttribute('[data-testid="map-canvas"]', 'data-point-count'));
    await page.focus('[data-testid="map-canvas"]');
    await expect.poll(() => page.textContent('[data-testid="map-spoken"]')).toMatch(new RegExp(`, (photo|sound).* of ${n}\\.$`));
    const heard = new Set<string>();
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp', 'ArrowLeft']) {
      await page.keyboard.press(key);
      await page.waitForTimeout(80);
      heard.add((await page.textContent('[data-testid="map-spoken"]')) ?? '');
    }
    expect(heard.size).toBeGreaterThan(1);
    await page.waitForSelector('[data-testid="map-preview"]');
    await shot(page, 'fh-13-map-keyboard');
    const name = ((await page.textContent('[data-testid="map-spoken"]')) ?? '').split(',')[0];
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="item-name"]')).toBe(name);
  });

  it('no serious or critical accessibility violations (axe-core) on any screen above', () => {
    expect(a11yViolations).toEqual([]);
  });

  it('no uncaught page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
