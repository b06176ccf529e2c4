/// <reference lib="dom" />
/**
 * The README is the contract with a newcomer (issue 11, item 10): every command in it is extracted (fenced `sh`
 * blocks, and inline `npm …` / `npx …` / `node …` / `bash …` in the prose and tables) and either run here as
 * written, or excluded below with the reason it cannot run on this machine. A command added to the README that is
 * in neither list fails this test.
 *
 * Runs here, as written:
 *  - every runnable `npx molecule …` example, in order, from a checkout-like folder (the checkout's files linked in, so the
 *    outputs `train.f32` and `library.db` land there and not in the checkout), with HOME set to a folder holding
 *    the `~/Sounds` and `~/Pictures` the examples name;
 *  - `npm run build`, in a copy of the sources (so the suite's own `out/` is not rewritten under running tests);
 *  - `npm start` and `npm run dev` on this machine, where Electron's binary cannot be downloaded: they must stop
 *    with one sentence that names the command that fetches it and the browser mode; and `npm start` with an
 *    Electron binary present (a stand-in executable) builds the app and launches it on this checkout;
 *  - `npm run start:browser` (with BROWSER set to a recorder standing in for the default browser, and a data
 *    folder of its own): the address it opens serves the app, which starts in Chromium.
 *
 * Excluded, each with its reason in EXCLUDED below: installing (npm ci, the CI script itself), downloads that need
 * internet (Electron's installer, CUDA files, the exporter's pip/git steps), a real exported pack, benchmarks, the
 * installer build.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';
import { launchBrowser } from '../e2e/helpers';

/** Commands in README.md, in order: fenced sh/bash blocks (continuation lines joined) and inline shell commands. */
export function readmeCommands(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    for (let line of m[1]!.replace(/\\\n\s*/g, ' ').split('\n')) {
      line = line.replace(/\s+#\s.*$/, '').trim();
      if (line && !line.startsWith('#')) out.push(line);
    }
  }
  const prose = md.replace(/```[\s\S]*?```/g, '');
  for (const m of prose.matchAll(/`([^`\n]+)`/g)) {
    const c = m[1]!.trim();
    if (/^([A-Z_]+=\S*\s+)*(npm|npx|node|bash)\s/.test(c)) out.push(c);
  }
  return [...new Set(out.flatMap((c) => c.split(/\s+&&\s+/)))];
}

const EXCLUDED: [RegExp, string][] = [
  [/^npm ci$/, 'installs node_modules: CI runs exactly this (scripts/install-and-test.sh) just before the tests; run inside a test it would replace the packages the running suite uses'],
  [/^bash scripts\/install-and-test\.sh$/, 'the CI run itself (it runs this test)'],
  [/^npm test$/, 'the whole suite, which contains this test (CI runs it)'],
  [/^node node_modules\/electron\/install\.js$/, "downloads Electron's binary from GitHub: this machine has no internet (the npm start test below checks what a user without it is told)"],
  [/^npm run setup:cuda$/, "fetches ONNX Runtime's CUDA provider files from NuGet: needs internet and an NVIDIA GPU with CUDA 12"],
  [/^npm run dist$/, 'electron-builder downloads Electron and its packaging tools from GitHub: needs internet (docs/APP.md)'],
  [/^npm run bench -- <name>$/, 'a template for a benchmark name; benchmarks print figures and run for minutes, they are not tests (npm run bench)'],
  [/^npx molecule …$/, 'a placeholder for the commands listed below it'],
  [
    /^(python3\.10 -m venv|\. ~\/molecule-export\/bin\/activate$|pip install|cd tools\/export$|python -m molecule_export )/,
    "exporting a real pack needs the exporter's Python 3.10 venv (pip and git from the internet), the official checkpoints and ~16 GB of RAM; the exporter's steps are tested in test/export",
  ],
  [/^npx molecule pack verify ~\/packs\//, 'needs a real exported pack: no model weights can be had here'],
  [
    /^npx molecule pack get (org\/name\[@revision\]|https:\/\/…\/pack\.json)$/,
    'templates (org/name, an https address) for a download from Hugging Face or a web server: needs internet; the download itself is tested against a stand-in hub (test/pack/download.test.ts)',
  ],
];

const RUN: [RegExp, string][] = [
  [/^npx molecule (pack verify models\/|pack recommend$|embed |matrix |preprocess |index |search |tag |duplicates )/, 'cli'],
  [/^npm run build$/, 'build'],
  [/^npm start$/, 'start'],
  [/^npm run dev$/, 'dev'],
  [/^(BROWSER=none )?npm run start:browser$/, 'browser'],
  [/^node -v$/, 'node-version'],
];

const commands = readmeCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
const planOf = (c: string) => RUN.find(([re]) => re.test(c))?.[1] ?? null;
const work = mkdtempSync(join(tmpdir(), 'molecule-readme-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  rmSync(work, { recursive: true, force: true });
});

function sh(cmd: string, opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }) {
  const r = spawnSync('bash', ['-c', cmd], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: opts.timeout ?? 300_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * A copy of the sources (node_modules linked in) for commands that build: the suite's own out/ is served and run by
 * tests running at the same time, and must not be rewritten under them.
 */
function sourceCopy(name: string): string {
  const copy = join(work, name);
  mkdirSync(copy);
  for (const d of ['scripts', 'src-main', 'src-renderer', 'bench', 'test/helpers', 'resources', 'models', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.web.json', 'electron.vite.config.ts'])
    if (existsSync(join(repoRoot, d))) cpSync(join(repoRoot, d), join(copy, d), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/** A folder that looks like the checkout to the commands (its parts linked in), for outputs that must not land in it. */
function checkoutLike(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'bin', 'out', 'node_modules', 'resources', 'models']) symlinkSync(join(repoRoot, f), join(dir, f));
  return dir;
}

describe('README commands', () => {
  it('every command is either run below or excluded with its reason', () => {
    expect(commands.length).toBeGreaterThan(15);
    const unclassified = commands.filter((c) => !planOf(c) && !EXCLUDED.some(([re]) => re.test(c)));
    expect(unclassified, 'README commands neither run nor excluded in test/readme/commands.test.ts').toEqual([]);
    // the quick start's promises are there
    for (const c of ['npm ci', 'npm start', 'node node_modules/electron/install.js', 'npm run start:browser', 'bash scripts/install-and-test.sh']) expect(commands).toContain(c);
  });

  it('node -v runs; the Node version the README states is package.json "engines", and every dependency accepts it', () => {
    expect(sh('node -v', { cwd: repoRoot }).stdout).toMatch(/^v\d+\.\d+\.\d+\n$/);
    const stated = /Node\.js (\d+\.\d+) or later/.exec(readFileSync(join(repoRoot, 'README.md'), 'utf8'))?.[1];
    const engines = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${stated}`);
    const min = semver.minVersion(engines)!.version;
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string }; os?: string[]; cpu?: string[] }>;
    };
    // packages npm installs on a supported machine: Linux, macOS or Windows on x64 or arm64 (platform packages for
    // wasm32 or 32-bit Windows are never installed there, so their engines do not apply)
    const fits = (list: string[] | undefined, ok: string[]) => !list || list.some((x) => ok.includes(x));
    const installed = Object.entries(lock.packages).filter(([name, p]) => name && fits(p.os, ['linux', 'darwin', 'win32']) && fits(p.cpu, ['x64', 'arm64']));
    const refuse = installed
      .filter(([, p]) => p.engines?.node && !semver.satisfies(min, p.engines.node))
      .map(([name, p]) => `${name.replace(/^.*node_modules\//, '')} wants node ${p.engines!.node}`);
    expect(refuse, `dependencies that refuse Node ${min}`).toEqual([]);
    // …and the stated minimum is the highest any of them asks (not lower: npm ci would warn EBADENGINE)
    const highest = installed
      .map(([, p]) => p.engines?.node)
      .filter((r): r is string => !!r && !!semver.validRange(r))
      .map((r) => semver.minVersion(r)!.version)
      .sort(semver.compare)
      .pop()!;
    expect(semver.gte(min, highest)).toBe(true);
  });

  it('npm runs without a warning about the project config, and npm ci fetched no CUDA files (they are opt-in)', () => {
    const r = sh('npm pkg get name', { cwd: repoRoot });
    expect(r.stdout.trim()).toBe('"molecule-space"');
    expect(r.stderr).not.toMatch(/warn/i);
    expect(sh('npm config get ignore-scripts', { cwd: repoRoot }).stdout.trim()).toBe('true');
    // what onnxruntime-node's install script would have downloaded on Linux x64 (npm run setup:cuda opts in)
    const cuda = join(repoRoot, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');
    if (process.platform === 'linux' && process.arch === 'x64') expect(existsSync(cuda), cuda).toBe(false);
  });

  it('the command-line examples run as written, in order', () => {
    const home = join(work, 'home');
    for (const [sub, files] of [
      ['Sounds', ['BBQ.wav', 'toilet.wav', 'train.wav']],
      ['Pictures', ['BBQ.jpeg', 'toilet.jpeg', 'train.jpeg']],
    ] as const) {
      mkdirSync(join(home, sub), { recursive: true });
      for (const f of files) copyFileSync(join(repoRoot, 'resources', 'demo', f), join(home, sub, f));
    }
    copyFileSync(join(repoRoot, 'resources', 'demo', 'train.jpeg'), join(home, 'Pictures', 'station.jpg'));
    const cwd = checkoutLike(join(work, 'checkout'));
    const cli = commands.filter((c) => planOf(c) === 'cli');
    expect(cli.length).toBeGreaterThanOrEqual(8);
    for (const c of cli) {
      const r = sh(c, { cwd, env: { HOME: home } });
      expect(r.code, `${c}\n${r.stderr}`).toBe(0);
      if (c.includes('--json')) expect(() => JSON.parse(r.stdout.trim().split('\n').pop()!), c).not.toThrow();
      if (c.includes(' search ')) {
        const res = JSON.parse(r.stdout) as { results: { path: string }[]; coverage: { covered: number; total: number } };
        expect(res.results[0]!.path).toMatch(/train\.jpeg$|station\.jpg$/);
        expect(res.coverage).toEqual({ covered: 6, total: 6 });
      }
      // station.jpg is a copy of train.jpeg: one item, its vectors reused
      if (c.includes(' index ')) expect(JSON.parse(r.stdout)).toMatchObject({ phase: 'done', indexed: 6, skipped: 1, failed: 0 });
      if (c.endsWith('pack recommend')) expect(r.stdout).toMatch(/^Recommended for this machine: /);
    }
    expect(statSync(join(cwd, 'train.f32')).size).toBeGreaterThan(1000);
    expect(existsSync(join(cwd, 'library.db'))).toBe(true);
  });

  it('npm run build bundles the engine (in a copy of the sources)', () => {
    const copy = sourceCopy('src-copy');
    const r = sh('npm run build', { cwd: copy });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['out/cli/molecule.js', 'out/bridge/server.js', 'out/workers/library-prep.js']) expect(existsSync(join(copy, f)), f).toBe(true);
  });

  // Where Electron's binary cannot be downloaded (this machine; offline users): one sentence, the way forward.
  // The mirror points at a closed local port so the download fails the same way on a machine with internet, and
  // ELECTRON_OVERRIDE_DIST_PATH hides a binary a developer may have installed.
  const noElectron = () => {
    const empty = join(work, 'no-electron');
    mkdirSync(empty, { recursive: true });
    return { ELECTRON_OVERRIDE_DIST_PATH: empty, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: join(work, 'electron-cache'), ELECTRON_EXEC_PATH: '' };
  };

  for (const cmd of ['npm start', 'npm run dev']) {
    it(`${cmd} without Electron's binary: one clear sentence naming the fetch command and the browser mode`, () => {
      expect(commands).toContain(cmd);
      const r = sh(cmd, { cwd: repoRoot, env: noElectron(), timeout: 120_000 });
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('Molecule Space'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Molecule Space cannot open as a desktop app: Electron's binary is not installed and could not be downloaded \(.+\) — fetch it with `node node_modules\/electron\/install\.js` when you are online, or run `npm run start:browser` to use the same app in your web browser now\.$/);
      // nothing was built before saying so
      expect(r.stdout).not.toMatch(/built \d+ entry points|vite/i);
    });
  }

  it('npm start with an Electron binary: builds the app and launches Electron on the checkout (a copy of it)', () => {
    const copy = sourceCopy('start-copy');
    const fake = join(work, 'fake-electron');
    const log = join(work, 'fake-electron.log');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$PWD" "$@" > '${log}'\nexit 0\n`);
    chmodSync(fake, 0o755);
    const r = sh('npm start', { cwd: copy, env: { ELECTRON_EXEC_PATH: fake }, timeout: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    const [cwd, ...args] = readFileSync(log, 'utf8').trim().split('\n');
    expect(cwd).toBe(copy);
    expect(args).toContain('.');
    for (const f of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/bridge/server.js']) expect(existsSync(join(copy, f)), f).toBe(true);
  }, 600_000);

  it('npm run start:browser opens the app with its token in the default browser; the app starts', async () => {
    expect(commands).toContain('npm run start:browser');
    const opened = join(work, 'opened-url');
    const recorder = join(work, 'browser');
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(recorder, 0o755);
    const config = join(work, 'config');
    const p = spawn('bash', ['-c', 'npm run start:browser'], { cwd: repoRoot, env: { ...process.env, BROWSER: recorder, XDG_CONFIG_HOME: config }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(p);
    let stdout = '';
    p.stdout!.on('data', (d) => (stdout += d));
    await expect.poll(() => existsSync(opened), { timeout: 120_000, interval: 200 }).toBe(true);
    const url = readFileSync(opened, 'utf8');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+#token=[\w-]+$/);
    await expect.poll(() => stdout).toContain(`Molecule Space is running at ${url}`);
    expect(stdout).toContain(`(library: ${join(config, 'Molecule Space')}; press Ctrl+C to stop)`);
    const { ctx, page } = await launchBrowser();
    try {
      await page.goto(url);
      await page.waitForSelector('[data-testid="statusbar"]', { timeout: 60_000 });
      expect(await page.textContent('[data-testid="statusbar"]')).toMatch(/On this computer/);
      expect(await page.$('[data-testid="open-demo"]')).not.toBeNull();
    } finally {
      await ctx.close();
    }
    // the address without its token is refused
    const bare = await fetch(url.replace(/\?.*$/, 'api/invoke/app:info'), { method: 'POST', body: '{}' });
    expect(bare.status).toBe(401);
    process.kill(-p.pid!, 'SIGINT');
    await expect.poll(() => p.exitCode !== null || p.signalCode !== null, { timeout: 20_000 }).toBe(true);
    // BROWSER=none: the address is printed, nothing is opened
    rmSync(opened);
    const q = spawn('bash', ['-c', 'BROWSER=none npm run start:browser'], { cwd: repoRoot, env: { ...process.env, XDG_CONFIG_HOME: config }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(q);
    let out2 = '';
    q.stdout!.on('data', (d) => (out2 += d));
    await expect.poll(() => out2, { timeout: 60_000 }).toMatch(/Not opening a browser \(BROWSER=none\)/);
    expect(existsSync(opened)).toBe(false);
    process.kill(-q.pid!, 'SIGINT');
    await expect.poll(() => q.exitCode !== null || q.signalCode !== null, { timeout: 20_000 }).toBe(true);
  }, 180_000);
});
