// The static checks CI runs (scripts/install-and-test.sh), each one reported, all run even when one fails:
//   svelte-check   type errors in .svelte files and the renderer's TypeScript (tsconfig.web.json)
//   eslint         typescript-eslint + eslint-plugin-svelte (eslint.config.js)
//   dependencies   the layer order of docs/ARCHITECTURE.md (.dependency-cruiser.cjs)
//   unused         unused files and dependencies; unused exports as warnings (knip.jsonc)
// `npm run lint` runs them all; `npm run lint -- eslint deps` a subset. Exit status 1 when any failed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Each check is the package.json script lint:<name>. */
const CHECKS = ['svelte', 'eslint', 'deps', 'unused'];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !CHECKS.includes(w));
if (unknown.length) {
  console.error(`unknown check ${unknown.join(', ')}; available: ${CHECKS.join(', ')}`);
  process.exit(2);
}
const results = [];
for (const name of wanted.length ? wanted : CHECKS) {
  console.log(`\n── ${name} (npm run lint:${name})`);
  const t0 = Date.now();
  const r = spawnSync(npm, ['run', '--silent', `lint:${name}`], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  results.push({ name, ok: r.status === 0, s: (Date.now() - t0) / 1000, error: r.error?.message });
}
console.log('\nlint summary:');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(7)} ${r.s.toFixed(1)} s${r.error ? ` (${r.error})` : ''}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
