// `npm run bench -- <name> [args…]` builds the engine and runs out/bench/<name>.js with the remaining args.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const [name, ...args] = process.argv.slice(2);
const list = () => readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
if (!name) {
  console.error(`usage: npm run bench -- <name> [args]\navailable: ${list().join(', ')}`);
  process.exit(2);
}
const b = spawnSync(process.execPath, [join(root, 'scripts/build-engine.mjs')], { stdio: 'inherit', env: { ...process.env, QUIET_BUILD: '1' } });
if (b.status !== 0) process.exit(b.status ?? 1);
const file = join(root, 'out/bench', `${name}.js`);
if (!existsSync(file)) {
  console.error(`no benchmark named "${name}"; available: ${list().join(', ')}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
