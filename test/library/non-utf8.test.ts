/**
 * File names that are not valid UTF-8 (issue 15, item 6): a Latin-1 `caf\xe9.jpg` on Linux was recorded as
 * "cannot stat file: ENOENT" under a name with replacement characters. Such names are refused with their true reason
 * under a lossless display form (`caf\xE9.jpg`), the same record every run; renamed, the file indexes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { displayName } from '../../src-main/library/scan';
import { openLibrary, tempDir } from './helpers';
import { makeImage } from './media';

const { dir, cleanup } = tempDir('non-utf8');
const lib = join(dir, 'lib');
const bytesPath = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p, i) => Buffer.concat([i ? Buffer.from('/') : Buffer.alloc(0), typeof p === 'string' ? Buffer.from(p) : p])));

beforeAll(async () => {
  mkdirSync(lib, { recursive: true });
  await makeImage(join(dir, 'src.jpg'), 5);
  await makeImage(join(dir, 'src2.jpg'), 6);
  copyFileSync(join(dir, 'src.jpg'), bytesPath(lib, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x6a, 0x70, 0x67]))); // "café.jpg" in Latin-1
  mkdirSync(bytesPath(lib, Buffer.from([0x64, 0x69, 0x72, 0xff])));
  copyFileSync(join(dir, 'src2.jpg'), bytesPath(lib, Buffer.from([0x64, 0x69, 0x72, 0xff]), 'inside.jpg'));
  copyFileSync(join(dir, 'src2.jpg'), join(lib, 'café.jpg')); // the same name in UTF-8: fine
});
afterAll(cleanup);

describe('file names that are not valid UTF-8', () => {
  it('display form: valid UTF-8 unchanged, other bytes as \\xHH', () => {
    expect(displayName(Buffer.from('café 🚂.jpg'))).toBe('café 🚂.jpg');
    expect(displayName(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x6a, 0x70, 0x67]))).toBe('caf\\xE9.jpg');
    expect(displayName(Buffer.from([0xc0, 0xaf, 0x41]))).toBe('\\xC0\\xAFA'); // an overlong '/' stays bytes
    expect(displayName(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\xED\\xA0\\x80'); // a UTF-16 surrogate is not UTF-8
  });

  it('are refused with their true reason, the same record every run; renamed, they index', async () => {
    const { lib: library } = await openLibrary(join(dir, 'lib.db'));
    try {
      const s = await library.indexFolders([lib]);
      const reasons = Object.fromEntries(s.failures.map((f) => [f.path, f.reason]));
      expect(reasons).toEqual({
        [join(lib, 'caf\\xE9.jpg')]: 'file name is not valid UTF-8 (an older encoding such as Latin-1?); rename the file to index it',
        [join(lib, 'dir\\xFF')]: 'folder name is not valid UTF-8 (an older encoding such as Latin-1?); rename the folder to index what it holds',
      });
      expect(s.indexed).toBe(1); // café.jpg (UTF-8)
      expect(JSON.stringify(s)).not.toMatch(/ENOENT|\uFFFD/);
      const again = await library.indexFolders([lib]);
      expect(again).toMatchObject({ indexed: 0, unchanged: 1, failed: 2, removed: 0 });
      // the user renames them: the failures leave, the files index
      const names = readdirSync(lib, { encoding: 'buffer' });
      renameSync(bytesPath(lib, names.find((n) => n[3] === 0xe9)!), join(lib, 'cafe-renamed.jpg'));
      renameSync(bytesPath(lib, names.find((n) => n[3] === 0xff)!), join(lib, 'dir-renamed'));
      const fixed = await library.indexFolders([lib]);
      expect(fixed).toMatchObject({ indexed: 1, skipped: 1, failed: 0 }); // inside.jpg has café.jpg's bytes: linked, not re-encoded
      expect(await library.failures()).toEqual([]);
    } finally {
      await library.close();
    }
  });
});


