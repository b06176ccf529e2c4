/**
 * The layering of docs/ARCHITECTURE.md, checked in CI (`npm run lint:deps`, part of scripts/install-and-test.sh).
 *
 *   domain ← runtime ← preprocess ← metadata ← regions ← pack ← space ← search ← library ← organise ← ipc/contract ← ipc/server
 *          ← cli, bridge, electron                              renderer → ipc/contract only
 *
 * A layer may import its own folder and the layers to its left, never one to its right. Type-only imports
 * count too (tsPreCompilationDeps), except that ipc/contract may re-export the types of the engine's results.
 */
/** @type {string[]} lowest first */
const LAYERS = ['domain', 'runtime', 'preprocess', 'metadata', 'regions', 'pack', 'space', 'search', 'library', 'organise', 'ipc/contract', 'ipc/server'];
/** The entry points on top: they may import every layer, not each other. */
const TOP = ['cli', 'bridge', 'electron'];
const dir = (names) => `^src-main/(${names.join('|')})/`;

/** Packages the renderer (a sandboxed web page) may import. */
const RENDERER_PACKAGES = ['svelte', 'wavesurfer.js', '@fontsource-variable/inter'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...LAYERS.map((layer, i) => ({
      name: `layer-${layer.replace('/', '-')}`,
      comment: `${layer}/ imports a higher layer (docs/ARCHITECTURE.md: ${LAYERS.join(' ← ')} ← ${TOP.join(', ')})`,
      severity: 'error',
      from: { path: dir([layer]) },
      to: { path: dir([...LAYERS.slice(i + 1), ...TOP]) },
    })),
    ...TOP.map((top) => ({
      name: `entry-${top}`,
      comment: `${top}/ is an entry point: it may use every layer but not another entry point`,
      severity: 'error',
      from: { path: dir([top]) },
      to: { path: dir(TOP.filter((t) => t !== top)) },
    })),
    {
      name: 'domain-imports-nothing',
      comment: 'domain/ is the bottom layer: no Node built-ins, no packages, nothing outside domain/',
      severity: 'error',
      from: { path: '^src-main/domain/' },
      to: { pathNot: '^src-main/domain/' },
    },
    {
      name: 'contract-is-web-safe',
      comment: 'ipc/contract/ is loaded by the renderer: no Node built-ins, no packages',
      severity: 'error',
      from: { path: '^src-main/ipc/contract/' },
      to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'contract-values-from-domain-only',
      comment: 'ipc/contract/ may re-export engine result types, but values (code that runs in the renderer) only from domain/',
      severity: 'error',
      from: { path: '^src-main/ipc/contract/' },
      to: { path: '^src-main/', pathNot: '^src-main/(ipc/contract|domain)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'contract-types-from-type-modules',
      comment:
        'ipc/contract/ re-exports engine result types from type-only modules (domain/, */types.ts, library/service.ts), so the renderer type-check never reaches engine code',
      severity: 'error',
      from: { path: '^src-main/ipc/contract/' },
      to: { path: '^src-main/', pathNot: ['^src-main/(ipc/contract|domain)/', '^src-main/[a-z-]+/types\\.ts$', '^src-main/library/service\\.ts$'] },
    },
    {
      name: 'renderer-only-the-contract',
      comment: 'the renderer reaches the engine through the IPC contract only (src-main/ipc/contract/)',
      severity: 'error',
      from: { path: '^src-renderer/src/' },
      to: { path: '^src-main/', pathNot: '^src-main/(ipc/contract|domain)/' },
    },
    {
      name: 'renderer-no-node',
      comment: 'the renderer is a sandboxed web page: no Node built-ins',
      severity: 'error',
      from: { path: '^src-renderer/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-web-packages-only',
      comment: `the renderer may import these packages only: ${RENDERER_PACKAGES.join(', ')}`,
      severity: 'error',
      from: { path: '^src-renderer/src/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: `node_modules/(${RENDERER_PACKAGES.map((p) => p.replace('.', '\\.')).join('|')})/`,
      },
    },
    {
      name: 'electron-only-in-electron',
      comment: 'only src-main/electron/ imports electron (the engine runs in plain Node: tests, CLI, bridge)',
      severity: 'error',
      from: { pathNot: '^src-main/electron/' },
      to: { path: ['^electron$', 'node_modules/electron/', 'node_modules/electron-store/', 'node_modules/@electron/'] },
    },
    {
      name: 'app-not-test',
      comment: 'app code never imports test or bench code',
      severity: 'error',
      from: { path: '^src-(main|renderer)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that resolves to nothing (virtual:licences is made by the renderer build: scripts/licences.mjs)',
      severity: 'error',
      from: { path: '^src-(main|renderer)/' },
      to: { couldNotResolve: true, pathNot: '^virtual:licences$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types', 'svelte'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.json'],
      mainFields: ['module', 'main', 'types', 'svelte'],
    },
    extraExtensionsToScan: [],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
