import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, existsSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import axe from 'axe-core';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const screenshotDir = join(repoRoot, 'test-output', 'screenshots');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function newestMtime(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return t;
}

/** Builds the renderer (electron-vite) unless out/renderer is newer than every source file of the UI. */
export function ensureRendererBuilt(): void {
  const index = join(repoRoot, 'out', 'renderer', 'index.html');
  const srcTime = Math.max(
    newestMtime(join(repoRoot, 'src-renderer')),
    newestMtime(join(repoRoot, 'src-main', 'ipc', 'contract')),
    newestMtime(join(repoRoot, 'src-main', 'domain')),
  );
  if (existsSync(index) && statSync(index).mtimeMs > srcTime) return;
  const cli = join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  execFileSync(process.execPath, [cli, 'build'], { cwd: repoRoot, stdio: 'pipe' });
}

export interface RunningBridge {
  url: string;
  token: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  stderr: string[];
  stop(): Promise<void>;
}

/**
 * `extraArgs`: more bridge options, e.g. ['--trash-dir', DIR] (tests never touch the real trash).
 * `env`: added to this process's environment (e.g. HF_ENDPOINT for pack downloads; HOME so that "~" in a typed
 * path means a test folder).
 */
export async function startBridgeProcess(packDir: string, existingDataDir?: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningBridge> {
  const dataDir = existingDataDir ?? mkdtempSync(join(tmpdir(), 'molecule-e2e-data-'));
  const proc = spawn(process.execPath, [join(repoRoot, 'out', 'bridge', 'server.js'), '--port', '0', '--data-dir', dataDir, '--pack', packDir, ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const stderr: string[] = [];
  proc.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const first = await new Promise<string>((ok, fail) => {
    const rl = createInterface({ input: proc.stdout! });
    const timer = setTimeout(() => fail(new Error(`bridge did not start: ${stderr.join('')}`)), 60_000);
    rl.once('line', (l) => {
      clearTimeout(timer);
      ok(l);
    });
    proc.once('exit', (code) => fail(new Error(`bridge exited with ${code}: ${stderr.join('')}`)));
  });
  const info = JSON.parse(first) as { url: string; token: string; port: number };
  return {
    ...info,
    dataDir,
    proc,
    stderr,
    stop: () =>
      new Promise<void>((ok) => {
        if (proc.exitCode !== null) return ok();
        proc.once('exit', () => ok());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export async function launchBrowser(): Promise<{ ctx: BrowserContext; page: Page }> {
  const profile = mkdtempSync(join(tmpdir(), 'molecule-e2e-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 880 },
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  return { ctx, page };
}

/** Saves test-output/screenshots/<name>.png, and checks the same screen for accessibility (see a11yViolations). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
  await checkA11y(page, name);
}

/** Serious and critical axe-core findings of every screen checked so far in this test file (each e2e file asserts it is empty). */
export const a11yViolations: string[] = [];
// the script axe-core ships for pages (its Node entry exposes it as `source`)
const axeSource = axe.source;

/**
 * Runs axe-core (WCAG 2.x A/AA rules and best practices) on the page as it is now, and records every serious or
 * critical violation as "screen: rule (impact): target — summary". axe is evaluated through the DevTools protocol,
 * so the page's own CSP (no inline scripts) stays in force.
 */
export async function checkA11y(page: Page, screen: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.slice(0, 5).map((n) => `${v.id} (${v.impact}): ${JSON.stringify(n.target)} — ${v.help}; ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)}`));
  });
  for (const f of found) a11yViolations.push(`${screen}: ${f}`);
}

/** Calls the contract through the bridge (to check engine state the UI does not show directly). */
export async function invoke<T = unknown>(b: RunningBridge, channel: string, payload: unknown = {}): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${b.port}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-molecule-token': b.token },
    body: JSON.stringify(payload),
  });
  const body = (await res.json()) as { result?: T; error?: { code: string; message: string } };
  if (!res.ok) throw Object.assign(new Error(body.error?.message ?? `HTTP ${res.status}`), { code: body.error?.code });
  return body.result as T;
}

/** A 16-bit PCM mono WAV: a few tones with an envelope, so waveform and spectrogram have structure. */
export function wav(seconds: number, freqs: number[], rate = 22050): Buffer {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.7 * t);
    let v = 0;
    for (const f of freqs) v += Math.sin(2 * Math.PI * f * t) / freqs.length;
    data.writeInt16LE(Math.round(v * env * 0.8 * 32767), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
