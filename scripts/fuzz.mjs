// `npm run fuzz -- --cases N --seed S [options]` builds the engine and runs the mutation fuzzer (fuzz/fuzz.ts).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const b = spawnSync(process.execPath, [join(root, 'scripts/build-engine.mjs')], { stdio: 'inherit', env: { ...process.env, QUIET_BUILD: '1' } });
if (b.status !== 0) process.exit(b.status ?? 1);
const r = spawnSync(process.execPath, [join(root, 'out/fuzz/fuzz.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
