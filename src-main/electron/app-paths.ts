/**
 * Where the Electron app finds its parts, in development (`electron-vite dev|preview`, run from the repo)
 * and in a packaged build (electron-builder: app.asar + app.asar.unpacked + extraResources + the afterPack package.json). Plain module
 * (no electron import) so the layout rules are unit-tested; main.ts feeds it app.isPackaged,
 * app.getAppPath(), process.resourcesPath and its own folder.
 *
 * Packaged layout (electron-builder.yml):
 *   <resources>/app.asar/out/{main,preload,renderer}/…   main, preload and UI (read through Electron's asar fs)
 *   <resources>/app.asar.unpacked/out/workers/*.js       worker_threads entries (real files on disk)
 *   <resources>/app.asar.unpacked/node_modules/…         native modules (onnxruntime-node, sharp, libsql) and the
 *                                                        workers' npm imports
 *   <resources>/resources/{demo,vocab,vocabularies,onnx-graphs,icons}, <resources>/models/…, <resources>/package.json
 */
import { win32, posix } from 'node:path';

export interface AppLayoutInput {
  isPackaged: boolean;
  /** app.getAppPath(): …/resources/app.asar when packaged with asar, …/resources/app without. */
  appPath: string;
  /** process.resourcesPath (packaged only). */
  resourcesPath: string;
  /** Folder of the bundled main-process module (out/main). */
  mainDir: string;
  platform?: NodeJS.Platform;
}

export interface AppLayout {
  /** Folder holding resources/ and models/ (MOLECULE_APP_ROOT for the engine). */
  appRoot: string;
  /** Folder holding the worker entries (MOLECULE_WORKERS_DIR), or null to let workerPath() search. */
  workersDir: string | null;
  preloadFile: string;
  engineFile: string;
  rendererHtml: string;
}

/** app.asar → app.asar.unpacked (only as the last path component; a plain `app` folder is returned unchanged). */
export function unpackedAppPath(appPath: string): string {
  return appPath.replace(/app\.asar([\\/]*)$/, 'app.asar.unpacked');
}

export function appLayout(i: AppLayoutInput): AppLayout {
  const p = (i.platform ?? process.platform) === 'win32' ? win32 : posix;
  const mainDir = i.mainDir;
  const outDir = p.join(mainDir, '..');
  const common = {
    preloadFile: p.join(outDir, 'preload', 'index.cjs'),
    engineFile: p.join(mainDir, 'engine.js'),
    rendererHtml: p.join(outDir, 'renderer', 'index.html'),
  };
  if (!i.isPackaged) return { ...common, appRoot: p.join(outDir, '..'), workersDir: null };
  return { ...common, appRoot: i.resourcesPath, workersDir: p.join(unpackedAppPath(i.appPath), 'out', 'workers') };
}

/** The engine env a packaged build needs; explicit values already in env win (tests, power users). */
export function engineEnv(layout: AppLayout, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  out.MOLECULE_APP_ROOT ??= layout.appRoot;
  if (layout.workersDir) out.MOLECULE_WORKERS_DIR ??= layout.workersDir;
  return out;
}

