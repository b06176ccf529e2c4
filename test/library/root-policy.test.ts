/**
 * What may be a library folder (issue 15, item 9; docs/SECURITY.md): not a file-system root, not the home folder
 * itself, not a system folder — also when reached through a symlink. Subfolders of home and temporary folders are fine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { rootRefusal } from '../../src-main/library/root-policy';
import { openLibrary, tempDir } from './helpers';

const { dir, cleanup } = tempDir('root-policy');
afterAll(cleanup);

describe('library folder policy', () => {
  it('refuses /, the home folder, system folders, and a symlink to /', () => {
    expect(rootRefusal('/')).toMatch(/is the root of a file system/);
    expect(rootRefusal(homedir())).toMatch(/is your whole home folder; add the folders that hold your media instead/);
    for (const s of ['/etc', '/usr/share/sounds', '/proc', '/var/lib', '/dev', '/sys']) expect(rootRefusal(s), s).toMatch(/is a system folder/);
    symlinkSync('/', join(dir, 'everything'));
    expect(rootRefusal(join(dir, 'everything'))).toMatch(/everything \(→ \/\) is the root of a file system/);
  });

  it('accepts subfolders of home, mounts and temporary folders', () => {
    expect(rootRefusal(join(homedir(), 'Pictures'))).toBeNull();
    expect(rootRefusal('/media/user/SD_CARD')).toBeNull();
    expect(rootRefusal('/mnt/nas/recordings')).toBeNull();
    mkdirSync(join(dir, 'photos'));
    expect(rootRefusal(join(dir, 'photos'))).toBeNull();
  });

  it('the library (app, bridge and CLI all add folders through it) refuses them with the reason', async () => {
    const { lib } = await openLibrary(join(dir, 'lib.db'));
    try {
      await expect(lib.addRoot('/')).rejects.toThrow(/cannot add \/ is the root of a file system/);
      await expect(lib.addRoot('/etc')).rejects.toThrow(/is a system folder/);
      await expect(lib.indexFolders([join(dir, 'everything')])).rejects.toThrow(/root of a file system/);
      expect(await lib.listRoots()).toEqual([]);
      mkdirSync(join(dir, 'ok'));
      expect((await lib.addRoot(join(dir, 'ok'))).path).toBe(join(dir, 'ok'));
    } finally {
      await lib.close();
    }
  });
});
