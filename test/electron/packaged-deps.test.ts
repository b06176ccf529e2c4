/**
 * electron-builder ships only package.json "dependencies" in the app; a bare import in the built main,
 * engine or worker bundles that resolves to a devDependency (or nothing) would fail only in the packaged
 * app. Reads the real build output (npm run build:app).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; main: string };
const bundles = ['out/main', 'out/main/chunks', 'out/workers']
  .map((d) => join(repoRoot, d))
  .filter(existsSync)
  .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.js')).map((f) => join(d, f)));

function packageName(spec: string): string {
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
}

describe.skipIf(!existsSync(join(repoRoot, 'out', 'main', 'engine.js')))('packaged app dependencies', () => {
  it('package.json "main" is the built main process', () => {
    expect(existsSync(join(repoRoot, pkg.main))).toBe(true);
  });
  it('every bare import of the main, engine and worker bundles is a runtime dependency', () => {
    const specs = new Set<string>();
    const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)(["'])([^"'./][^"']*)\1/gm;
    for (const f of bundles) for (const m of readFileSync(f, 'utf8').matchAll(re)) specs.add(m[2]!);
    const external = [...specs].filter((s) => !s.startsWith('node:') && !builtinModules.includes(s) && s !== 'electron');
    expect(external.length).toBeGreaterThan(3); // sanity: the natives are external
    for (const s of external) expect(Object.keys(pkg.dependencies), `"${s}" is imported at runtime`).toContain(packageName(s));
  });
});
