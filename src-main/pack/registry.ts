/**
 * Installed packs: listing the pack folders under the models directories, and importing a pack folder
 * (verify first, copy into a temporary folder beside the destination, then rename: never half-written).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findRepoRoot } from '../runtime/repo-root';
import { renameRetrying } from './files';
import { PackError, listedFiles } from './manifest';
import { readManifest, verifyPack, type VerifyReport } from './verify';
import type { SpaceClass } from '../domain/types';

export interface PackListing {
  dir: string;
  id: string;
  name: string;
  test: boolean;
  space: SpaceClass;
  dim: number;
}

export interface PackListResult {
  packs: PackListing[];
  /** Folders with a pack.json that does not validate, with the reason. */
  invalid: { dir: string; error: string }[];
}

/** The user's pack folder: $MOLECULE_PACKS_DIR, else the platform's per-user data folder. */
export function userPacksDir(): string {
  if (process.env.MOLECULE_PACKS_DIR) return resolve(process.env.MOLECULE_PACKS_DIR);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Molecule Space', 'packs');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Molecule Space', 'packs');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'molecule-space', 'packs');
}

/** models/ and models/test-packs/ of the app, then the user's pack folder. */
export function defaultPackRoots(): string[] {
  const roots: string[] = [];
  try {
    const root = findRepoRoot();
    roots.push(join(root, 'models'), join(root, 'models', 'test-packs'));
  } catch {
    /* not running from an app folder */
  }
  roots.push(userPacksDir());
  return roots;
}

/** Packs directly inside each root (a root that is itself a pack is listed too). No checksums: fast. */
export function listPacks(roots: string[] = defaultPackRoots()): PackListResult {
  const result: PackListResult = { packs: [], invalid: [] };
  const seen = new Set<string>();
  const consider = (dir: string) => {
    const abs = resolve(dir);
    if (seen.has(abs) || !existsSync(join(abs, 'pack.json'))) return;
    seen.add(abs);
    try {
      const m = readManifest(abs);
      result.packs.push({ dir: abs, id: m.id, name: m.name, test: m.test, space: m.space, dim: m.dim });
    } catch (e) {
      result.invalid.push({ dir: abs, error: e instanceof Error ? e.message : String(e) });
    }
  };
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    consider(root);
    for (const name of readdirSync(root)) {
      const p = join(root, name);
      if (!name.startsWith('.') && statSync(p).isDirectory()) consider(p);
    }
  }
  return result;
}

/**
 * The last step of every install — folder import and download alike: verify the staged folder (a temporary
 * folder inside `destRoot`, so the rename cannot cross file systems), then rename it to `<destRoot>/<id>`.
 * An installed pack with that id is replaced only with `replace` (old folder renamed aside, new one renamed in,
 * old one removed). Throws PackError when verification fails; the caller removes its staged folder.
 * `checksums: false` when every file was sha256-verified as it was written (downloads).
 */
export async function installStagedPack(
  staged: string,
  destRoot: string,
  opts: { replace?: boolean; checksums?: boolean; onnx?: boolean; what?: string } = {},
): Promise<VerifyReport & { installedDir: string }> {
  const report = await verifyPack(staged, { checksums: opts.checksums ?? true, onnx: opts.onnx ?? true });
  if (!report.ok || !report.manifest) {
    throw new PackError(`${opts.what ?? staged} failed verification: ${report.errors[0]}`, report.errors);
  }
  const m = report.manifest;
  const final = join(destRoot, m.id);
  if (existsSync(final) && !opts.replace) throw new PackError(`${final}: a pack with id "${m.id}" is already installed`);
  if (existsSync(final)) {
    const old = `${final}.old-${Date.now()}`;
    await renameRetrying(final, old);
    await renameRetrying(staged, final);
    rmSync(old, { recursive: true, force: true });
  } else {
    await renameRetrying(staged, final);
  }
  return { ...report, packDir: final, installedDir: final };
}

/**
 * Verify `srcDir` (checksums + ONNX signatures), then copy pack.json and the listed files into
 * `<destRoot>/.<id>.importing-<pid>` and install that (installStagedPack: verify the copy, rename it to
 * `<destRoot>/<id>`). Throws PackError if the pack is defective or a pack with that id is already installed
 * (unless `replace`).
 */
export async function importPack(srcDir: string, destRoot: string = userPacksDir(), opts: { replace?: boolean } = {}): Promise<VerifyReport & { installedDir: string }> {
  const report = await verifyPack(srcDir);
  if (!report.ok || !report.manifest) {
    throw new PackError(`cannot import ${srcDir}: ${report.errors[0]}`, report.errors);
  }
  const m = report.manifest;
  mkdirSync(destRoot, { recursive: true });
  const final = join(destRoot, m.id);
  if (existsSync(final) && !opts.replace) throw new PackError(`${final}: a pack with id "${m.id}" is already installed`);
  const tmp = join(destRoot, `.${m.id}.importing-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(tmp);
    for (const f of [{ file: 'pack.json' }, ...listedFiles(m)]) {
      const to = join(tmp, f.file);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(report.packDir, f.file), to);
    }
    await installStagedPack(tmp, destRoot, { replace: opts.replace, checksums: true, onnx: false, what: `the copy of ${srcDir}` });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { ...report, installedDir: final };
}
