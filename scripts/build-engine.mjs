// Bundles the engine's Node entry points with esbuild (npm packages stay external):
//   src-main/cli/main.ts            → out/cli/molecule.js (+ out/cli/chunks/: code-split so each command loads on demand)
//   src-main/**/<name>.worker.ts    → out/workers/<name>.js   (spawned via runtime/worker-path)
//   src-main/bridge/server.ts       → out/bridge/server.js    (if present)
//   bench/*.ts                      → out/bench/<name>.js
//   fuzz/fuzz.ts, fuzz/child.ts     → out/fuzz/ (npm run fuzz)
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync, rmSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const entryPoints = {};
const add = (outName, file) => {
  if (existsSync(join(root, file))) entryPoints[outName] = join(root, file);
};
add('bridge/server', 'src-main/bridge/server.ts');
add('fuzz/fuzz', 'fuzz/fuzz.ts');
add('fuzz/child', 'fuzz/child.ts');
for (const f of walk(join(root, 'src-main'))) {
  if (f.endsWith('.worker.ts')) entryPoints[`workers/${basename(f, '.worker.ts')}`] = f;
}
if (existsSync(join(root, 'bench'))) {
  for (const f of readdirSync(join(root, 'bench'))) {
    if (f.endsWith('.ts')) entryPoints[`bench/${basename(f, '.ts')}`] = join(root, 'bench', f);
  }
}

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
};

await build({ ...shared, entryPoints, outdir: join(root, 'out') });

// The CLI is code-split: commands/index.ts imports each command with import(), so `molecule help` and usage errors
// don't load onnxruntime, sharp or libsql. Old chunks are removed first (their names carry content hashes).
const cliEntry = join(root, 'src-main/cli/main.ts');
if (existsSync(cliEntry)) {
  rmSync(join(root, 'out/cli/chunks'), { recursive: true, force: true });
  await build({ ...shared, entryPoints: { molecule: cliEntry }, outdir: join(root, 'out/cli'), splitting: true, chunkNames: 'chunks/[name]-[hash]' });
  entryPoints['cli/molecule'] = cliEntry;
}
if (!process.env.QUIET_BUILD) {
  console.error(`built ${Object.keys(entryPoints).length} entry points: ${Object.keys(entryPoints).map((k) => relative(root, k)).join(', ')}`);
}
