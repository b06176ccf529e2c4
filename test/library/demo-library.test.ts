import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installDemoLibrary } from '../../src-main/library/demo-library';
import type { RootInfo } from '../../src-main/library/service';

const dir = mkdtempSync(join(tmpdir(), 'molecule-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeRoots() {
  const roots: RootInfo[] = [];
  return {
    roots,
    listRoots: async () => roots,
    addRoot: async (path: string) => {
      const r = { id: roots.length + 1, path, addedAt: Date.now(), fileCount: 0 };
      roots.push(r);
      return r;
    },
  };
}

describe('installDemoLibrary', () => {
  it('copies the shipped files once, keeps a file the user replaced, and adds the root once', async () => {
    const shipped = join(dir, 'shipped');
    mkdirSync(shipped);
    writeFileSync(join(shipped, 'a.wav'), 'A');
    writeFileSync(join(shipped, 'b.jpeg'), 'B');
    const dest = join(dir, 'data', 'demo-library');
    const lib = fakeRoots();
    const r1 = await installDemoLibrary(lib, shipped, dest);
    expect(readdirSync(dest).sort()).toEqual(['a.wav', 'b.jpeg']);
    writeFileSync(join(dest, 'a.wav'), 'edited');
    const r2 = await installDemoLibrary(lib, shipped, dest);
    expect(r2).toEqual(r1);
    expect(lib.roots).toHaveLength(1);
    expect(readFileSync(join(dest, 'a.wav'), 'utf8')).toBe('edited');
  });

  it('says so when the installation has no demo', async () => {
    await expect(installDemoLibrary(fakeRoots(), join(dir, 'none'), join(dir, 'd2'))).rejects.toThrow(/not part of this installation/);
    expect(existsSync(join(dir, 'd2'))).toBe(false);
  });
});
