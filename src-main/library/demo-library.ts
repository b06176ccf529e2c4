/**
 * The demo library: the shipped demo media (resources/demo, CC BY 4.0, see its NOTICE.md) copied into the
 * user's data folder and added as a library root, so indexing it never writes beside the app.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LibraryService, RootInfo } from './service';

/** Copies what is missing from `shippedDir` into `destDir` and returns the root for it (added once). */
export async function installDemoLibrary(lib: Pick<LibraryService, 'listRoots' | 'addRoot'>, shippedDir: string, destDir: string): Promise<RootInfo> {
  if (!existsSync(shippedDir)) throw new Error('the demo library is not part of this installation');
  mkdirSync(destDir, { recursive: true });
  for (const f of readdirSync(shippedDir)) {
    if (!existsSync(join(destDir, f))) copyFileSync(join(shippedDir, f), join(destDir, f));
  }
  const existing = (await lib.listRoots()).find((r) => resolve(r.path) === resolve(destDir));
  return existing ?? lib.addRoot(destDir);
}
