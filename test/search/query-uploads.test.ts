import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneUploads, saveQueryUpload } from '../../src-main/search/query-uploads';

const dir = mkdtempSync(join(tmpdir(), 'molecule-uploads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('query uploads', () => {
  it('writes the bytes under a unique name and tells the modality by extension', () => {
    const a = saveQueryUpload(join(dir, 'q'), 'Photo.JPG', new Uint8Array([1, 2, 3]));
    const b = saveQueryUpload(join(dir, 'q'), 'Photo.JPG', new Uint8Array([4]));
    expect(a.modality).toBe('image');
    expect(a.path).not.toBe(b.path);
    expect([...readFileSync(a.path)]).toEqual([1, 2, 3]);
    expect(saveQueryUpload(join(dir, 'q'), 'take.flac', new Uint8Array([0])).modality).toBe('audio');
  });

  it('refuses a file type the library cannot read, writing nothing', () => {
    const d = join(dir, 'refused');
    expect(() => saveQueryUpload(d, 'notes.txt', new Uint8Array([1]))).toThrow(/not a supported image or audio file type/);
    expect(() => readdirSync(d)).toThrow();
  });

  it('keeps only the newest uploads (names sort by time)', () => {
    const d = join(dir, 'prune');
    for (let i = 0; i < 5; i++) saveQueryUpload(d, `x${i}.png`, new Uint8Array([i]), 3);
    const left = readdirSync(d).sort();
    expect(left).toHaveLength(3);
    expect(left.map((f) => f.replace(/^\d+-[0-9a-f]+-/, ''))).toEqual(['x2.png', 'x3.png', 'x4.png']);
    pruneUploads(d, 1);
    expect(readdirSync(d)).toHaveLength(1);
    pruneUploads(join(dir, 'missing'), 1); // no folder: nothing to do, no throw
  });
});
