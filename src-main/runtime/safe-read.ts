/**
 * Reading a file named from outside the app (a pack file, a tokenizer, a vocabulary, a query or upload, a
 * library file): only a regular file, only up to a size limit. The file is opened without blocking (a FIFO
 * would otherwise hang the open until some writer appears), the *opened* file is checked with fstat (no
 * window between the check and the read), and at most `size` bytes are read — a symlink to /dev/zero, a FIFO
 * or a socket is refused with a reason instead of being read forever.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export class FileRefusedError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    /** 'not-regular' | 'too-large' */
    readonly code: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'FileRefusedError';
  }
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

const kind = (s: Stats) =>
  s.isDirectory() ? 'a folder' : s.isFIFO() ? 'a FIFO (named pipe)' : s.isCharacterDevice() ? 'a character device' : s.isBlockDevice() ? 'a block device' : s.isSocket() ? 'a socket' : 'not a regular file';

const mib = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(n >= 10 * 2 ** 20 ? 0 : 1)} MiB` : `${n} bytes`);

/** Throws FileRefusedError unless `s` is a regular file of at most maxBytes. */
export function checkRegular(path: string, s: Stats, maxBytes: number): void {
  if (!s.isFile()) throw new FileRefusedError(path, `${kind(s)}, not a regular file`, 'not-regular');
  if (s.size > maxBytes) throw new FileRefusedError(path, `file too large: ${mib(s.size)} (limit ${mib(maxBytes)})`, 'too-large');
}

/** The bytes of a regular file of at most maxBytes (async). Errors: FileRefusedError or the fs error (ENOENT, EACCES …). */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, OPEN_FLAGS);
    const s = await fh.stat();
    checkRegular(path, s, maxBytes);
    const buf = Buffer.allocUnsafeSlow(s.size); // its own ArrayBuffer: callers may read .buffer (a pooled slice starts elsewhere)
    let got = 0;
    while (got < s.size) {
      const { bytesRead } = await fh.read(buf, got, s.size - got, got);
      if (bytesRead === 0) break; // the file shrank while we read it
      got += bytesRead;
    }
    return got === s.size ? buf : buf.subarray(0, got);
  } finally {
    await fh?.close();
  }
}

/** Synchronous readRegularFile. */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const s = fstatSync(fd);
    checkRegular(path, s, maxBytes);
    const buf = Buffer.allocUnsafeSlow(s.size); // its own ArrayBuffer: callers may read .buffer (a pooled slice starts elsewhere)
    let got = 0;
    while (got < s.size) {
      const n = readSync(fd, buf, got, s.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === s.size ? buf : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 text of a regular file of at most maxBytes. */
export function readRegularTextSync(path: string, maxBytes: number): string {
  return readRegularFileSync(path, maxBytes).toString('utf8');
}

export async function readRegularText(path: string, maxBytes: number): Promise<string> {
  return (await readRegularFile(path, maxBytes)).toString('utf8');
}
