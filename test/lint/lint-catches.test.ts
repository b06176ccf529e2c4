// The CI static checks (scripts/lint.mjs, run by scripts/install-and-test.sh) must fail on real violations.
// A copy of the repository's sources and configuration gets one deliberate violation per check, then
// `node scripts/lint.mjs` runs there exactly as in CI: every check must FAIL, each naming its violation.
// (The same checks pass on the repository itself: CI runs them before the tests.)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';

const work = mkdtempSync(join(tmpdir(), 'molecule-lint-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let output = '';
let status: number | null = null;

beforeAll(() => {
  const sourcesOnly = (src: string) => !/\/(fixtures|data)(\/|$)/.test(src) && !/\.(wav|png|jpe?g|bin|onnx|npy|gz)$/.test(src);
  for (const d of ['src-main', 'src-renderer', 'bench', 'scripts', 'bin', 'test']) cpSync(join(repoRoot, d), join(work, d), { recursive: true, filter: sourcesOnly });
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.web.json', '.dependency-cruiser.cjs', 'eslint.config.js', 'knip.jsonc', 'electron.vite.config.ts', 'vitest.config.ts']) {
    cpSync(join(repoRoot, f), join(work, f));
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'), 'dir');

  // 1. an upward import: the runtime layer reaching into the library
  writeFileSync(join(work, 'src-main/runtime/upward.ts'), "import { Library } from '../library/library';\nexport const lib = Library;\n");
  // 2. the renderer importing a Node module, and an engine module past the contract
  writeFileSync(
    join(work, 'src-renderer/src/lib/node-in-renderer.ts'),
    "import { readFileSync } from 'node:fs';\nimport { Library } from '../../../src-main/library/library';\nexport const x = [readFileSync, Library];\n",
  );
  // 3. electron imported outside src-main/electron
  writeFileSync(join(work, 'src-main/library/uses-electron.ts'), "import { app } from 'electron';\nexport const name = app.getName;\n");
  // 4. a type error in a .svelte file
  writeFileSync(join(work, 'src-renderer/src/components/TypeError.svelte'), '<script lang="ts">\n  const count: number = \'three\';\n</script>\n<p>{count}</p>\n');
  // 5. an unused dependency
  const pkg = JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  pkg.dependencies['left-pad'] = '^1.3.0';
  writeFileSync(join(work, 'package.json'), JSON.stringify(pkg, null, 2));
  // 6. an unused variable (eslint)
  writeFileSync(join(work, 'src-main/search/unused-var.ts'), 'export function f(): number {\n  const unused = 1;\n  return 2;\n}\n');

  const r = spawnSync(process.execPath, [join(work, 'scripts/lint.mjs')], { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20 });
  // CI=true makes svelte-check colour its file names: compare plain text
  output = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  status = r.status;
}, 600_000);

describe('CI static checks catch deliberate violations', () => {
  it('the lint run fails, and every check reports FAIL', () => {
    expect(status, output.slice(-3000)).toBe(1);
    for (const name of ['svelte', 'eslint', 'deps', 'unused']) expect(output).toMatch(new RegExp(`FAIL ${name}\\b`));
  });

  it('dependency rule: the upward import, the renderer importing Node and the engine, electron outside electron/', () => {
    expect(output).toMatch(/error layer-runtime: src-main\/runtime\/upward\.ts → src-main\/library\/library\.ts/);
    expect(output).toMatch(/error renderer-no-node: src-renderer\/src\/lib\/node-in-renderer\.ts → (node:)?fs/);
    expect(output).toMatch(/error renderer-only-the-contract: src-renderer\/src\/lib\/node-in-renderer\.ts → src-main\/library\/library\.ts/);
    expect(output).toMatch(/error electron-only-in-electron: src-main\/library\/uses-electron\.ts → /);
  });

  it('svelte-check: the type error in the .svelte file', () => {
    // (the svelte-check section is the failure message, so a miss shows what it printed)
    const svelteSection = /── svelte[\s\S]*?(?=\n── |$)/.exec(output)?.[0] ?? output.slice(0, 4000);
    expect(output, svelteSection).toMatch(/TypeError\.svelte:2:\d+[^\n]*\n+Error: Type 'string' is not assignable to type 'number'/);
    // (the renderer file that imports the engine drags engine modules into svelte-check's program too, and
    // their errors — e.g. a package without types — count as well: at least the .svelte file's error)
    const found = /svelte-check found (\d+) errors? and \d+ warnings? in (\d+) files?/.exec(output);
    expect(found, 'svelte-check summary').not.toBeNull();
    expect(Number(found![1])).toBeGreaterThanOrEqual(1);
  });

  it('knip: the unused dependency', () => {
    expect(output).toMatch(/Unused dependencies \(1\)\s*\n\s*left-pad/);
  });

  it('eslint: the unused variable, and the Node import in the renderer', () => {
    expect(output).toMatch(/unused-var\.ts\s*\n\s*2:9\s+error\s+'unused' is assigned a value but never used/);
    expect(output).toMatch(/node-in-renderer\.ts\s*\n\s*1:1\s+error\s+'node:fs' import is restricted/);
  });
});
