/**
 * Installed packs: listing the pack folders under the models directories, and importing a pack folder
 * (verify first, copy into a temporary folder beside the destination, then rename: never half-written).
 */
import { createHash } from 'node:crypto';
import { constants, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findRepoRoot } from '../runtime/repo-root';
import { renameRetrying } from './files';
import { PackError, listedFiles } from './manifest';
import { packFileLimit, readManifest, verifyPack, type VerifyReport } from './verify';
import { LIMITS } from '../domain/limits';
import { checkRegular } from '../runtime/safe-read';
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
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        /* a dangling link or a file that vanished: not a pack */
      }
      if (!name.startsWith('.') && isDir) consider(p);
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
 * Copy one pack file as bytes: the source is opened without blocking and must be a regular file within `limit`
 * (a symbolic link is followed once — Hugging Face caches are links into a blob store — and its target copied;
 * a FIFO, a device or /dev/zero behind a link is refused), written to a new file, hashed while it is copied and
 * compared with the manifest, so what lands in the packs folder is exactly what pack.json lists.
 */
async function copyVerified(src: string, dst: string, rel: string, limit: number, sha256: string | null): Promise<void> {
  const input = await open(src, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = await input.stat();
    try {
      checkRegular(rel, st, limit);
    } catch (e) {
      throw new PackError((e as Error).message);
    }
    const h = createHash('sha256');
    const out = await open(dst, 'wx', 0o644);
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      let at = 0;
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, buf.length, at);
        if (bytesRead === 0) break;
        at += bytesRead;
        if (at > limit) throw new PackError(`${rel}: grew past ${limit} bytes while it was copied`);
        h.update(buf.subarray(0, bytesRead));
        await out.write(buf, 0, bytesRead);
      }
      await out.sync();
    } finally {
      await out.close();
    }
    const got = h.digest('hex');
    if (sha256 !== null && got !== sha256) throw new PackError(`${rel}: changed while it was imported (sha256 ${got}, pack.json says ${sha256})`);
  } finally {
    await input.close();
  }
}

/**
 * Verify `srcDir` (checksums + ONNX signatures), then copy pack.json and the listed files as bytes into
 * `<destRoot>/.<id>.importing-<pid>`, verify the copy (its own pack.json, every checksum), and rename it to
 * `<destRoot>/<id>`. The installed pack holds regular files only: links are never copied as links, so nothing in it
 * can point outside the packs folder or change after verification. Throws PackError if the pack is defective or a
 * pack with that id is already installed (unless `replace`).
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
    await copyVerified(join(report.packDir, 'pack.json'), join(tmp, 'pack.json'), 'pack.json', LIMITS.fileBytes.packManifest, null);
    for (const f of listedFiles(m)) {
      const to = join(tmp, f.file);
      mkdirSync(dirname(to), { recursive: true });
      await copyVerified(join(report.packDir, f.file), to, f.file, packFileLimit(f.file), f.sha256);
    }
    const copied = readManifest(tmp);
    if (copied.id !== m.id || JSON.stringify(listedFiles(copied)) !== JSON.stringify(listedFiles(m))) {
      throw new PackError(`${srcDir}: pack.json changed while the pack was imported`);
    }
    await installStagedPack(tmp, destRoot, { replace: opts.replace, checksums: true, onnx: false, what: `the copy of ${srcDir}` });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { ...report, installedDir: final };
}
