/**
 * The packaged app's Electron fuses (electron-builder.yml `electronFuses`) and the check that reads them back
 * from a packaged binary (scripts/check-fuses.mjs). The Electron binary cannot be downloaded here, so the
 * wire is exercised on synthetic binaries flipped by electron-builder's own fuse mapping and @electron/fuses;
 * where a packaged build (dist/) or Electron's stock binary exists, the real files are checked too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { flipFuses, getCurrentFuseWire, FuseV1Options } from '@electron/fuses';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
// electron-builder's own config loader, schema validation and fuse mapping (app-builder-lib is electron-builder's
// engine; its index is loaded first, its modules import each other in a cycle).
const { PlatformPackager } = require('app-builder-lib') as {
  PlatformPackager: { prototype: { generateFuseConfig(fuses: unknown): Promise<Record<string, unknown>> } };
};
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<Record<string, unknown>>;
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>;
};
const quietLogger = { isEnabled: false, add() {} };

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Stock Electron fuse states (FuseV1 order): RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on,
 * asar integrity off, only-asar off, browser V8 snapshot off, file:// privileges on. */
const STOCK = '10110001';
const work = mkdtempSync(join(tmpdir(), 'molecule-fuses-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in "binary": random-ish bytes with one fuse wire (or two, like a universal macOS binary) inside. */
function fakeBinary(name: string, wires: string[]): string {
  const parts: Buffer[] = [Buffer.alloc(4096, 0xab)];
  for (const w of wires) parts.push(Buffer.from(SENTINEL, 'latin1'), Buffer.from([1, w.length]), Buffer.from(w, 'latin1'), Buffer.alloc(2048, 0xcd));
  const file = join(work, name);
  writeFileSync(file, Buffer.concat(parts), { mode: 0o755 });
  return file;
}

function checkFuses(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'check-fuses.mjs'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

async function builderConfig(file = 'electron-builder.yml') {
  return getConfig(repoRoot, join(repoRoot, file), null);
}

describe('electron-builder.yml fuses', () => {
  it('carries the hardening the issue asks for', () => {
    const cfg = yaml.load(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean> };
    expect(cfg.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it("passes electron-builder's own schema validation (which rejects a misspelt fuse)", async () => {
    const cfg = await builderConfig();
    await expect(validateConfiguration(cfg, quietLogger)).resolves.toBeUndefined();
    const typo = { ...cfg, electronFuses: { ...(cfg.electronFuses as object), runAsnode: false } };
    await expect(validateConfiguration(typo, quietLogger)).rejects.toThrow(/configuration\.electronFuses/);
  });

  it("maps onto the fuse wire as electron-builder flips it, and the check accepts the result", async () => {
    const cfg = await builderConfig();
    const fuseConfig = await PlatformPackager.prototype.generateFuseConfig.call({}, cfg.electronFuses);
    expect(fuseConfig[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuseConfig[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);

    const bin = fakeBinary('flipped', [STOCK]);
    await flipFuses(bin, fuseConfig as Parameters<typeof flipFuses>[1]);
    // @electron/fuses reads back what it wrote …
    const wire = await getCurrentFuseWire(bin);
    expect(wire[FuseV1Options.RunAsNode]).toBe(0x30);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(0x30);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(0x30);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(0x31);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(0x31);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(0x31);
    // … and our check script agrees.
    const r = checkFuses(bin);
    expect(r.out).toMatch(/^ok /m);
    expect(r.code).toBe(0);
  });

  it('the check fails a stock (unflipped) binary and names each wrong fuse', () => {
    const r = checkFuses(fakeBinary('stock', [STOCK]));
    expect(r.code).toBe(1);
    for (const f of ['RunAsNode', 'EnableCookieEncryption', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'EnableEmbeddedAsarIntegrityValidation', 'OnlyLoadAppFromAsar']) {
      expect(r.out).toMatch(new RegExp(`✗ ${f}\\s`));
    }
  });

  it('checks both slices of a universal macOS binary (one slice left stock fails)', () => {
    const good = '01001101';
    expect(checkFuses(fakeBinary('universal-good', [good, good])).code).toBe(0);
    const r = checkFuses('--json', fakeBinary('universal-half', [good, STOCK]));
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as { results: { wires: number; rows: { slice: number; ok: boolean }[] }[] };
    expect(doc.results[0]!.wires).toBe(2);
    expect(doc.results[0]!.rows.filter((x) => !x.ok).every((x) => x.slice === 1)).toBe(true);
  });

  it('says so when a file has no fuse wire, and when there is nothing to check', () => {
    const none = join(work, 'not-electron');
    writeFileSync(none, Buffer.alloc(1000, 7));
    const r = checkFuses(none);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/no Electron fuse wire/);
    if (!existsSync(join(repoRoot, 'dist'))) {
      const e = checkFuses();
      expect(e.code).toBe(2);
      expect(e.out).toMatch(/npm run dist/);
    }
  });

  // Where Electron's own binary was downloaded (node node_modules/electron/install.js), it is unflipped: the check
  // must read its real wire and fail it. Where a packaged build exists, it must pass.
  const stock = join(repoRoot, 'node_modules', 'electron', 'dist', process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app' : 'electron');
  it.runIf(existsSync(stock))("Electron's stock binary fails the check (its real wire is read)", () => {
    const r = checkFuses(stock);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ RunAsNode/);
  });
  it.runIf(existsSync(join(repoRoot, 'dist')))('every packaged app under dist/ carries the fuses', () => {
    const r = checkFuses();
    expect(r.out).not.toMatch(/FAIL/);
    expect(r.code).toBe(0);
  });
});
