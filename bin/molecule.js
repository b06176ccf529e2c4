#!/usr/bin/env node
// The `molecule` CLI. Run `npm run build` first; this only forwards to the bundled entry point.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../out/cli/molecule.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('molecule: the CLI is not built yet; run `npm run build` in the project folder first');
  process.exit(1);
}
await import(pathToFileURL(entry).href);
