#!/usr/bin/env node
/**
 * `npm run start:browser`: the same app in your web browser, without Electron.
 *
 * Builds what is out of date (the engine bundle and the UI), starts the local bridge on 127.0.0.1 (the engine
 * behind the same typed API the desktop app uses, guarded by a random token) and opens its address, token
 * included, in the default browser. The library is the desktop app's own (same data folder), so both show the
 * same folders and index; run one of them at a time. Ctrl+C stops it.
 *
 *   npm run start:browser [-- --no-open] [-- --port N] [-- --data-dir DIR] [-- --pack DIR]
 *
 * BROWSER=<command> opens the address with that command instead of the system's default browser
 * (BROWSER=none: do not open anything, just print the address).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The desktop app's data folder (Electron's userData for the product name "Molecule Space"). */
export function appDataDir(platform = process.platform, env = process.env) {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Molecule Space');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Molecule Space');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'Molecule Space');
}

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

/** Rebuilds the engine bundle and the UI when a source file is newer than what was built. */
function buildIfStale() {
  const sources = Math.max(newest(join(root, 'src-main')), newest(join(root, 'src-renderer')), newest(join(root, 'package.json')));
  const built = (f) => (existsSync(f) ? statSync(f).mtimeMs : 0);
  const steps = [];
  if (built(join(root, 'out', 'bridge', 'server.js')) < sources) steps.push([join(root, 'scripts', 'build-engine.mjs')]);
  if (built(join(root, 'out', 'renderer', 'index.html')) < sources) steps.push([join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
  for (const args of steps) {
    process.stdout.write(`building: ${args[0].slice(root.length + 1)} ${args.slice(1).join(' ')}\n`);
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

/** Opens `url` in the default browser; resolves to null, or to why it could not. */
function openBrowser(url) {
  const custom = process.env.BROWSER;
  if (custom === 'none') return Promise.resolve('BROWSER=none');
  const [cmd, args] = custom
    ? [custom, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]];
  // The opener returns at once when it hands the address to a browser; a quick non-zero exit (no browser, no
  // display) is reported. After 3 s it is left alone (some openers stay with the browser they started).
  return new Promise((ok) => {
    const p = spawn(cmd, args, { stdio: 'ignore', detached: process.platform !== 'win32' });
    const timer = setTimeout(() => {
      p.unref();
      ok(null);
    }, 3000);
    p.once('error', (e) => {
      clearTimeout(timer);
      ok(`${cmd}: ${e.code === 'ENOENT' ? 'not installed' : e.message}`);
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      ok(code ? `${cmd} exited with ${code}` : null);
    });
  });
}

function option(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  buildIfStale();
  const { startBridge } = await import(pathToFileURL(join(root, 'out', 'bridge', 'server.js')).href);
  const port = Number(option('--port') ?? 0);
  const dataDir = resolve(option('--data-dir') ?? appDataDir());
  const bridge = await startBridge({ port, dataDir, appRoot: root, packDir: option('--pack') ? resolve(option('--pack')) : undefined });
  process.stdout.write(`Molecule Space is running at ${bridge.url}\n(library: ${dataDir}; press Ctrl+C to stop)\n`);
  if (!process.argv.includes('--no-open')) {
    const failed = await openBrowser(bridge.url);
    if (failed === 'BROWSER=none') process.stdout.write('Not opening a browser (BROWSER=none): open the address above in one.\n');
    else if (failed) process.stdout.write(`Could not open a browser (${failed}): open the address above in one.\n`);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await bridge.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
