import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { licencesPlugin } from './scripts/licences.mjs';

const root = import.meta.dirname;

/**
 * out/main/index.js        Electron main process (package.json "main")
 * out/main/engine.js       utility process hosting the engine handlers (indexing + inference)
 * out/preload/index.cjs    sandboxed preload (CommonJS: sandboxed preloads cannot be ESM)
 * out/renderer/            the Svelte UI (also served by the browser bridge, out/bridge/server.js), with the
 *                          third-party licence list in a lazily loaded chunk (scripts/licences.mjs)
 */
export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(root, 'src-main/electron/main.ts'),
          engine: resolve(root, 'src-main/electron/engine-process.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    base: './',
    plugins: [svelte(), licencesPlugin(root)],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      target: 'chrome128',
      rollupOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
    },
  },
});
