import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appLayout, engineEnv, unpackedAppPath } from '../../src-main/electron/app-paths';

const repoRoot = resolve(import.meta.dirname, '..', '..');

describe('Electron app layout', () => {
  it('in development points at this checkout: preload .cjs, engine, renderer and the repo root exist after the build', () => {
    const l = appLayout({ isPackaged: false, appPath: repoRoot, resourcesPath: '/nonexistent', mainDir: join(repoRoot, 'out', 'main') });
    expect(l.appRoot).toBe(repoRoot);
    expect(l.workersDir).toBeNull();
    expect(l.preloadFile).toBe(join(repoRoot, 'out', 'preload', 'index.cjs'));
    for (const f of [l.preloadFile, l.engineFile, l.rendererHtml]) expect(existsSync(f), f).toBe(true);
    for (const r of ['demo', 'vocab', 'vocabularies', 'onnx-graphs']) expect(existsSync(join(l.appRoot, 'resources', r)), r).toBe(true);
  });

  it('packaged on Linux: workers from app.asar.unpacked, resources and models from the resources folder', () => {
    const res = '/opt/Molecule Space/resources';
    const l = appLayout({ isPackaged: true, appPath: `${res}/app.asar`, resourcesPath: res, mainDir: `${res}/app.asar/out/main`, platform: 'linux' });
    expect(l.appRoot).toBe(res);
    expect(l.workersDir).toBe(`${res}/app.asar.unpacked/out/workers`);
    expect(l.preloadFile).toBe(`${res}/app.asar/out/preload/index.cjs`);
    expect(l.engineFile).toBe(`${res}/app.asar/out/main/engine.js`);
    expect(l.rendererHtml).toBe(`${res}/app.asar/out/renderer/index.html`);
  });

  it('packaged on Windows with backslash paths', () => {
    const res = 'C:\\Users\\Ann\\AppData\\Local\\Programs\\Molecule Space\\resources';
    const l = appLayout({ isPackaged: true, appPath: `${res}\\app.asar`, resourcesPath: res, mainDir: `${res}\\app.asar\\out\\main`, platform: 'win32' });
    expect(l.workersDir).toBe(`${res}\\app.asar.unpacked\\out\\workers`);
    expect(l.preloadFile).toBe(`${res}\\app.asar\\out\\preload\\index.cjs`);
  });

  it('packaged without asar keeps the plain app folder; only a trailing app.asar is rewritten', () => {
    expect(unpackedAppPath('/x/resources/app')).toBe('/x/resources/app');
    expect(unpackedAppPath('/x/app.asar.d/resources/app.asar')).toBe('/x/app.asar.d/resources/app.asar.unpacked');
    expect(unpackedAppPath('/x/resources/app.asar/')).toBe('/x/resources/app.asar.unpacked');
  });

  it('engine env: sets the packaged paths but never overrides explicit ones', () => {
    const l = appLayout({ isPackaged: true, appPath: '/r/app.asar', resourcesPath: '/r', mainDir: '/r/app.asar/out/main', platform: 'linux' });
    expect(engineEnv(l, { PATH: '/bin' })).toEqual({ PATH: '/bin', MOLECULE_APP_ROOT: '/r', MOLECULE_WORKERS_DIR: '/r/app.asar.unpacked/out/workers' });
    expect(engineEnv(l, { MOLECULE_APP_ROOT: '/mine' }).MOLECULE_APP_ROOT).toBe('/mine');
    const dev = appLayout({ isPackaged: false, appPath: repoRoot, resourcesPath: '', mainDir: join(repoRoot, 'out', 'main') });
    expect(engineEnv(dev, {}).MOLECULE_WORKERS_DIR).toBeUndefined();
  });
});
