// The third-party licence list (scripts/licences.mjs), generated from node_modules at build time and shown in
// the About view: every installed production package is in it with its declared licence and its licence
// files; development-only packages are not; the libsoxr-derived resampler comes with its notice and LGPL text.
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectLicences, packageDirOf, shippedPackageDirs } from '../../scripts/licences.mjs';
import { repoRoot } from '../helpers/fixtures';

const list = collectLicences(repoRoot, { rendererDirs: [join(repoRoot, 'node_modules', 'svelte')] });
const entry = (name: string) => list.packages.find((p) => p.name === name);

describe('licence list', () => {
  it('has every installed production package of the lockfile, and no development-only one', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const dirs = shippedPackageDirs(repoRoot);
    expect(dirs.length).toBeGreaterThan(50);
    for (const dir of dirs) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
      expect(list.packages.some((p) => p.name === pkg.name && p.version === pkg.version), `${pkg.name}@${pkg.version}`).toBe(true);
    }
    // each direct dependency is there
    const deps = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    for (const d of deps) expect(entry(d)?.bundled, d).toContain('shipped');
    // dev-only packages (test runner, type checker, bundler) are not shipped
    for (const dev of ['vitest', 'typescript', 'playwright-core', 'electron-vite']) {
      expect(lock.packages[`node_modules/${dev}`]?.dev, dev).toBe(true);
      expect(entry(dev), dev).toBeUndefined();
    }
  });

  it("carries each package's declared licence and its licence files' text", () => {
    const sharp = entry('sharp')!;
    expect(sharp.licence).toBe('Apache-2.0');
    expect(sharp.files.map((f) => f.name)).toContain('LICENSE');
    expect(sharp.files.find((f) => f.name === 'LICENSE')!.text).toMatch(/Apache License\s+Version 2\.0/);
    const ort = entry('onnxruntime-node')!;
    expect(ort.licence).toBe('MIT');
    expect(entry('chokidar')!.files[0]!.text).toMatch(/MIT License|Permission is hereby granted/);
    for (const p of list.packages) {
      expect(p.licence, `${p.name}@${p.version}`).not.toBe('');
      for (const f of p.files) expect(f.text.length, `${p.name}/${f.name}`).toBeGreaterThan(0);
    }
  });

  it('adds the packages bundled into the renderer, marked as such', () => {
    expect(entry('svelte')!.bundled).toEqual(['renderer']);
    expect(entry('svelte')!.licence).toBe('MIT');
  });

  it('lists the libsoxr-derived resampler with its notice and the full LGPL-2.1 text', () => {
    expect(list.derived).toHaveLength(1);
    const soxr = list.derived[0]!;
    expect(soxr).toMatchObject({ licence: 'LGPL-2.1-or-later', bundled: ['source'] });
    const [notice, licence] = soxr.files;
    expect(notice!.name).toBe('src-main/preprocess/audio/soxr/NOTICE.md');
    expect(notice!.text).toMatch(/derived from\s+libsoxr/);
    expect(licence!.name).toBe('src-main/preprocess/audio/soxr/LICENSE');
    expect(licence!.text).toMatch(/GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1, February 1999/);
    expect(licence!.text).toMatch(/END OF TERMS AND CONDITIONS/);
  });

  it("the resampler's files say what they are, and only they carry the LGPL", () => {
    for (const f of ['soxr-hq.ts', 'convolve.ts']) {
      expect(readFileSync(join(repoRoot, 'src-main/preprocess/audio/soxr', f), 'utf8')).toMatch(/^\/\/ SPDX-License-Identifier: LGPL-2\.1-or-later\n/);
    }
  });

  it('finds the package of a bundled module, scoped or nested', () => {
    const nm = (...p: string[]) => ['', 'r', 'node_modules', ...p].join(sep);
    expect(packageDirOf(nm('svelte', 'src', 'internal', 'client', 'index.js'))).toBe(nm('svelte'));
    expect(packageDirOf(nm('@fontsource-variable', 'inter', 'index.css') + '?inline')).toBe(nm('@fontsource-variable', 'inter'));
    expect(packageDirOf(nm('a', 'node_modules', 'b', 'x.js'))).toBe(nm('a', 'node_modules', 'b'));
    expect(packageDirOf(`\0virtual:licences`)).toBeNull();
    expect(packageDirOf([repoRoot, 'src-renderer', 'src', 'main.ts'].join(sep))).toBeNull();
  });
});
