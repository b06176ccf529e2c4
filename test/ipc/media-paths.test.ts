import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaPathError,
  decodeMediaUrlPath,
  encodeMediaUrlPath,
  resolveAllowedFile,
  resolveMediaUrlPath,
} from '../../src-main/ipc/server/media-paths';
import { openMedia, parseRange } from '../../src-main/ipc/server/media-serve';

let base: string;
let root: string;
let thumbs: string;
let outside: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'media-paths-')));
  root = join(base, 'library');
  thumbs = join(base, 'thumbs');
  outside = join(base, 'secret');
  mkdirSync(join(root, 'sub dir'), { recursive: true });
  mkdirSync(thumbs);
  mkdirSync(outside);
  writeFileSync(join(root, 'sub dir', 'rain loop.wav'), Buffer.from('RIFF0123456789'));
  writeFileSync(join(root, 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
  writeFileSync(join(thumbs, 't1.webp'), 'thumb');
  writeFileSync(join(outside, 'passwd'), 'secret');
  symlinkSync(join(outside, 'passwd'), join(root, 'link-out.jpg'));
  symlinkSync(outside, join(root, 'dir-link'));
  symlinkSync(join(root, 'a.jpg'), join(root, 'link-in.jpg'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<MediaPathError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MediaPathError);
    return e as MediaPathError;
  }
  throw new Error('expected a rejection');
}

describe('media URL paths', () => {
  it('round-trips absolute paths with spaces and unicode', () => {
    const p = '/home/ann/Música/rain loop #1.wav';
    expect(decodeMediaUrlPath(encodeMediaUrlPath(p), 'linux')).toBe(p);
    expect(encodeMediaUrlPath(p)).toBe('/local/home/ann/M%C3%BAsica/rain%20loop%20%231.wav');
  });

  it('decodes Windows drive paths only on Windows', () => {
    expect(decodeMediaUrlPath('/local/C:/Users/ann/a.wav', 'win32')).toBe('C:\\Users\\ann\\a.wav');
    expect(() => decodeMediaUrlPath('/local/C:/Users/ann/a.wav', 'linux')).toThrow(MediaPathError);
    expect(() => decodeMediaUrlPath('/local/Users/ann/a.wav', 'win32')).toThrow(/drive letter/);
  });

  it('refuses traversal segments, plain and percent-encoded', () => {
    for (const bad of ['/local/home/../etc/passwd', '/local/home/%2e%2e/etc/passwd', '/local/home/%2E%2E/etc', '/local/./etc', '/local/home/%2e/x']) {
      expect(() => decodeMediaUrlPath(bad, 'linux'), bad).toThrow(/"\." or "\.\."/);
    }
  });

  it('refuses encoded separators, NUL, malformed escapes and empty segments', () => {
    expect(() => decodeMediaUrlPath('/local/home%2F..%2Fetc/passwd', 'linux')).toThrow(/encoded separators/);
    expect(() => decodeMediaUrlPath('/local/home%5C..%5Cetc', 'linux')).toThrow(/encoded separators/);
    expect(() => decodeMediaUrlPath('/local/home/a%00.jpg', 'linux')).toThrow(/NUL/);
    expect(() => decodeMediaUrlPath('/local/home/%E0%A4%A', 'linux')).toThrow(/malformed/);
    expect(() => decodeMediaUrlPath('/local/home//etc', 'linux')).toThrow(/empty segments/);
    expect(() => decodeMediaUrlPath('/etc/passwd', 'linux')).toThrow(/must start with \/local\//);
  });
});

describe('allowed files', () => {
  it('serves files inside a root and inside the thumbnail cache', async () => {
    const f = join(root, 'sub dir', 'rain loop.wav');
    expect(await resolveAllowedFile(f, [root, thumbs])).toBe(f);
    expect(await resolveMediaUrlPath(encodeMediaUrlPath(f), [root, thumbs])).toBe(f);
    expect(await resolveAllowedFile(join(thumbs, 't1.webp'), [root, thumbs])).toBe(join(thumbs, 't1.webp'));
  });

  it('follows a symlink that stays inside the root', async () => {
    expect(await resolveAllowedFile(join(root, 'link-in.jpg'), [root])).toBe(join(root, 'a.jpg'));
  });

  it('refuses files outside every root', async () => {
    const e = await rejection(resolveAllowedFile(join(outside, 'passwd'), [root, thumbs]));
    expect(e.status).toBe(403);
    expect(e.message).toMatch(/outside the library folders/);
    // a sibling folder whose name starts with the root's name is not inside it
    mkdirSync(root + '-evil', { recursive: true });
    writeFileSync(join(root + '-evil', 'x.jpg'), 'x');
    expect((await rejection(resolveAllowedFile(join(root + '-evil', 'x.jpg'), [root]))).status).toBe(403);
  });

  it('refuses a non-normalised path that would climb out', async () => {
    const e = await rejection(resolveAllowedFile(`${root}/../secret/passwd`, [root]));
    expect(e.status).toBe(400);
  });

  it('refuses symlinks escaping the root (file and folder links)', async () => {
    const e1 = await rejection(resolveAllowedFile(join(root, 'link-out.jpg'), [root]));
    expect(e1.status).toBe(403);
    expect(e1.message).toMatch(/symlink/);
    const e2 = await rejection(resolveAllowedFile(join(root, 'dir-link', 'passwd'), [root]));
    expect(e2.status).toBe(403);
  });

  it('answers 404 for missing files and 403 for folders', async () => {
    expect((await rejection(resolveAllowedFile(join(root, 'nope.jpg'), [root]))).status).toBe(404);
    expect((await rejection(resolveAllowedFile(join(root, 'sub dir'), [root]))).status).toBe(403);
  });

  it('allows nothing when there are no roots', async () => {
    expect((await rejection(resolveAllowedFile(join(root, 'a.jpg'), []))).status).toBe(403);
  });
});

describe('byte ranges', () => {
  it('parses single ranges', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-3', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });

  it('serves the requested bytes with 206 and the whole file with 200', async () => {
    const f = join(root, 'sub dir', 'rain loop.wav');
    const read = async (r: Awaited<ReturnType<typeof openMedia>>) => {
      const chunks: Buffer[] = [];
      if (r.body) for await (const c of r.body) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString();
    };
    const part = await openMedia(f, 'bytes=4-7');
    expect(part.status).toBe(206);
    expect(part.headers['Content-Range']).toBe('bytes 4-7/14');
    expect(part.headers['Content-Type']).toBe('audio/wav');
    expect(await read(part)).toBe('0123');
    const whole = await openMedia(f, null);
    expect(whole.status).toBe(200);
    expect(await read(whole)).toBe('RIFF0123456789');
    expect((await openMedia(f, 'bytes=20-')).status).toBe(416);
  });
});
