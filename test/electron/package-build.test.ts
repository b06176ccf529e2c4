/**
 * A real `electron-builder --linux dir` run of this repository's electron-builder.yml. Electron's binary cannot be
 * downloaded here, so `electronDist` points at a synthetic Electron distribution: one executable holding a stock
 * fuse wire. Everything else is electron-builder's own work: app.asar from the `files` lists, the unpacked native
 * modules, extraResources, the afterPack hook, and the fuse flip. Then scripts/check-fuses.mjs reads the wire back.
 * Needs `npm run build:app` (out/); about 40 s and 350 MB in a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as { listPackage(archive: string): string[] };

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const STOCK = '10110001'; // RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, asar integrity off, only-asar off, …
const work = mkdtempSync(join(tmpdir(), 'molecule-package-'));
const unpacked = join(work, 'dist', 'linux-unpacked');
let build: { status: number | null; out: string };
let listing: string[] = [];

beforeAll(() => {
  if (!existsSync(join(repoRoot, 'out', 'main', 'index.js'))) throw new Error('run `npm run build:app` first (out/main is missing)');
  const dist = join(work, 'electron-dist');
  mkdirSync(join(dist, 'resources'), { recursive: true });
  const wire = Buffer.concat([Buffer.from(SENTINEL, 'latin1'), Buffer.from([1, STOCK.length]), Buffer.from(STOCK, 'latin1')]);
  writeFileSync(join(dist, 'electron'), Buffer.concat([Buffer.alloc(4096, 0xab), wire, Buffer.alloc(2048, 0xcd)]), { mode: 0o755 });
  writeFileSync(join(dist, 'LICENSE'), 'synthetic Electron distribution for the packaging test\n');
  const r = spawnSync(
    process.execPath,
    [require.resolve('electron-builder/cli.js'), '--config', 'electron-builder.yml', '--linux', 'dir', `-c.electronDist=${dist}`, `-c.directories.output=${join(work, 'dist')}`],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' }, maxBuffer: 64 * 1024 * 1024 },
  );
  build = { status: r.status, out: `${r.stdout}\n${r.stderr}` };
  if (r.status === 0) listing = asar.listPackage(join(unpacked, 'resources', 'app.asar'));
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('packaged Linux app (electron-builder.yml, synthetic Electron binary)', () => {
  it('builds', () => {
    expect(build.out.split('\n').filter((l) => l.includes('⨯')).join('\n')).toBe('');
    expect(build.status).toBe(0);
  });

  it('the binary carries the fuses: electron-builder flipped the stock wire and the check reads it back', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'check-fuses.mjs'), join(unpacked, 'molecule-space')], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stdout).toMatch(/^ok /m);
    expect(r.status).toBe(0);
    // The same run without a packaged build: the check is what would catch a config that lost its fuses.
    expect(readFileSync(join(work, 'electron-dist', 'electron')).includes(Buffer.from(SENTINEL + '\x01\x08' + STOCK, 'latin1'))).toBe(true);
  });

  it('app.asar holds the built app and package.json, nothing else of the project', () => {
    const top = [...new Set(listing.filter((f) => !f.startsWith('/node_modules')).map((f) => f.split('/').slice(0, 3).join('/')))].sort();
    expect(top).toEqual(['/out', '/out/main', '/out/preload', '/out/renderer', '/out/workers', '/package.json']);
    for (const f of ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html']) expect(listing).toContain(f);
    expect(listing.filter((f) => f.endsWith('.map') || f.endsWith('.d.ts'))).toEqual([]);
    for (const dev of ['vite', 'vitest', 'svelte', 'typescript', 'playwright-core']) expect(listing).not.toContain(`/node_modules/${dev}`);
  });

  it('only the Linux ONNX Runtime binaries are shipped, unpacked beside the archive', () => {
    const platforms = listing.filter((f) => /^\/node_modules\/onnxruntime-node\/bin\/napi-v\d+\/[^/]+$/.test(f)).map((f) => f.split('/').pop());
    expect(platforms).toEqual(['linux']);
    expect(existsSync(join(unpacked, 'resources', 'app.asar.unpacked', 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'onnxruntime_binding.node'))).toBe(true);
    expect(existsSync(join(unpacked, 'resources', 'app.asar.unpacked', 'out', 'workers', 'preprocess.js'))).toBe(true);
  });

  it('the resources folder is an app root: package.json (afterPack hook), resources/, models/ with the test packs', () => {
    const res = join(unpacked, 'resources');
    expect(readFileSync(join(res, 'package.json'), 'utf8')).toBe(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(existsSync(join(res, 'resources', 'vocab'))).toBe(true);
    expect(existsSync(join(res, 'models', 'test-packs', 'ib-pp-test', 'pack.json'))).toBe(true);
    expect(existsSync(join(res, 'models', 'test-packs', 'ib-pp-test', 'expected.json'))).toBe(false);
  });
});
