import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderTrasher } from '../../src-main/bridge/server';

describe('bridge --trash-dir (tests only): a folder standing in for the system trash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-trash-dir-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('moves files into the folder and never overwrites one already there', async () => {
    const trash = folderTrasher(join(dir, 'trash'));
    for (const [sub, text] of [['a', 'first'], ['b', 'second']] as const) {
      const p = join(dir, sub, 'photo.jpg');
      mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(p, text);
      await trash(p);
      expect(existsSync(p)).toBe(false);
    }
    expect(readdirSync(join(dir, 'trash')).sort()).toEqual(['photo (2).jpg', 'photo.jpg']);
    expect(readFileSync(join(dir, 'trash', 'photo.jpg'), 'utf8')).toBe('first');
    expect(readFileSync(join(dir, 'trash', 'photo (2).jpg'), 'utf8')).toBe('second');
  });

  it('fails with the file system error for a missing file', async () => {
    await expect(folderTrasher(join(dir, 'trash'))(join(dir, 'nope.jpg'))).rejects.toThrow(/ENOENT/);
  });
});
