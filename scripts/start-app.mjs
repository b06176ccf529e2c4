#!/usr/bin/env node
/**
 * `npm start` (`start-app.mjs preview`) and `npm run dev` (`start-app.mjs dev`, with hot reload): opens Molecule
 * Space as a desktop app (Electron).
 *
 * Electron's npm package (≥ 42) ships without its binary; it is downloaded from GitHub the first time it is
 * needed. This script does that download itself when the binary is missing, so `npm ci && npm start` works on a
 * machine with internet. Where the download cannot happen (offline, a proxy, CI), it stops with one sentence that
 * says so, gives the command that fetches the binary later, and points to the browser mode (`npm run
 * start:browser`), which runs the same app in a web browser without Electron.
 *
 * Then it bundles the engine (scripts/build-engine.mjs) and runs `electron-vite preview|dev` (which builds the
 * main process, preload and UI, and starts Electron on them). Arguments after `npm start --` go to electron-vite.
 *
 * ELECTRON_EXEC_PATH (an Electron binary of your own) and ELECTRON_OVERRIDE_DIST_PATH (a folder holding it) are
 * honoured, as by Electron's own package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The Electron binary this checkout would run, or null when it is not on disk. */
export function electronBinary(env = process.env) {
  if (env.ELECTRON_EXEC_PATH) return existsSync(env.ELECTRON_EXEC_PATH) ? env.ELECTRON_EXEC_PATH : null;
  const pkgDir = dirname(require.resolve('electron/package.json'));
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkgDir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

/** Runs Electron's own installer (the download); returns null on success, else a short reason. */
function downloadElectron() {
  const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
  process.stdout.write("Electron's binary is not installed yet: downloading it once (about 100 MB)…\n");
  const r = spawnSync(process.execPath, [installer], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status === 0) return null;
  if (r.error) return r.error.message;
  // The installer prints only a stack: its first line is the error. A network-level failure ("fetch failed",
  // DNS, refused, timed out) says nothing more useful than that there was no connection.
  const first = (r.stderr ?? '').split('\n').map((l) => l.trim()).find(Boolean) ?? `the installer exited with ${r.status}`;
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH/.test(first)) return 'no connection to the download server';
  return first.slice(0, 160);
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  let bin = electronBinary();
  let reason = null;
  if (!bin) {
    reason = downloadElectron();
    bin = electronBinary();
    if (!bin && !reason) reason = 'the download finished but the binary is still missing';
  }
  if (!bin) {
    process.stderr.write(
      `Molecule Space cannot open as a desktop app: Electron's binary is not installed and could not be downloaded (${reason}) — ` +
        'fetch it with `node node_modules/electron/install.js` when you are online, or run `npm run start:browser` to use the same app in your web browser now.\n',
    );
    process.exit(1);
  }
  const env = { ...process.env, ELECTRON_EXEC_PATH: bin };
  let status = run(process.execPath, [join(root, 'scripts', 'build-engine.mjs')], env);
  const [mode = 'preview', ...rest] = process.argv.slice(2);
  if (status === 0) status = run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), mode === 'dev' ? 'dev' : 'preview', ...rest], env);
  process.exit(status);
}
