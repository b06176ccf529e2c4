// The licences of every third-party package the app bundles, generated from node_modules at build time for
// the About view (docs/APP.md "Licences"):
//   shipped    the production dependency closure in package-lock.json that is installed in node_modules —
//              what electron-builder copies into the packaged app (the engine, its native libraries, workers)
//   renderer   the packages whose modules end up in the renderer bundle (svelte, wavesurfer.js, the font),
//              read from the bundler's module graph, so a package the UI stops using drops out by itself
// plus the works derived from others' code that live in this repository (the libsoxr-derived resampler).
//
// electron.vite.config.ts puts licencesPlugin() in the renderer build: the About view imports the virtual
// module `virtual:licences` lazily, and the list is written into that chunk once the bundle is known.
// `node scripts/licences.mjs` prints a summary (`--json`: the whole list).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Licence, notice and copying files of a package (case-insensitive, any extension). */
const LICENCE_FILE = /^(licen[cs]e|copying|notice|third[-_]?party[-_]?notices?)([-._][\w.-]*)?$/i;
/** A licence file larger than this is cut (some notices bundle whole dependency trees). */
const MAX_TEXT = 512 * 1024;

/** The in-repo derived works, each with its notice and licence text (paths from the repository root). */
const DERIVED = [
  {
    name: 'libsoxr (derived: soxr-HQ resampler)',
    version: '0.1.3',
    licence: 'LGPL-2.1-or-later',
    homepage: 'https://sourceforge.net/projects/soxr/',
    where: 'src-main/preprocess/audio/soxr',
    files: ['NOTICE.md', 'LICENSE'],
  },
];

/** @typedef {{ name: string, version: string, licence: string, homepage: string | null, files: { name: string, text: string }[], bundled: ('shipped' | 'renderer' | 'source')[] }} LicenceEntry */

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function licenceOf(pkg) {
  const l = pkg.license ?? pkg.licenses;
  if (typeof l === 'string') return l;
  if (Array.isArray(l)) return l.map((x) => (typeof x === 'string' ? x : x?.type)).filter(Boolean).join(' OR ') || 'UNKNOWN';
  if (l && typeof l === 'object' && typeof l.type === 'string') return l.type;
  return 'UNKNOWN';
}

function homepageOf(pkg) {
  if (typeof pkg.homepage === 'string') return pkg.homepage;
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  return typeof repo === 'string' ? repo.replace(/^git\+/, '').replace(/\.git$/, '') : null;
}

function licenceFiles(dir) {
  const out = [];
  for (const f of readdirSync(dir).sort()) {
    if (!LICENCE_FILE.test(f)) continue;
    const p = join(dir, f);
    if (!statSync(p).isFile()) continue;
    let text = readFileSync(p, 'utf8');
    if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT)}\n… (cut at ${MAX_TEXT} characters; the whole file is ${f} in the package)`;
    out.push({ name: f, text });
  }
  return out;
}

/** The folders (absolute) of the installed production packages, from package-lock.json. */
export function shippedPackageDirs(root) {
  const lock = readJson(join(root, 'package-lock.json'));
  const dirs = [];
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (!key.startsWith('node_modules/') || entry.dev || entry.link) continue;
    const dir = join(root, key);
    // platform-specific optional packages of other platforms are not installed (nor shipped) here
    if (existsSync(join(dir, 'package.json'))) dirs.push(dir);
  }
  return dirs;
}

/** The package folder a bundled module comes from (the innermost node_modules/<name> or <@scope/name>), or null. */
export function packageDirOf(moduleId) {
  const id = moduleId.replace(/^\0/, '').split('?')[0].split(sep).join('/');
  const m = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(id);
  return m ? m[1].split('/').join(sep) : null;
}

/**
 * The licence list: every shipped package, every package with modules in the renderer bundle (their folders
 * in `rendererDirs`), and the derived works. Sorted by name, then version; identical packages merged.
 * @returns {{ packages: LicenceEntry[], derived: LicenceEntry[] }}
 */
export function collectLicences(root, { rendererDirs = [] } = {}) {
  /** @type {Map<string, LicenceEntry>} */
  const byId = new Map();
  const add = (dir, how) => {
    const pkg = readJson(join(dir, 'package.json'));
    if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') return;
    const id = `${pkg.name}@${pkg.version}`;
    const known = byId.get(id);
    if (known) {
      if (!known.bundled.includes(how)) known.bundled.push(how);
      return;
    }
    byId.set(id, { name: pkg.name, version: pkg.version, licence: licenceOf(pkg), homepage: homepageOf(pkg), files: licenceFiles(dir), bundled: [how] });
  };
  for (const dir of shippedPackageDirs(root)) add(dir, 'shipped');
  for (const dir of new Set(rendererDirs)) {
    // a sub-package.json inside a package (e.g. svelte/internal) is not a package of its own: walk up to the real one
    if (existsSync(join(dir, 'package.json'))) add(dir, 'renderer');
  }
  const packages = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  const derived = DERIVED.map((d) => ({
    name: d.name,
    version: d.version,
    licence: d.licence,
    homepage: d.homepage,
    files: d.files.map((f) => ({ name: `${d.where}/${f}`, text: readFileSync(join(root, d.where, f), 'utf8') })),
    bundled: /** @type {('source')[]} */ (['source']),
  }));
  return { packages, derived };
}

const VIRTUAL = 'virtual:licences';
const PLACEHOLDER = 'globalThis.__MOLECULE_LICENCES__';

/**
 * Vite plugin for the renderer build: `import('virtual:licences')` gives { packages, derived }. In a build the
 * module is a placeholder until generateBundle, when the bundle's own packages are known; the dev server gets
 * the shipped packages only.
 */
export function licencesPlugin(root) {
  let serve = false;
  let used = false;
  return {
    name: 'molecule-licences',
    configResolved(config) {
      serve = config.command === 'serve';
    },
    resolveId(id) {
      return id === VIRTUAL ? `\0${VIRTUAL}` : null;
    },
    load(id) {
      if (id !== `\0${VIRTUAL}`) return null;
      used = true;
      return serve ? `export default ${JSON.stringify(collectLicences(root))};` : `export default ${PLACEHOLDER};`;
    },
    generateBundle(_options, bundle) {
      const rendererDirs = [...this.getModuleIds()].map(packageDirOf).filter((d) => d !== null);
      const json = JSON.stringify(collectLicences(root, { rendererDirs }));
      let written = 0;
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || !chunk.code.includes(PLACEHOLDER)) continue;
        chunk.code = chunk.code.split(PLACEHOLDER).join(`JSON.parse(${JSON.stringify(json)})`);
        written++;
      }
      if (used && written === 0) this.error('licences: the placeholder of virtual:licences was not found in any chunk');
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const list = collectLicences(root);
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  } else {
    const count = new Map();
    for (const p of list.packages) count.set(p.licence, (count.get(p.licence) ?? 0) + 1);
    console.log(`${list.packages.length} shipped packages (the renderer's own are added by the build):`);
    for (const [l, n] of [...count].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${l}`);
    const bare = list.packages.filter((p) => p.files.length === 0);
    if (bare.length) console.log(`without a licence file in the package: ${bare.map((p) => `${p.name}@${p.version} (${p.licence})`).join(', ')}`);
    for (const d of list.derived) console.log(`derived work: ${d.name}, ${d.licence} (${d.files.map((f) => f.name).join(', ')})`);
  }
}
