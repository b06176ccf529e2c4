#!/usr/bin/env node
// Reads the Electron fuse wire of packaged Molecule Space binaries and compares it with the `electronFuses`
// block of electron-builder.yml (the one source of the wanted settings). Exit 0 when every binary matches,
// 1 when a fuse differs or no fuse wire is found, 2 when there is nothing to check.
//
//   node scripts/check-fuses.mjs                 every packaged app under dist/ (after `npm run dist`)
//   node scripts/check-fuses.mjs PATH…           a binary, an .exe, a macOS .app, or an unpacked folder
//   node scripts/check-fuses.mjs --json …        one JSON document instead of the table
//
// The wire (Electron ≥ 12): the 32-byte sentinel below, one version byte (1), one length byte, then one byte
// per fuse in FuseV1 order: '0' disabled, '1' enabled, 'r' removed. A universal macOS binary carries two
// wires (one per slice); both are checked. See docs/APP.md "Fuses" for the per-platform commands.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SENTINEL = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX', 'latin1');

/** FuseV1 order: [electron-builder.yml key, Electron's fuse name]. */
export const FUSES = [
  ['runAsNode', 'RunAsNode'],
  ['enableCookieEncryption', 'EnableCookieEncryption'],
  ['enableNodeOptionsEnvironmentVariable', 'EnableNodeOptionsEnvironmentVariable'],
  ['enableNodeCliInspectArguments', 'EnableNodeCliInspectArguments'],
  ['enableEmbeddedAsarIntegrityValidation', 'EnableEmbeddedAsarIntegrityValidation'],
  ['onlyLoadAppFromAsar', 'OnlyLoadAppFromAsar'],
  ['loadBrowserProcessSpecificV8Snapshot', 'LoadBrowserProcessSpecificV8Snapshot'],
  ['grantFileProtocolExtraPrivileges', 'GrantFileProtocolExtraPrivileges'],
];
const STATE = { 0x30: 'disabled', 0x31: 'enabled', 0x72: 'removed' };

/** Every fuse wire in a binary: [{ offset, version, states: ('enabled'|'disabled'|'removed'|'0x..')[] }]. */
export function readFuseWires(buf) {
  const wires = [];
  for (let at = buf.indexOf(SENTINEL); at !== -1; at = buf.indexOf(SENTINEL, at + 1)) {
    const p = at + SENTINEL.length;
    if (p + 2 > buf.length) break;
    const version = buf[p];
    const length = buf[p + 1];
    if (p + 2 + length > buf.length) break;
    const states = [...buf.subarray(p + 2, p + 2 + length)].map((b) => STATE[b] ?? `0x${b.toString(16)}`);
    wires.push({ offset: at, version, states });
  }
  return wires;
}

/** The wanted states from electron-builder.yml: { fuseIndex: 'enabled'|'disabled' } for every key set there. */
export function expectedFuses(configFile = join(root, 'electron-builder.yml')) {
  const cfg = yaml.load(readFileSync(configFile, 'utf8'));
  const fuses = cfg?.electronFuses;
  if (!fuses || typeof fuses !== 'object') throw new Error(`${configFile}: no electronFuses block`);
  const want = {};
  FUSES.forEach(([key], i) => {
    if (typeof fuses[key] === 'boolean') want[i] = fuses[key] ? 'enabled' : 'disabled';
  });
  return want;
}

/** The file that holds the wire: the binary itself, or a macOS .app's Electron Framework. */
export function fuseFile(path) {
  const p = resolve(path);
  if (p.endsWith('.app')) return join(p, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework');
  return p;
}

const HELPERS = /^(chrome-sandbox|chrome_crashpad_handler|crashpad_handler)$|\.(so(\.\d+)*|dll|pak|dat|bin|json|asar|html|txt|png|ico|icns|dylib)$/i;

/** Packaged apps electron-builder leaves in DIR: <platform>-unpacked/<binary> and mac*\/<Product>.app. */
export function findPackagedApps(distDir = join(root, 'dist')) {
  const out = [];
  if (!existsSync(distDir)) return out;
  for (const name of readdirSync(distDir)) {
    const d = join(distDir, name);
    if (!statSync(d).isDirectory()) continue;
    if (/^(linux|win)(-[a-z0-9]+)?-unpacked$/.test(name)) out.push(...binariesIn(d));
    else if (/^mac(-[a-z0-9]+)?$/.test(name) || name === 'mas') {
      for (const f of readdirSync(d)) if (f.endsWith('.app')) out.push(join(d, f));
    }
  }
  return out;
}

/** Top-level executables of an unpacked folder that carry a fuse wire (the app binary, not Electron's helpers). */
function binariesIn(dir) {
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && !HELPERS.test(basename(f)) && (f.endsWith('.exe') || (statSync(f).mode & 0o111) !== 0))
    .filter((f) => readFileSync(f).includes(SENTINEL));
}

/** Compares one packaged app with the wanted states. */
export function checkApp(path, want) {
  const file = fuseFile(path);
  if (!existsSync(file)) return { path, file, ok: false, error: `${file}: not found`, rows: [] };
  const wires = readFuseWires(readFileSync(file));
  if (wires.length === 0) return { path, file, ok: false, error: `${file}: no Electron fuse wire (not an Electron ≥ 12 binary?)`, rows: [] };
  const rows = [];
  let ok = true;
  wires.forEach((w, slice) => {
    if (w.version !== 1) {
      ok = false;
      rows.push({ slice, fuse: 'version', expected: 1, actual: w.version, ok: false });
      return;
    }
    FUSES.forEach(([key, name], i) => {
      const actual = w.states[i] ?? 'absent';
      const expected = want[i] ?? null;
      // A fuse Electron has removed cannot be set; anything else must match what the config asks for.
      const good = expected === null || actual === expected || (actual === 'removed' && expected === 'disabled');
      if (!good) ok = false;
      rows.push({ slice, fuse: name, key, expected: expected ?? '(not set)', actual, ok: good });
    });
  });
  return { path, file, ok, wires: wires.length, rows };
}

function main(argv) {
  const json = argv.includes('--json');
  const paths = argv.filter((a) => a !== '--json');
  const targets = paths.length ? paths : findPackagedApps();
  if (targets.length === 0) {
    console.error('check-fuses: no packaged app found under dist/ — run `npm run dist` first, or pass the path of a packaged binary');
    return 2;
  }
  const want = expectedFuses();
  const results = targets.map((t) => checkApp(t, want));
  if (json) console.log(JSON.stringify({ ok: results.every((r) => r.ok), results }, null, 1));
  else {
    for (const r of results) {
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.path}${r.wires > 1 ? ` (${r.wires} slices)` : ''}`);
      if (r.error) console.log(`     ${r.error}`);
      for (const row of r.rows) {
        const slice = r.wires > 1 ? `[${row.slice}] ` : '';
        console.log(`     ${row.ok ? ' ' : '✗'} ${slice}${String(row.fuse).padEnd(40)} ${String(row.actual).padEnd(9)} (wanted: ${row.expected})`);
      }
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
